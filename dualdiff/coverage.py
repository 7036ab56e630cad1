"""Which NumPy and SciPy functions dualdiff differentiates: the page ``docs/numpy-coverage.md``.

``python -m dualdiff coverage > docs/numpy-coverage.md`` writes it. Every public function
of NumPy's main namespace, ``np.linalg`` and ``np.fft`` (as the installed NumPy lists them
in ``__all__``), and a fixed list of SciPy functions, is marked

- *differentiable*: a registry op handles it, either through NumPy's dispatch
  (``np.NAME(x)`` on a traced value) or as the ``dd`` function named beside it;
- *plain-valued*: it runs on the primal values and returns a plain value
  (an integer, boolean or shape result);
- *not supported*, with the category of the reason.

The marks are read from the ops' ``NUMPY`` tables and :func:`dualdiff.numpy_api.routing`,
so the page follows the registry.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .numpy_api import routing

__all__ = ["Entry", "coverage_entries", "coverage_page"]

DIFFERENTIABLE, PLAIN, UNSUPPORTED = "differentiable", "plain-valued", "not supported"

# SciPy's functions on the list (SciPy is optional; its namespaces are listed in full
# elsewhere), and where dualdiff keeps their twins.
SCIPY: dict[str, tuple[str, ...]] = {
    "scipy.special": (
        "erf", "erfc", "erfinv", "erfcinv", "gamma", "gammaln", "digamma", "psi", "polygamma",
        "beta", "betaln", "logit", "expit", "xlogy", "xlog1py", "ndtr", "ndtri", "log_ndtr",
        "i0", "i1", "i0e", "i1e", "j0", "j1", "y0", "y1", "logsumexp", "softmax",
    ),
    "scipy.linalg": ("cholesky", "cho_solve", "solve_triangular", "expm"),
    "scipy.stats.norm": ("logpdf", "pdf", "cdf", "logcdf"),
}  # fmt: skip

# where the dd twin of each namespace lives
TWINS = {
    "numpy": "dualdiff",
    "numpy.linalg": "dualdiff.linalg",
    "numpy.fft": "dualdiff.fft",
    "scipy.special": "dualdiff.scipy.special",
    "scipy.linalg": "dualdiff.scipy.linalg",
    "scipy.stats.norm": "dualdiff.scipy.stats.norm",
}


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Why a function has no rule, by category; a function in none of them has no rule yet.
REASONS: dict[str, frozenset[str]] = {
    "I/O: reads or writes files, buffers or text": _names(
        "load save savez savez_compressed savetxt loadtxt genfromtxt fromfile frombuffer "
        "fromstring fromregex from_dlpack"
    ),
    "printing, configuration or introspection: no array result": _names(
        "array2string array_repr array_str base_repr binary_repr format_float_positional "
        "format_float_scientific get_include get_printoptions set_printoptions printoptions "
        "getbufsize setbufsize geterr seterr geterrcall seterrcall info show_config "
        "show_runtime test typename iterable isscalar isfortran nested_iters"
    ),
    "types and dtypes: no array values": _names(
        "can_cast common_type isdtype issubdtype min_scalar_type mintypecode promote_types"
    ),
    "dates and times": _names(
        "busday_count busday_offset is_busday datetime_as_string datetime_data isnat"
    ),
    "a constant from shapes or sizes: no input to differentiate (works as it is)": _names(
        "arange empty eye full identity indices ones zeros tri diag_indices tril_indices "
        "triu_indices mask_indices bartlett blackman hamming hanning kaiser fromfunction "
        "fromiter ix_ ravel_multi_index unravel_index fftfreq rfftfreq"
    ),
    "integers and bits: no derivative": _names(
        "bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_invert bitwise_count "
        "bitwise_left_shift bitwise_right_shift invert left_shift right_shift gcd lcm "
        "packbits unpackbits"
    ),
    "writes into an array in place: traced values are immutable (use dd.where)": _names(
        "copyto fill_diagonal place put put_along_axis putmask"
    ),
    "converts to an ndarray, which drops the derivative: use dd.asarray": _names(
        "asanyarray asarray_chkfinite ascontiguousarray asfortranarray asmatrix require"
    ),
    "calls Python functions on the values: write the function with dd ops": _names(
        "apply_along_axis apply_over_axes frompyfunc"
    ),
}
NO_RULE = "no derivative rule yet (dd.register_op adds one)"


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the page: ``np.cumsum``, its status, and the dd function or the reason."""

    name: str
    status: str
    note: str


