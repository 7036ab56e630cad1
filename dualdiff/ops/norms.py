"""Linear algebra, third part: norms and other numbers (norm with every ``ord``,
vector_norm, matrix_norm, cond, det, slogdet, matrix_rank), as NumPy's ``np.linalg``.

Norms are built from registry ops (abs, sum, max, svdvals ...), so their derivatives
need no rules of their own; at kinks (a zero entry, a zero vector) they take the
derivative 0, as ``abs`` does. det and slogdet are ops of their own.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np

from .._lazy import surely_all
from .._namespace import asarray_like, namespace
from .._util import as_float, compare, is_complex, ndim_of, normalize_axes, primal_of, shape_of
from ..core import defop
from .decompositions import svd, svdvals
from .elementwise import abs, multiply, power, sqrt, where
from .linalg import (
    constant,
    expand_matrix,
    inv,
    keeps_linalg_error,
    matmul,
    numpy_linalg,
    real_only,
    row,
)
from .linalg import matrix_transpose as _mT
from .reductions import max, min, prod, sum
from .shape import getitem, reshape, transpose


class SlogdetResult(NamedTuple):
    """``slogdet``'s result, like NumPy's: det = sign * exp(logabsdet)."""

    sign: Any
    logabsdet: Any


# --- determinants --------------------------------------------------------------------------


def _cofactor(a: Any, det: Any) -> Any:
    """The cofactor matrix det(a) a⁻ᵀ (d det / da), also where a is singular: then from the
    SVD a = U S Vᵀ as det(U) det(V) U diag(∏_{j≠i} s_j) Vᵀ."""
    xp = namespace(primal_of(det))
    if surely_all(primal_of(det) != 0):  # lazy: the SVD route, right for every matrix
        return expand_matrix(det) * _mT(inv(a))
    real_only("det", a)  # (of a singular matrix: the SVD route needs conjugates)
    u, s, vh = svd(a)
    sign = constant(xp.linalg.det(primal_of(u)) * xp.linalg.det(primal_of(vh)), a)
    eye = asarray_like(np.eye(shape_of(s)[-1], dtype=bool), primal_of(s))
    others = prod(where(eye, 1.0, row(s)), axis=-1)
    return expand_matrix(sign) * matmul(u * row(others), vh)


_det = defop(
    "det",
    np.linalg.det,
    api="linalg.det",
    jvp=lambda t, ans, a: sum(_cofactor(a, ans) * t, axis=(-2, -1)),
    vjp=lambda g, ans, a: expand_matrix(g) * _cofactor(a, ans),
    kind="linalg",
    doc="det a for a (..., M, M): d det = tr(adj(a) da), ā = g adj(a)ᵀ (singular a too).",
    vjp_batched=True,
)


@keeps_linalg_error
def det(a: Any) -> Any:
    """``np.linalg.det`` of ``(..., M, M)``; d det A = det A · tr(A⁻¹ dA), and at a singular
    A the cofactor matrix (the adjugate's transpose) still gives the derivative."""
    return _det(as_float(a))


_slogdet = defop(
    "slogdet",
    lambda a: np.linalg.slogdet(a)[1],
    api=lambda xp, a: xp.linalg.slogdet(a)[1],
    jvp=lambda t, ans, a: sum(_mT(inv(a)) * t, axis=(-2, -1)),
    vjp=lambda g, ans, a: expand_matrix(g) * _mT(inv(a)),
    kind="linalg",
    doc="log |det a| for a (..., M, M): d log|det a| = tr(a⁻¹ da), ā = g a⁻ᵀ.",
    vjp_batched=True,
)


@keeps_linalg_error
def slogdet(a: Any) -> SlogdetResult:
    """``np.linalg.slogdet``: (sign, logabsdet) of ``(..., M, M)``. d logabsdet = tr(A⁻¹ dA);
    the sign is piecewise constant (no derivative), computed from the values."""
    a = as_float(a)
    real_only("slogdet", a)
    sign = compare(lambda x: namespace(x).linalg.slogdet(x)[0], a)
    return SlogdetResult(sign, _slogdet(a))


# --- norms ---------------------------------------------------------------------------------


def _euclidean(x: Any, axis: Any, keepdims: bool) -> Any:
    """sqrt(sum(|x|²)) over ``axis``, with the derivative 0 (not 0/0) at a zero vector."""
    if is_complex(x):
        x = abs(x)
    squares = sum(multiply(x, x), axis=axis, keepdims=keepdims)
    zero = squares == 0  # on primals; a comparison of traced values, so dd.compile guards it
    safe = where(zero, 1.0, squares)  # keeps sqrt's derivative finite where it is not used
    return where(zero, 0.0, sqrt(safe))


def _count_nonzero(x: Any, axis: Any, keepdims: bool) -> Any:
    """ord=0: how many entries are not zero, in x's float dtype, as NumPy counts them."""
    return np.sum(np.asarray(x != 0, dtype=constant(0, x).dtype), axis=axis, keepdims=keepdims)


def _p_norm(x: Any, p: float, axis: Any, keepdims: bool) -> Any:
    """(sum |x|^p)^(1/p) for any p != 0; zero entries add 0 (p > 0) or make the norm 0
    (p < 0), with the derivative 0 there, as abs has at 0."""
    a = abs(x)
    zero = compare(np.equal, a, 0.0)
    terms = where(zero, 0.0 if p > 0 else np.inf, power(where(zero, 1.0, a), p))
    total = sum(terms, axis=axis, keepdims=keepdims)
    empty = compare(np.equal, total, 0.0)
    return where(empty, 0.0, power(where(empty, 1.0, total), 1.0 / p))


def _vector_norm(x: Any, ord: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    if ord is None or ord == 2:
        return _euclidean(x, axis, keepdims)
    if ord == math.inf:
        return max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return compare(functools.partial(_count_nonzero, axis=axis, keepdims=keepdims), x)
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    return _p_norm(x, float(ord), axis, keepdims)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the (negative) ``axes`` reduced to length 1."""
    n = len(shape)
    return tuple(1 if i - n in axes else d for i, d in enumerate(shape))


def _dropped_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` without the (negative) ``axes``."""
    n = len(shape)
    return tuple(d for i, d in enumerate(shape) if i - n not in axes)


def _singular_values(x: Any, row: int, col: int) -> Any:
    """svdvals of the matrices on axes (row, col), the other axes in front."""
    nd = ndim_of(x)
    rest = [i for i in range(nd) if i - nd not in (row, col)]
    return svdvals(transpose(x, [*rest, row % nd, col % nd]))


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    row, col = axes
    if row == col:
        raise ValueError(f"norm: duplicate axes given: {axes}")
    both = tuple(sorted(axes))
    if ord is None or ord == "fro":
        out = _euclidean(x, both, True)
    elif ord == "nuc" or ord in (2, -2):
        s = _singular_values(x, row, col)
        out = sum(s, axis=-1) if ord == "nuc" else getitem(s, (Ellipsis, 0 if ord == 2 else -1))
        out = reshape(out, _kept_shape(shape_of(x), both))
    elif ord in (1, -1, math.inf, -math.inf):
        inner, outer = (row, col) if ord in (1, -1) else (col, row)
        sums = sum(abs(x), axis=inner, keepdims=True)
        out = (max if ord > 0 else min)(sums, axis=outer, keepdims=True)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    return out if keepdims else reshape(out, _dropped_shape(shape_of(x), both))


@keeps_linalg_error
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.linalg.norm``: a vector norm over one axis (``ord`` None or 2, 1, inf, -inf,
    0 — the count of nonzeros, derivative 0 —, any other p), or a matrix norm over two
    (``'fro'``, ``'nuc'``, 1, -1, 2, -2, inf, -inf); with ``axis=None`` and ``ord=None`` the
    2-norm of all entries. At a kink the derivative is 0, as abs has at 0: the 2-norm's
    x / ‖x‖ is 0 at x = 0, and p-norms take 0 at zero entries."""
    x = as_float(x)
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            return _euclidean(x, None, keepdims)
        if nd not in (1, 2):
            raise ValueError(
                f"norm: ord={ord!r} with axis=None needs a vector or a matrix, got {nd} "
                "dimensions; give axis"
            )
        axis = tuple(range(nd))
    axes = (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, normalize_axes(axes, nd, "norm"), keepdims)
    if len(axes) == 2:
        row, col = (normalize_axes(int(a), nd, "norm")[0] for a in axes)
        return _matrix_norm(x, ord, (row, col), keepdims)
    raise ValueError(f"norm: axis must be an int or a pair of ints, got {axis!r}")


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """``np.linalg.vector_norm``: the ``ord``-norm of x as one vector over ``axis`` (an int,
    a tuple, or None for all axes)."""
    x = as_float(x)
    nd = ndim_of(x)
    if axis is not None:
        return _vector_norm(x, ord, normalize_axes(axis, nd, "vector_norm"), keepdims)
    out = _vector_norm(reshape(x, (-1,)), ord, (-1,), False)
    return reshape(out, (1,) * nd) if keepdims else out


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """``np.linalg.matrix_norm``: the ``ord``-norm of each matrix (last two axes)."""
    return norm(x, ord, (-2, -1), keepdims)


@keeps_linalg_error
def cond(x: Any, p: Any = None) -> Any:
    """``np.linalg.cond``: the condition number of ``(..., M, N)``, s_max / s_min for ``p``
    None or 2 (``-2``: s_min / s_max), ‖x‖ ‖x⁻¹‖ in the norm ``p`` otherwise (square x)."""
    x = as_float(x)
    if p is None or p in (2, -2):
        s = svdvals(x)
        first, last = getitem(s, (Ellipsis, 0)), getitem(s, (Ellipsis, -1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return last / first if p == -2 else first / last
    return norm(x, p, (-2, -1)) * norm(inv(x), p, (-2, -1))


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """``np.linalg.matrix_rank``: the number of singular values above the tolerance (an
    integer: no derivative)."""
    options = {"tol": primal_of(tol), "hermitian": hermitian}
    if rtol is not None:  # NumPy 2's keyword
        options["rtol"] = primal_of(rtol)
    rank = functools.partial(np.linalg.matrix_rank, **options)
    return compare(rank, A)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = numpy_linalg(
    {
        "norm": norm,
        "vector_norm": vector_norm,
        "matrix_norm": matrix_norm,
        "cond": cond,
        "det": det,
        "slogdet": slogdet,
        "matrix_rank": matrix_rank,
    }
)

# dd.norm; the rest is dd.linalg (:mod:`dualdiff.linalg`), as in NumPy
__all__ = ["norm"]
