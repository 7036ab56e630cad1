"""dd.linalg: closed-form derivatives, NumPy's values and routing, the conventions at repeated
eigenvalues and singular values, errors, dtypes, and second order through a Gaussian-process
likelihood. (Every op is also checked by the registry walk, tests/oracles/linalg.py.)"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

L = dd.linalg
RNG = np.random.default_rng(20240601)


def random_spd(n: int, rng: np.random.Generator = RNG) -> np.ndarray:
    b = rng.standard_normal((n, n))
    return b @ b.T + n * np.eye(n)


def random_matrix(*shape: int, rng: np.random.Generator = RNG) -> np.ndarray:
    return rng.standard_normal(shape) + (2 * np.eye(shape[-1]) if shape[-1] == shape[-2] else 0)


def both_grads(f: Callable[..., Any], x: np.ndarray) -> list[Any]:
    """The gradient of scalar f by reverse mode and by forward mode (jacfwd)."""
    return [dd.grad(f)(x), dd.jacfwd(f)(x)]


def central(f: Callable[..., Any], x: np.ndarray, v: np.ndarray, h: float = 1e-6) -> Any:
    return (np.asarray(f(x + h * v)) - np.asarray(f(x - h * v))) / (2 * h)


@pytest.fixture(autouse=True)
def no_numpy_warnings() -> Any:
    """Rules that handle singular points on purpose emit no RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# --- closed forms ------------------------------------------------------------------------------


def test_det_gradient_is_det_times_inverse_transpose() -> None:
    a = random_matrix(4, 4)
    for g in both_grads(L.det, a):
        np.testing.assert_allclose(g, np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-10)


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix() -> None:
    a = np.array([[1.0, 2.0], [2.0, 4.0]])  # rank 1: det = 0, cofactors [[d, -c], [-b, a]]
    for g in both_grads(L.det, a):
        np.testing.assert_allclose(g, [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    b = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]])
    cof = np.array([[np.linalg.det(np.delete(np.delete(b, i, 0), j, 1)) * (-1) ** (i + j)
                     for j in range(3)] for i in range(3)])  # fmt: skip
    np.testing.assert_allclose(dd.grad(L.det)(b), cof, atol=1e-12)


def test_inverse_tangent_is_minus_inv_da_inv() -> None:
    a, da = random_matrix(3, 3), RNG.standard_normal((3, 3))
    ainv = np.linalg.inv(a)
    _, tangent = dd.jvp(L.inv, (a,), (da,))
    np.testing.assert_allclose(tangent, -ainv @ da @ ainv, rtol=1e-10)


def test_logdet_gradient_is_inverse_transpose_and_sign_is_a_constant() -> None:
    a = random_matrix(3, 3)
    a[0] *= -1  # make the sign interesting
    sign, logdet = L.slogdet(a)
    assert sign == np.sign(np.linalg.det(a)) and logdet == pytest.approx(
        np.log(abs(np.linalg.det(a)))
    )
    for g in both_grads(lambda x: L.slogdet(x).logabsdet, a):
        np.testing.assert_allclose(g, np.linalg.inv(a).T, rtol=1e-10)
    assert dd.jacfwd(lambda x: L.slogdet(x).sign)(a) == pytest.approx(np.zeros((3, 3)))


def test_logdet_second_derivative_is_minus_inv_e_inv() -> None:
    # d/dA (A^-T) [E] = -A^-T E^T A^-T
    a, e = random_spd(3), RNG.standard_normal((3, 3))
    ainv = np.linalg.inv(a)
    hv = dd.hvp(lambda x: L.slogdet(x)[1], (a,), (e,))
    np.testing.assert_allclose(hv, -ainv.T @ e.T @ ainv.T, rtol=1e-10)


def test_solve_gradients_are_adjoint_solves() -> None:
    a, b = random_matrix(3, 3), RNG.standard_normal(3)
    w = RNG.standard_normal(3)
    x = np.linalg.solve(a, b)
    ga, gb = dd.grad(lambda a, b: w @ L.solve(a, b), argnums=(0, 1))(a, b)
    lam = np.linalg.solve(a.T, w)
    np.testing.assert_allclose(gb, lam, rtol=1e-12)
    np.testing.assert_allclose(ga, -np.outer(lam, x), rtol=1e-12)


