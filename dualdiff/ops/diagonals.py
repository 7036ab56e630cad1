"""Diagonals and triangles: ``tril``, ``triu``, ``diagonal`` and ``trace`` (registry ops),
``diag`` and ``diagflat`` (composites).

All are linear. ``tril``/``triu`` keep a triangle (a 0/1 mask: the op is its own
adjoint); ``diagonal`` reads the entries (i, i + offset) of two axes, and its VJP
writes a cotangent back onto them (:func:`_embed`, which ``diag`` of a vector also
uses); ``trace`` sums them, so its gradient is the identity pattern of the offset
diagonal. Axes reach the rules as negative integers, so the JVP serves tangents with
leading batch axes as they are.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._util import in_namespace_of, ndim_of, shape_of, zeros_like_shape
from ..core import Tracer, defop
from .elementwise import where
from .joining import pad
from .shape import _as_array, _axis_index, broadcast_to, expand_dims, moveaxis, ravel

# --- triangles --------------------------------------------------------------------------


def _triangle_op(name: str, np_fn: Any, doc: str) -> Any:
    op = defop(
        name,
        lambda x, *, k: np_fn(x, k),
        jvp=lambda t, ans, x, *, k: op(t, k=k),
        vjp=lambda g, ans, x, *, k: op(g, k=k),
        doc=doc,
        vjp_batched=True,  # the last two axes: batch axes in front stay apart
    )

    def public(m: Any, k: Any = 0) -> Any:
        m = _as_array(m)
        if ndim_of(m) == 0:
            raise ValueError(f"{name} needs an array of at least 1 dimension, got a 0-d one")
        if ndim_of(m) == 1:  # NumPy reads a vector as the rows of a square matrix
            m = broadcast_to(m, shape_of(m) * 2)
        return op(m, k=operator.index(k))

    public.__name__ = public.__qualname__ = name
    public.__doc__ = f"``np.{name}``: {doc}"
    return public


tril = _triangle_op(
    "tril", np.tril, "the entries on and below the k-th diagonal of the last two axes, 0 above."
)
triu = _triangle_op(
    "triu", np.triu, "the entries on and above the k-th diagonal of the last two axes, 0 below."
)

# --- diagonals --------------------------------------------------------------------------


def _length(n: int, m: int, offset: int) -> int:
    """How many entries (i, i + offset) an n x m matrix has."""
    return max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))


def _embed(d: Any, n: int, m: int, offset: int) -> Any:
    """An (..., n, m) array, 0 but for d[..., i] at (i, i + offset): the transpose of the
    diagonal's read (d's last axis may be 1, broadcast along the diagonal). Built as a
    masked square block padded with zeros."""
    k = _length(n, m, offset)
    if k == 0:
        return zeros_like_shape((*shape_of(d)[:-1], n, m), d)
    square = where(in_namespace_of(np.eye(k, dtype=bool), d), expand_dims(d, -1), 0.0)
    top, left = max(0, -offset), max(0, offset)
    widths = ((0, 0),) * (ndim_of(d) - 1) + ((top, n - k - top), (left, m - k - left))
    return pad(square, widths)


def _diagonal_vjp(g: Any, ans: Any, x: Any, *, offset: int, axis1: int, axis2: int) -> Any:
    shape = shape_of(x)
    out = _embed(g, shape[axis1], shape[axis2], offset)
    return moveaxis(out, (-2, -1), (axis1, axis2))  # negative axes: g's batch axes stay


_diagonal = defop(
    "diagonal",
    lambda x, *, offset, axis1, axis2: np.diagonal(x, offset, axis1, axis2),
    api=lambda xp, x, *, offset, axis1, axis2: xp.linalg.diagonal(
        xp.moveaxis(x, (axis1, axis2), (-2, -1)), offset=offset
    ),
    jvp=lambda t, ans, x, **p: _diagonal(t, **p),
    vjp=_diagonal_vjp,
    doc="The entries (i, i + offset) of axes ``axis1``, ``axis2``, as a last axis.",
    vjp_batched=True,
)


def _trace_vjp(g: Any, ans: Any, x: Any, *, offset: int, axis1: int, axis2: int) -> Any:
    # d trace / d diagonal = 1: g on every diagonal entry
    return _diagonal_vjp(expand_dims(g, -1), ans, x, offset=offset, axis1=axis1, axis2=axis2)


_trace = defop(
    "trace",
    lambda x, *, offset, axis1, axis2: np.trace(x, offset, axis1, axis2),
    api=lambda xp, x, *, offset, axis1, axis2: xp.linalg.trace(
        xp.moveaxis(x, (axis1, axis2), (-2, -1)), offset=offset
    ),
    jvp=lambda t, ans, x, **p: _trace(t, **p),
    vjp=_trace_vjp,
    doc="The sum of the entries (i, i + offset) of axes ``axis1``, ``axis2``.",
    vjp_batched=True,
)


def _plane(a: Any, axis1: Any, axis2: Any, what: str) -> dict[str, int]:
    """Two distinct axes of ``a`` as negative ints (stable under leading batch axes)."""
    nd = ndim_of(a)
    if nd < 2:
        raise ValueError(f"{what} needs an array of at least 2 dimensions, got shape {shape_of(a)}")
    i, j = (_axis_index(ax, nd, what) - nd for ax in (axis1, axis2))
    if i == j:
        raise ValueError(f"{what}: axis1 and axis2 must differ, both are {axis1}")
    return {"axis1": i, "axis2": j}


def diagonal(a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    """``np.diagonal``: the entries a[..., i, i + offset] of the plane (axis1, axis2), as a
    last axis (the other axes keep their order in front)."""
    a = _as_array(a)
    return _diagonal(a, offset=operator.index(offset), **_plane(a, axis1, axis2, "diagonal"))


def trace(
    a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1, dtype: Any = None, out: Any = None
) -> Any:
    """``np.trace``: the sum of the entries a[i, i + offset] of the plane (axis1, axis2)."""
    if out is not None or dtype is not None:
        raise TypeError("trace on dualdiff values takes no dtype= or out=; cast the result")
    a = _as_array(a)
    return _trace(a, offset=operator.index(offset), **_plane(a, axis1, axis2, "trace"))


def diag(v: Any, k: Any = 0) -> Any:
    """``np.diag``: a vector's n x n matrix with v on the k-th diagonal (n = len(v) + |k|),
    or a matrix's k-th diagonal."""
    v, k = _as_array(v), operator.index(k)
    if not isinstance(v, Tracer):
        return np.diag(v, k)
    if ndim_of(v) == 2:
        return diagonal(v, k)
    if ndim_of(v) != 1:
        raise ValueError(f"diag needs a 1-D or 2-D array, got shape {shape_of(v)}")
    n = shape_of(v)[0] + abs(k)
    return _embed(v, n, n, k)


def diagflat(v: Any, k: Any = 0) -> Any:
    """``np.diagflat``: ``diag`` of the flattened input."""
    return diag(ravel(v), k)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.tril: tril,
    np.triu: triu,
    np.diag: diag,
    np.diagflat: diagflat,
    np.diagonal: diagonal,
    np.trace: trace,
}

__all__ = ["diag", "diagflat", "diagonal", "trace", "tril", "triu"]
