"""Linear algebra, second part: the factorizations cholesky, qr, eigh and svd, their
values-only forms eigvalsh and svdvals, and lstsq, with NumPy's ``np.linalg`` semantics.

An op has one output, so the factors of a factorization travel packed in one array
(eigh: the eigenvalues as one more row above the eigenvectors); the public function
unpacks them into NumPy's named tuple by indexing, which carries each factor's
derivative back into the packed one.

Repeated eigenvalues and singular values. Where two eigenvalues (singular values) are
equal to rounding, the eigenvectors (singular vectors) of that pair are not unique and
have no derivative: their tangents are nan, and a cotangent that reaches such a vector
makes the whole gradient nan. Eigenvalue and singular-value derivatives stay finite, and
a gradient that uses only eigenvalues, or only the vectors of simple eigenvalues, is
exact. Zero singular values of a non-square matrix likewise leave the singular vectors
that complete the basis undefined. ``docs/linalg.md`` states the conventions in full.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._lazy import is_lazy
from .._namespace import asarray_like, dtype_kind, namespace
from .._util import as_float, compare, ndim_of, primal_of, shape_of
from ..core import defop
from .elementwise import reciprocal, where
from .linalg import (
    col,
    constant,
    diag_embed,
    diagonal,
    float_eps,
    from_triangle,
    keeps_linalg_error,
    matmul,
    numpy_linalg,
    pinv,
    real_only,
    row,
    solve_triangular,
    tri,
    triangle_adjoint,
)
from .linalg import matrix_transpose as _mT
from .reductions import sum
from .shape import concatenate, getitem, reshape


class EighResult(NamedTuple):
    """``eigh``'s result, like NumPy's: ascending eigenvalues ``(..., M)`` and the
    eigenvectors as the columns of ``(..., M, M)``."""

    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    """``svd``'s result, like NumPy's: a = U @ (S[..., None] * Vh)."""

    U: Any
    S: Any
    Vh: Any


class QRResult(NamedTuple):
    """``qr``'s result, like NumPy's: a = Q @ R, Q with orthonormal columns, R upper
    triangular."""

    Q: Any
    R: Any


# --- undefined derivatives at repeated values ----------------------------------------------


def _ties(values: np.ndarray, factor: int) -> np.ndarray:
    """Pairs (i, j), i != j, of ``values`` (shape ``(..., K)``) equal to within rounding:
    ``factor`` ulps of the largest magnitude, the accuracy of the factorization."""
    k = values.shape[-1]
    xp = namespace(values)
    eps = xp.finfo(values.dtype if dtype_kind(values.dtype) == "f" else xp.float64).eps
    largest = xp.max(xp.abs(values), axis=-1) if k else xp.zeros(values.shape[:-1])
    close = (
        xp.abs(values[..., :, None] - values[..., None, :])
        <= factor * eps * largest[..., None, None]
    )
    return close & ~asarray_like(np.eye(k, dtype=bool), values)


def _used(cotangent: Any) -> np.ndarray:
    """Which columns of a factor's cotangent are not all zero (the vectors a gradient uses)."""
    p = primal_of(cotangent)
    if type(p) is float:  # a cotangent that is one number for every entry
        return np.asarray(p != 0)
    return namespace(p).any(p != 0, axis=-2)


def _either(used: np.ndarray) -> np.ndarray:
    return used[..., :, None] | used[..., None, :]


def _reciprocal_where(x: Any, defined: np.ndarray, undefined: np.ndarray) -> Any:
    """1 / x where ``defined``, nan where ``undefined``, 0 elsewhere (constant masks)."""
    fill = where(undefined, constant(np.nan, x), constant(0.0, x))
    return where(defined, reciprocal(where(defined, x, 1.0)), fill)