def test_solve_matches_numpy_for_every_shape_rule() -> None:
    for a_shape, b_shape in [((3, 3), (3,)), ((2, 3, 3), (3,)), ((2, 3, 3), (3, 4)),
                             ((3, 3), (2, 3, 1)), ((1, 3, 3), (2, 3, 2))]:  # fmt: skip
        a, b = random_matrix(*a_shape), RNG.standard_normal(b_shape)
        np.testing.assert_allclose(L.solve(a, b), np.linalg.solve(a, b), rtol=1e-12)
        out = L.solve(dd.Dual(a, np.ones(a_shape)), b)
        assert out.primal.shape == np.linalg.solve(a, b).shape == out.tangent.shape


def test_cholesky_reconstructs_and_its_tangent_solves_the_product_rule() -> None:
    a = random_spd(4)
    e = RNG.standard_normal((4, 4))
    e = e + e.T
    out = L.cholesky(dd.Dual(a, e))
    lo, dl = out.primal, out.tangent
    np.testing.assert_allclose(lo @ lo.T, a, rtol=1e-12)
    np.testing.assert_allclose(dl @ lo.T + lo @ dl.T, e, atol=1e-12)  # d(L Lᵀ) = dA
    np.testing.assert_array_equal(np.triu(dl, 1), 0.0)  # dL stays lower triangular
    upper = L.cholesky(dd.Dual(a, e), upper=True)
    np.testing.assert_allclose(upper.tangent, dl.T, atol=1e-12)


def test_cholesky_reads_and_differentiates_the_lower_triangle_only() -> None:
    a = random_spd(3)
    messy = a + np.triu(RNG.standard_normal((3, 3)), 1)  # NumPy ignores the upper triangle
    np.testing.assert_allclose(L.cholesky(messy), np.linalg.cholesky(messy), rtol=1e-12)
    for g in both_grads(lambda x: dd.sum(L.cholesky(x)), messy):
        np.testing.assert_array_equal(np.triu(g, 1), 0.0)
    # a symmetric input built from both halves gets the derivative through both
    b = RNG.standard_normal((3, 3))
    g = dd.grad(lambda b: dd.sum(L.cholesky(b @ b.T + 3 * np.eye(3)) ** 2))(b)
    v = RNG.standard_normal((3, 3))
    fd = central(lambda b: np.sum(np.linalg.cholesky(b @ b.T + 3 * np.eye(3)) ** 2), b, v)
    assert np.vdot(g, v) == pytest.approx(fd, rel=1e-7)


def test_eigenvalue_derivatives_of_a_2x2_match_the_closed_form() -> None:
    # λ± = (a + c)/2 ± r, r = sqrt(((a - c)/2)² + b²), reading the lower triangle (b = A[1, 0])
    a, b, c = 1.3, -0.4, 0.2
    r = math.hypot((a - c) / 2, b)
    expected = {
        0: [[0.5 - (a - c) / (4 * r), 0.0], [-b / r, 0.5 + (a - c) / (4 * r)]],
        1: [[0.5 + (a - c) / (4 * r), 0.0], [b / r, 0.5 - (a - c) / (4 * r)]],
    }
    m = np.array([[a, 9.0], [b, c]])  # the 9 is never read
    for i in (0, 1):
        for g in both_grads(lambda x, i=i: L.eigvalsh(x)[i], m):
            np.testing.assert_allclose(g, expected[i], rtol=1e-12)
        by_eigh = dd.grad(lambda x, i=i: L.eigh(x)[0][i])(m)
        np.testing.assert_allclose(by_eigh, expected[i], rtol=1e-12)


def test_eigh_result_unpacks_and_names_its_fields() -> None:
    a = random_spd(3)
    w, v = L.eigh(a)
    res = np.linalg.eigh(a)
    np.testing.assert_allclose(w, res.eigenvalues, rtol=1e-12)
    np.testing.assert_allclose(np.abs(v), np.abs(res.eigenvectors), rtol=1e-10)
    with dd.Tape():
        out = L.eigh(dd.Var(a))
    assert out.eigenvalues is out[0] and out.eigenvectors is out[1]


def test_singular_value_derivatives_give_nuclear_and_spectral_norm_gradients() -> None:
    a = RNG.standard_normal((4, 3))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    for g in both_grads(lambda x: L.norm(x, "nuc"), a):
        np.testing.assert_allclose(g, u @ vh, rtol=1e-10)  # d‖A‖_* = U Vᵀ
    for g in both_grads(lambda x: L.norm(x, 2), a):
        np.testing.assert_allclose(g, np.outer(u[:, 0], vh[0]), rtol=1e-10)
    for g in both_grads(lambda x: L.norm(x, -2), a):
        np.testing.assert_allclose(g, np.outer(u[:, -1], vh[-1]), rtol=1e-10)


