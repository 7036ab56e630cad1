"""Elementwise ops, each declared once by its partial derivatives.

``derivs`` holds one ``(ans, *args) -> d out / d input`` per input; the engine
derives JVP (``t * d``) and VJP (``g * d``) from it. The partials are written
with dualdiff ops, so they differentiate again; they divide with ``divide``, not
``/``, which on Python floats raises ZeroDivisionError where NumPy gives inf or nan.
Order follows NumPy's "Mathematical functions" page.
"""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import numpy as np

from .._lazy import maybe_any, surely_all
from .._namespace import asarray_like, dtype_kind, namespace
from .._util import (
    binary,
    compare,
    is_complex,
    is_foreign,
    mask,
    primal_of,
    shape_of,
    unary,
    zeros_like_shape,
)
from ..core import Tracer, elementwise
from .creation import astype

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


def _both_zero(x: Any, y: Any) -> Any:
    xp = namespace(x, y)
    return xp.logical_and(xp.equal(x, 0), xp.equal(y, 0))


def _pow_dx(ans: Any, x: Any, y: Any) -> Any:
    """d/dx x**y = y x**(y-1), and 0 where x == y == 0: x**0 is constant, at every order
    (the formula would give 0 * inf there; elsewhere a zero exponent gives 0 * x**-1 = 0)."""
    if (type(y) is float or type(y) is int) and y != 0:  # x ** 2.0: nothing to guard
        return y * power(x, y - 1)
    if not isinstance(y, Tracer) and not maybe_any(namespace(y).equal(y, 0)):
        return y * power(x, y - 1)
    zero = compare(_both_zero, x, y)  # reads x: dd.compile learns of it (see replay.py)
    if not maybe_any(zero):
        return y * power(x, y - 1)
    return y * power(where(zero, 1.0, x), y - 1)


def _pow_dy(ans: Any, x: Any, y: Any) -> Any:
    """d/dy x**y = x**y log x, and 0 where x == 0 (the limit along y > 0; the formula
    would give 0 * -inf there, or inf * 0 for y < 0)."""
    p = primal_of(x)
    zero = namespace(p).equal(p, 0)
    if not maybe_any(zero):
        return ans * log(x)
    safe_x = where(zero, 1.0, x)
    return power(safe_x, y) * log(safe_x)


power = elementwise(
    "power",
    binary(math.pow, np.power),
    derivs=(_pow_dx, _pow_dy),
    doc="x ** y; the exponent may be a constant or differentiated.",
)


def _float64(x: Any) -> Any:
    """x promoted to float64 or wider, as np.float_power promotes its inputs."""
    p = primal_of(x)
    if is_foreign(p):  # the namespace's float64, or its complex128
        return x if dtype_kind(p.dtype) == "c" else astype(x, "float64")
    if isinstance(x, Tracer):
        dtype = np.result_type(p, np.float64)
        return x if np.result_type(p) == dtype else astype(x, dtype)
    return np.asarray(x, dtype=np.result_type(x, np.float64))


def float_power(x: Any, y: Any) -> Any:
    """``np.float_power``: x ** y computed in float64 (float32 inputs are promoted); the
    derivatives are power's."""
    if type(x) is float and type(y) is float:
        return power(x, y)
    return power(_float64(x), _float64(y))


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

fabs = elementwise(
    "fabs", unary(math.fabs, np.fabs), derivs=lambda ans, x: sign(x), doc="|x| as a float."
)
cbrt = elementwise(
    "cbrt",
    unary(math.cbrt, np.cbrt),
    derivs=lambda ans, x: reciprocal(3 * (ans * ans)),
    doc="The real cube root x ** (1/3); derivative 1 / (3 cbrt(x)^2).",
)

# --- remainders and rounding: piecewise constant quotients have derivative 0 -------------


def _zero(ans: Any, *args: Any) -> Any:
    """The derivative of a step function away from its jumps: 0, shaped and typed like ans."""
    return zeros_like_shape(shape_of(ans), ans)