def _inverse_gaps(w: Any, ties: np.ndarray, undefined: np.ndarray) -> Any:
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it and at ``ties``, except nan
    where ``undefined`` (the ties whose vectors the derivative needs)."""
    gaps = row(w) - col(w)
    off = ~asarray_like(np.eye(shape_of(w)[-1], dtype=bool), ties)
    return _reciprocal_where(gaps, off & ~ties, undefined)


# --- cholesky ------------------------------------------------------------------------------


def _phi(x: Any) -> Any:
    """The lower triangle of x with its diagonal halved (so that Φ(S) + Φ(S)ᵀ = S)."""
    return x * (tri(x, -1) + 0.5 * constant(np.eye(shape_of(x)[-1]), x))


def _cholesky_jvp(t: Any, ans: Any, a: Any) -> Any:
    # dL = L Φ(L⁻¹ dS L⁻ᵀ), dS the symmetric matrix of the lower triangle of da
    y = solve_triangular(ans, from_triangle(t, lower=True), lower=True, check_finite=False)
    x = _mT(solve_triangular(ans, _mT(y), lower=True, check_finite=False))
    return matmul(ans, _phi(x))


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    # ā from Q = L⁻ᵀ Φ(Lᵀ ḡ) L⁻¹, folded onto the lower triangle that cholesky reads
    p = _phi(matmul(_mT(ans), g))
    y = solve_triangular(ans, p, trans=1, lower=True, check_finite=False)
    q = _mT(solve_triangular(ans, _mT(y), trans=1, lower=True, check_finite=False))
    return triangle_adjoint(q, lower=True)


_cholesky = defop(
    "cholesky",
    np.linalg.cholesky,
    api="linalg.cholesky",
    jvp=_cholesky_jvp,
    vjp=_cholesky_vjp,
    kind="linalg",
    doc="L with a = L Lᵀ, reading the lower triangle of a (..., M, M): dL = L Φ(L⁻¹ da L⁻ᵀ).",
    vjp_batched=True,
)


@keeps_linalg_error
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """``np.linalg.cholesky``: L (lower) with a = L Lᵀ, or U = Lᵀ with ``upper=True``, for
    symmetric positive-definite ``(..., M, M)``. Only the lower (upper) triangle of a is
    read, as in NumPy, so only it gets a derivative: dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ taking the
    lower triangle with the diagonal halved."""
    a = as_float(a)
    real_only("cholesky", a)
    if upper:
        return _mT(_cholesky(_mT(a)))
    return _cholesky(a)


# --- qr ------------------------------------------------------------------------------------


def _qr_primal(a: Any) -> np.ndarray:
    q, r = np.linalg.qr(a)
    return np.concatenate([q, r], axis=-2)


def _qr_in(xp: Any, a: Any) -> Any:
    q, r = xp.linalg.qr(a)
    return xp.concat([q, r], axis=-2)


def _unpack_qr(packed: Any, a: Any) -> tuple[Any, Any]:
    m = shape_of(a)[-2]
    rows = (slice(0, m), slice(m, shape_of(packed)[-2]))  # explicit stops print as m:k
    q, r = (getitem(packed, (Ellipsis, r, slice(None))) for r in rows)
    return q, r


def _qr_jvp(t: Any, ans: Any, a: Any) -> Any:
    # X = da R⁻¹, C = Qᵀ X, Ω = tril(C, -1) - tril(C, -1)ᵀ: dQ = Q (Ω - C) + X, dR = (C - Ω) R
    q, r = _unpack_qr(ans, a)
    x = _mT(solve_triangular(r, _mT(t), trans=1, check_finite=False))
    c = matmul(_mT(q), x)
    low = c * tri(c, -1)
    omega = low - _mT(low)
    return concatenate([matmul(q, omega - c) + x, matmul(c - omega, r)], axis=-2)


def _qr_vjp(g: Any, ans: Any, a: Any) -> Any:
    # the adjoint of the JVP: M = Qᵀ Q̄ - R̄ Rᵀ, X̄ = Q (tril(M - Mᵀ, -1) - M) + Q̄, ā = X̄ R⁻ᵀ
    q, r = _unpack_qr(ans, a)
    gq, gr = _unpack_qr(g, a)
    m = matmul(_mT(q), gq) - matmul(gr, _mT(r))
    xbar = matmul(q, (m - _mT(m)) * tri(m, -1) - m) + gq
    return _mT(solve_triangular(r, _mT(xbar), check_finite=False))


_qr = defop(
    "qr",
    _qr_primal,
    api=_qr_in,
    jvp=_qr_jvp,
    vjp=_qr_vjp,
    kind="linalg",
    doc="[Q; R] (stacked) with a = Q R, a (..., M, N), M >= N: dQ = Q (Ω - C) + X, "
    "dR = (C - Ω) R, X = da R⁻¹, C = Qᵀ X, Ω the skew part of tril(C, -1).",
    vjp_batched=True,
)


@keeps_linalg_error
def qr(a: Any, mode: str = "reduced") -> Any:
    """``np.linalg.qr`` in mode ``'reduced'`` (Q ``(..., M, K)``, R ``(..., K, N)``,
    K = min(M, N)), ``'r'`` (R only) and ``'complete'`` where it equals ``'reduced'``
    (M <= N). A wide matrix [X | Y] (M < N) is factored as Q R₁ = X, R = [R₁ | Qᵀ Y]; the
    derivative needs the leading M x M block X invertible (R with a nonzero diagonal)."""
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: unrecognized mode {mode!r}; use 'reduced', 'complete' or 'r'")
    a = as_float(a)
    real_only("qr", a)
    m, n = shape_of(a)[-2:]
    if mode == "raw":
        raise ValueError(
            "qr: mode='raw' returns LAPACK's Householder reflectors, which dualdiff does not "
            "differentiate; use mode='reduced'"
        )
    if mode == "complete" and m > n:
        raise ValueError(
            f"qr: mode='complete' of a tall {m}x{n} matrix completes Q with {m - n} columns "
            "that are not unique, so they have no derivative; use mode='reduced'"
        )
    if m >= n:
        q, r = _unpack_qr(_qr(a), a)
    else:
        q, r1 = _unpack_qr(_qr(getitem(a, (Ellipsis, slice(None, m)))), a)
        r = concatenate([r1, matmul(_mT(q), getitem(a, (Ellipsis, slice(m, None))))], axis=-1)
    return r if mode == "r" else QRResult(q, r)


# --- eigh and eigvalsh -----------------------------------------------------------------------


def _eigh_primal(a: Any, *, lower: bool) -> np.ndarray:
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return np.concatenate([w[..., None, :], v], axis=-2)


def _symmetric_in(xp: Any, a: Any, lower: bool) -> Any:
    """The symmetric matrices that the lower (or upper) triangles of ``a`` stand for: the
    array API leaves open which triangle its eigh reads."""
    part = xp.tril(a, k=-1) if lower else xp.triu(a, k=1)
    return part + xp.matrix_transpose(part) + (a - xp.tril(a, k=-1) - xp.triu(a, k=1))


def _eigh_in(xp: Any, a: Any, *, lower: bool) -> Any:
    w, v = xp.linalg.eigh(_symmetric_in(xp, a, lower))
    return xp.concat([w[..., None, :], v], axis=-2)


def _unpack_eigh(packed: Any) -> tuple[Any, Any]:
    w = getitem(packed, (Ellipsis, 0, slice(None)))
    return w, getitem(packed, (Ellipsis, slice(1, shape_of(packed)[-2]), slice(None)))


def _eigh_jvp(t: Any, ans: Any, a: Any, *, lower: bool) -> Any:
    # Y = Vᵀ dS V: dw = diag(Y), dV = V (F ∘ Y), F_ij = 1 / (w_j - w_i)
    w, v = _unpack_eigh(ans)
    y = matmul(matmul(_mT(v), from_triangle(t, lower)), v)
    ties = _ties(primal_of(w), shape_of(w)[-1])
    f = _inverse_gaps(w, ties, ties)
    return concatenate([row(diagonal(y)), matmul(v, y * f)], axis=-2)


def _eigh_vjp(g: Any, ans: Any, a: Any, *, lower: bool) -> Any:
    # ā = V (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ, folded onto the triangle that eigh reads
    w, v = _unpack_eigh(ans)
    gw, gv = _unpack_eigh(g)
    ties = _ties(primal_of(w), shape_of(w)[-1])
    f = _inverse_gaps(w, ties, ties & _either(_used(gv)))
    inner = diag_embed(gw) + matmul(_mT(v), gv) * f
    return triangle_adjoint(matmul(matmul(v, inner), _mT(v)), lower)


_eigh = defop(
    "eigh",
    _eigh_primal,
    api=_eigh_in,
    jvp=_eigh_jvp,
    vjp=_eigh_vjp,
    kind="linalg",
    doc="[w; V] (stacked) for symmetric a (..., M, M) = V diag(w) Vᵀ: dw = diag(Vᵀ da V), "
    "dV = V (F ∘ Vᵀ da V), F_ij = 1/(w_j - w_i); nan where w_i = w_j.",
    vjp_batched=True,
)


def _lower(uplo: str) -> bool:
    if uplo not in ("L", "U", "l", "u"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo in ("L", "l")


@keeps_linalg_error
def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """``np.linalg.eigh``: ascending eigenvalues w and orthonormal eigenvectors V (columns) of
    symmetric ``(..., M, M)``, reading its lower (``UPLO='L'``) or upper triangle only.
    dw = diag(Vᵀ dA V), dV = V (F ∘ Vᵀ dA V), F_ij = 1/(w_j − w_i). The eigenvectors of
    a repeated eigenvalue have no derivative: nan (see the module docstring)."""
    a = as_float(a)
    real_only("eigh", a)
    w, v = _unpack_eigh(_eigh(a, lower=_lower(UPLO)))
    return EighResult(w, v)


def _eigvalsh_jvp(t: Any, ans: Any, a: Any, *, lower: bool) -> Any:
    _, v = _unpack_eigh(_eigh(a, lower=lower))
    return sum(matmul(from_triangle(t, lower), v) * v, axis=-2)  # diag(Vᵀ dS V)


def _eigvalsh_vjp(g: Any, ans: Any, a: Any, *, lower: bool) -> Any:
    _, v = _unpack_eigh(_eigh(a, lower=lower))
    return triangle_adjoint(matmul(v * row(g), _mT(v)), lower)


_eigvalsh = defop(
    "eigvalsh",
    lambda a, *, lower: np.linalg.eigvalsh(a, UPLO="L" if lower else "U"),
    api=lambda xp, a, *, lower: xp.linalg.eigvalsh(_symmetric_in(xp, a, lower)),
    jvp=_eigvalsh_jvp,
    vjp=_eigvalsh_vjp,
    kind="linalg",
    doc="Ascending eigenvalues w of symmetric a (..., M, M): dw_i = v_iᵀ da v_i, ā = V diag(ḡ) Vᵀ.",
    vjp_batched=True,
)


@keeps_linalg_error
def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """``np.linalg.eigvalsh``: the ascending eigenvalues of symmetric ``(..., M, M)``;
    dw_i = v_iᵀ dA v_i. Finite at repeated eigenvalues too (then the derivative along the
    eigenvectors LAPACK returned: symmetric functions of a repeated group are exact)."""
    a = as_float(a)
    real_only("eigvalsh", a)
    return _eigvalsh(a, lower=_lower(UPLO))


# --- svd and svdvals -----------------------------------------------------------------------


def _svd_primal(a: Any, *, hermitian: bool) -> np.ndarray:
    u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)


def _svd_in(xp: Any, a: Any, *, hermitian: bool) -> Any:
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return xp.concat([u, s[..., None, :], xp.matrix_transpose(vh)], axis=-2)


def _unpack_svd(packed: Any, a: Any) -> tuple[Any, Any, Any]:
    """(U, s, V) from the packed [U; s; V] of a (..., M, N)."""
    m = shape_of(a)[-2]
    rows = (slice(0, m), m, slice(m + 1, shape_of(packed)[-2]))
    u, s, v = (getitem(packed, (Ellipsis, r, slice(None))) for r in rows)
    return u, s, v


def _svd_masks(s: Any, a: Any) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of equal singular values, and singular values equal to 0, to rounding."""
    ps = primal_of(s)
    factor = max(shape_of(a)[-2:])
    ties = _ties(ps, factor)
    if not shape_of(ps)[-1]:
        return ties, ps > 0
    largest = namespace(ps).max(ps, axis=-1, keepdims=True)
    return ties, ps <= factor * float_eps(s) * largest