def _public_functions(module: Any) -> list[str]:
    """The public callables of ``module`` (functions and ufuncs; no classes, no modules)."""
    names = getattr(module, "__all__", dir(module))
    return sorted(
        n
        for n in set(names)
        if not n.startswith("_")
        and callable(getattr(module, n, None))
        and not isinstance(getattr(module, n), (type, types.ModuleType))
    )


def _resolve(dotted: str) -> Any:
    """``dualdiff.linalg`` or ``scipy.stats.norm``: a module or an attribute path, or None."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for part in parts[k:]:
            obj = getattr(obj, part, None)
        return obj
    return None


def _twin(home: str, name: str, obj: Any) -> str | None:
    """``dd.linalg.inv`` for ``np.linalg.inv``: the dd function ``name`` of the namespace
    ``home``, if it has one of its own (not the NumPy function itself)."""
    fn = getattr(_resolve(home), name, None)
    if not callable(fn) or isinstance(fn, types.ModuleType) or fn is obj:
        return None
    return "dd" + home.removeprefix("dualdiff") + "." + name


def _entry(namespace: str, label: str, name: str, obj: Any) -> Entry:
    twin = _twin(TWINS[namespace], name, obj)
    route = routing(obj) if obj is not None else None
    if route is not None and route[0] == "differentiable":
        # np.absolute's op is dd.abs: name the op when dd has no function of NumPy's name
        twin = twin or _twin("dualdiff", getattr(route[1], "__name__", ""), obj)
        return Entry(label, DIFFERENTIABLE, f"`{twin}`" if twin else "through NumPy's dispatch")
    if route is None and twin is not None:
        return Entry(label, DIFFERENTIABLE, f"`{twin}`")
    if route is not None:
        return Entry(label, PLAIN, "runs on the primal values")
    reason = next((why for why, names in REASONS.items() if name in names), NO_RULE)
    return Entry(label, UNSUPPORTED, reason)


def coverage_entries() -> Iterator[tuple[str, list[Entry]]]:
    """``(namespace, entries)`` for NumPy's three namespaces, then SciPy's (if installed)."""
    for namespace, short in (
        ("numpy", "np"),
        ("numpy.linalg", "np.linalg"),
        ("numpy.fft", "np.fft"),
    ):
        module = _resolve(namespace)
        yield (
            namespace,
            [
                _entry(namespace, f"{short}.{n}", n, getattr(module, n))
                for n in _public_functions(module)
            ],
        )
    for namespace, names in SCIPY.items():
        home = _resolve(namespace)
        if home is None:
            continue
        yield (
            namespace,
            [_entry(namespace, f"{namespace}.{n}", n, getattr(home, n, None)) for n in names],
        )


def _versions() -> str:
    found = [f"NumPy {'.'.join(np.__version__.split('.')[:2])}"]
    scipy = _resolve("scipy")
    if scipy is not None:
        found.append(f"SciPy {'.'.join(scipy.__version__.split('.')[:2])}")
    return " and ".join(found)


def coverage_page() -> str:
    """The Markdown page: a summary table, then one table per namespace."""
    sections = list(coverage_entries())
    lines = [
        "# NumPy and SciPy coverage",
        "",
        "Which NumPy and SciPy functions dualdiff differentiates, generated from its "
        f"registry with {_versions()}. Do not edit by hand: regenerate it with",
        "`python -m dualdiff coverage > docs/numpy-coverage.md`.",
        "",
        f"- **{DIFFERENTIABLE}**: `np.NAME(x)` on a Dual or Var reaches a registry op "
        "(NumPy's dispatch), or the `dd` function named beside it differentiates it;",
        f"- **{PLAIN}**: an integer, boolean or shape result, computed from the primal "
        "values (a guard under `dd.compile` when it reads the values);",
        f"- **{UNSUPPORTED}**: with the reason.",
        "",
        f"| namespace | {DIFFERENTIABLE} | {PLAIN} | {UNSUPPORTED} |",
        "|---|---:|---:|---:|",
    ]
    for namespace, entries in sections:
        counts = [sum(e.status == s for e in entries) for s in (DIFFERENTIABLE, PLAIN, UNSUPPORTED)]
        lines.append(f"| `{namespace}` | " + " | ".join(map(str, counts)) + " |")
    for namespace, entries in sections:
        lines += ["", f"## {namespace}", "", "| function | status | dd function or reason |"]
        lines.append("|---|---|---|")
        lines += [f"| `{e.name}` | {e.status} | {e.note} |" for e in entries]
    return "\n".join(lines) + "\n"
