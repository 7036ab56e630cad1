"""Linear algebra: matmul (1-D, 2-D and batched, NumPy's rules), dot and norm."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._util import ndim_of, shape_of
from ..core import defop
from .elementwise import multiply, sqrt, where
from .reductions import sum
from .shape import moveaxis, reshape, sum_to_shape, swapaxes


def _as_matrix_shape(shape: tuple[int, ...], side: str) -> tuple[int, ...]:
    """NumPy's promotion of a 1-D matmul operand: a row on the left, a column on the right."""
    if len(shape) != 1:
        return shape
    return (1, *shape) if side == "left" else (*shape, 1)


def _product_shape(a2: tuple[int, ...], b2: tuple[int, ...]) -> tuple[int, ...]:
    return (*np.broadcast_shapes(a2[:-2], b2[:-2]), a2[-2], b2[-1])


def _pad_batch(t: Any, nb: int, ndim: int) -> Any:
    """Insert length-1 axes after the ``nb`` batch axes so that ``t`` has ``nb + ndim`` axes."""
    shape = shape_of(t)
    missing = nb + ndim - len(shape)
    return reshape(t, shape[:nb] + (1,) * missing + shape[nb:]) if missing > 0 else t


def _jvp_left(t: Any, ans: Any, a: Any, b: Any) -> Any:
    nb = ndim_of(t) - ndim_of(a)
    if nb == 0:
        return matmul(t, b)
    batch = shape_of(t)[:nb]
    if ndim_of(a) == 1:  # each direction is a row vector
        rows = _pad_batch(reshape(t, (*batch, 1, shape_of(a)[0])), nb, max(ndim_of(b), 2))
        return reshape(matmul(rows, b), batch + shape_of(ans))
    return matmul(_pad_batch(t, nb, max(ndim_of(a), ndim_of(b))), b)


def _jvp_right(t: Any, ans: Any, a: Any, b: Any) -> Any:
    nb = ndim_of(t) - ndim_of(b)
    if nb == 0:
        return matmul(a, t)
    batch = shape_of(t)[:nb]
    if ndim_of(b) == 1:
        if ndim_of(a) <= 2:  # (k, n) @ a.T: one matrix product for all directions
            return matmul(t, a.T if ndim_of(a) == 2 else a)
        cols = _pad_batch(reshape(t, (*batch, shape_of(b)[0], 1)), nb, ndim_of(a))
        return reshape(matmul(a, cols), batch + shape_of(ans))
    return matmul(a, _pad_batch(t, nb, max(ndim_of(a), ndim_of(b))))


def _vjp_left(g: Any, ans: Any, a: Any, b: Any) -> Any:
    if ndim_of(a) == 1 and ndim_of(b) == 1:
        return g * b
    if ndim_of(b) == 2 and ndim_of(a) in (1, 2):  # the common cases: no batch axes to undo
        return matmul(g, b.T)
    a2, b2 = _as_matrix_shape(shape_of(a), "left"), _as_matrix_shape(shape_of(b), "right")
    g2 = reshape(g, _product_shape(a2, b2))
    ga = matmul(g2, swapaxes(reshape(b, b2), -1, -2))
    return reshape(sum_to_shape(ga, a2), shape_of(a))


def _vjp_right(g: Any, ans: Any, a: Any, b: Any) -> Any:
    if ndim_of(a) == 1 and ndim_of(b) == 1:
        return g * a
    if ndim_of(a) == 2 and ndim_of(b) == 2:
        return matmul(a.T, g)
    if ndim_of(a) == 2 and ndim_of(b) == 1:  # A @ x: the cotangent of x is g @ A, one gemv
        return matmul(g, a)
    a2, b2 = _as_matrix_shape(shape_of(a), "left"), _as_matrix_shape(shape_of(b), "right")
    g2 = reshape(g, _product_shape(a2, b2))
    gb = matmul(swapaxes(reshape(a, a2), -1, -2), g2)
    return reshape(sum_to_shape(gb, b2), shape_of(b))


matmul = defop(
    "matmul",
    np.matmul,
    jvp=(_jvp_left, _jvp_right),
    vjp=(_vjp_left, _vjp_right),
    kind="linalg",
    doc="a @ b with NumPy's rules: 1-D operands are promoted, leading axes broadcast.",
)


def dot(a: Any, b: Any) -> Any:
    """``np.dot``: products of scalars, inner products, matrix products, and for N-D
    inputs the sum over the last axis of ``a`` and the second-to-last of ``b``."""
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return multiply(a, b)
    if (nb <= 2 and na <= 2) or nb == 1:
        return matmul(a, b)
    n = shape_of(b)[-2]
    b_rows = reshape(moveaxis(b, -2, 0), (n, -1))
    out = matmul(reshape(a, (-1, n)), b_rows)
    return reshape(out, shape_of(a)[:-1] + shape_of(b)[:-2] + shape_of(b)[-1:])


def norm(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The Euclidean norm sqrt(sum(x**2)) over ``axis`` (all axes: the Frobenius norm of a
    matrix), as ``np.linalg.norm`` with ``ord=None``. Its derivative x / norm(x) is taken
    as 0 at a zero vector (the smallest subgradient there), not 0/0."""
    squares = sum(multiply(x, x), axis=axis, keepdims=keepdims)
    zero = squares == 0  # on primals; a comparison of traced values, so dd.compile guards it
    safe = where(zero, 1.0, squares)  # keeps sqrt's derivative finite where it is not used
    return where(zero, 0.0, sqrt(safe))


def _numpy_norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    if ord is not None:
        raise TypeError(
            f"np.linalg.norm on a dualdiff value supports ord=None (the 2-norm), got "
            f"ord={ord!r}; write other norms with dualdiff ops, e.g. dd.sum(dd.abs(x)) for ord=1"
        )
    return norm(x, axis=axis, keepdims=keepdims)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.matmul: matmul,
    np.dot: dot,
    np.linalg.norm: _numpy_norm,
}

__all__ = ["dot", "matmul", "norm"]
