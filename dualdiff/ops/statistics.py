"""Statistics: ptp, var, std, average, median, quantile, percentile, nanmean.

Each is a composite of registry ops (sums, sort, indexing, where), so its derivatives in
both modes and at every order come from theirs: d var / dx = 2 (x - mean) / (n - ddof),
the median's derivative is that of its middle element(s), and so on.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._lazy import is_lazy, maybe_any
from .._namespace import dtype_kind, to_numpy
from .._util import compare, is_foreign, ndim_of, normalize_axes, primal_of, shape_of
from ..core import Tracer
from .elementwise import floor, sqrt, where
from .reductions import max, mean, min, nansum, sum
from .shape import broadcast_to, getitem, reshape, transpose
from .sorting import sort, take


def _no_out(name: str, **unsupported: Any) -> None:
    given = sorted(k for k, v in unsupported.items() if v is not None)
    if given:
        raise TypeError(
            f"dd.{name} takes no {', '.join(g + '=' for g in given)}: out= would write into an "
            "array and drop the derivative; for dtype=, cast the input (x.astype) first"
        )


def _count(a: Any, axes: tuple[int, ...]) -> int:
    shape = shape_of(a)
    return math.prod(shape[i] for i in axes)


def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """``np.ptp``: max - min over ``axis`` (ties share the derivative, as in max and min)."""
    _no_out("ptp", out=out)
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def var(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
) -> Any:
    """``np.var``: sum((a - mean)^2) / (n - ddof) over ``axis``; its derivative is
    2 (a - mean) / (n - ddof)."""
    _no_out("var", dtype=dtype, out=out)
    axes = normalize_axes(axis, ndim_of(a), "var")
    centered = a - mean(a, axis=axes, keepdims=True)
    return sum(centered * centered, axis=axes, keepdims=keepdims) / (_count(a, axes) - ddof)


def std(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
) -> Any:
    """``np.std``: the square root of ``var``. Where every value is the same (std = 0, a
    kink like |x| at 0) its derivative is taken as 0, as dd.norm's at a zero vector."""
    v = var(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
    zero = compare(np.equal, v, 0)  # dd.compile guards it
    if not maybe_any(zero):
        return sqrt(v)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def _weights_along(w: Any, a: Any, axes: tuple[int, ...]) -> Any:
    """NumPy's 1-D weights (one per element along the single ``axis``) shaped to broadcast."""
    if not isinstance(w, Tracer):
        w = np.asarray(w)
    if shape_of(w) == shape_of(a):
        return w
    if len(axes) != 1 or ndim_of(w) != 1 or shape_of(w)[0] != shape_of(a)[axes[0]]:
        raise ValueError(
            f"average: weights of shape {shape_of(w)} differ from a's shape {shape_of(a)}; "
            "give weights shaped like a, or 1-D weights along a single axis="
        )
    shape = [1] * ndim_of(a)
    shape[axes[0]] = shape_of(w)[0]
    return reshape(w, tuple(shape))


def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: bool = False
) -> Any:
    """``np.average``: sum(a w) / sum(w) over ``axis`` (the mean without weights); the
    weights may be differentiated too. ``returned=True`` also gives sum(w)."""
    if not isinstance(a, Tracer) and not is_foreign(a):
        a = np.asarray(a)
    axes = normalize_axes(axis, ndim_of(a), "average")
    if weights is None:
        avg = mean(a, axis=axes, keepdims=keepdims)
        scale: Any = float(_count(a, axes))
    else:
        w = _weights_along(weights, a, axes)
        scale = sum(broadcast_to(w, shape_of(a)), axis=axes, keepdims=keepdims)
        if not is_lazy(primal_of(scale)) and maybe_any(primal_of(scale) == 0):  # lazy: inf
            raise ZeroDivisionError("average: weights sum to zero, they cannot be normalized")
        avg = sum(a * w, axis=axes, keepdims=keepdims) / scale
    if not returned:
        return avg
    return avg, broadcast_to(scale, shape_of(avg))


def nanmean(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False
) -> Any:
    """``np.nanmean``: the mean over ``axis`` of the entries that are not nan (their
    derivative is 1 / count; the nans' is 0)."""
    _no_out("nanmean", dtype=dtype, out=out)
    axes = normalize_axes(axis, ndim_of(a), "nanmean")
    values = primal_of(a)
    values = values if is_foreign(values) else np.asarray(values)  # a dask array stays lazy
    dtype = values.dtype if dtype_kind(values.dtype) == "f" else np.dtype(np.float64)
    count = np.sum(~np.isnan(values), axis=axes, keepdims=keepdims).astype(dtype)
    return nansum(a, axis=axes, keepdims=keepdims) / count


# --- order statistics: the sorted values at given ranks -------------------------------------


