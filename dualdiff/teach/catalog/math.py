"""Catalog entries of NumPy's further mathematical functions: other bases, inverse
hyperbolics, hypot, sinc, cbrt, angle conversions, remainders and rounding."""

from __future__ import annotations

from ... import ops
from .base import Example, elem, grid, signed

_X = grid(-1.5, 1.3)
_POS = grid(0.2, 2.5)
_OFF_GRID = grid(-2.3, 2.7) + 0.01  # no integer, no half-integer: away from every jump
_DIVISOR = grid(0.6, 1.7)


def _step(name: str) -> Example:
    """A rounding op: derivative 0 by definition, checked as zeros."""
    return Example(getattr(ops, name), (_OFF_GRID,), constant=True)


EXAMPLES: dict[str, Example] = {
    "exp2": elem("exp2", lambda sp, x: 2**x, _X),
    "log2": elem("log2", lambda sp, x: sp.log(x) / sp.log(2), _POS),
    "log10": elem("log10", lambda sp, x: sp.log(x) / sp.log(10), _POS),
    "logaddexp": elem(
        "logaddexp", lambda sp, x, y: sp.log(sp.exp(x) + sp.exp(y)), _X, grid(-0.7, 0.9)
    ),
    "logaddexp2": elem(
        "logaddexp2", lambda sp, x, y: sp.log(2**x + 2**y) / sp.log(2), _X, grid(-0.7, 0.9)
    ),
    "hypot": elem("hypot", lambda sp, x, y: sp.sqrt(x**2 + y**2), signed(0.2, 2), _POS),
    "deg2rad": elem("deg2rad", lambda sp, x: x * sp.pi / 180, grid(-170.0, 300.0)),
    "rad2deg": elem("rad2deg", lambda sp, x: x * 180 / sp.pi, _X),
    "arcsinh": elem("arcsinh", lambda sp, x: sp.asinh(x), _X),
    "arccosh": elem("arccosh", lambda sp, x: sp.acosh(x), grid(1.2, 3.0)),
    "arctanh": elem("arctanh", lambda sp, x: sp.atanh(x), grid(-0.9, 0.9)),
    "sinc": elem("sinc", lambda sp, x: sp.sinc(sp.pi * x), _X),
    "fabs": elem("fabs", lambda sp, x: sp.Abs(x), signed(0.1, 2.0)),
    "cbrt": elem("cbrt", lambda sp, x: x ** sp.Rational(1, 3), _POS),
    "floor_divide": Example(ops.floor_divide, (_OFF_GRID, 1.0), constant=True),
    "remainder": Example(ops.remainder, (_OFF_GRID, _DIVISOR)),
    "fmod": Example(ops.fmod, (_OFF_GRID, _DIVISOR)),
    "floor": _step("floor"),
    "ceil": _step("ceil"),
    "trunc": _step("trunc"),
    "rint": _step("rint"),
    "round": _step("round"),
}
