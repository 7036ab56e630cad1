"""Linear algebra, first part: products (matmul, dot) and solving and
inverting (solve, solve_triangular, inv, pinv), with NumPy's ``np.linalg`` semantics.

A matrix is the last two axes of an array: the ops take stacks ``(..., M, N)`` and
broadcast the leading axes as NumPy does. The rules are written with these same ops,
so they differentiate again, and a tangent's extra leading axes (several directions at
once) ride along as more stack axes. The matrix helpers below (transpose of the last
two axes, triangles, diagonals) serve :mod:`.decompositions` and :mod:`.norms` too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np

from .._lazy import is_lazy
from .._namespace import asarray_like, device_of, dtype_kind, namespace
from .._util import as_float, is_foreign, ndim_of, primal_of, shape_of
from ..core import Tracer, defop
from .elementwise import multiply
from .reductions import sum
from .shape import getitem, moveaxis, reshape, sum_to_shape, swapaxes

P = ParamSpec("P")
R = TypeVar("R")

# --- matrix helpers -----------------------------------------------------------------


def matrix_transpose(x: Any) -> Any:
    """``np.linalg.matrix_transpose``: each matrix of the stack transposed (last two axes)."""
    return swapaxes(x, -1, -2)


def float_dtype(x: Any) -> Any:
    """The floating dtype of ``x``'s values (float64 for integers and Python numbers), a
    dtype of ``x``'s namespace."""
    p = primal_of(x)
    dtype = getattr(p, "dtype", None)
    if dtype is not None and dtype_kind(dtype) in "fc":
        return dtype
    return namespace(p).float64 if is_foreign(p) else np.dtype(np.float64)


def float_eps(x: Any) -> float:
    """The machine epsilon of ``x``'s floating dtype (of its real part for complex)."""
    p = primal_of(x)
    finfo = namespace(p).finfo if is_foreign(p) else np.finfo
    return float(finfo(float_dtype(x)).eps)


def constant(values: Any, like: Any) -> Any:
    """``values`` (NumPy's) as an array in ``like``'s float dtype (masks must not turn float32
    into float64), namespace and device."""
    p = primal_of(like)
    if is_foreign(p):
        return asarray_like(values, p, float_dtype(p))
    return np.asarray(values, dtype=float_dtype(like))


def tri(x: Any, k: int = 0) -> np.ndarray:
    """The 0/1 mask of the lower triangle (diagonals up to ``k``) of ``x``'s matrices."""
    n = shape_of(x)[-1]
    return constant(np.tri(n, n, k), x)


def diagonal(x: Any, offset: int = 0) -> Any:
    """``np.linalg.diagonal``: the diagonal ``offset`` of each matrix, shape ``(..., K)``."""
    rows, cols = shape_of(x)[-2:]
    start, stop = max(0, -offset), max(0, min(rows, cols - offset))
    if is_foreign(primal_of(x)):  # the array API indexes no pairs of arrays: mask and sum
        on_diagonal = sum(x * constant(np.eye(rows, cols, offset), x), axis=-1)
        return getitem(on_diagonal, (Ellipsis, slice(start, stop)))
    i = np.arange(start, stop)
    return getitem(x, (Ellipsis, i, i + offset))


def row(v: Any) -> Any:
    """``v[..., None, :]``: a stack of vectors ``(..., K)`` as rows ``(..., 1, K)``."""
    return getitem(v, (Ellipsis, None, slice(None)))


def col(v: Any) -> Any:
    """``v[..., :, None]``: a stack of vectors ``(..., K)`` as columns ``(..., K, 1)``."""
    return getitem(v, (Ellipsis, slice(None), None))


def diag_embed(v: Any) -> Any:
    """The matrices with the vectors ``v`` (shape ``(..., K)``) on their diagonals."""
    return row(v) * constant(np.eye(shape_of(v)[-1]), v)


def trace(x: Any, offset: int = 0, dtype: Any = None) -> Any:
    """``np.linalg.trace``: the sum of each matrix's diagonal ``offset``, shape ``(...)``."""
    if dtype is not None:
        raise TypeError("trace: dualdiff keeps the input's dtype; convert it first, not dtype=")
    return sum(diagonal(x, offset), axis=-1)


