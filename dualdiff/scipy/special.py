"""``scipy.special`` on traced values: the special functions, logsumexp and softmax.

The special functions are dualdiff's ops (``dd.erf`` is ``dd.scipy.special.erf``);
``scipy.special.erf(x)`` on a traced value reaches the same op. ``logsumexp``,
``softmax`` and ``log_softmax`` take SciPy's arguments (``axis=None`` means all axes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from .._namespace import namespace
from .._util import normalize_axes, primal_of, shape_of
from ..ops import sigmoid as expit
from ..ops.reductions import finite_max
from ..ops.special import (
    beta,
    betaln,
    digamma,
    erf,
    erfc,
    erfcinv,
    erfinv,
    gamma,
    gammaln,
    i0,
    i0e,
    i1,
    i1e,
    j0,
    j1,
    log_ndtr,
    logit,
    ndtr,
    ndtri,
    polygamma,
    xlog1py,
    xlogy,
    y0,
    y1,
)

psi = digamma


def _sum_sign(a: Any, b: Any, axis: Any) -> np.ndarray:
    """The sign of sum(b * exp(a)) over ``axis`` (kept), from the primals."""
    a_p, b_p = np.broadcast_arrays(primal_of(a), primal_of(b))
    axes = normalize_axes(axis, a_p.ndim, "logsumexp")
    weighted = np.where(b_p != 0, a_p, -np.inf)  # shift by the largest a that has a weight
    m = finite_max(namespace(weighted), weighted, axes)
    return np.sign(np.sum(b_p * np.exp(weighted - m), axis=axes, keepdims=True))


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """log(sum(b * exp(a))) over ``axis`` (all axes by default), stable for large |a|, like
    ``scipy.special.logsumexp``. ``b`` (weights broadcasting against ``a``) may be
    differentiated and may be negative: with ``return_sign=True`` the result is
    ``(log|sum|, sign)``, else a negative sum gives nan."""
    if not return_sign:
        if b is None:
            return ops.logsumexp(a, axis=axis, keepdims=keepdims)
        return ops.logsumexp(a, axis=axis, keepdims=keepdims, b=b)
    sign = _sum_sign(a, 1.0 if b is None else b, axis)
    out = ops.logsumexp(a, axis=axis, keepdims=True, b=sign if b is None else sign * b)
    if not keepdims:
        axes = normalize_axes(axis, len(shape_of(out)), "logsumexp")
        out, sign = ops.squeeze(out, axes), np.squeeze(sign, axes)
    return out, sign[()]


def softmax(x: Any, axis: Any = None) -> Any:
    """exp(x) / sum(exp(x)) over ``axis`` (all axes by default, as in SciPy)."""
    return ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """x - logsumexp(x) over ``axis`` (all axes by default, as in SciPy)."""
    return ops.log_softmax(x, axis=axis)


__all__ = [
    "beta", "betaln", "digamma", "erf", "erfc", "erfcinv", "erfinv", "expit", "gamma",
    "gammaln", "i0", "i0e", "i1", "i1e", "j0", "j1", "log_ndtr", "log_softmax", "logit",
    "logsumexp", "ndtr", "ndtri", "polygamma", "psi", "softmax", "xlog1py", "xlogy", "y0", "y1",
]  # fmt: skip