def _svd_jvp(t: Any, ans: Any, a: Any, *, hermitian: bool) -> Any:
    # dP = Uᵀ da V: ds = diag(dP), dU = U (F ∘ (dP S + S dPᵀ)) + (I - U Uᵀ) da V S⁻¹,
    # dV = V (F ∘ (S dP + dPᵀ S)) + (I - V Vᵀ) daᵀ U S⁻¹, F_ij = 1 / (s_j² - s_i²)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    u, s, v = _unpack_svd(ans, a)
    t = from_triangle(t, lower=True) if hermitian else t
    ties, zero = _svd_masks(s, a)
    dp = matmul(matmul(_mT(u), t), v)
    f = _inverse_gaps(s * s, ties, ties)
    s_row, s_col = row(s), col(s)
    du = matmul(u, f * (dp * s_row + s_col * _mT(dp)))
    dv = matmul(v, f * (s_col * dp + _mT(dp) * s_row))
    inv_s = row(_reciprocal_where(s, ~zero, zero))
    if m > k:
        du = du + (matmul(t, v) - matmul(u, dp)) * inv_s
    if n > k:
        dv = dv + (matmul(_mT(t), u) - matmul(v, _mT(dp))) * inv_s
    return concatenate([du, row(diagonal(dp)), dv], axis=-2)


