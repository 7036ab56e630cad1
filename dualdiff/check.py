"""``check_grad``: forward mode, reverse mode and a numerical derivative, entry by entry.

Every derivative entry (first order: the Jacobian; second order: the Hessian,
or the second derivatives of each output) is computed by each AD mode and by
numerical differentiation; they must agree within a tolerance that follows
from the numerical method's own error estimate (:mod:`dualdiff.numeric`).

The numerical method ``"auto"`` prefers the complex step, which is exact to a
few ulps, when f accepts complex input and the result agrees with central
differences there (a function that calls ``abs`` or compares values is not
analytic, and its complex step is wrong); otherwise it uses Richardson
extrapolation, or central differences if Richardson's wider steps leave f's
domain. Second derivatives differentiate that first derivative again by
central differences.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import numeric
from ._util import primal_of
from .pytree import _split, tree_flatten, tree_map, tree_unflatten
from .reverse import Var
from .transforms import jacfwd, jacrev

__all__ = ["GradCheckReport", "GradientCheckError", "check_grad"]

# Error estimates are good to about an order of magnitude: allow ten times one.
SAFETY = 10.0

_FIRST: dict[str, Callable[..., Any]] = {"fwd": jacfwd, "rev": jacrev}
# order 2: "outer-inner", e.g. "fwd-rev" is forward over reverse (what dd.hessian does)
_SECOND: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "fwd": (jacfwd, jacfwd),
    "rev": (jacrev, jacrev),
    "fwd-rev": (jacfwd, jacrev),
    "rev-fwd": (jacrev, jacfwd),
}


class GradientCheckError(AssertionError):
    """Derivatives disagree; ``.report`` holds the :class:`GradCheckReport`."""

    def __init__(self, report: GradCheckReport) -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class GradCheckReport:
    """The outcome of :func:`check_grad`; flat arrays, one entry per derivative entry.

    ``labels[k]`` names entry k (``"x[1]"``, ``"out[0], x[2]"``, ``"x[0], y[1]"``);
    ``values[mode]`` holds each AD mode's entries, ``numeric`` the numerical
    ones, ``error`` their error estimate and ``tolerance`` the allowed
    ``|mode - numeric|``. ``print(report)`` shows the worst entries.
    """

    order: int
    method: str
    labels: list[str]
    values: dict[str, np.ndarray]
    numeric: np.ndarray
    error: np.ndarray
    tolerance: np.ndarray

    @property
    def abs_error(self) -> np.ndarray:
        """``max over modes |mode - numeric|`` per entry (inf where a mode is not finite)."""
        diffs = [np.abs(v - self.numeric) for v in self.values.values()]
        worst = np.max(diffs, axis=0) if diffs else np.zeros_like(self.numeric)
        return np.where(np.isnan(worst), np.inf, worst)

    @property
    def rel_error(self) -> np.ndarray:
        scale = np.abs(self.numeric)
        return self.abs_error / np.where(scale > 0, scale, 1.0)

    @property
    def passed(self) -> bool:
        return bool(np.all(self.abs_error <= self.tolerance))

    def worst(self, k: int = 8) -> list[int]:
        """The indices of the ``k`` entries with the largest error / tolerance, worst first."""
        ratio = self.abs_error / np.where(self.tolerance > 0, self.tolerance, np.inf)
        ratio = np.where(self.abs_error > self.tolerance, np.maximum(ratio, 1.0), ratio)
        return [int(i) for i in np.argsort(-ratio, kind="stable")[:k]]

    def __str__(self) -> str:
        n = len(self.labels)
        verdict = "passed" if self.passed else f"FAILED at {self._n_failed()} of {n} entries"
        head = (
            f"check_grad, order {self.order}, {n} entries, modes {', '.join(self.values)}, "
            f"numeric method {self.method!r}: {verdict}"
        )
        return head + "\n" + self._table(self.worst())

    def _n_failed(self) -> int:
        return int(np.sum(self.abs_error > self.tolerance))

    def _table(self, rows: list[int]) -> str:
        cols = ["entry", *self.values, "numeric", "abs err", "rel err", "tol"]
        cells = [
            [
                self.labels[i],
                *(f"{v[i]:.10g}" for v in self.values.values()),
                f"{self.numeric[i]:.10g}",
                f"{self.abs_error[i]:.2e}",
                f"{self.rel_error[i]:.2e}",
                f"{self.tolerance[i]:.2e}",
            ]
            for i in rows
        ]
        widths = [max(len(c), *(len(r[j]) for r in cells)) for j, c in enumerate(cols)]
        lines = [cols, *cells]
        return "\n".join(
            "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in lines
        )


# --- the problem in flat form ------------------------------------------------------------


@dataclass
class _Flat:
    """f as a function of the differentiated leaves (one positional argument each), all
    packed into one flat vector, and its outputs packed into another."""

    f: Callable[..., Any]
    args: tuple[Any, ...]
    names: list[str]
    x: np.ndarray
    in_shapes: list[tuple[int, ...]]
    out_shapes: list[tuple[int, ...]]

    def split(self, y: np.ndarray) -> list[Any]:
        """The leaves for the flat vector ``y``, shaped (and typed) like the originals."""
        out, start = [], 0
        for a, shape in zip(self.args, self.in_shapes, strict=True):
            size = int(np.prod(shape))
            piece = y[start : start + size]
            out.append(piece[0].item() if isinstance(a, (int, float)) else piece.reshape(shape))
            start += size
        return out

    def __call__(self, y: np.ndarray) -> np.ndarray:
        leaves = tree_flatten(self.f(*self.split(y)))[0]
        return np.concatenate([np.ravel(np.asarray(primal_of(o))) for o in leaves])


def _is_module(a: Any) -> bool:
    return callable(getattr(a, "named_parameters", None)) and hasattr(a, "with_parameters")


def _differentiable(a: Any) -> bool:
    """Whether argument ``a`` is differentiated by default: a module, or a pytree whose
    leaves are all real or complex floating numbers, arrays or Vars."""
    if _is_module(a):
        return True
    leaves = tree_flatten(a)[0]
    return bool(leaves) and all(_inexact(x) for x in leaves)


def _inexact(x: Any) -> bool:
    if isinstance(x, Var):
        return True
    if isinstance(x, (bool, int, str, bytes)) or x is None:
        return False
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return isinstance(x, (float, complex))
    return np.dtype(dtype).kind in "fc"


def _argnums(args: tuple[Any, ...], argnums: int | Sequence[int] | None) -> tuple[int, ...]:
    if argnums is None:
        nums = tuple(i for i, a in enumerate(args) if _differentiable(a))
        if not nums:
            kinds = ", ".join(type(a).__name__ for a in args)
            raise TypeError(
                f"check_grad: no argument to differentiate among ({kinds}): give real numbers "
                "or float arrays (np.asarray(x, dtype=float)), or name them with argnums="
            )
        return nums
    given: tuple[Any, ...] = tuple(argnums) if isinstance(argnums, (tuple, list)) else (argnums,)
    for i in given:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"check_grad: argnums must be ints, got {argnums!r}")
        if not -len(args) <= i < len(args):
            raise ValueError(
                f"check_grad: argnums={argnums!r} but f gets {len(args)} positional argument(s)"
            )
    return tuple(sorted({int(i) % len(args) for i in given}))


def _arg_tree(a: Any) -> Any:
    """An argument's differentiated pytree: a module's parameters by name, Vars as values."""
    if _is_module(a):
        return {name: p.value for name, p in a.named_parameters()}
    return tree_map(lambda x: x.value if isinstance(x, Var) else x, a)


def _leaf_paths(tree: Any, name: str) -> list[str]:
    """A name per leaf of ``tree``, in flatten order: ``W``, ``params[1]``, ``p['w']``."""
    paths, stack = [], [(tree, name)]
    while stack:
        x, path = stack.pop()
        split = _split(x)
        if split is None:
            paths.append(path)
            continue
        kind, meta, kids = split
        keys = meta if kind == "dict" else range(len(kids))
        stack.extend(reversed([(k, f"{path}[{key!r}]") for k, key in zip(kids, keys, strict=True)]))
    return paths


def _leaf_function(
    f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...]
) -> tuple[Callable[..., Any], list[Any], list[str]]:
    """f as a function of the differentiated leaves only (one positional argument each),
    the leaves at the point, and their names; other arguments are passed as given."""
    names = _arg_names(f, len(args))
    trees = {i: tree_flatten(_arg_tree(args[i])) for i in nums}
    leaves = [x for i in nums for x in trees[i][0]]
    labels = []
    for i in nums:
        module = _is_module(args[i])
        for path in _leaf_paths(_arg_tree(args[i]), names[i]):
            labels.append(f"{names[i]}.{path[len(names[i]) + 2 : -2]}" if module else path)

    def g(*xs: Any) -> Any:
        full, start, modules = list(args), 0, []
        for i in nums:
            leaves_i, td = trees[i]
            part = tree_unflatten(td, xs[start : start + len(leaves_i)])
            start += len(leaves_i)
            if _is_module(args[i]):
                modules.append(args[i].with_parameters(part))
            else:
                full[i] = part
        with contextlib.ExitStack() as stack:
            for m in modules:
                stack.enter_context(m)
            return f(*full)

    return g, leaves, labels


def _flat_problem(
    f: Callable[..., Any], args: tuple[Any, ...], argnums: int | Sequence[int] | None
) -> _Flat:
    if not args:
        raise TypeError("check_grad(f, *args): give the point to check at, e.g. check_grad(f, x)")
    nums = _argnums(args, argnums)
    g, leaves, labels = _leaf_function(f, args, nums)
    arrays = []
    for label, a in zip(labels, leaves, strict=True):
        arr = np.asarray(a) if not isinstance(a, (str, bytes)) and a is not None else None
        if arr is None or arr.dtype.kind not in "biuf":
            what = type(a).__name__ if arr is None else f"an array of dtype {arr.dtype}"
            raise TypeError(
                f"check_grad: {label} (argument {nums[0] if len(nums) == 1 else nums}) is "
                f"{what}; check_grad differentiates with respect to real numbers and arrays "
                "(convert with np.asarray(x, dtype=float), or leave it out of argnums)"
            )
        arrays.append(arr.astype(np.float64) if arr.dtype.kind != "f" else arr)
    dtype = np.result_type(*arrays)
    x = np.concatenate([a.ravel() for a in arrays]).astype(dtype)
    if x.size == 0:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"check_grad: the arguments are empty (shapes {shapes}): nothing to check")
    out_leaves = tree_flatten(g(*leaves))[0]
    out_shapes = [np.shape(primal_of(o)) for o in out_leaves]
    return _Flat(g, tuple(leaves), labels, x, [a.shape for a in arrays], out_shapes)


def _labels(prob: _Flat, order: int) -> list[str]:
    """Entry names in flat order: output entry (if not a single scalar), then input entries."""
    inputs = [
        f"{n}{_index(s, k)}"
        for n, s in zip(prob.names, prob.in_shapes, strict=True)
        for k in range(int(np.prod(s)))
    ]
    outs = [
        f"out{j if len(prob.out_shapes) > 1 else ''}{_index(s, k)}"
        for j, s in enumerate(prob.out_shapes)
        for k in range(int(np.prod(s)))
    ]
    tails = inputs if order == 1 else [f"{a}, {b}" for a in inputs for b in inputs]
    if outs == ["out"]:
        return tails
    return [f"{o}, {t}" for o in outs for t in tails]


def _arg_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [
        p.name
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return positional[:n] if len(positional) >= n else [f"arg{i}" for i in range(n)]


def _index(shape: tuple[int, ...], k: int) -> str:
    if shape == ():
        return ""
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(k, shape)) + "]"


# --- the three sides ----------------------------------------------------------------------


def _ad_entries(f: Callable[..., Any], prob: _Flat, mode: str, order: int) -> np.ndarray:
    """One AD mode's derivative entries in flat order (output, input[, input])."""
    nums = tuple(range(len(prob.args)))
    if order == 1:
        result = _FIRST[mode](f, nums)(*prob.args)
    else:
        outer, inner = _SECOND[mode]
        result = outer(inner(f, nums), nums)(*prob.args)
    blocks = iter(np.asarray(primal_of(b), dtype=float) for b in tree_flatten(result)[0])
    sizes = [int(np.prod(s)) for s in prob.in_shapes]
    rows = []
    for out_shape in prob.out_shapes:
        m = int(np.prod(out_shape))
        if order == 1:
            rows.append(np.concatenate([next(blocks).reshape(m, n) for n in sizes], axis=1))
        else:
            rows.append(_hessian_rows(blocks, m, sizes))
    return np.concatenate(rows).ravel()


