"""The normal distribution N(loc, scale²), as ``scipy.stats.norm``'s functions.

Every argument (``x``, ``loc``, ``scale``, ``q``) may be differentiated and they
broadcast; ``scale`` must be positive. Built from dualdiff ops and the special
functions ndtr, log_ndtr and ndtri, so every derivative is exact to any order.
"""

from __future__ import annotations

import math
from typing import Any

from ...ops import exp, log
from ...ops.special import log_ndtr, ndtr, ndtri

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _z(x: Any, loc: Any, scale: Any) -> Any:
    return (x - loc) / scale


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """ln φ: -z²/2 - ln scale - ln √(2π), with z = (x - loc) / scale."""
    z = _z(x, loc, scale)
    return -0.5 * z * z - log(scale) - _LOG_SQRT_2PI


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density exp(-z²/2) / (scale √(2π))."""
    return exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """P(X <= x) = Φ(z)."""
    return ndtr(_z(x, loc, scale))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """ln Φ(z), accurate far in the left tail."""
    return log_ndtr(_z(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function P(X > x) = Φ(-z)."""
    return ndtr(-_z(x, loc, scale))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """ln Φ(-z), accurate far in the right tail."""
    return log_ndtr(-_z(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function loc + scale Φ⁻¹(q), the inverse of cdf."""
    return loc + scale * ndtri(q)


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of sf: loc - scale Φ⁻¹(q)."""
    return loc - scale * ndtri(q)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