def _svd_vjp(g: Any, ans: Any, a: Any, *, hermitian: bool) -> Any:
    # ā = U [(F ∘ (UᵀŪ - ŪᵀU)) S + diag(s̄) + S (F ∘ (VᵀV̄ - V̄ᵀV))] Vᵀ
    #     + (I - U Uᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - V Vᵀ)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    u, s, v = _unpack_svd(ans, a)
    gu, gs, gv = _unpack_svd(g, a)
    used_u, used_v = _used(gu), _used(gv)
    ties, zero = _svd_masks(s, a)
    f = _inverse_gaps(s * s, ties, ties & _either(used_u | used_v))
    s_row, s_col = row(s), col(s)
    xu, xv = matmul(_mT(u), gu), matmul(_mT(v), gv)
    inner = f * (xu - _mT(xu)) * s_row + diag_embed(gs) + s_col * (f * (xv - _mT(xv)))
    out = matmul(matmul(u, inner), _mT(v))
    if m > k:
        inv_s = row(_reciprocal_where(s, ~zero, zero & used_u))
        out = out + matmul((gu - matmul(u, xu)) * inv_s, _mT(v))
    if n > k:
        inv_s = row(_reciprocal_where(s, ~zero, zero & used_v))
        out = out + matmul(u * inv_s, _mT(gv - matmul(v, xv)))
    return triangle_adjoint(out, lower=True) if hermitian else out


