"""One small program per registry op, built from the oracle tables (``tests/oracles``):
a scalar loss ``sum(w * op(x, ...))`` with fixed weights, and a way to draw its inputs
afresh. ``tests/test_source.py`` and ``tests/test_export.py`` walk the registry with them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from oracles import ELEMENTWISE, STRUCTURAL
from oracles.domains import as_input

import dualdiff as dd


@dataclass
class Program:
    op: str
    label: str
    f: Callable[..., Any]
    draw: Callable[[np.random.Generator], list[Any]]  # the arguments, drawn from the domains
    argnums: tuple[int, ...]  # the floating-point arguments

    @property
    def id(self) -> str:
        return f"{self.op}-{self.label}"

    def redraw(self, args: list[Any], rng: np.random.Generator) -> list[Any]:
        """``args`` with new values for the floating-point arguments (the others, static
        to a compiled or exported program, kept)."""
        new = self.draw(rng)
        return [new[i] if i in self.argnums else a for i, a in enumerate(args)]


def rng_for(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _weights(out: Any, dtype: type, rng: np.random.Generator) -> list[tuple[Any, Any]]:
    """(weight of the real part, weight of the imaginary part or None) per output leaf."""
    leaves, _ = dd.tree_flatten(out)
    pairs = []
    for y in leaves:
        shape = np.shape(y)
        w = np.asarray(rng.uniform(0.5, 1.5, shape), dtype=dtype)
        wi = np.asarray(rng.uniform(0.5, 1.5, shape), dtype=dtype) if np.iscomplexobj(y) else None
        pairs.append((w if shape else dtype(w), wi if wi is None or shape else dtype(wi)))
    return pairs


def _loss(fn: Callable[..., Any], weights: list[tuple[Any, Any]]) -> Callable[..., Any]:
    def f(*args: Any) -> Any:
        total: Any = 0.0
        leaves, _ = dd.tree_flatten(fn(*args))
        for y, (w, wi) in zip(leaves, weights, strict=True):
            if wi is None:
                total = total + dd.sum(y * w)
            else:
                total = total + dd.sum(dd.real(y) * w) + dd.sum(dd.imag(y) * wi)
        return total

    return f


def _program(
    op: str,
    label: str,
    fn: Callable[..., Any],
    draw: Callable[[np.random.Generator], list[Any]],
    dtype: type,
) -> Program:
    sample = draw(rng_for(op, label, "sample"))
    weights = _weights(fn(*sample), dtype, rng_for(op, label, "weights"))
    argnums = tuple(i for i, a in enumerate(sample) if np.asarray(a).dtype.kind == "f")
    return Program(op, label, _loss(fn, weights), draw, argnums)


_ELEMENTWISE_SHAPES = {1: [(), (2, 3)], 2: [(), (2, 3)], 3: [(), (2, 3)]}


def _elementwise(name: str, dtype: type) -> list[Program]:
    spec = ELEMENTWISE[name]
    op = getattr(dd, name)
    n = len(spec.domain)
    out = []
    shapes_list = [(s,) * n for s in _ELEMENTWISE_SHAPES[n]]
    if n >= 2:
        shapes_list.append(((2, 3),) + ((3,),) * (n - 1))  # broadcasting
    for shapes in shapes_list:
        if dtype is np.float32 and shapes[0] == ():
            continue  # a float32 program is one of arrays

        def draw(rng: np.random.Generator, shapes: Any = shapes) -> list[Any]:
            return [
                as_input(s(rng, shape), dtype) for s, shape in zip(spec.domain, shapes, strict=True)
            ]

        out.append(_program(name, "x".join(map(str, shapes[0])) or "scalar", op, draw, dtype))
        out[-1].label += f"-{len(out)}"
    return out


def _structural(name: str, dtype: type) -> list[Program]:
    out = []
    for case in STRUCTURAL[name]:

        def draw(rng: np.random.Generator, case: Any = case) -> list[Any]:
            return [as_input(case.domain(rng, s), dtype) for s in case.shapes]

        out.append(_program(name, case.label, case.fn, draw, dtype))
    return out


# The ops that the source generator cannot write as NumPy code, and (part of) the reason
# it gives: SciPy's special functions on arrays, SciPy's linear algebra
_OUTSIDE = "its primal computes from values that NumPy's dispatch does not show"
_SPECIAL = [
    "beta", "betaln", "digamma", "erf", "erfc", "erfcinv", "erfinv", "gamma", "gammaln", "i0",
    "i0e", "i1", "i1e", "j0", "j1", "log_ndtr", "logit", "ndtr", "ndtri", "xlog1py", "xlogy",
    "y0", "y1",
]  # fmt: skip
EXCEPTIONS: dict[str, str] = {
    **dict.fromkeys(_SPECIAL, "calls scipy.special."),  # on arrays (math has erf ...)
    "polygamma": _OUTSIDE,  # calls SciPy on np.asarray'd values
    "expm": _OUTSIDE,  # scipy.linalg.expm
    "solve_triangular": _OUTSIDE,  # scipy.linalg.solve_triangular (cholesky's and qr's rules)
    "cholesky": _OUTSIDE,
    "qr": _OUTSIDE,
    # its rules index constant arrays with traced indices: caught by the check of the trace
    "interp": "",
}


# cases whose function reads primal values itself (a constant of a recording, as
# docs/replay.md says): new inputs do not change what they read
READS_VALUES = {"take_along_axis-argsort"}


def programs(dtype: type = np.float64) -> list[Program]:
    """Every registry op (except user ops) as one or more programs; see READS_VALUES."""
    out = []
    for name in sorted(ELEMENTWISE):
        out += _elementwise(name, dtype)
    for name in sorted(STRUCTURAL):
        out += _structural(name, dtype)
    return [p for p in out if p.id not in READS_VALUES]