def test_svd_reconstructs_under_perturbation() -> None:
    a, e = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    u, s, vh = L.svd(dd.Dual(a, e), full_matrices=False)
    du, ds, dvh = u.tangent, s.tangent, vh.tangent
    up, sp, vp = u.primal, s.primal, vh.primal
    np.testing.assert_allclose(du * sp @ vp + up * ds @ vp + up * sp @ dvh, e, atol=1e-12)
    np.testing.assert_allclose(up.T @ du + du.T @ up, 0.0, atol=1e-12)  # U stays orthonormal


def test_qr_tangent_keeps_the_structure() -> None:
    a, e = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    q, r = L.qr(dd.Dual(a, e))
    np.testing.assert_allclose(q.primal @ r.primal, a, atol=1e-12)
    np.testing.assert_allclose(q.tangent @ r.primal + q.primal @ r.tangent, e, atol=1e-12)
    skew = q.primal.T @ q.tangent
    np.testing.assert_allclose(skew + skew.T, 0.0, atol=1e-12)
    np.testing.assert_array_equal(np.tril(r.tangent, -1), 0.0)
    wide = RNG.standard_normal((2, 4))
    np.testing.assert_allclose(L.qr(wide, mode="r"), np.linalg.qr(wide, mode="r"), atol=1e-12)


def test_pinv_derivative_matches_the_normal_equations_form() -> None:
    # for full column rank, pinv(A) = (AᵀA)⁻¹Aᵀ: the same derivative by another route
    a = RNG.standard_normal((5, 3))
    v = RNG.standard_normal((5, 3))
    _, ours = dd.jvp(L.pinv, (a,), (v,))
    _, other = dd.jvp(lambda a: L.inv(a.T @ a) @ a.T, (a,), (v,))
    np.testing.assert_allclose(ours, other, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(L.pinv(a), np.linalg.pinv(a), rtol=1e-12)


def test_lstsq_returns_what_numpy_returns() -> None:
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    for rhs in (b, b[:, 0]):
        ours, theirs = L.lstsq(a, rhs), np.linalg.lstsq(a, rhs)
        for x, y in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-10)
    deficient = np.hstack([a[:, :2], a[:, :1]])  # rank 2: no residuals, minimum-norm x
    ours, theirs = L.lstsq(deficient, b), np.linalg.lstsq(deficient, b)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    assert ours[1].shape == theirs[1].shape == (0,) and ours[2] == theirs[2] == 2
    # d/db of the least-squares fit's residual norm is 2 (b - A x) (the residual is ⟂ A)
    x = L.lstsq(a, b[:, 0])[0]
    g = dd.grad(lambda b: L.lstsq(a, b)[1][0])(b[:, 0])
    np.testing.assert_allclose(g, 2 * (b[:, 0] - a @ x), rtol=1e-10)


# --- norms ------------------------------------------------------------------------------------

VECTOR_ORDS = [None, 2, 1, math.inf, -math.inf, 0, 3, 0.5, -1, -2.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, True), (-2, False)])
def test_vector_norm_values_match_numpy(ord: Any, axis: Any, keepdims: bool) -> None:
    x = RNG.standard_normal((3, 4))
    x[0, 1] = 0.0
    if axis is None:
        x = x[1]
    with np.errstate(divide="ignore"):  # NumPy's own warning for negative p at a zero
        expected = np.linalg.norm(x, ord, axis, keepdims)
    for arg in (x, dd.Dual(x)):
        out = L.norm(arg, ord, axis, keepdims)
        np.testing.assert_allclose(dd.ops.linalg.primal_of(out), expected, rtol=1e-13)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("axis, keepdims", [(None, False), ((2, 0), True), ((-1, -3), False)])
def test_matrix_norm_values_and_gradients(ord: Any, axis: Any, keepdims: bool) -> None:
    x = RNG.standard_normal((3, 4) if axis is None else (3, 2, 4))
    expected = np.linalg.norm(x, ord, axis, keepdims)
    np.testing.assert_allclose(L.norm(x, ord, axis, keepdims), expected, rtol=1e-12)
    v = RNG.standard_normal(x.shape)
    _, tangent = dd.jvp(lambda x: L.norm(x, ord, axis, keepdims), (x,), (v,))
    fd = central(lambda x: np.linalg.norm(x, ord, axis, keepdims), x, v)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-8)


