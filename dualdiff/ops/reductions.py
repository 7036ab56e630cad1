"""Reductions: sum, mean, prod, max, min, logsumexp (with weights b), nansum; softmax and
log_softmax; the running sums and products cumsum and cumprod, and diff.

Axes are normalized to negative integers before they reach a rule, so the same
rule serves a tangent that carries extra leading batch axes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._lazy import is_lazy, maybe_any
from .._namespace import namespace
from .._util import (
    compare,
    is_foreign,
    mask,
    ndim_of,
    normalize_axes,
    primal_of,
    shape_of,
    zeros_like_shape,
)
from ..core import Tracer, defop
from .elementwise import exp, log, where
from .shape import broadcast_to, concatenate, getitem, moveaxis, reshape, stack, transpose


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    n = len(shape)
    return tuple(1 if i - n in axes else d for i, d in enumerate(shape))


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    n = len(shape)
    return tuple(d for i, d in enumerate(shape) if i - n not in axes)


def _expand(g: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast a reduced value ``g`` back to the shape of the reduced input ``x`` (the
    leading batch axes of a batch of cotangents kept in front)."""
    shape = shape_of(x)
    batch = shape_of(g)[: ndim_of(g) - len(shape) + (0 if keepdims else len(axis))]
    if not keepdims:
        g = reshape(g, batch + _kept_shape(shape, axis))
    p = primal_of(x)
    if is_lazy(p):  # Dask: broadcast in x's chunks (broadcast_to makes one chunk to re-cut)
        return g + namespace(p).zeros_like(p)
    return broadcast_to(g, batch + shape)