def from_triangle(t: Any, lower: bool) -> Any:
    """The symmetric matrix that a routine reading one triangle of ``t`` sees: that triangle
    mirrored. LAPACK's symmetric routines (cholesky, eigh) read only one triangle, so the
    derivative flows to that triangle only: these are the derivatives of what is computed."""
    s = t if lower else matrix_transpose(t)
    return s * tri(s) + matrix_transpose(s * tri(s, -1))


def triangle_adjoint(m: Any, lower: bool) -> Any:
    """The adjoint of :func:`from_triangle`: tril(m) + tril(mᵀ, -1), transposed for the upper
    triangle."""
    out = m * tri(m) + matrix_transpose(m) * tri(m, -1)
    return out if lower else matrix_transpose(out)


def expand_matrix(x: Any) -> Any:
    """A stack of numbers ``(...)`` as ``(..., 1, 1)``, to scale a stack of matrices."""
    return reshape(x, (*shape_of(x), 1, 1))


def vector_case(op: Callable[..., Any], a: Any, b: Any, **params: Any) -> Any:
    """``op(a, b)`` where ``b`` is a stack of matrices ``(..., M, K)`` or one vector ``(M,)``,
    which is solved as the column ``(M, 1)`` (NumPy 2's rule for ``np.linalg.solve``)."""
    if ndim_of(b) == 1:
        return getitem(op(a, col(b), **params), (Ellipsis, 0))
    return op(a, b, **params)


def real_only(name: str, *args: Any) -> None:
    """Refuse complex traced inputs where the rules are the real formulas (a conjugate
    transpose would be needed): better an error than a wrong derivative."""
    for a in args:
        if isinstance(a, Tracer) and dtype_kind(float_dtype(a)) == "c":
            raise TypeError(
                f"dd.linalg.{name} differentiates real matrices; its derivative for complex "
                "input is not implemented (holomorphic solve, inv and det are; split a "
                "complex problem into real and imaginary parts)"
            )


_FIXES = {
    "Singular matrix": "the matrix has no inverse; dd.linalg.lstsq or dd.linalg.pinv give a "
    "least-squares answer",
    "positive definite": "cholesky needs a symmetric positive-definite matrix; adding a small "
    "multiple of the identity (jitter) often helps",
}