def test_vector_norm_closed_forms() -> None:
    x = np.array([0.5, -2.0, 1.5, -0.25])
    for g in both_grads(lambda x: L.norm(x, 1), x):
        np.testing.assert_array_equal(g, np.sign(x))
    for g in both_grads(lambda x: L.norm(x, math.inf), x):
        np.testing.assert_array_equal(g, [0.0, -1.0, 0.0, 0.0])
    for g in both_grads(lambda x: L.norm(x, -math.inf), x):
        np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, -1.0])
    p = 3.0  # d‖x‖_p = sign(x) |x|^(p-1) / ‖x‖_p^(p-1)
    expected = np.sign(x) * np.abs(x) ** (p - 1) / np.linalg.norm(x, p) ** (p - 1)
    for g in both_grads(lambda x: L.norm(x, p), x):
        np.testing.assert_allclose(g, expected, rtol=1e-12)
    for g in both_grads(lambda x: L.norm(x, 0), x):  # a count: zero derivative
        np.testing.assert_array_equal(g, 0.0)
    assert L.norm(x, 0) == 4.0


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 0.5, math.inf])
def test_norm_at_the_zero_vector_has_derivative_zero(ord: Any) -> None:
    for g in both_grads(lambda x: L.norm(x, ord), np.zeros(3)):
        np.testing.assert_array_equal(g, 0.0)


def test_negative_p_norm_with_a_zero_entry_is_zero_with_derivative_zero() -> None:
    x = np.array([0.0, 1.0, 2.0])
    assert L.norm(x, -1) == 0.0
    for g in both_grads(lambda x: L.norm(x, -1), x):
        np.testing.assert_array_equal(g, 0.0)


def test_vector_norm_and_matrix_norm_follow_numpy() -> None:
    x = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(L.vector_norm(x, ord=1), np.linalg.vector_norm(x, ord=1))
    np.testing.assert_allclose(
        L.vector_norm(x, axis=(0, 2), ord=3, keepdims=True),
        np.linalg.vector_norm(x, axis=(0, 2), ord=3, keepdims=True),
    )
    np.testing.assert_allclose(L.matrix_norm(x, ord=-1), np.linalg.matrix_norm(x, ord=-1))


def test_cond_and_matrix_rank_follow_numpy() -> None:
    a = RNG.standard_normal((2, 4, 4))
    for p in (None, 2, -2, 1, -1, "fro", "nuc", math.inf):
        np.testing.assert_allclose(L.cond(a, p), np.linalg.cond(a, p), rtol=1e-10)
    s = np.linalg.svd(a[0], compute_uv=False)
    u, _, vh = np.linalg.svd(a[0])
    # d(s1 / sn) = (u1 v1ᵀ) / sn - s1 (un vnᵀ) / sn²
    expected = np.outer(u[:, 0], vh[0]) / s[-1] - s[0] * np.outer(u[:, -1], vh[-1]) / s[-1] ** 2
    np.testing.assert_allclose(dd.grad(L.cond)(a[0]), expected, rtol=1e-9)
    deficient = np.outer(a[0, 0], a[0, 1]) + np.outer(a[0, 2], a[0, 3])
    assert L.matrix_rank(dd.Var(deficient)) == np.linalg.matrix_rank(deficient) == 2


# --- repeated eigenvalues and singular values ----------------------------------------------------

DEGENERATE = np.diag([1.0, 1.0, 2.0])  # the eigenvalue 1 is repeated, 2 is simple


def test_eigenvalue_gradients_stay_exact_at_a_repeated_eigenvalue() -> None:
    weights = np.array([1.0, 2.0, 3.0])
    for g in both_grads(lambda a: L.eigh(a).eigenvalues @ weights, DEGENERATE):
        np.testing.assert_array_equal(g, np.diag(weights))  # diag(Vᵀ dA V) with V = I
    for g in both_grads(lambda a: dd.sum(L.eigvalsh(a)), DEGENERATE):
        np.testing.assert_array_equal(g, np.eye(3))  # the trace


