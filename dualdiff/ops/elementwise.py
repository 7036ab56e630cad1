"""Elementwise ops, each declared once by its partial derivatives.

``derivs`` holds one ``(ans, *args) -> d out / d input`` per input; the engine
derives JVP (``t * d``) and VJP (``g * d``) from it. The partials are written
with dualdiff ops, so they differentiate again; they divide with ``divide``, not
``/``, which on Python floats raises ZeroDivisionError where NumPy gives inf or nan.
Order follows NumPy's "Mathematical functions" page.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .._util import binary, mask, primal_of, unary
from ..core import elementwise

# --- arithmetic --------------------------------------------------------------

add = elementwise("add", binary(operator.add, np.add), derivs=(1, 1), doc="x + y, broadcasting.")
subtract = elementwise(
    "subtract", binary(operator.sub, np.subtract), derivs=(1, -1), doc="x - y, broadcasting."
)
multiply = elementwise(
    "multiply",
    binary(operator.mul, np.multiply),
    derivs=(lambda ans, x, y: y, lambda ans, x, y: x),
    doc="x * y, broadcasting.",
)
divide = elementwise(
    "divide",
    binary(operator.truediv, np.divide),
    derivs=(lambda ans, x, y: reciprocal(y), lambda ans, x, y: -divide(ans, y)),
    doc="x / y (true division), broadcasting.",
)
negative = elementwise("negative", unary(operator.neg, np.negative), derivs=-1, doc="-x.")


def _pow_dy(ans: Any, x: Any, y: Any) -> Any:
    # d/dy x**y = x**y log x; at x == 0 the limit along x**y -> 0 is 0, not nan.
    safe_x = where(primal_of(x) == 0, 1.0, x)
    return ans * log(safe_x)


power = elementwise(
    "power",
    binary(math.pow, np.power),
    derivs=(lambda ans, x, y: y * power(x, y - 1), _pow_dy),
    doc="x ** y; the exponent may be a constant or differentiated.",
)
square = elementwise(
    "square", unary(lambda x: x * x, np.square), derivs=lambda ans, x: 2 * x, doc="x ** 2."
)
sqrt = elementwise(
    "sqrt", unary(math.sqrt, np.sqrt), derivs=lambda ans, x: divide(0.5, ans), doc="√x."
)


def _reciprocal_np(x: Any) -> Any:
    # Not np.reciprocal: on integers it divides as integers (reciprocal(2) == 0), and
    # the derivative of x / 2 is reciprocal(2).
    return np.divide(1.0, x)


reciprocal = elementwise(
    "reciprocal",
    unary(lambda x: 1.0 / x, _reciprocal_np),
    derivs=lambda ans, x: -(ans * ans),
    doc="1 / x.",
)
abs = elementwise(
    "abs", unary(math.fabs, np.abs), derivs=lambda ans, x: sign(x), doc="|x| (derivative 0 at 0)."
)
sign = elementwise(
    "sign",
    unary(lambda x: x if x != x else float((x > 0) - (x < 0)), np.sign),
    derivs=None,
    doc="sign(x): -1, 0 or 1 (nan for nan).",
)

# --- exponents and logarithms ----------------------------------------------------

exp = elementwise("exp", unary(math.exp, np.exp), derivs=lambda ans, x: ans, doc="e ** x.")
expm1 = elementwise(
    "expm1",
    unary(math.expm1, np.expm1),
    derivs=lambda ans, x: ans + 1,
    doc="e ** x - 1, exact near 0.",
)
log = elementwise("log", unary(math.log, np.log), derivs=lambda ans, x: reciprocal(x), doc="ln x.")
log1p = elementwise(
    "log1p",
    unary(math.log1p, np.log1p),
    derivs=lambda ans, x: reciprocal(1 + x),
    doc="ln(1 + x), exact near 0.",
)

# --- trigonometric and hyperbolic --------------------------------------------------

sin = elementwise("sin", unary(math.sin, np.sin), derivs=lambda ans, x: cos(x), doc="sin x.")
cos = elementwise("cos", unary(math.cos, np.cos), derivs=lambda ans, x: -sin(x), doc="cos x.")
tan = elementwise("tan", unary(math.tan, np.tan), derivs=lambda ans, x: 1 + ans * ans, doc="tan x.")
arcsin = elementwise(
    "arcsin",
    unary(math.asin, np.arcsin),
    derivs=lambda ans, x: reciprocal(sqrt(1 - x * x)),
    doc="arcsin x, for |x| <= 1.",
)
arccos = elementwise(
    "arccos",
    unary(math.acos, np.arccos),
    derivs=lambda ans, x: -reciprocal(sqrt(1 - x * x)),
    doc="arccos x, for |x| <= 1.",
)
arctan = elementwise(
    "arctan",
    unary(math.atan, np.arctan),
    derivs=lambda ans, x: reciprocal(1 + x * x),
    doc="arctan x.",
)
arctan2 = elementwise(
    "arctan2",
    binary(math.atan2, np.arctan2),
    derivs=(
        lambda ans, y, x: divide(x, x * x + y * y),
        lambda ans, y, x: divide(-y, x * x + y * y),
    ),
    doc="The angle of the point (x2, x1): arctan2(x1, x2), quadrant-aware.",
)
sinh = elementwise("sinh", unary(math.sinh, np.sinh), derivs=lambda ans, x: cosh(x), doc="sinh x.")
cosh = elementwise("cosh", unary(math.cosh, np.cosh), derivs=lambda ans, x: sinh(x), doc="cosh x.")
tanh = elementwise(
    "tanh", unary(math.tanh, np.tanh), derivs=lambda ans, x: 1 - ans * ans, doc="tanh x."
)

# --- piecewise: the derivative of the selected piece; ties split evenly --------------


def _py_max(x: float, y: float) -> float:
    """max of two Python numbers, nan if either is nan (as np.maximum; builtin max is not)."""
    return x if x > y or x != x else y


def _py_min(x: float, y: float) -> float:
    return x if x < y or x != x else y


def _max_x(ans: Any, x: Any, y: Any) -> Any:
    px, py = primal_of(x), primal_of(y)
    return mask(px > py, ans) + 0.5 * mask(px == py, ans)


def _max_y(ans: Any, x: Any, y: Any) -> Any:
    px, py = primal_of(x), primal_of(y)
    return mask(py > px, ans) + 0.5 * mask(px == py, ans)


maximum = elementwise(
    "maximum",
    binary(_py_max, np.maximum),
    derivs=(_max_x, _max_y),
    doc="Elementwise max; at ties each input gets half the derivative.",
)
minimum = elementwise(
    "minimum",
    binary(_py_min, np.minimum),
    derivs=(lambda ans, x, y: _max_x(ans, y, x), lambda ans, x, y: _max_y(ans, y, x)),
    doc="Elementwise min; at ties each input gets half the derivative.",
)


def _where_primal(c: Any, x: Any, y: Any) -> Any:
    if isinstance(c, (bool, np.bool_)) and type(x) is float and type(y) is float:
        return x if c else y
    return np.where(c, x, y)


where = elementwise(
    "where",
    _where_primal,
    derivs=(
        None,
        lambda ans, c, x, y: mask(primal_of(c), ans),
        lambda ans, c, x, y: 1 - mask(primal_of(c), ans),
    ),
    doc="x where cond else y; cond is not differentiated.",
)


def _clip_primal(x: Any, lo: Any, hi: Any) -> Any:
    if type(x) is float and type(lo) is float and type(hi) is float:
        return _py_min(_py_max(x, lo), hi)
    return np.clip(x, lo, hi)


def _clip_dx(ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    px = primal_of(x)
    return mask((primal_of(lo) <= px) & (px <= primal_of(hi)), ans)


def _clip_dlo(ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    plo = primal_of(lo)
    return mask((primal_of(x) < plo) & (plo <= primal_of(hi)), ans)


def _clip_dhi(ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    # NumPy returns hi wherever lo > hi, so hi then carries the derivative
    phi = primal_of(hi)
    return mask((primal_of(x) > phi) | (primal_of(lo) > phi), ans)


_clip = elementwise(
    "clip",
    _clip_primal,
    derivs=(_clip_dx, _clip_dlo, _clip_dhi),
    doc="x limited to [lo, hi]; derivative 1 inside the closed interval.",
)


def clip(x: Any, a_min: Any = None, a_max: Any = None) -> Any:
    """``np.clip``: x limited to [a_min, a_max] (``None`` means unbounded)."""
    lo = -math.inf if a_min is None else a_min
    hi = math.inf if a_max is None else a_max
    return _clip(x, lo, hi)


# --- activations ----------------------------------------------------------------


def _sigmoid_np(x: Any) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_py(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus_py(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-math.fabs(x)))


relu = elementwise(
    "relu",
    unary(lambda x: _py_max(x, 0.0), lambda x: np.maximum(x, 0)),
    derivs=lambda ans, x: mask(primal_of(x) > 0, ans),
    doc="max(x, 0) (derivative 0 at 0).",
)
sigmoid = elementwise(
    "sigmoid",
    unary(_sigmoid_py, _sigmoid_np),
    derivs=lambda ans, x: ans * (1 - ans),
    doc="1 / (1 + e ** -x), stable for large |x|.",
)
softplus = elementwise(
    "softplus",
    unary(_softplus_py, lambda x: np.logaddexp(0, x)),
    derivs=lambda ans, x: sigmoid(x),
    doc="ln(1 + e ** x), stable for large |x|.",
)
stop_gradient = elementwise(
    "stop_gradient",
    lambda x: x,
    derivs=None,
    doc="x, treated as a constant by every derivative.",
)


# The NumPy callables these ops stand for: ``np.sin(x)`` on a tracer arrives here
# through ``__array_ufunc__`` (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.add: add,
    np.subtract: subtract,
    np.multiply: multiply,
    np.divide: divide,
    np.negative: negative,
    np.positive: lambda x: x,
    np.power: power,
    np.float_power: power,
    np.square: square,
    np.sqrt: sqrt,
    np.reciprocal: reciprocal,
    np.absolute: abs,
    np.fabs: abs,
    np.sign: sign,
    np.exp: exp,
    np.expm1: expm1,
    np.log: log,
    np.log1p: log1p,
    np.sin: sin,
    np.cos: cos,
    np.tan: tan,
    np.arcsin: arcsin,
    np.arccos: arccos,
    np.arctan: arctan,
    np.arctan2: arctan2,
    np.sinh: sinh,
    np.cosh: cosh,
    np.tanh: tanh,
    np.maximum: maximum,
    np.minimum: minimum,
    np.fmax: maximum,
    np.fmin: minimum,
    np.where: where,
    np.clip: clip,
}

__all__ = [
    "abs", "add", "arccos", "arcsin", "arctan", "arctan2", "clip", "cos", "cosh", "divide",
    "exp", "expm1", "log", "log1p", "maximum", "minimum", "multiply", "negative", "power",
    "reciprocal", "relu", "sigmoid", "sign", "sin", "sinh", "softplus", "sqrt", "square",
    "stop_gradient", "subtract", "tan", "tanh", "where",
]  # fmt: skip