def _ranked(a: Any, axis: Any) -> tuple[Any, tuple[int, ...], tuple[int, ...]]:
    """``a`` sorted over the ``axis`` (one or several), which are flattened into the last
    axis; also the normalized axes and the shape with them kept as length 1."""
    axes = normalize_axes(axis, ndim_of(a), "median")
    nd = ndim_of(a)
    kept = [i for i in range(nd) if i - nd not in axes]
    moved = transpose(a, kept + [i + nd for i in axes])
    rows = reshape(moved, (*(shape_of(a)[i] for i in kept), -1))
    keep_shape = tuple(1 if i - nd in axes else n for i, n in enumerate(shape_of(a)))
    return sort(rows, axis=-1), axes, keep_shape


def _nan_if_any(value: Any, ranked: Any) -> Any:
    """nan where the group holds a nan (sorted last), as NumPy's median and quantile."""
    last = getitem(ranked, (Ellipsis, -1))
    nan = compare(np.isnan, last)
    if not maybe_any(nan):
        return value
    return where(nan, np.nan, value)  # nan broadcasts along q's leading axes


def median(
    a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False
) -> Any:
    """``np.median`` over ``axis``: the middle element, or the mean of the two middle ones;
    its derivative goes to those elements (1, or 1/2 each). At ties, to the elements a
    stable sort puts in the middle."""
    _no_out("median", out=out)
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    ranked, axes, keep_shape = _ranked(a, axis)
    n = shape_of(ranked)[-1]
    if n == 0:
        return mean(a, axis=axes, keepdims=keepdims)  # nan, with NumPy's warning
    lo, hi = getitem(ranked, (Ellipsis, (n - 1) // 2)), getitem(ranked, (Ellipsis, n // 2))
    mid = lo if n % 2 else (lo + hi) * 0.5
    mid = _nan_if_any(mid, ranked)
    return reshape(mid, keep_shape) if keepdims else mid


def _float_array(q: Any) -> np.ndarray:
    q = np.asarray(q)
    return q if q.dtype.kind == "f" else q.astype(np.float64)


def _rank_below(n: int) -> Any:
    """floor(q (n - 1)): the rank of the sorted value at or below the q-th quantile."""
    # the ranks index the sorted values: a q of another namespace is read to the host
    return lambda q: np.clip(
        np.floor(np.asarray(to_numpy(q), np.float64) * (n - 1)), 0, n - 1
    ).astype(np.intp)


def _lerp(lo: Any, hi: Any, t: Any) -> Any:
    """lo + t (hi - lo), from the nearer end (NumPy's form: exact at t = 0 and t = 1)."""
    d = hi - lo
    return where(primal_of(t) >= 0.5, hi - d * (1 - t), lo + d * t)


def quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Any:
    """``np.quantile`` (method "linear"): the q-th quantile over ``axis``, interpolating
    linearly between the sorted values at ranks floor(q (n - 1)) and the next one. Its
    derivative goes to those two elements; q (in [0, 1], shape Q) may be differentiated.
    The result has shape Q + the reduced shape."""
    _no_out("quantile", out=out)
    if method != "linear":
        raise ValueError(
            f"quantile: only method='linear' is supported on traced values, got {method!r}"
        )
    if not isinstance(q, (Tracer, float, int)):  # a Python number stays weak, as in NumPy
        q = _float_array(q)
    pq = np.asarray(to_numpy(primal_of(q)), dtype=np.float64)
    if np.any((pq < 0) | (pq > 1)):
        raise ValueError("quantile: q must be in [0, 1] (percentile: in [0, 100])")
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    ranked, _, keep_shape = _ranked(a, axis)
    n = shape_of(ranked)[-1]
    rank = q * (n - 1)
    below = compare(_rank_below(n), q)  # dd.compile guards a traced q's ranks
    above = np.minimum(below + 1, n - 1)
    t = rank - floor(rank)
    lo, hi = take(ranked, below, axis=-1), take(ranked, above, axis=-1)
    lead = ndim_of(ranked) - 1
    if pq.ndim:  # rows x Q -> Q x rows, with t broadcast along the rows
        order = list(range(lead, lead + pq.ndim)) + list(range(lead))
        lo, hi = transpose(lo, order), transpose(hi, order)
        t = reshape(t, pq.shape + (1,) * lead)
    value = _nan_if_any(_lerp(lo, hi, t), ranked)
    if keepdims:
        value = reshape(value, pq.shape + keep_shape)
    return value


def percentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Any:
    """``np.percentile``: ``quantile`` with q in percent (0 ... 100)."""
    if not isinstance(q, (Tracer, float, int)):
        q = _float_array(q)
    return quantile(a, q / 100, axis, out, overwrite_input, method, keepdims)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.ptp: ptp,
    np.var: var,
    np.std: std,
    np.average: average,
    np.nanmean: nanmean,
    np.median: median,
    np.quantile: quantile,
    np.percentile: percentile,
}

__all__ = ["average", "median", "nanmean", "percentile", "ptp", "quantile", "std", "var"]