def test_the_eigenvector_of_a_simple_eigenvalue_stays_differentiable() -> None:
    c = np.array([0.3, -0.5, 0.8])
    f = lambda a: (L.eigh(a).eigenvectors[:, 2] @ c) ** 2
    e = RNG.standard_normal((3, 3))
    fd = central(lambda a: (np.linalg.eigh(a)[1][:, 2] @ c) ** 2, DEGENERATE, e)
    for g in both_grads(f, DEGENERATE):
        assert np.all(np.isfinite(g))
        assert np.vdot(g, e) == pytest.approx(fd, rel=1e-7)


def test_eigenvectors_of_a_repeated_eigenvalue_have_nan_derivatives() -> None:
    c = np.array([0.3, -0.5, 0.8])
    for g in both_grads(lambda a: (L.eigh(a).eigenvectors[:, 0] @ c) ** 2, DEGENERATE):
        assert np.all(np.isnan(g))
    e = RNG.standard_normal((3, 3))
    tangent = L.eigh(dd.Dual(DEGENERATE, e)).eigenvectors.tangent
    assert np.all(np.isnan(tangent[:, :2])) and np.all(np.isfinite(tangent[:, 2]))


def test_singular_vectors_of_a_repeated_singular_value_have_nan_derivatives() -> None:
    a = np.diag([2.0, 2.0, 1.0])
    w = np.array([1.0, 2.0, 3.0])
    u, _, vh = np.linalg.svd(a)  # ds_i = u_iᵀ dA v_i for the vectors LAPACK returned
    for g in both_grads(lambda a: dd.sum(L.svd(a).S * w), a):
        np.testing.assert_allclose(g, u @ np.diag(w) @ vh, atol=1e-15)
    for g in both_grads(lambda a: dd.sum(L.svdvals(a)), a):  # a symmetric function: exact
        np.testing.assert_allclose(g, np.eye(3), atol=1e-15)
    for g in both_grads(lambda a: dd.sum(L.svd(a).U[:, 0]), a):
        assert np.all(np.isnan(g))
    e = RNG.standard_normal((3, 3))
    c, d = np.array([0.3, -0.5, 0.8]), np.array([-0.6, 0.2, 0.7])
    simple = lambda u, vh: (u[:, 2] @ c) * (vh[2] @ d)  # the pair of the simple value 1
    fd = central(lambda a: simple(*np.linalg.svd(a)[::2]), a, e)
    for g in both_grads(lambda a: simple(*L.svd(a)[::2]), a):
        assert np.vdot(g, e) == pytest.approx(fd, rel=1e-7)


# --- NumPy routing, errors, dtypes, batches ------------------------------------------------------

ROUTED: list[tuple[Callable[..., Any], Callable[[Any], Any]]] = [
    (np.linalg.solve, lambda a: np.sum(np.linalg.solve(a, np.ones(3)))),
    (np.linalg.inv, lambda a: np.sum(np.linalg.inv(a))),
    (np.linalg.det, np.linalg.det),
    (np.linalg.slogdet, lambda a: np.linalg.slogdet(a)[1]),
    (np.linalg.cholesky, lambda a: np.sum(np.linalg.cholesky(a))),
    (np.linalg.eigh, lambda a: np.sum(np.linalg.eigh(a)[0] ** 2)),
    (np.linalg.eigvalsh, lambda a: np.sum(np.linalg.eigvalsh(a) ** 3)),
    (np.linalg.svd, lambda a: np.sum(np.linalg.svd(a)[1] ** 2)),
    (np.linalg.svdvals, lambda a: np.sum(np.linalg.svdvals(a))),
    (np.linalg.qr, lambda a: np.sum(np.linalg.qr(a)[1])),
    (np.linalg.pinv, lambda a: np.sum(np.linalg.pinv(a))),
    (np.linalg.lstsq, lambda a: np.sum(np.linalg.lstsq(a, np.ones(3))[0])),
    (np.linalg.norm, lambda a: np.linalg.norm(a, "nuc")),
    (np.linalg.cond, np.linalg.cond),
    (np.linalg.matrix_norm, lambda a: np.linalg.matrix_norm(a, ord=1)),
    (np.linalg.vector_norm, lambda a: np.linalg.vector_norm(a, ord=3)),
    (np.linalg.trace, lambda a: np.linalg.trace(a, offset=1)),
    (np.linalg.diagonal, lambda a: np.sum(np.linalg.diagonal(a) ** 2)),
    (np.linalg.matrix_transpose, lambda a: np.linalg.matrix_transpose(a)[0, 1]),
    (np.linalg.matmul, lambda a: np.sum(np.linalg.matmul(a, a))),
]