def _by_nonzero(py_op: Any, np_fn: Any) -> Any:
    """A primal like ``binary``'s, but integers divided by 0 give NumPy's integer result."""
    fast = binary(py_op, np_fn)

    def primal(x: Any, y: Any) -> Any:
        if type(x) is int and type(y) is int and y == 0:
            return np_fn(x, y)
        return fast(x, y)

    primal.__name__ = np_fn.__name__
    return primal


def _py_fmod(x: Any, y: Any) -> Any:
    return math.fmod(x, y) if type(x) is float else int(np.fmod(x, y))


floor_divide = elementwise(
    "floor_divide",
    _by_nonzero(operator.floordiv, np.floor_divide),
    derivs=(_zero, _zero),
    doc="floor(x / y) (the // operator); derivative 0 away from the jumps.",
)
remainder = elementwise(
    "remainder",
    _by_nonzero(operator.mod, np.remainder),
    derivs=(1, lambda ans, x, y: -floor_divide(x, y)),
    doc="x - floor(x / y) y (the % operator, sign of y); d/dx = 1, d/dy = -floor(x / y).",
)
fmod = elementwise(
    "fmod",
    _by_nonzero(_py_fmod, np.fmod),
    # x - ans is an integer multiple of y: rint removes the rounding of its quotient
    derivs=(1, lambda ans, x, y: -rint(divide(x - ans, y))),
    doc="x - trunc(x / y) y (C's fmod, sign of x); d/dx = 1, d/dy = -trunc(x / y).",
)


def _rounding(name: str, math_fn: Any, np_fn: Any, doc: str) -> Any:
    """A rounding op: a step function, with derivative 0 (its jumps aside)."""

    def py(x: float) -> float:  # math rounds to an int; NumPy keeps the float, and its sign
        return math.copysign(float(math_fn(x)), x)

    return elementwise(name, unary(py, np_fn), derivs=_zero, doc=doc + "; derivative 0.")


floor = _rounding("floor", math.floor, np.floor, "The largest integer <= x")
ceil = _rounding("ceil", math.ceil, np.ceil, "The smallest integer >= x")
trunc = _rounding("trunc", math.trunc, np.trunc, "x rounded toward 0")
rint = _rounding("rint", builtins.round, np.rint, "x rounded to the nearest integer, ties to even")
_round = _rounding("round", builtins.round, np.round, "np.round(x): nearest integer, ties to even")


def round(a: Any, decimals: int = 0) -> Any:
    """``np.round``: x rounded to ``decimals`` places (ties to even); derivative 0."""
    decimals = int(decimals)
    if decimals == 0:
        return _round(a)
    if decimals > 0:  # NumPy's own steps, so the values agree to the last bit
        return divide(_round(a * 10.0**decimals), 10.0**decimals)
    return _round(a / 10.0**-decimals) * 10.0**-decimals


around = round
mod = remainder


def fix(x: Any) -> Any:
    """``np.fix``: x rounded toward 0 (``trunc``); derivative 0."""
    return trunc(x)


def divmod(x: Any, y: Any) -> tuple[Any, Any]:
    """``np.divmod``: ``(floor_divide(x, y), remainder(x, y))``."""
    return floor_divide(x, y), remainder(x, y)


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

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _exp2_py(x: float) -> float:
    return 2.0**x


exp2 = elementwise(
    "exp2", unary(_exp2_py, np.exp2), derivs=lambda ans, x: ans * _LN2, doc="2 ** x."
)
log2 = elementwise(
    "log2",
    unary(math.log2, np.log2),
    derivs=lambda ans, x: divide(1 / _LN2, x),
    doc="log base 2 of x.",
)
log10 = elementwise(
    "log10",
    unary(math.log10, np.log10),
    derivs=lambda ans, x: divide(1 / _LN10, x),
    doc="log base 10 of x.",
)