def keeps_linalg_error(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` raising NumPy's ``LinAlgError`` when a factorization or solve fails, as
    ``np.linalg`` does, so that code catching it (a jitter-and-retry loop) keeps working."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValueError as err:
            cause = err.__cause__
            if not isinstance(cause, np.linalg.LinAlgError) or isinstance(
                err, np.linalg.LinAlgError
            ):
                raise
            shapes = ", ".join(str(shape_of(a)) for a in args if hasattr(a, "shape"))
            fix = next((f for key, f in _FIXES.items() if key in str(cause)), "")
            raise np.linalg.LinAlgError(
                f"dd.linalg.{fn.__name__} on input(s) of shape {shapes}: {cause}"
                + (f" ({fix})" if fix else "")
            ) from cause

    return wrapper


# --- products -----------------------------------------------------------------------


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


# The VJPs take g with leading batch axes (several cotangents, ``jacrev``): each product
# below broadcasts them as more stack axes, and ``batch`` keeps them in front.


def _per_direction(g: Any, batch: tuple[int, ...]) -> Any:
    """The inner product's cotangent ``g`` (one number per direction) as a column."""
    return reshape(g, (*batch, 1)) if batch else g


def _vjp_left(g: Any, ans: Any, a: Any, b: Any) -> Any:
    batch = shape_of(g)[: ndim_of(g) - ndim_of(ans)]
    if ndim_of(a) == 1 and ndim_of(b) == 1:
        return _per_direction(g, batch) * b
    if ndim_of(b) == 2 and ndim_of(a) in (1, 2):  # the common cases: no stack axes to undo
        return matmul(g, b.T)
    a2, b2 = _as_matrix_shape(shape_of(a), "left"), _as_matrix_shape(shape_of(b), "right")
    g2 = reshape(g, batch + _product_shape(a2, b2))
    ga = matmul(g2, swapaxes(reshape(b, b2), -1, -2))
    return reshape(sum_to_shape(ga, a2, len(batch)), batch + shape_of(a))


def _vjp_right(g: Any, ans: Any, a: Any, b: Any) -> Any:
    batch = shape_of(g)[: ndim_of(g) - ndim_of(ans)]
    if ndim_of(a) == 1 and ndim_of(b) == 1:
        return _per_direction(g, batch) * a
    if ndim_of(a) == 2 and ndim_of(b) == 2:
        return matmul(a.T, g)
    if ndim_of(a) == 2 and ndim_of(b) == 1:  # A @ x: the cotangent of x is g @ A, one gemv
        return matmul(g, a)
    a2, b2 = _as_matrix_shape(shape_of(a), "left"), _as_matrix_shape(shape_of(b), "right")
    g2 = reshape(g, batch + _product_shape(a2, b2))
    gb = matmul(swapaxes(reshape(a, a2), -1, -2), g2)
    return reshape(sum_to_shape(gb, b2, len(batch)), batch + shape_of(b))


matmul = defop(
    "matmul",
    np.matmul,
    jvp=(_jvp_left, _jvp_right),
    vjp=(_vjp_left, _vjp_right),
    kind="linalg",
    doc="a @ b with NumPy's rules: 1-D operands are promoted, leading axes broadcast.",
    vjp_batched=True,
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


# --- solving and inverting ---------------------------------------------------------------


def _lift(t: Any, x: Any, ans: Any) -> Any:
    """The tangent ``t`` of input ``x`` with axes of length 1 after its batch axes, so that
    it broadcasts against the output's stack axes (x may have fewer than the output)."""
    return _pad_batch(t, ndim_of(t) - ndim_of(x), ndim_of(ans))


_solve = defop(
    "solve",
    np.linalg.solve,
    api="linalg.solve",
    jvp=(
        lambda t, ans, a, b: -_solve(a, matmul(_lift(t, a, ans), ans)),
        lambda t, ans, a, b: _solve(a, _lift(t, b, ans)),
    ),
    vjp=(
        lambda g, ans, a, b: -matmul(_solve(matrix_transpose(a), g), matrix_transpose(ans)),
        lambda g, ans, a, b: _solve(matrix_transpose(a), g),
    ),
    kind="linalg",
    doc="x = a⁻¹ b for a (..., M, M), b (..., M, K): dx = a⁻¹ (db - da x); b̄ = a⁻ᵀ g, ā = -b̄ xᵀ.",
    vjp_batched=True,
)


@keeps_linalg_error
def solve(a: Any, b: Any) -> Any:
    """``np.linalg.solve``: x with a @ x = b, for a ``(..., M, M)`` and b ``(M,)`` or
    ``(..., M, K)``; dx = a⁻¹ (db − da x), and the cotangents are b̄ = a⁻ᵀ ḡ, ā = −b̄ xᵀ."""
    return vector_case(_solve, as_float(a), as_float(b))


@functools.cache
def _scipy_solve_triangular() -> Callable[..., Any] | None:
    """SciPy's triangular solver (BLAS trsm, O(M² K)) when SciPy is installed."""
    try:
        from scipy.linalg import solve_triangular as scipy_solve
    except ImportError:
        return None
    return scipy_solve  # type: ignore[no-any-return]


def _triangle(a: Any, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """The triangle of ``a`` that a triangular solve reads (ones on a unit diagonal)."""
    a = np.asarray(a)
    if not unit_diagonal:
        return np.tril(a) if lower else np.triu(a)
    strict = np.tril(a, -1) if lower else np.triu(a, 1)
    return strict + np.eye(a.shape[-1], dtype=a.dtype)


def _tri_solve_primal(a: Any, b: Any, *, lower: bool, trans: int, unit_diagonal: bool) -> Any:
    scipy_solve = _scipy_solve_triangular()
    if scipy_solve is not None and np.ndim(a) == 2 and np.ndim(b) == 2:
        flags = {"lower": lower, "unit_diagonal": unit_diagonal, "check_finite": False}
        return scipy_solve(a, b, trans=trans, **flags)
    t = _triangle(a, lower, unit_diagonal)  # stacks: LAPACK's general solver on the triangle
    return np.linalg.solve(np.swapaxes(t, -1, -2) if trans else t, b)


def _tri_solve_in(xp: Any, a: Any, b: Any, *, lower: bool, trans: int, unit_diagonal: bool) -> Any:
    """:func:`_tri_solve_primal` in namespace ``xp``: its general solver on the triangle."""
    k = (-1 if lower else 1) if unit_diagonal else 0
    t = xp.tril(a, k=k) if lower else xp.triu(a, k=k)
    if unit_diagonal:
        t = t + xp.eye(a.shape[-1], dtype=a.dtype, device=device_of(a))
    return xp.linalg.solve(xp.matrix_transpose(t) if trans else t, b)


def _tri_mask(a: Any, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """The 0/1 mask of the entries of ``a`` that the solve reads (and differentiates)."""
    mask = tri(a, -1 if unit_diagonal else 0)
    return mask if lower else mask.T


def _transposed_if(x: Any, trans: int) -> Any:
    return matrix_transpose(x) if trans else x


def _tri_jvp_a(t: Any, ans: Any, a: Any, b: Any, **flags: Any) -> Any:
    dt = _lift(t, a, ans) * _tri_mask(a, flags["lower"], flags["unit_diagonal"])
    return -_solve_tri(a, matmul(_transposed_if(dt, flags["trans"]), ans), **flags)


def _tri_vjp_a(g: Any, ans: Any, a: Any, b: Any, **flags: Any) -> Any:
    gb = _tri_vjp_b(g, ans, a, b, **flags)
    ga = _transposed_if(-matmul(gb, matrix_transpose(ans)), flags["trans"])
    return ga * _tri_mask(a, flags["lower"], flags["unit_diagonal"])


def _tri_vjp_b(g: Any, ans: Any, a: Any, b: Any, **flags: Any) -> Any:
    return _solve_tri(a, g, **{**flags, "trans": 1 - flags["trans"]})


_solve_tri = defop(
    "solve_triangular",
    _tri_solve_primal,
    api=_tri_solve_in,
    jvp=(_tri_jvp_a, lambda t, ans, a, b, **flags: _solve_tri(a, _lift(t, b, ans), **flags)),
    vjp=(_tri_vjp_a, _tri_vjp_b),
    kind="linalg",
    doc="x = T⁻¹ b (or T⁻ᵀ b) for the triangle T of a: dx = T⁻¹ (db - dT x), b̄ = T⁻ᵀ g.",
    vjp_batched=True,
)

_TRANS = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}


def _finite(x: Any) -> bool:
    """Whether every value of ``x`` is finite (no inf, no nan); lazy values are not read
    (SciPy's check_finite=True is skipped on them: a nan spreads into the result)."""
    p = primal_of(x)
    xp = namespace(p)
    return is_lazy(p) or bool(xp.all(xp.isfinite(p)))


@keeps_linalg_error
def solve_triangular(
    a: Any,
    b: Any,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """``scipy.linalg.solve_triangular``: x with T x = b (``trans=0``) or Tᵀ x = b (``1``,
    ``2``), T the lower or upper triangle of a ``(..., M, M)`` (the other entries are not
    read, nor differentiated); b is ``(M,)`` or ``(..., M, K)``. ``overwrite_b`` is ignored
    (nothing is overwritten); ``check_finite`` refuses inf and nan as SciPy does."""
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    a, b = as_float(a), as_float(b)
    if check_finite and not (_finite(a) and _finite(b)):
        raise ValueError("solve_triangular: array must not contain infs or NaNs")
    flags = {"lower": bool(lower), "trans": _TRANS[trans], "unit_diagonal": bool(unit_diagonal)}
    return vector_case(_solve_tri, a, b, **flags)


_inv = defop(
    "inv",
    np.linalg.inv,
    api="linalg.inv",
    jvp=lambda t, ans, a: -matmul(matmul(ans, t), ans),
    vjp=lambda g, ans, a: -matmul(matmul(matrix_transpose(ans), g), matrix_transpose(ans)),
    kind="linalg",
    doc="a⁻¹ for a (..., M, M): d(a⁻¹) = -a⁻¹ da a⁻¹, ā = -a⁻ᵀ g a⁻ᵀ.",
    vjp_batched=True,
)


@keeps_linalg_error
def inv(a: Any) -> Any:
    """``np.linalg.inv``: the inverse of each matrix of ``(..., M, M)``;
    d(a⁻¹) = −a⁻¹ da a⁻¹."""
    return _inv(as_float(a))


def _pinv_jvp(t: Any, ans: Any, a: Any, *, rcond: Any, hermitian: bool) -> Any:
    # Golub and Pereyra: dP = -P t P + P Pᵀ tᵀ (I - A P) + (I - P A) tᵀ Pᵀ P
    t = from_triangle(t, lower=True) if hermitian else t
    p, tt = ans, matrix_transpose(t)
    pt = matrix_transpose(p)
    return (
        -matmul(matmul(p, t), p)
        + matmul(matmul(p, pt), tt - matmul(matmul(tt, a), p))
        + matmul(tt - matmul(p, matmul(a, tt)), matmul(pt, p))
    )


def _pinv_vjp(g: Any, ans: Any, a: Any, *, rcond: Any, hermitian: bool) -> Any:
    # the adjoint: -Pᵀ g Pᵀ + (I - A P) gᵀ P Pᵀ + Pᵀ P gᵀ (I - P A)
    p, gt = ans, matrix_transpose(g)
    pt = matrix_transpose(p)
    out = (
        -matmul(matmul(pt, g), pt)
        + matmul(gt - matmul(a, matmul(p, gt)), matmul(p, pt))
        + matmul(matmul(pt, p), gt - matmul(matmul(gt, p), a))
    )
    return triangle_adjoint(out, lower=True) if hermitian else out


_pinv = defop(
    "pinv",
    lambda a, *, rcond, hermitian: np.linalg.pinv(a, rcond=rcond, hermitian=hermitian),
    api=lambda xp, a, *, rcond, hermitian: xp.linalg.pinv(a, rtol=rcond),
    jvp=_pinv_jvp,
    vjp=_pinv_vjp,
    kind="linalg",
    doc="The pseudo-inverse P of a (..., M, N): dP = -P da P + P Pᵀ daᵀ (I - a P) "
    "+ (I - P a) daᵀ Pᵀ P (where the rank is constant).",
    vjp_batched=True,
)

_UNSET: Any = object()


@keeps_linalg_error
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _UNSET) -> Any:
    """``np.linalg.pinv``: the Moore-Penrose pseudo-inverse of ``(..., M, N)``, singular values
    at or below ``rcond`` times the largest dropped (``rtol``: NumPy's newer name). Its
    derivative (Golub-Pereyra) holds where the rank is constant; the pseudo-inverse jumps
    where it changes. ``hermitian=True`` reads the lower triangle only."""
    a = as_float(a)
    real_only("pinv", a)
    if rcond is None:
        if rtol is _UNSET:
            rcond = 1e-15  # NumPy's default
        elif rtol is None:
            rcond = max(shape_of(a)[-2:]) * float_eps(a)
        else:
            rcond = rtol
    elif rtol is not _UNSET:
        raise ValueError("pinv: give rcond or rtol, not both")
    return _pinv(a, rcond=rcond, hermitian=bool(hermitian))


def numpy_linalg(ops: dict[str, Any]) -> dict[Any, Any]:
    """``{np.linalg.NAME: op}`` for the names this NumPy has (some are NumPy 2's)."""
    return {getattr(np.linalg, name): op for name, op in ops.items() if hasattr(np.linalg, name)}


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.matmul: matmul,
    np.dot: dot,
    **numpy_linalg(
        {
            "matmul": matmul,
            "matrix_transpose": matrix_transpose,
            "diagonal": lambda x, *, offset=0: diagonal(x, offset),
            "trace": lambda x, *, offset=0, dtype=None: trace(x, offset, dtype),
            "solve": solve,
            "inv": inv,
            "pinv": pinv,
        }
    ),
}

# dd.matmul and dd.dot; the rest is dd.linalg (:mod:`dualdiff.linalg`), as in NumPy
__all__ = ["dot", "matmul"]