@pytest.mark.parametrize("fn", ROUTED, ids=[f.__name__ for f, _ in ROUTED])
def test_np_linalg_on_traced_values_differentiates_in_both_modes(fn: Any) -> None:
    _, f = fn
    a = random_spd(3)
    v = RNG.standard_normal((3, 3))
    v = v + v.T  # symmetric: the functions that read one triangle see all of it
    fd = central(f, a, v)
    for g in both_grads(f, a):
        assert np.vdot(g, v) == pytest.approx(fd, rel=1e-6, abs=1e-8)
    assert L.matrix_rank(dd.Dual(a)) == np.linalg.matrix_rank(dd.Dual(a)) == 3


def test_linalg_errors_stay_numpys_linalg_error() -> None:
    not_pd = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(np.linalg.LinAlgError, match=r"cholesky.*positive definite.*jitter"):
        dd.grad(lambda a: dd.sum(np.linalg.cholesky(a)))(not_pd)
    with pytest.raises(np.linalg.LinAlgError, match=r"solve.*\(2, 2\).*Singular"):
        L.solve(dd.Var(np.zeros((2, 2))), np.ones(2))
    with pytest.raises(dd.linalg.LinAlgError):
        L.inv(np.ones((3, 3)))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: L.svd(np.ones((3, 2))), "full_matrices=False"),
        (lambda: L.qr(np.ones((3, 2)), mode="complete"), "mode='reduced'"),
        (lambda: L.qr(np.ones((3, 2)), mode="raw"), "Householder"),
        (lambda: L.qr(np.ones((3, 2)), mode="economic"), "unrecognized mode"),
        (lambda: L.eigh(np.eye(2), UPLO="X"), "UPLO"),
        (lambda: L.norm(np.ones(3), "fro"), "invalid norm order 'fro' for vectors"),
        (lambda: L.norm(np.ones((2, 2)), 3), "invalid norm order 3 for matrices"),
        (lambda: L.norm(np.ones((2, 2, 2)), 1), "give axis"),
        (lambda: L.norm(np.ones((2, 2)), 1, (0, 0)), "duplicate axes"),
        (lambda: L.solve_triangular(np.eye(2), np.ones(2), trans=3), "trans must be"),
        (lambda: L.solve_triangular(np.eye(2), np.array([1.0, np.nan])), "infs or NaNs"),
        (lambda: L.pinv(np.eye(2), rcond=1e-3, rtol=1e-3), "not both"),
        (lambda: L.lstsq(np.ones((2, 2, 2)), np.ones(2)), "two-dimensional"),
        (lambda: L.trace(np.eye(2), dtype=np.float32), "dtype"),
    ],
)
def test_misuse_raises_a_clear_error(call: Callable[[], Any], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_solve_triangular_follows_scipy() -> None:
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a, b = random_matrix(4, 4), RNG.standard_normal((4, 2))
    for kw in ({}, {"lower": True}, {"trans": "T"}, {"trans": 1, "unit_diagonal": True}):
        expected = scipy_linalg.solve_triangular(a, b, **kw)
        np.testing.assert_allclose(L.solve_triangular(a, b, **kw), expected, rtol=1e-12)
        batched = L.solve_triangular(np.stack([a, a]), b, **kw)  # NumPy's path for stacks
        np.testing.assert_allclose(batched, np.stack([expected, expected]), rtol=1e-12)


@pytest.mark.parametrize(
    "f",
    [L.inv, L.det, L.cholesky, L.eigvalsh, L.svdvals, lambda a: L.eigh(a)[1], L.pinv,
     lambda a: L.slogdet(a)[1], lambda a: L.norm(a, "nuc"), lambda a: L.qr(a).Q],
)  # fmt: skip
def test_float32_stays_float32(f: Callable[..., Any]) -> None:
    a = random_spd(3).astype(np.float32)
    assert np.result_type(dd.ops.linalg.primal_of(f(a))) == np.float32
    g = dd.grad(lambda a: dd.sum(f(a)))(a)
    assert g.dtype == np.float32


def test_batched_gradients_equal_the_gradients_of_each_matrix() -> None:
    stack = np.stack([random_spd(3) for _ in range(4)])
    f = lambda a: dd.sum(L.slogdet(L.cholesky(a) + a)[1])
    together = dd.grad(f)(stack)
    for k in range(4):
        np.testing.assert_allclose(together[k], dd.grad(f)(stack[k]), rtol=1e-12)


def test_integer_input_is_promoted() -> None:
    a = np.array([[2, 1], [1, 3]])
    assert L.det(a) == pytest.approx(5.0)
    np.testing.assert_allclose(dd.grad(L.det)(a), [[3.0, -1.0], [-1.0, 2.0]])


# --- second order through a Gaussian-process likelihood -------------------------------------------


def gp_nll(theta: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """-log N(y; 0, K) with the RBF kernel, by Cholesky: ½‖L⁻¹y‖² + Σ log L_ii + n/2 log 2π."""
    ell2, sf2, sn2 = dd.exp(2 * theta[0]), dd.exp(theta[1]), dd.exp(theta[2])
    k = sf2 * dd.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / ell2) + sn2 * np.eye(len(x))
    chol = L.cholesky(k)
    z = L.solve_triangular(chol, y, lower=True)
    return 0.5 * z @ z + dd.sum(dd.log(L.diagonal(chol))) + 0.5 * len(x) * math.log(2 * math.pi)


def test_gp_hessian_matches_central_differences_of_its_gradient() -> None:
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 5, 8))
    y = np.cos(x) + 0.2 * rng.standard_normal(8)
    theta = np.array([0.1, -0.3, -1.5])
    # the NLL itself against the textbook form with solve and slogdet
    k = np.exp(-0.3) * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / np.exp(0.2))
    k += np.exp(-1.5) * np.eye(8)
    textbook = (
        0.5 * y @ np.linalg.solve(k, y) + 0.5 * np.linalg.slogdet(k)[1] + 4 * np.log(2 * np.pi)
    )
    assert gp_nll(theta, x, y) == pytest.approx(textbook, rel=1e-12)
    h = 1e-5  # truncation h² |f'''| ~ 1e-9; rounding eps |g| / h ~ 1e-10
    grad = dd.grad(gp_nll)
    rows = [(grad(theta + h * e, x, y) - grad(theta - h * e, x, y)) / (2 * h) for e in np.eye(3)]
    hessian = dd.hessian(gp_nll)(theta, x, y)
    np.testing.assert_allclose(hessian, rows, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-12, atol=1e-12)
    # and reverse over reverse agrees with forward over reverse
    rev = dd.jacrev(dd.grad(gp_nll))(theta, x, y)
    np.testing.assert_allclose(rev, hessian, rtol=1e-10, atol=1e-12)