def _logaddexp_py(x: float, y: float, log1p_exp: Any = lambda d: math.log1p(math.exp(d))) -> float:
    """NumPy's steps: x + y when equal (infinities of one sign), else the larger plus a log1p."""
    if x == y:
        return x + _LN2
    d = x - y
    if d > 0:
        return x + log1p_exp(-d)
    if d <= 0:
        return y + log1p_exp(d)
    return d  # nan


def _logaddexp2_py(x: float, y: float) -> float:
    if x == y:
        return x + 1.0
    return _logaddexp_py(x, y, lambda d: math.log1p(2.0**d) / _LN2)


# The partials are softmax weights of the two terms: from x - y, exact where x = y (not
# exp(x - out), which carries out's rounding, |x| eps)
logaddexp = elementwise(
    "logaddexp",
    binary(_logaddexp_py, np.logaddexp),
    derivs=(lambda ans, x, y: sigmoid(x - y), lambda ans, x, y: sigmoid(y - x)),
    doc="log(e ** x + e ** y), stable; d/dx = e ** x / (e ** x + e ** y).",
)
logaddexp2 = elementwise(
    "logaddexp2",
    binary(_logaddexp2_py, np.logaddexp2),
    derivs=(lambda ans, x, y: sigmoid((x - y) * _LN2), lambda ans, x, y: sigmoid((y - x) * _LN2)),
    doc="log2(2 ** x + 2 ** y), stable; d/dx = 2 ** x / (2 ** x + 2 ** y).",
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


def _over(v: Any, r: Any) -> Any:
    """v / r, and 0 where r == 0 (at every order): hypot's derivative at the origin is
    taken as 0, as dd.norm's at a zero vector."""
    p = primal_of(r)
    zero = namespace(p).equal(p, 0)
    if not maybe_any(zero):
        return divide(v, r)
    return where(zero, 0.0, divide(v, where(zero, 1.0, r)))


hypot = elementwise(
    "hypot",
    binary(math.hypot, np.hypot),
    derivs=(lambda ans, x, y: _over(x, ans), lambda ans, x, y: _over(y, ans)),
    doc="sqrt(x ** 2 + y ** 2) without overflow; d/dx = x / out (0 at the origin).",
)
_RAD = math.pi / 180.0
deg2rad = elementwise(
    "deg2rad",
    unary(math.radians, np.deg2rad),
    derivs=lambda ans, x: _RAD,
    doc="Degrees to radians: x pi / 180.",
)
rad2deg = elementwise(
    "rad2deg",
    unary(math.degrees, np.rad2deg),
    derivs=lambda ans, x: 1 / _RAD,
    doc="Radians to degrees: x 180 / pi.",
)
radians, degrees = deg2rad, rad2deg
sinh = elementwise("sinh", unary(math.sinh, np.sinh), derivs=lambda ans, x: cosh(x), doc="sinh x.")
cosh = elementwise("cosh", unary(math.cosh, np.cosh), derivs=lambda ans, x: sinh(x), doc="cosh x.")
tanh = elementwise(
    "tanh", unary(math.tanh, np.tanh), derivs=lambda ans, x: 1 - ans * ans, doc="tanh x."
)


def _arcsinh_d(ans: Any, x: Any) -> Any:
    """1 / sqrt(x ** 2 + 1): through hypot on reals (no overflow of x ** 2), which
    refuses complex numbers, where the principal branch's derivative is the formula."""
    if is_complex(x):
        return reciprocal(sqrt(x * x + 1.0))
    return reciprocal(hypot(x, 1.0))


arcsinh = elementwise(
    "arcsinh",
    unary(math.asinh, np.arcsinh),
    derivs=_arcsinh_d,
    doc="arsinh x; derivative 1 / sqrt(x ** 2 + 1).",
)
arccosh = elementwise(
    "arccosh",
    unary(math.acosh, np.arccosh),
    derivs=lambda ans, x: reciprocal(sqrt(x - 1) * sqrt(x + 1)),
    doc="arcosh x, for x >= 1; derivative 1 / sqrt(x ** 2 - 1), written"
    " 1 / (sqrt(x - 1) sqrt(x + 1)) to be the principal branch's for complex x too.",
)
arctanh = elementwise(
    "arctanh",
    unary(math.atanh, np.arctanh),
    derivs=lambda ans, x: reciprocal((1 - x) * (1 + x)),
    doc="artanh x, for |x| < 1; derivative 1 / (1 - x ** 2).",
)

# --- sinc -------------------------------------------------------------------------------


def _sinc_py(x: float) -> float:
    if x == 0:
        return 1.0
    u = math.pi * x
    return math.sin(u) / u


# (u cos u - sin u) / u**2 = sum_k (-1)**k 2k / (2k + 1)! u**(2k - 1), k = 1 ... 7: for
# |u| < 1/2 the next term is below 1e-16 of the sum
_SINC_SERIES = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(7, 0, -1))


