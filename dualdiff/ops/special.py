"""SciPy's special functions (``scipy.special``), each declared once by its partial derivatives.

Needs SciPy (the ``scipy`` extra): :mod:`dualdiff.ops` imports this group only when
SciPy is installed. SciPy's special functions are ufuncs, so ``scipy.special.erf(x)``
on a traced value arrives through ``__array_ufunc__``, which finds the op by its name in
``SCIPY_UFUNCS``. SciPy itself is imported when an op first runs: importing dualdiff
does not import ``scipy.special`` (about 0.2 s).
The partials are written with dualdiff ops, so they differentiate again: the
derivative of ``gammaln`` is ``digamma``, of ``digamma`` ``polygamma(1, x)``, and of
``polygamma(n, x)`` ``polygamma(n + 1, x)``. Python floats stay Python floats
(``math`` where it has the function). Order follows SciPy's reference page.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._util import binary, primal_of, unary
from ..core import elementwise
from .elementwise import divide, exp, log, log1p, reciprocal, sigmoid, sign, square, where

_2_SQRT_PI = 2 / math.sqrt(math.pi)  # d/dx erf(x) = 2/√π exp(-x²)
_SQRT_PI_2 = math.sqrt(math.pi) / 2  # d/dx erfinv(x) = √π/2 exp(erfinv(x)²)
_SQRT_2PI = math.sqrt(2 * math.pi)


@functools.cache
def _scipy(name: str) -> Any:
    """``scipy.special.NAME``, imported on first use."""
    import scipy.special

    return getattr(scipy.special, name)


def _unary(name: str, math_fn: Callable[[float], float] | None = None) -> Callable[[Any], Any]:
    """SciPy's ufunc ``name`` as a primal: arrays through the ufunc, Python numbers to a Python
    float (through ``math_fn`` when ``math`` has the function: faster)."""

    def arrays(x: Any) -> Any:
        return _scipy(name)(x)

    arrays.__name__ = name
    return unary(math_fn or (lambda x: float(_scipy(name)(x))), arrays)


def _binary(name: str) -> Callable[..., Any]:
    """SciPy's two-input ufunc ``name`` as a primal, with NumPy's type promotion: a Python
    float beside a float32 array gives float32 (SciPy's own loops would give float64)."""

    def arrays(x: Any, y: Any) -> Any:
        dtype = np.result_type(x, y)
        fn = _scipy(name)
        return fn(x, y, dtype=dtype) if dtype.char in "fd" else fn(x, y)

    arrays.__name__ = name
    return binary(lambda x, y: float(_scipy(name)(x, y)), arrays)


def _ratio_at_0(ans: Any, x: Any) -> Any:
    """ans / x with its limit 1/2 at x = 0, for ans = i1(x), j1(x) or i1e(x) (all x/2 + O(x²)).

    The constant branch at 0 makes the next derivative 0 there, which is right:
    i1, j1 are odd, so d/dx (i1(x)/x) = 0 at 0."""
    zero = primal_of(x) == 0
    return where(zero, 0.5, divide(ans, where(zero, 1.0, x)))


def _where_both_zero(x: Any, y: Any, value: float, fallback: Any) -> Any:
    """``fallback``, with ``value`` where x == 0 and y == 0 (y stands for the pole of x / y)."""
    return where((primal_of(x) == 0) & (primal_of(y) == 0), value, fallback)


# --- error function and its inverses --------------------------------------------------

erf = elementwise(
    "erf",
    _unary("erf", math.erf),
    api="special.erf",
    derivs=lambda ans, x: _2_SQRT_PI * exp(-square(x)),
    doc="The error function 2/√π ∫₀ˣ exp(-t²) dt; derivative 2/√π exp(-x²).",
)
erfc = elementwise(
    "erfc",
    _unary("erfc", math.erfc),
    api="special.erfc",
    derivs=lambda ans, x: -_2_SQRT_PI * exp(-square(x)),
    doc="1 - erf(x), exact for large x; derivative -2/√π exp(-x²).",
)
erfinv = elementwise(
    "erfinv",
    _unary("erfinv"),
    api="special.erfinv",
    derivs=lambda ans, x: _SQRT_PI_2 * exp(square(ans)),
    doc="The inverse of erf on (-1, 1); derivative √π/2 exp(erfinv(x)²).",
)
erfcinv = elementwise(
    "erfcinv",
    _unary("erfcinv"),
    api="special.erfcinv",
    derivs=lambda ans, x: -_SQRT_PI_2 * exp(square(ans)),
    doc="The inverse of erfc on (0, 2); derivative -√π/2 exp(erfcinv(x)²).",
)

# --- gamma and related functions -------------------------------------------------------

gamma = elementwise(
    "gamma",
    _unary("gamma", math.gamma),
    api="special.gamma",
    derivs=lambda ans, x: ans * digamma(x),
    doc="The gamma function Γ(x); derivative Γ(x) ψ(x).",
)
gammaln = elementwise(
    "gammaln",
    _unary("gammaln", math.lgamma),
    api="special.gammaln",
    derivs=lambda ans, x: digamma(x),
    doc="ln |Γ(x)|; derivative ψ(x) (digamma).",
)
digamma = elementwise(
    "digamma",
    _unary("digamma"),
    api="special.digamma",
    derivs=lambda ans, x: polygamma(1, x),
    doc="ψ(x) = Γ'(x)/Γ(x) (scipy.special.psi); derivative polygamma(1, x).",
)


def _float_dtype(x: Any) -> np.dtype:
    dtype = np.asarray(x).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _polygamma_primal(n: Any, x: Any) -> Any:
    order = np.asarray(n)
    if order.dtype.kind not in "biuf" or not np.all((order >= 0) & (order == np.floor(order))):
        raise ValueError(f"polygamma: the order n must be a non-negative integer, got {n!r}")
    out = np.asarray(_scipy("polygamma")(order, x), dtype=_float_dtype(x))  # SciPy's is float64
    python = isinstance(x, (float, int)) and not isinstance(n, np.ndarray)
    return float(out) if python else out[()]


polygamma = elementwise(
    "polygamma",
    _polygamma_primal,
    api="special.polygamma",
    derivs=(None, lambda ans, n, x: polygamma(n + 1, x)),
    doc="ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n a non-negative integer, not "
    "differentiated); derivative polygamma(n + 1, x).",
)
beta = elementwise(
    "beta",
    _binary("beta"),
    api="special.beta",
    derivs=(
        lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
        lambda ans, a, b: ans * (digamma(b) - digamma(a + b)),
    ),
    doc="B(a, b) = Γ(a)Γ(b)/Γ(a+b); ∂/∂a = B(a, b)(ψ(a) - ψ(a+b)).",
)
betaln = elementwise(
    "betaln",
    _binary("betaln"),
    api="special.betaln",
    derivs=(
        lambda ans, a, b: digamma(a) - digamma(a + b),
        lambda ans, a, b: digamma(b) - digamma(a + b),
    ),
    doc="ln |B(a, b)|; ∂/∂a = ψ(a) - ψ(a+b).",
)

# --- logistic and logarithmic helpers ---------------------------------------------------

logit = elementwise(
    "logit",
    _unary("logit"),
    api="special.logit",
    derivs=lambda ans, x: reciprocal(x * (1 - x)),
    doc="ln(x / (1 - x)), the inverse of expit; derivative 1/(x(1-x)).",
)


def _xlogy_dx(ans: Any, x: Any, y: Any) -> Any:
    with np.errstate(divide="ignore"):  # at y = 0 the derivative is log 0 = -inf
        return log(y)


def _xlog1py_dx(ans: Any, x: Any, y: Any) -> Any:
    with np.errstate(divide="ignore"):
        return log1p(y)


xlogy = elementwise(
    "xlogy",
    _binary("xlogy"),
    api="special.xlogy",
    derivs=(
        _xlogy_dx,
        # xlogy(0, y) = 0 for every y, so ∂/∂y = x/y is 0 at x = 0, y = 0 too
        lambda ans, x, y: divide(x, _where_both_zero(x, y, 1.0, y)),
    ),
    doc="x ln y, and 0 where x = 0 (also at y = 0); ∂/∂x = ln y, ∂/∂y = x/y (0 at x = 0).",
)
xlog1py = elementwise(
    "xlog1py",
    _binary("xlog1py"),
    api="special.xlog1py",
    derivs=(
        _xlog1py_dx,
        lambda ans, x, y: divide(x, _where_both_zero(x, 1 + y, 1.0, 1 + y)),
    ),
    doc="x ln(1 + y), and 0 where x = 0; ∂/∂x = ln(1 + y), ∂/∂y = x/(1 + y) (0 at x = 0).",
)

# --- the normal distribution --------------------------------------------------------------

ndtr = elementwise(
    "ndtr",
    _unary("ndtr"),
    api="special.ndtr",
    derivs=lambda ans, x: exp(-0.5 * square(x)) / _SQRT_2PI,
    doc="The standard normal CDF Φ(x) = (1 + erf(x/√2))/2; derivative exp(-x²/2)/√(2π).",
)
ndtri = elementwise(
    "ndtri",
    _unary("ndtri"),
    api="special.ndtri",
    derivs=lambda ans, x: _SQRT_2PI * exp(0.5 * square(ans)),
    doc="Φ⁻¹(p), the inverse of ndtr on (0, 1); derivative √(2π) exp(Φ⁻¹(p)²/2).",
)
log_ndtr = elementwise(
    "log_ndtr",
    _unary("log_ndtr"),
    api="special.log_ndtr",
    # φ(x)/Φ(x) as exp(-x²/2 - ln Φ(x)): finite where Φ(x) underflows (x = -40)
    derivs=lambda ans, x: exp(-0.5 * square(x) - ans) / _SQRT_2PI,
    doc="ln Φ(x), accurate for very negative x; derivative φ(x)/Φ(x).",
)

# --- Bessel functions of order 0 and 1 ---------------------------------------------------

i0 = elementwise(
    "i0",
    _unary("i0"),
    api="special.i0",
    derivs=lambda ans, x: i1(x),
    doc="The modified Bessel function I₀(x); derivative I₁(x).",
)
i1 = elementwise(
    "i1",
    _unary("i1"),
    api="special.i1",
    derivs=lambda ans, x: i0(x) - _ratio_at_0(ans, x),
    doc="The modified Bessel function I₁(x); derivative I₀(x) - I₁(x)/x (1/2 at 0).",
)
i0e = elementwise(
    "i0e",
    _unary("i0e"),
    api="special.i0e",
    derivs=lambda ans, x: i1e(x) - sign(x) * ans,
    doc="exp(-|x|) I₀(x); derivative i1e(x) - sign(x) i0e(x) (0 at the kink x = 0).",
)
i1e = elementwise(
    "i1e",
    _unary("i1e"),
    api="special.i1e",
    derivs=lambda ans, x: i0e(x) - _ratio_at_0(ans, x) - sign(x) * ans,
    doc="exp(-|x|) I₁(x); derivative i0e(x) - i1e(x)/x - sign(x) i1e(x) (1/2 at 0).",
)
j0 = elementwise(
    "j0",
    _unary("j0"),
    api="special.j0",
    derivs=lambda ans, x: -j1(x),
    doc="The Bessel function J₀(x); derivative -J₁(x).",
)
j1 = elementwise(
    "j1",
    _unary("j1"),
    api="special.j1",
    derivs=lambda ans, x: j0(x) - _ratio_at_0(ans, x),
    doc="The Bessel function J₁(x); derivative J₀(x) - J₁(x)/x (1/2 at 0).",
)
y0 = elementwise(
    "y0",
    _unary("y0"),
    api="special.y0",
    derivs=lambda ans, x: -y1(x),
    doc="The Bessel function of the second kind Y₀(x), x > 0; derivative -Y₁(x).",
)
y1 = elementwise(
    "y1",
    _unary("y1"),
    api="special.y1",
    derivs=lambda ans, x: y0(x) - divide(ans, x),
    doc="The Bessel function of the second kind Y₁(x), x > 0; derivative Y₀(x) - Y₁(x)/x.",
)


# The SciPy ufuncs these ops stand for, by name: ``scipy.special.erf(x)`` on a tracer
# reaches ``erf`` through ``__array_ufunc__`` (see :mod:`dualdiff.numpy_api`, which matches
# the name when it first meets the ufunc, so that importing dualdiff imports no SciPy).
SCIPY_UFUNCS: dict[str, Any] = {
    "erf": erf,
    "erfc": erfc,
    "erfinv": erfinv,
    "erfcinv": erfcinv,
    "gamma": gamma,
    "gammaln": gammaln,
    "digamma": digamma,
    "psi": digamma,
    "beta": beta,
    "betaln": betaln,
    "logit": logit,
    "expit": sigmoid,
    "xlogy": xlogy,
    "xlog1py": xlog1py,
    "ndtr": ndtr,
    "ndtri": ndtri,
    "log_ndtr": log_ndtr,
    "i0": i0,
    "i1": i1,
    "i0e": i0e,
    "i1e": i1e,
    "j0": j0,
    "j1": j1,
    "y0": y0,
    "y1": y1,
}

# NumPy's one function of this group (SciPy's ufuncs are matched by name: SCIPY_UFUNCS)
NUMPY: dict[Any, Any] = {np.i0: i0}

__all__ = [
    "beta", "betaln", "digamma", "erf", "erfc", "erfcinv", "erfinv", "gamma", "gammaln",
    "i0", "i0e", "i1", "i1e", "j0", "j1", "log_ndtr", "logit", "ndtr", "ndtri", "polygamma",
    "xlog1py", "xlogy", "y0", "y1",
]  # fmt: skip