def test_complex_inputs_holomorphic_ops_and_norms_follow_the_complex_convention() -> None:
    z = np.array([[2 + 1j, 0.5], [0.3j, 1.5]])
    # Re det is the real part of a holomorphic function: its gradient is det'(z), the cofactors
    cofactors = np.array([[z[1, 1], -z[1, 0]], [-z[0, 1], z[0, 0]]])
    np.testing.assert_allclose(dd.grad(lambda a: dd.real(L.det(a)))(z), cofactors, atol=1e-15)
    v = np.array([3 + 4j, 1j])
    assert L.norm(v) == pytest.approx(np.linalg.norm(v))
    r = np.linalg.norm(v)  # the gradient of |z| is conj(z) / |z| under this convention
    np.testing.assert_allclose(dd.grad(L.norm)(v), np.conj(v) / r, rtol=1e-14)


@pytest.mark.parametrize("fn", [L.cholesky, L.eigvalsh, L.svdvals, L.pinv, lambda a: L.qr(a).R])
def test_complex_factorizations_refuse_to_differentiate(fn: Callable[..., Any]) -> None:
    z = np.eye(2) * (2 + 0.5j)
    fn(z)  # values are NumPy's
    with pytest.raises(TypeError, match="differentiates real matrices"):
        dd.grad(lambda a: dd.real(dd.sum(fn(a))))(z)


def test_compiled_slogdet_guards_its_sign() -> None:
    f = dd.compile(lambda a: L.slogdet(a).sign * dd.exp(L.slogdet(a).logabsdet))  # det a
    a = random_matrix(3, 3)
    flipped = a * np.array([[-1.0], [1.0], [1.0]])  # the sign of det changes
    for m in (a, flipped, a):
        value, grad = f(m)
        assert value == pytest.approx(np.linalg.det(m), rel=1e-12)
        np.testing.assert_allclose(grad, np.linalg.det(m) * np.linalg.inv(m).T, rtol=1e-10)