def _sinc_d_near(x: Any) -> Any:
    u = math.pi * x
    u2 = u * u
    acc: Any = _SINC_SERIES[0]
    for c in _SINC_SERIES[1:]:
        acc = acc * u2 + c
    return math.pi * (u * acc)


def _sinc_d_far(x: Any) -> Any:
    u = math.pi * x
    return math.pi * divide(u * cos(u) - sin(u), u * u)


def _sinc_d(ans: Any, x: Any) -> Any:
    """d/dx sin(pi x) / (pi x): a series near 0, where the closed form is 0/0 (then loses
    digits to cancellation); the series is exact at 0 at every order (sinc'' (0) = -pi^2/3)."""
    near = np.abs(primal_of(x)) < 0.5 / math.pi
    if not maybe_any(near):
        return _sinc_d_far(x)
    if surely_all(near):
        return _sinc_d_near(x)
    return where(near, _sinc_d_near(x), _sinc_d_far(where(near, 1.0, x)))


sinc = elementwise(
    "sinc",
    unary(_sinc_py, np.sinc),
    derivs=_sinc_d,
    doc="sin(pi x) / (pi x), 1 at 0 (NumPy's normalized sinc); derivative 0 at 0.",
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


def _where_in(xp: Any, c: Any, x: Any, y: Any) -> Any:
    """:func:`_where_primal` in namespace ``xp``: a Python condition becomes an array there."""
    if not hasattr(c, "shape"):
        c = asarray_like(c, x if hasattr(x, "shape") else y, xp.bool)
    return xp.where(c, x, y)


where = elementwise(
    "where",
    _where_primal,
    api=_where_in,
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


def _nonfinite_kind(x: Any) -> Any:
    """0 where x is finite, 1 where nan, 2 where +inf, 3 where -inf."""
    if not is_foreign(x):
        x = np.asarray(x)
        return np.select([np.isnan(x), x == np.inf, x == -np.inf], [1, 2, 3], 0)
    xp = namespace(x)
    nan, pos, neg = (xp.astype(k, xp.int8) for k in (xp.isnan(x), x == xp.inf, x == -xp.inf))
    return nan + 2 * pos + 3 * neg


def nan_to_num(
    x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None
) -> Any:
    """``np.nan_to_num``: nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``
    (the dtype's largest finite numbers by default); derivative 1 where x is finite and 0
    where it was replaced. ``copy`` is accepted for NumPy's signature (values never alias)."""
    kind = compare(_nonfinite_kind, x)  # dd.compile guards the positions and kinds
    if not maybe_any(kind):
        return x
    dtype = getattr(primal_of(x), "dtype", np.dtype(np.float64))
    if dtype.kind != "f":
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    big = np.finfo(dtype).max
    fills = [0, nan, big if posinf is None else posinf, -big if neginf is None else neginf]
    if is_foreign(kind):  # no NumPy array indexed by another namespace's: choose by where
        xp = namespace(kind)
        fill = xp.where(kind == 1, fills[1], xp.where(kind == 2, fills[2], fills[3]))
        return where(kind == 0, x, xp.astype(fill, dtype))
    return where(kind == 0, x, np.asarray(fills, dtype=dtype)[kind])


# --- activations ----------------------------------------------------------------


def _sigmoid_np(x: Any) -> Any:
    return _sigmoid_in(np, x)


def _sigmoid_in(xp: Any, x: Any) -> Any:
    """sigmoid with namespace ``xp``'s functions: e ** -|x| never overflows."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus_in(xp: Any, x: Any) -> Any:
    """softplus with namespace ``xp``'s functions: logaddexp(0, x)."""
    return xp.logaddexp(0.0, x)


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
    api=lambda xp, x: xp.where(x > 0, x, xp.zeros_like(x)),
)
sigmoid = elementwise(
    "sigmoid",
    unary(_sigmoid_py, _sigmoid_np),
    derivs=lambda ans, x: ans * (1 - ans),
    doc="1 / (1 + e ** -x), stable for large |x|.",
    api=_sigmoid_in,
)
softplus = elementwise(
    "softplus",
    unary(_softplus_py, lambda x: np.logaddexp(0, x)),
    derivs=lambda ans, x: sigmoid(x),
    doc="ln(1 + e ** x), stable for large |x|.",
    api=_softplus_in,
)
stop_gradient = elementwise(
    "stop_gradient",
    lambda x: x,
    derivs=None,
    doc="x, treated as a constant by every derivative.",
    api=lambda xp, x: x,
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
    np.float_power: float_power,
    np.square: square,
    np.sqrt: sqrt,
    np.cbrt: cbrt,
    np.reciprocal: reciprocal,
    np.absolute: abs,
    np.fabs: fabs,
    np.sign: sign,
    np.floor_divide: floor_divide,
    np.remainder: remainder,  # also np.mod
    np.fmod: fmod,
    np.divmod: divmod,
    np.floor: floor,
    np.ceil: ceil,
    np.trunc: trunc,
    np.rint: rint,
    np.round: round,
    np.around: round,
    np.fix: fix,
    np.exp: exp,
    np.exp2: exp2,
    np.expm1: expm1,
    np.log: log,
    np.log2: log2,
    np.log10: log10,
    np.log1p: log1p,
    np.logaddexp: logaddexp,
    np.logaddexp2: logaddexp2,
    np.sin: sin,
    np.cos: cos,
    np.tan: tan,
    np.arcsin: arcsin,
    np.arccos: arccos,
    np.arctan: arctan,
    np.arctan2: arctan2,
    np.hypot: hypot,
    np.deg2rad: deg2rad,
    np.radians: deg2rad,
    np.rad2deg: rad2deg,
    np.degrees: rad2deg,
    np.sinh: sinh,
    np.cosh: cosh,
    np.tanh: tanh,
    np.arcsinh: arcsinh,
    np.arccosh: arccosh,
    np.arctanh: arctanh,
    np.sinc: sinc,
    np.maximum: maximum,
    np.minimum: minimum,
    np.fmax: maximum,
    np.fmin: minimum,
    np.where: where,
    np.clip: clip,
    np.nan_to_num: nan_to_num,
}

__all__ = [
    "abs", "add", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "around", "cbrt", "ceil", "clip", "cos", "cosh", "deg2rad", "degrees", "divide", "divmod",
    "exp", "exp2", "expm1", "fabs", "fix", "float_power", "floor", "floor_divide", "fmod",
    "hypot", "log", "log1p", "log2", "log10", "logaddexp", "logaddexp2", "maximum", "minimum",
    "mod", "multiply", "nan_to_num", "negative", "power", "rad2deg", "radians", "reciprocal",
    "relu", "remainder", "rint", "round", "sigmoid", "sign", "sin", "sinc", "sinh", "softplus",
    "sqrt", "square", "stop_gradient", "subtract", "tan", "tanh", "trunc", "where",
]  # fmt: skip
