"""Reductions: sum, mean, prod, max, min, logsumexp; softmax and log_softmax.

Axes are normalized to negative integers before they reach a rule, so the same
rule serves a tangent that carries extra leading batch axes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._util import mask, ndim_of, normalize_axes, primal_of, shape_of, zeros_like_shape
from ..core import defop
from .elementwise import exp
from .shape import broadcast_to, reshape, stack, transpose


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    n = len(shape)
    return tuple(1 if i - n in axes else d for i, d in enumerate(shape))


def _expand(g: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast a reduced value ``g`` back to the shape of the reduced input ``x``."""
    shape = shape_of(x)
    if not keepdims:
        g = reshape(g, _kept_shape(shape, axis))
    return broadcast_to(g, shape)


def _kept(y: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """``y`` (a reduced value) with the reduced axes kept as size 1."""
    return y if keepdims else reshape(y, _kept_shape(shape_of(x), axis))


def _count(x: Any, axis: tuple[int, ...]) -> int:
    shape = shape_of(x)
    return math.prod(shape[a] for a in axis)


def _reduction_op(name: str, np_fn: Any, jvp: Any, vjp: Any, doc: str) -> Any:
    op = defop(
        name,
        lambda x, *, axis, keepdims: np_fn(x, axis=axis, keepdims=keepdims),
        jvp=jvp,
        vjp=vjp,
        kind="reduction",
        doc=doc,
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
    if not np.any(primal_of(x) == 0):
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
    w = mask(np.asanyarray(hit), ans)  # an array even for 0-d x: float32 stays float32
    return w / np.sum(w, axis=axis, keepdims=True)


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
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # empty: log(0) = -inf
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


logsumexp = _reduction_op(
    "logsumexp",
    _logsumexp_np,
    # the derivative is softmax, computed from x (not as exp(x - ans), which loses
    # |x| * eps of accuracy when |x| is large: 3e-5 at x = 1000 in float32)
    jvp=lambda t, ans, x, *, axis, keepdims: sum(
        t * softmax(x, axis=axis), axis=axis, keepdims=keepdims
    ),
    vjp=lambda g, ans, x, *, axis, keepdims: _expand(g, x, axis, keepdims) * softmax(x, axis=axis),
    doc="log(sum(exp(x))) over ``axis``, computed stably (shifted by the max).",
)


def _max_shift(x: Any, axis: Any) -> Any:
    """max(x) along ``axis`` (kept for broadcasting; 0 where not finite) as a constant:
    subtracting it changes neither softmax nor any of its derivatives."""
    m = np.max(primal_of(x), axis=axis, keepdims=True, initial=-np.inf)
    return np.where(np.isfinite(m), m, 0)


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """x - logsumexp(x) along ``axis``: log-probabilities, stable for large |x|.

    Computed as s - logsumexp(s) with s = x - max(x), so the result is exact to
    rounding even where |x| is large (at the max it is -log(count of maxima))."""
    shifted = x - _max_shift(x, axis)
    return shifted - logsumexp(shifted, axis=axis, keepdims=True)


def softmax(x: Any, axis: Any = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, stable for large |x|."""
    return exp(log_softmax(x, axis=axis))


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
}

__all__ = ["log_softmax", "logsumexp", "max", "mean", "min", "prod", "softmax", "sum"]