def _kept(y: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """``y`` (a reduced value) with the reduced axes kept as size 1."""
    return y if keepdims else reshape(y, _kept_shape(shape_of(x), axis))


def _count(x: Any, axis: tuple[int, ...]) -> int:
    shape = shape_of(x)
    return math.prod(shape[a] for a in axis)


def _reduction_op(name: str, np_fn: Any, jvp: Any, vjp: Any, doc: str, api: Any = ...) -> Any:
    op = defop(
        name,
        lambda x, *, axis, keepdims: np_fn(x, axis=axis, keepdims=keepdims),
        jvp=jvp,
        vjp=vjp,
        kind="reduction",
        doc=doc,
        vjp_batched=True,  # the reduced axes are negative: batch axes in front stay apart
        api=api,
    )

    def public(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if not hasattr(x, "shape"):
            x = np.asarray(x) if not isinstance(x, (float, int)) else x
        return op(x, axis=normalize_axes(axis, ndim_of(x), name), keepdims=bool(keepdims))

    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    public.rule = op.rule  # type: ignore[attr-defined]
    return public


sum = _reduction_op(
    "sum",
    np.sum,
    jvp=lambda t, ans, x, *, axis, keepdims: sum(t, axis=axis, keepdims=keepdims),
    vjp=lambda g, ans, x, *, axis, keepdims: _expand(g, x, axis, keepdims),
    doc="Sum over ``axis`` (all axes by default), like ``np.sum``.",
)
mean = _reduction_op(
    "mean",
    np.mean,
    jvp=lambda t, ans, x, *, axis, keepdims: mean(t, axis=axis, keepdims=keepdims),
    vjp=lambda g, ans, x, *, axis, keepdims: _expand(g, x, axis, keepdims) / _count(x, axis),
    doc="Arithmetic mean over ``axis``, like ``np.mean``.",
)


def _prod_others(ans: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """For each element of x, the product of the other elements of its reduction group."""
    if not maybe_any(primal_of(x) == 0):
        return _expand(ans, x, axis, keepdims) / x
    # With zeros, ans / x is 0/0: build exclusive prefix and suffix products instead.
    shape = shape_of(x)
    nd = len(shape)
    kept = [i for i in range(nd) if i - nd not in axis]
    moved = transpose(x, kept + [i for i in range(nd) if i - nd in axis])
    rows = reshape(moved, (*tuple(shape[i] for i in kept), -1))
    n = shape_of(rows)[-1]
    one = zeros_like_shape(shape_of(rows)[:-1], x) + 1.0  # a row's empty product, any n >= 1
    left, right = [one], [one]
    for j in range(n - 1):
        left.append(left[-1] * rows[..., j])
        right.append(right[-1] * rows[..., n - 1 - j])
    others = stack([left[j] * right[n - 1 - j] for j in range(n)], axis=-1)
    others = reshape(others, shape_of(moved))
    return transpose(others, list(np.argsort(kept + [i for i in range(nd) if i - nd in axis])))


prod = _reduction_op(
    "prod",
    np.prod,
    jvp=lambda t, ans, x, *, axis, keepdims: sum(
        t * _prod_others(ans, x, axis, keepdims), axis=axis, keepdims=keepdims
    ),
    vjp=lambda g, ans, x, *, axis, keepdims: (
        _expand(g, x, axis, keepdims) * _prod_others(ans, x, axis, keepdims)
    ),
    doc="Product over ``axis``, like ``np.prod`` (exact derivative with zeros too).",
)


def _argmax_weights(ans: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """1/count at each group's extreme elements, 0 elsewhere: ties split the derivative."""
    px = primal_of(x)
    hit = px == primal_of(_kept(ans, x, axis, keepdims))
    w = mask(hit if is_foreign(hit) else np.asanyarray(hit), ans)  # an array even for 0-d x
    return w / namespace(w).sum(w, axis=axis, keepdims=True)


_extremum_jvp = lambda t, ans, x, *, axis, keepdims: sum(
    t * _argmax_weights(ans, x, axis, keepdims), axis=axis, keepdims=keepdims
)
_extremum_vjp = lambda g, ans, x, *, axis, keepdims: (
    _expand(g, x, axis, keepdims) * _argmax_weights(ans, x, axis, keepdims)
)

max = _reduction_op(
    "max", np.max, _extremum_jvp, _extremum_vjp, "Maximum over ``axis``; ties share the derivative."
)
min = _reduction_op(
    "min", np.min, _extremum_jvp, _extremum_vjp, "Minimum over ``axis``; ties share the derivative."
)


def _logsumexp_np(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    x = np.asarray(x)
    if x.dtype.kind in "biu":  # integers and booleans: float64, not NumPy's float16 for int8
        x = x.astype(np.float64)
    m = finite_max(np, x, axis)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_in(xp: Any, x: Any, *, axis: tuple[int, ...], keepdims: bool) -> Any:
    """logsumexp with namespace ``xp``'s functions (integers and booleans as float64)."""
    if xp.isdtype(x.dtype, ("bool", "integral")):
        x = xp.astype(x, xp.float64)
    m = finite_max(xp, x, axis)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def finite_max(xp: Any, x: Any, axis: Any) -> Any:
    """max(x) along ``axis``, the axes kept, and 0 where it is not finite (on NumPy, an
    empty group's max is -inf, so log(0) = -inf follows)."""
    if xp is np:
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        return np.where(np.isfinite(m), m, 0)
    m = xp.max(x, axis=axis, keepdims=True)
    return xp.where(xp.isfinite(m), m, xp.zeros_like(m))


_logsumexp = _reduction_op(
    "logsumexp",
    _logsumexp_np,
    # the derivative is softmax, computed from x (not as exp(x - ans), which loses
    # |x| * eps of accuracy when |x| is large: 3e-5 at x = 1000 in float32)
    jvp=lambda t, ans, x, *, axis, keepdims: sum(
        t * softmax(x, axis=axis), axis=axis, keepdims=keepdims
    ),
    vjp=lambda g, ans, x, *, axis, keepdims: _expand(g, x, axis, keepdims) * softmax(x, axis=axis),
    doc="log(sum(exp(x))) over ``axis``, computed stably (shifted by the max).",
    api=_logsumexp_in,
)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, *, b: Any = None) -> Any:
    """log(sum(b * exp(x))) over ``axis``, stable for large |x| (``b``: weights broadcasting
    against x, like SciPy's; they may be differentiated, and may be 0)."""
    if b is None:
        return _logsumexp(x, axis=axis, keepdims=keepdims)
    shape = np.broadcast_shapes(shape_of(x), shape_of(b))
    axes = normalize_axes(axis, len(shape), "logsumexp")
    x, b = broadcast_to(x, shape), broadcast_to(b, shape)
    # shift by the largest x that has a weight (a constant: the result does not depend on it)
    xp = namespace(primal_of(x), primal_of(b))
    unweighted = xp.equal(primal_of(b), 0)
    weighted_x = xp.where(unweighted, -xp.inf, primal_of(x))
    m = finite_max(xp, weighted_x, axes)
    if not isinstance(b, Tracer) and maybe_any(unweighted):  # terms that are 0 whatever x is:
        x = where(unweighted, m, x)  # keep their exp from overflowing (0 * inf)
    out = log(sum(b * exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdims else reshape(out, _reduced_shape(shape, axes))


def _max_shift(x: Any, axis: Any) -> Any:
    """max(x) along ``axis`` (kept for broadcasting; 0 where not finite) as a constant:
    subtracting it changes neither softmax nor any of its derivatives."""
    p = primal_of(x)
    return finite_max(namespace(p), p, axis)


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """x - logsumexp(x) along ``axis``: log-probabilities, stable for large |x|.

    Computed as s - logsumexp(s) with s = x - max(x), so the result is exact to
    rounding even where |x| is large (at the max it is -log(count of maxima))."""
    shifted = x - _max_shift(x, axis)
    return shifted - logsumexp(shifted, axis=axis, keepdims=True)


def softmax(x: Any, axis: Any = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, stable for large |x|."""
    return exp(log_softmax(x, axis=axis))


def nansum(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.nansum``: the sum over ``axis`` with nan entries counted as 0 (their derivative
    is 0)."""
    nan = compare(np.isnan, a)  # dd.compile guards where the nans are
    return sum(where(nan, 0.0, a) if maybe_any(nan) else a, axis=axis, keepdims=keepdims)


# --- running sums and products, differences ---------------------------------------------


def _flip(x: Any, axis: int) -> Any:
    """x reversed along the (negative) ``axis``."""
    return getitem(x, (Ellipsis, slice(None, None, -1)) + (slice(None),) * (-axis - 1))


def _reverse_cumsum(g: Any, axis: int) -> Any:
    """out[k] = sum of g[j] for j >= k: the transpose of cumsum."""
    return _flip(_cumsum(_flip(g, axis), axis=axis), axis)


_cumsum = defop(
    "cumsum",
    lambda x, *, axis: np.cumsum(x, axis=axis),
    jvp=lambda t, ans, x, *, axis: _cumsum(t, axis=axis),
    vjp=lambda g, ans, x, *, axis: _reverse_cumsum(g, axis),
    doc="Running sum along ``axis``: out[k] = x[0] + ... + x[k].",
    vjp_batched=True,  # axis is negative
)


def _cumprod_jvp(t: Any, ans: Any, x: Any, *, axis: int) -> Any:
    if not maybe_any(primal_of(x) == 0):
        return ans * _cumsum(t / x, axis=axis)
    # with zeros, t / x is inf: run the recurrence dy[k] = dy[k-1] x[k] + y[k-1] t[k]
    xs, ts = moveaxis(x, axis, -1), moveaxis(t, axis, -1)
    y, dy = xs[..., 0], ts[..., 0]
    out = [dy]
    for k in range(1, shape_of(xs)[-1]):
        dy = dy * xs[..., k] + y * ts[..., k]
        y = y * xs[..., k]
        out.append(dy)
    return moveaxis(stack(out, axis=-1), -1, axis)


def _cumprod_vjp(g: Any, ans: Any, x: Any, *, axis: int) -> Any:
    if not maybe_any(primal_of(x) == 0):
        return _reverse_cumsum(g * ans, axis) / x
    # with zeros: ct[j] = (x[0] ... x[j-1]) s[j], where s[j] = g[j] + x[j+1] s[j+1]
    xs, gs = moveaxis(x, axis, -1), moveaxis(g, axis, -1)
    n = shape_of(xs)[-1]
    s = [gs[..., n - 1]]
    for j in range(n - 2, -1, -1):
        s.append(gs[..., j] + xs[..., j + 1] * s[-1])
    s.reverse()
    before = zeros_like_shape(shape_of(s[0]), x) + 1.0  # the empty product
    out = [s[0] * before]
    for j in range(1, n):
        before = before * xs[..., j - 1]
        out.append(s[j] * before)
    return moveaxis(stack(out, axis=-1), -1, axis)


_cumprod = defop(
    "cumprod",
    lambda x, *, axis: np.cumprod(x, axis=axis),
    jvp=_cumprod_jvp,
    vjp=_cumprod_vjp,
    doc="Running product along ``axis``: out[k] = x[0] ... x[k] (exact derivative with zeros).",
    vjp_batched=True,
)


def _cumulative(op: Any, name: str) -> Any:
    def public(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if dtype is not None or out is not None:
            raise TypeError(
                f"dd.{name} takes no dtype= or out=: cast the input (x.astype) before the call"
            )
        if axis is None:
            a, axis = reshape(a, (-1,)), -1
        (axis,) = normalize_axes(axis, ndim_of(a), name)
        return op(a, axis=axis)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = f"``np.{name}``: {op.rule.doc} (the flattened input for axis=None)."
    return public


cumsum = _cumulative(_cumsum, "cumsum")
cumprod = _cumulative(_cumprod, "cumprod")


def _edge(v: Any, a: Any, axis: int) -> Any:
    """``prepend``/``append`` of np.diff: a scalar becomes a slice of length 1 along axis."""
    if not isinstance(v, Tracer):
        v = np.asarray(v)
    if ndim_of(v) == 0:
        shape = list(shape_of(a))
        shape[axis] = 1
        return broadcast_to(v, tuple(shape))
    return v


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """``np.diff``: the n-th differences out[k] = a[k + 1] - a[k] along ``axis``, after
    joining ``prepend`` and ``append`` (scalars or arrays) to a's ends."""
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    (axis,) = normalize_axes(axis, ndim_of(a), "diff")
    if prepend is not None or append is not None:
        parts = [_edge(prepend, a, axis)] if prepend is not None else []
        parts += [a] + ([_edge(append, a, axis)] if append is not None else [])
        a = concatenate(parts, axis=axis)
    rest = (slice(None),) * (-axis - 1)
    for _ in range(n):
        a = getitem(a, (Ellipsis, slice(1, None), *rest)) - getitem(
            a, (Ellipsis, slice(None, -1), *rest)
        )
    return a


def _numpy_reduction(fn: Any) -> Any:
    """``fn`` with the signature of NumPy's reduction (``np.sum(a, axis, keepdims=)``)."""

    def call(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return fn(a, axis=axis, keepdims=keepdims)

    return call


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.sum: _numpy_reduction(sum),
    np.mean: _numpy_reduction(mean),
    np.prod: _numpy_reduction(prod),
    np.max: _numpy_reduction(max),
    np.amax: _numpy_reduction(max),
    np.min: _numpy_reduction(min),
    np.amin: _numpy_reduction(min),
    np.nansum: _numpy_reduction(nansum),
    np.cumsum: cumsum,
    np.cumprod: cumprod,
    np.diff: diff,
}

__all__ = [
    "cumprod", "cumsum", "diff", "log_softmax", "logsumexp", "max", "mean", "min", "nansum",
    "prod", "softmax", "sum",
]  # fmt: skip