_svd = defop(
    "svd",
    _svd_primal,
    api=_svd_in,
    jvp=_svd_jvp,
    vjp=_svd_vjp,
    kind="linalg",
    doc="[U; s; V] (stacked) with a = U diag(s) Vᵀ, reduced, a (..., M, N): ds = diag(Uᵀ da V); "
    "dU, dV have 1/(s_j² - s_i²) and 1/s_i terms, nan where those are undefined.",
    vjp_batched=True,
)


@keeps_linalg_error
def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """``np.linalg.svd``: a = U @ (S[..., None] * Vh), S descending, for ``(..., M, N)``.
    The derivative is that of the reduced SVD (``full_matrices=False``, the same as the full
    one for square matrices); ``compute_uv=False`` gives the singular values (``svdvals``).
    Singular vectors of repeated singular values, and the extra ones of zero singular values
    of a non-square matrix, have no derivative: nan (see the module docstring)."""
    a = as_float(a)
    real_only("svd", a)
    if not compute_uv:
        return svdvals(a, hermitian=hermitian)
    m, n = shape_of(a)[-2:]
    if full_matrices and m != n:
        raise ValueError(
            f"svd: the derivative is defined for the reduced SVD; for this {m}x{n} matrix pass "
            "full_matrices=False (the full SVD's extra singular vectors are not unique)"
        )
    u, s, v = _unpack_svd(_svd(a, hermitian=bool(hermitian)), a)
    return SVDResult(u, s, _mT(v))