def _hessian_rows(blocks: Any, m: int, sizes: list[int]) -> np.ndarray:
    """Second-derivative blocks, inner argument i outside, outer argument j inside."""
    return np.concatenate(
        [np.concatenate([next(blocks).reshape(m, ni, nj) for nj in sizes], axis=2) for ni in sizes],
        axis=1,
    )


def _numeric_entries(prob: _Flat, order: int, method: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The numerical entries, their error estimate, and the method used."""
    first = None
    if method == "auto":
        method, first = _auto_method(prob)
    if order == 1 and first is not None:
        est = first
    elif order == 1:
        est = numeric.jacobian(prob, prob.x, method=method, full_output=True)
    else:  # central outside: ample accuracy for a check, at a third of Richardson's cost
        outer = "central" if method in ("complex", "richardson") else method
        est = numeric.hessian(prob, prob.x, method=method, full_output=True, outer=outer)
    return np.ravel(est.value), np.ravel(est.error), method


def _auto_method(prob: _Flat) -> tuple[str, numeric.Estimate]:
    """The complex step if it agrees with central differences at x, else Richardson
    (or central, where Richardson's wider steps leave f's domain).

    Returns the method and its first-order estimate.
    """
    central = numeric.jacobian(prob, prob.x, method="central", full_output=True)
    try:
        cs = numeric.jacobian(prob, prob.x, method="complex", full_output=True)
    except Exception:  # whatever f does with complex input, the complex step is then out
        cs = None
    if cs is not None:
        agree = np.abs(cs.value - central.value) <= SAFETY * (central.error + cs.error)
        if np.all(agree):
            return "complex", cs
    rich = numeric.jacobian(prob, prob.x, method="richardson", full_output=True)
    return ("richardson", rich) if np.all(np.isfinite(rich.value)) else ("central", central)


def _tolerance(prob: _Flat, order: int, num: np.ndarray, err: np.ndarray) -> np.ndarray:
    """The allowed ``|mode - numeric|`` per entry: SAFETY times the errors of both sides.

    The numerical side's is its estimate; the AD side's is round-off: an ulp of
    the entry plus f's noise per unit step of each input involved (see
    :func:`dualdiff.numeric.noise_level`).
    """
    eps = float(np.finfo(prob.x.dtype).eps)
    noise = np.ravel(numeric.noise_level(prob, prob.x))
    scale = np.maximum(1.0, np.abs(prob.x))
    per_unit = noise[:, None] / scale[None, :]
    if order == 2:
        per_unit = per_unit[:, :, None] / scale[None, None, :]
    return SAFETY * (err + eps * np.abs(num) + per_unit.ravel())


def check_grad(
    f: Callable[..., Any],
    *args: Any,
    argnums: int | Sequence[int] | None = None,
    modes: Sequence[str] = ("fwd", "rev"),
    order: int = 1,
    method: str = "auto",
    rtol: float | None = None,
    atol: float | None = None,
) -> GradCheckReport:
    """Check f's derivatives at ``args`` by each AD mode against a numerical derivative.

    ``argnums`` (an int or a tuple, as in ``dd.grad``) names the arguments to
    differentiate; by default every argument that holds floating-point values. Other
    arguments (integer labels, flags, strings, None) are passed to f as they are. An
    argument may be a pytree (list, tuple, dict) of arrays, checked leaf by leaf, or a
    ``dd.nn.Module``: then f is called with the module while its parameters take the
    values being differentiated, e.g. ``check_grad(lambda m: loss(m(X), y), model)``.
    ``Var`` leaves (``model.parameters()``) are taken at their values.
    ``order=1`` compares Jacobians (``dd.jacfwd``, ``dd.jacrev``); ``order=2``
    second derivatives, where a mode is ``"fwd"`` (forward over forward),
    ``"rev"``, ``"fwd-rev"`` (forward over reverse, as ``dd.hessian``) or
    ``"rev-fwd"``. ``method`` is ``"auto"`` or a :data:`dualdiff.numeric.METHODS`
    name. The tolerance follows the numerical error estimate unless ``rtol`` /
    ``atol`` are given (then ``atol + rtol·|numeric|``). Raises
    :class:`GradientCheckError` naming the worst entries; returns the report.
    """
    table = _modes_table(order)
    for m in modes:
        if m not in table:
            raise ValueError(
                f"check_grad: unknown mode {m!r} for order {order}; choose from {tuple(table)}"
            )
    if method != "auto" and method not in numeric.METHODS:
        raise ValueError(
            f"check_grad: method must be 'auto' or one of {numeric.METHODS}, got {method!r}"
        )
    prob = _flat_problem(f, args, argnums)
    values = {m: _ad_entries(prob.f, prob, m, order) for m in modes}
    with np.errstate(all="ignore"):  # probing may step out of f's domain: handled below
        num, err, used = _numeric_entries(prob, order, method)
    if not np.all(np.isfinite(num)):
        bad = [i for i in range(num.size) if not np.isfinite(num[i])]
        labels = _labels(prob, order)
        raise ValueError(
            f"check_grad: the numerical derivative ({used}) is not finite at "
            f"{', '.join(labels[i] for i in bad[:5])}: f is undefined or overflows within a "
            "step of the point; check at a point inside f's domain, or pass method="
        )
    if rtol is not None or atol is not None:
        tol = (atol or 0.0) + (rtol or 0.0) * np.abs(num)
    else:
        tol = _tolerance(prob, order, num, err)
    report = GradCheckReport(order, used, _labels(prob, order), values, num, err, tol)
    if not report.passed:
        raise GradientCheckError(report)
    return report


def _modes_table(order: int) -> dict[str, Any]:
    if order == 1:
        return _FIRST
    if order == 2:
        return _SECOND
    raise ValueError(f"check_grad: order must be 1 or 2, got {order!r}")