def _svdvals_jvp(t: Any, ans: Any, a: Any, *, hermitian: bool) -> Any:
    u, _, v = _unpack_svd(_svd(a, hermitian=hermitian), a)
    t = from_triangle(t, lower=True) if hermitian else t
    return sum(matmul(t, v) * u, axis=-2)  # diag(Uᵀ da V)


def _svdvals_vjp(g: Any, ans: Any, a: Any, *, hermitian: bool) -> Any:
    u, _, v = _unpack_svd(_svd(a, hermitian=hermitian), a)
    out = matmul(u * row(g), _mT(v))
    return triangle_adjoint(out, lower=True) if hermitian else out


_svdvals = defop(
    "svdvals",
    lambda a, *, hermitian: np.linalg.svd(a, compute_uv=False, hermitian=hermitian),
    api=lambda xp, a, *, hermitian: xp.linalg.svdvals(a),
    jvp=_svdvals_jvp,
    vjp=_svdvals_vjp,
    kind="linalg",
    doc="Descending singular values s of a (..., M, N): ds_i = u_iᵀ da v_i, ā = U diag(ḡ) Vᵀ.",
    vjp_batched=True,
)


@keeps_linalg_error
def svdvals(x: Any, /, *, hermitian: bool = False) -> Any:
    """``np.linalg.svdvals``: the singular values of ``(..., M, N)``, descending;
    ds_i = u_iᵀ dA v_i (finite at repeated and zero singular values too)."""
    x = as_float(x)
    real_only("svdvals", x)
    return _svdvals(x, hermitian=bool(hermitian))


# --- least squares -------------------------------------------------------------------------


def _count_above(s: Any, cutoff: float) -> Any:
    """How many singular values ``s`` (descending) exceed ``cutoff`` times the largest (a
    lazy 0-d array for lazy ``s``)."""
    if not shape_of(s)[-1]:
        return 0
    xp = namespace(s)
    count = xp.sum(xp.astype(s > cutoff * xp.max(s), xp.int64))
    return count if is_lazy(count) else int(count)


@keeps_linalg_error
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Any, Any, int, Any]:
    """``np.linalg.lstsq``: (x, residuals, rank, s) for a ``(M, N)`` and b ``(M,)`` or
    ``(M, K)``. x = pinv(a) b, the minimum-norm least-squares solution, differentiated
    through the pseudo-inverse (where the rank is constant); the residuals ‖a x − b‖²
    per column and the singular values s are differentiated too, the rank is an int."""
    a, b = as_float(a), as_float(b)
    real_only("lstsq", a, b)
    if ndim_of(a) != 2:
        raise np.linalg.LinAlgError(
            f"lstsq: a must be two-dimensional (M, N), got shape {shape_of(a)}"
        )
    m, n = shape_of(a)
    eps = float_eps(a)
    cutoff = max(m, n) * eps if rcond is None else (eps if rcond < 0 else rcond)
    x = matmul(pinv(a, rcond=cutoff), b)
    s = svdvals(a)
    rank = compare(lambda sv: _count_above(sv, cutoff), s)
    if (is_lazy(rank) or rank == n) and m > n:  # lazy: residuals as for full rank
        r = matmul(a, x) - b
        residuals = sum(r * r, axis=0)
        if ndim_of(b) == 1:
            residuals = reshape(residuals, (1,))
    else:
        residuals = constant(np.zeros((0,)), a)
    return x, residuals, rank, s


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = numpy_linalg(
    {
        "cholesky": cholesky,
        "qr": qr,
        "eigh": eigh,
        "eigvalsh": eigvalsh,
        "svd": svd,
        "svdvals": svdvals,
        "lstsq": lstsq,
    }
)

# nothing at the top level (dd.cholesky ...): these are dd.linalg.NAME, as in NumPy
__all__: list[str] = []
