"""Products: einsum over random subscripts (hypothesis), closed forms, NumPy routing,
second order and dtypes; tensordot, outer, inner, vdot, kron, cross, matrix_power and
multi_dot against NumPy and against their closed-form derivatives.

Every op here is linear in each operand, so the JVP is checked against central
differences of NumPy's own function (exact up to rounding: for a multilinear map the
central difference has no h^2 term in any single direction, and the cross terms are
O(h^2) = 1e-12), and the VJP against the JVP with <vjp(u), v> = <u, jvp(v)>.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualdiff as dd

H = 1e-6


def central(fn: Callable[..., Any], xs: list[np.ndarray], vs: list[np.ndarray]) -> np.ndarray:
    plus = fn(*(x + H * v for x, v in zip(xs, vs, strict=True)))
    minus = fn(*(x - H * v for x, v in zip(xs, vs, strict=True)))
    return (np.asarray(plus) - np.asarray(minus)) / (2 * H)


def check_linear_map(
    fn: Callable[..., Any], ref: Callable[..., Any], xs: list[np.ndarray], seed: int = 0
) -> None:
    """fn's primal equals ref's, its JVP ref's central difference, its VJP the transpose."""
    rng = np.random.default_rng(seed)
    expected = np.asarray(ref(*xs))
    np.testing.assert_allclose(fn(*xs), expected, rtol=1e-12, atol=1e-12)
    vs = [rng.standard_normal(np.shape(x)) for x in xs]
    out, tangent = dd.jvp(fn, tuple(xs), tuple(vs))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    scale = 1 + np.max(np.abs(expected), initial=0)
    np.testing.assert_allclose(tangent, central(ref, xs, vs), rtol=1e-6, atol=1e-8 * scale)
    u = rng.standard_normal(expected.shape)
    _, pullback = dd.vjp(fn, *xs)
    cotangents = pullback(u)
    for c, x in zip(cotangents, xs, strict=True):
        assert np.shape(c) == np.shape(x)
    lhs = sum(float(np.vdot(c, v)) for c, v in zip(cotangents, vs, strict=True))
    np.testing.assert_allclose(lhs, float(np.vdot(u, tangent)), rtol=1e-10, atol=1e-10)


# --- einsum over random subscripts -------------------------------------------------------


@st.composite
def einsum_problems(draw: st.DrawFn) -> tuple[str, list[np.ndarray], Any]:
    """Subscripts NumPy accepts, with operands: repeated indices within an operand,
    length-1 axes that broadcast, '...' over leading axes, implicit or explicit output."""
    letters = "abcde"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    n_ops = draw(st.integers(1, 3))
    ellipsis = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    terms, shapes, uses_ellipsis = [], [], False
    for _ in range(n_ops):
        term = "".join(draw(st.lists(st.sampled_from(letters), max_size=3)))
        shrunk = {c: draw(st.booleans()) and draw(st.booleans()) for c in set(term)}
        shape = [1 if shrunk[c] else sizes[c] for c in term]
        if ellipsis and draw(st.booleans()):
            uses_ellipsis = True
            span = draw(st.integers(0, len(ellipsis)))
            lead = [1 if draw(st.booleans()) else n for n in ellipsis[len(ellipsis) - span :]]
            term, shape = "..." + term, lead + shape
        terms.append(term)
        shapes.append(tuple(shape))
    subscripts = ",".join(terms)
    if draw(st.booleans()):  # an explicit output: some of the letters, in any order
        used = sorted(set("".join(terms)) - {"."})
        out = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
        if uses_ellipsis:
            out = "..." + out if draw(st.booleans()) else out + "..."
        subscripts += "->" + out
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    operands = [rng.standard_normal(s) for s in shapes]
    optimize = draw(st.sampled_from([False, True, "greedy", "optimal"]))
    return subscripts, operands, optimize


@settings(max_examples=150)
@given(einsum_problems())
def test_einsum_random_subscripts(problem: tuple[str, list[np.ndarray], Any]) -> None:
    subscripts, operands, optimize = problem
    check_linear_map(
        lambda *xs: dd.einsum(subscripts, *xs, optimize=optimize),
        lambda *xs: np.einsum(subscripts, *xs),
        operands,
    )


@settings(max_examples=25)
@given(einsum_problems())
def test_einsum_random_subscripts_batched_and_second_order(
    problem: tuple[str, list[np.ndarray], Any],
) -> None:
    """jacfwd (batched tangents) equals jacrev; forward over reverse equals reverse over
    reverse (the rules are einsums and differentiate again)."""
    subscripts, operands, _ = problem
    argnums = tuple(range(len(operands)))

    def f(*xs: Any) -> Any:
        return dd.einsum(subscripts, *xs)

    fwd_jac, rev_jac = dd.jacfwd(f, argnums)(*operands), dd.jacrev(f, argnums)(*operands)
    for fwd, rev in zip(fwd_jac, rev_jac, strict=True):
        np.testing.assert_allclose(fwd, rev, rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(1).standard_normal(np.shape(f(*operands)))

    def scalar(*xs: Any) -> Any:
        return dd.sum(w * f(*xs) * f(*xs))

    fwd_rev = dd.jacfwd(dd.grad(scalar, argnums), argnums)(*operands)
    rev_rev = dd.jacrev(dd.grad(scalar, argnums), argnums)(*operands)
    for row_f, row_r in zip(fwd_rev, rev_rev, strict=True):
        for a, b in zip(row_f, row_r, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


# --- einsum: closed forms and forms of the call ---------------------------------------------

RNG = np.random.default_rng(7)
A, B = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))


def test_gradient_of_trace_of_product_is_the_transpose() -> None:
    # d/dA tr(A B) = B^T, d/dB tr(A B) = A^T
    ga, gb = dd.grad(lambda a, b: dd.einsum("ij,ji", a, b), argnums=(0, 1))(A, B)
    np.testing.assert_allclose(ga, B.T, rtol=1e-15)
    np.testing.assert_allclose(gb, A.T, rtol=1e-15)


def test_trace_and_diagonal_embed_the_cotangent_on_the_diagonal() -> None:
    np.testing.assert_array_equal(dd.grad(lambda a: dd.einsum("ii", a))(A), np.eye(3))
    u = np.array([1.0, -2.0, 0.5])
    _, pullback = dd.vjp(lambda a: dd.einsum("ii->i", a), A)
    np.testing.assert_array_equal(pullback(u)[0], np.diag(u))
    # 'iii': the cotangent of a (2, 2, 2) array sits on its main diagonal
    cube = dd.grad(lambda x: dd.einsum("iii", x))(np.ones((2, 2, 2)))
    np.testing.assert_array_equal(cube, np.einsum("ij,ik->ijk", np.eye(2), np.eye(2)))


def test_index_summed_away_broadcasts_the_cotangent() -> None:
    # d/dx sum_ij x_ij y_i = y_i for every j
    y = np.array([1.0, 2.0])
    g = dd.grad(lambda x: dd.einsum("ij,i->", x, y))(np.zeros((2, 3)))
    np.testing.assert_array_equal(g, np.broadcast_to(y[:, None], (2, 3)))


def test_length_1_axes_that_broadcast_get_their_cotangent_summed() -> None:
    # x (1, 3) broadcast against y (4, 3): d/dx sum x * y = column sums of y
    y = RNG.standard_normal((4, 3))
    g = dd.grad(lambda x: dd.einsum("ij,ij->", x, y))(np.ones((1, 3)))
    np.testing.assert_allclose(g, y.sum(axis=0, keepdims=True), rtol=1e-14)


def test_hessian_of_a_quadratic_form() -> None:
    # x^T A x has Hessian A + A^T
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(
        dd.hessian(lambda x: dd.einsum("i,ij,j", x, A, x))(x), A + A.T, rtol=1e-14
    )


def test_interleaved_form_equals_the_string_form() -> None:
    x = RNG.standard_normal((2, 3))
    out = dd.einsum(A, [0, 1], B, [1, 2], [0, 2])
    np.testing.assert_allclose(out, A @ B, rtol=1e-14)
    # implicit output: the sublist ints in increasing order (as NumPy orders them)
    np.testing.assert_array_equal(dd.einsum(x, [27, 0]), np.einsum(x, [27, 0]))
    np.testing.assert_array_equal(dd.einsum(x, [0, Ellipsis]), np.einsum(x, [0, Ellipsis]))
    g = dd.grad(lambda a: dd.einsum(a, [0, 0]))(A)
    np.testing.assert_array_equal(g, np.eye(3))


@pytest.mark.parametrize("optimize", [False, True, "greedy", "optimal"])
def test_optimize_is_passed_through(optimize: Any) -> None:
    c = RNG.standard_normal((3, 2))
    f = lambda a, b, c: dd.einsum("ij,jk,kl->il", a, b, c, optimize=optimize)
    check_linear_map(f, lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c), [A, B, c])


def test_explicit_contraction_path_from_einsum_path() -> None:
    c = RNG.standard_normal((3, 2))
    path, _ = np.einsum_path("ij,jk,kl->il", A, B, c, optimize="optimal")
    with dd.Tape() as tape:
        a = dd.Var(A)
        out = dd.einsum("ij,jk,kl->il", a, B, c, optimize=path)
        total = dd.sum(out)
    np.testing.assert_allclose(out.value, A @ B @ c, rtol=1e-13)
    np.testing.assert_allclose(tape.gradient(total, a), np.ones((3, 2)) @ (B @ c).T, rtol=1e-14)


def test_numpy_einsum_on_tracers_is_routed() -> None:
    with dd.Tape() as tape:
        a = dd.Var(A)
        out = np.einsum("ij,jk", a, B)
        total = np.sum(out)
        path = np.einsum_path("ij,jk", a, B)
    assert isinstance(out, dd.Var)
    assert path[0][0] == "einsum_path"
    np.testing.assert_allclose(tape.gradient(total, a), np.ones((3, 3)) @ B.T, rtol=1e-14)
    d = np.einsum("ii", dd.Dual(A, np.eye(3)))
    assert d.tangent == pytest.approx(3.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype: type) -> None:
    x = RNG.standard_normal((3, 3)).astype(dtype)
    for sub in ("ii", "ij->", "ii->i", "ij,jk->ik"):
        n = sub.count(",") + 1
        grads = dd.grad(lambda *xs, sub=sub: dd.sum(dd.einsum(sub, *xs)), argnums=tuple(range(n)))(
            *([x] * n)
        )
        assert all(g.dtype == dtype for g in grads), sub
        y = dd.jvp(lambda x, sub=sub, n=n: dd.einsum(sub, *([x] * n)), (x,), (x,))[1]
        assert np.result_type(y) == dtype, sub


@pytest.mark.parametrize(
    "args, match",
    [
        (("ij,jk", A), "2 operand term"),
        (("ij", np.ones(3)), "operand 0 has 1 axes"),
        (("i.j", A), "invalid ellipsis"),
        (("i1", A), "contain"),
        (("ij->k", A), "output index 'k'"),
        (("ij->ii", A), "output index 'i'"),
        (("ij->>j", A), "one '->'"),
    ],
)
def test_einsum_subscript_errors_name_the_problem(args: tuple[Any, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        dd.einsum(args[0], *(dd.Var(a) for a in args[1:]))


def test_einsum_size_mismatch_names_the_op() -> None:
    with pytest.raises(ValueError, match="einsum"):
        dd.einsum("ij,jk", dd.Var(np.ones((2, 3))), np.ones((4, 2)))


def test_einsum_running_out_of_letters_is_a_clear_error() -> None:
    sub = "".join(chr(ord("a") + i) for i in range(26)) + "".join(
        chr(ord("A") + i) for i in range(26)
    )
    x = np.ones((1,) * 52)
    assert dd.einsum(sub, x).shape == (1,) * 52
    with pytest.raises(ValueError, match="index letters"):
        dd.jacfwd(lambda x: dd.einsum(sub, x))(x)


def complex_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def check_complex_linear_map(
    fn: Callable[..., Any], ref: Callable[..., Any], shapes: list[tuple[int, ...]]
) -> None:
    """Complex operands: the JVP is the map applied to complex directions; the VJP its
    transpose under the pairing Re(sum(u v)), without conjugation (JAX's convention)."""
    rng = np.random.default_rng(5)
    xs = [complex_normal(rng, s) for s in shapes]
    vs = [complex_normal(rng, s) for s in shapes]
    expected = np.asarray(ref(*xs))
    out, tangent = dd.jvp(fn, tuple(xs), tuple(vs))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(tangent, central(ref, xs, vs), rtol=1e-6, atol=1e-8)
    u = complex_normal(rng, expected.shape)
    cotangents = dd.vjp(fn, *xs)[1](u)
    lhs = sum(np.sum(c * v) for c, v in zip(cotangents, vs, strict=True)).real
    np.testing.assert_allclose(lhs, np.sum(u * tangent).real, rtol=1e-10)


@pytest.mark.parametrize(
    "subscripts, shapes",
    [("ij,jk", [(2, 3), (3, 2)]), ("ii,i->i", [(3, 3), (3,)]), ("...i,i", [(2, 3), (3,)])],
)
def test_einsum_of_complex_operands(subscripts: str, shapes: list[tuple[int, ...]]) -> None:
    check_complex_linear_map(
        lambda *xs: dd.einsum(subscripts, *xs), lambda *xs: np.einsum(subscripts, *xs), shapes
    )


# --- tensordot, outer, inner, vdot, kron ---------------------------------------------------


@pytest.mark.parametrize(
    "shapes, axes",
    [
        (((2, 3, 4), (3, 4, 2)), 2),
        (((2, 3), (3, 4)), 1),
        (((2, 3), (4, 5)), 0),
        (((2, 3, 4), (4, 2, 3)), ([1, 2], [2, 0])),
        (((3, 2), (3, 4)), (0, 0)),
        (((2, 3), (2, 3)), ([-1, -2], [-1, -2])),
    ],
)
def test_tensordot_matches_numpy(shapes: tuple[tuple[int, ...], ...], axes: Any) -> None:
    xs = [RNG.standard_normal(s) for s in shapes]
    check_linear_map(
        lambda a, b: dd.tensordot(a, b, axes), lambda a, b: np.tensordot(a, b, axes), xs
    )


@pytest.mark.parametrize(
    "fn, ref, shapes",
    [
        (dd.outer, np.outer, ((3,), (4,))),
        (dd.outer, np.outer, ((2, 2), (3,))),
        (dd.inner, np.inner, ((3,), (3,))),
        (dd.inner, np.inner, ((2, 3), (4, 3))),
        (dd.inner, np.inner, ((), (2, 3))),
        (dd.vdot, np.vdot, ((2, 3), (6,))),
        (dd.vecdot, np.vecdot, ((4, 3), (3,))),
        (
            lambda a, b: dd.vecdot(a, b, axis=0),
            lambda a, b: np.vecdot(a, b, axis=0),
            ((3, 2), (3, 1)),
        ),
        (dd.matvec, np.matvec, ((2, 4, 3), (3,))),
        (dd.vecmat, np.vecmat, ((2, 4), (4, 3))),
        (dd.kron, np.kron, ((2, 2), (3, 2))),
        (dd.kron, np.kron, ((3,), (2, 2))),
        (dd.kron, np.kron, ((2, 1, 2), (2, 3))),
    ],
)
def test_products_match_numpy(
    fn: Callable[..., Any], ref: Callable[..., Any], shapes: tuple[tuple[int, ...], ...]
) -> None:
    check_linear_map(fn, ref, [RNG.standard_normal(s) for s in shapes])


def test_vdot_vecdot_and_vecmat_conjugate_their_first_operand() -> None:
    check_complex_linear_map(dd.vdot, np.vdot, [(2, 3), (6,)])
    check_complex_linear_map(dd.vecdot, np.vecdot, [(2, 3), (3,)])
    check_complex_linear_map(dd.vecmat, np.vecmat, [(3,), (3, 2)])
    a = np.array([1 + 2j, 3 - 1j])
    assert dd.vdot(a, a) == pytest.approx(np.vdot(a, a)) == pytest.approx(15.0)


def test_outer_and_kron_closed_forms() -> None:
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0, 0.5])
    ja, jb = dd.jacrev(dd.outer, argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ja, np.einsum("ik,j->ijk", np.eye(2), b))
    np.testing.assert_array_equal(jb, np.einsum("i,jk->ijk", a, np.eye(3)))
    # d/dA sum(kron(A, B)) = sum(B) everywhere
    g = dd.grad(lambda a: dd.sum(dd.kron(a, B)))(A)
    np.testing.assert_allclose(g, np.full((3, 3), B.sum()), rtol=1e-14)


def test_numpy_products_on_tracers_are_routed() -> None:
    x = RNG.standard_normal(3)
    calls = [
        (lambda v: np.tensordot(v, A, 1), lambda v: np.tensordot(v, A, 1)),
        (lambda v: np.outer(v, x), lambda v: np.outer(v, x)),
        (lambda v: np.inner(v, A), lambda v: np.inner(v, A)),
        (lambda v: np.vdot(v, x), lambda v: np.vdot(v, x)),
        (lambda v: np.kron(v, x), lambda v: np.kron(v, x)),
        (lambda v: np.cross(v, x), lambda v: np.cross(v, x)),
        (lambda v: np.linalg.cross(v, x), lambda v: np.linalg.cross(v, x)),
        (lambda v: np.linalg.outer(v, x), lambda v: np.linalg.outer(v, x)),
        (lambda v: np.linalg.tensordot(v, A, axes=1), lambda v: np.tensordot(v, A, 1)),
        (lambda v: np.linalg.multi_dot([v, A, B, x]), lambda v: v @ A @ B @ x),
        (lambda v: np.vecdot(A, v), lambda v: np.vecdot(A, v)),
        (lambda v: np.linalg.vecdot(A, v), lambda v: np.linalg.vecdot(A, v)),
        (lambda v: np.matvec(A, v), lambda v: np.matvec(A, v)),
        (lambda v: np.vecmat(v, A), lambda v: np.vecmat(v, A)),
    ]
    v = RNG.standard_normal(3)
    for fn, ref in calls:
        check_linear_map(fn, ref, [v])
    with dd.Tape() as tape:
        a = dd.Var(A)
        out = np.linalg.matrix_power(a, 3)
        total = dd.einsum("ii", out)
    np.testing.assert_allclose(out.value, A @ A @ A, rtol=1e-14)
    # d/dA tr(A^3) = 3 (A^2)^T
    np.testing.assert_allclose(tape.gradient(total, a), 3 * (A @ A).T, rtol=1e-13)


def test_tensordot_errors() -> None:
    with pytest.raises(ValueError, match="shape mismatch"):
        dd.tensordot(dd.Var(np.ones((2, 3))), np.ones((2, 3)), 1)
    with pytest.raises(ValueError, match="axes=3"):
        dd.tensordot(np.ones((2, 3)), np.ones((2, 3)), 3)
    with pytest.raises(TypeError, match="pair of sequences"):
        dd.tensordot(np.ones(2), np.ones(2), axes=(0, 0, 0))
    with pytest.raises(ValueError, match="same number of elements"):
        dd.vdot(dd.Var(np.ones(3)), np.ones(4))


# --- cross ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shapes, kwargs",
    [
        (((3,), (3,)), {}),
        (((4, 3), (3,)), {}),
        (((2, 1, 3), (4, 3)), {}),
        (((3, 2), (2, 3)), {"axisa": 0, "axisb": 1, "axisc": 0}),
        (((3, 4), (3, 4)), {"axis": 0}),
        (((2,), (3,)), {}),
        (((3,), (4, 2)), {}),
    ],
)
@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
def test_cross_matches_numpy(shapes: tuple[tuple[int, ...], ...], kwargs: dict[str, Any]) -> None:
    check_linear_map(
        lambda a, b: dd.cross(a, b, **kwargs),
        lambda a, b: np.cross(a, b, **kwargs),
        [RNG.standard_normal(s) for s in shapes],
    )


def test_cross_of_2_vectors_is_the_z_component() -> None:
    a, b = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([3.0, 4.0])
    np.testing.assert_allclose(dd.cross(a, b), a[:, 0] * b[1] - a[:, 1] * b[0])
    ga, gb = dd.grad(lambda a, b: dd.sum(dd.cross(a, b)), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, np.broadcast_to([b[1], -b[0]], (2, 2)))
    np.testing.assert_allclose(gb, [-a[:, 1].sum(), a[:, 0].sum()])


def test_cross_closed_form_jacobian() -> None:
    # d(a x b)/da = -[b]_x, the cross-product matrix of b with its sign flipped
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.7, -1.1])
    skew = np.array([[0, -b[2], b[1]], [b[2], 0, -b[0]], [-b[1], b[0], 0]])
    for jac in (dd.jacfwd, dd.jacrev):
        np.testing.assert_allclose(jac(lambda a: dd.cross(a, b))(a), -skew, rtol=1e-15)


def test_cross_rejects_other_lengths() -> None:
    with pytest.raises(ValueError, match="length 2 or 3"):
        dd.cross(dd.Var(np.ones(4)), np.ones(3))


# --- matrix_power and multi_dot --------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, -1, -2, -3])
def test_matrix_power_matches_numpy(n: int) -> None:
    a = RNG.standard_normal((2, 3, 3)) / 2 + 2 * np.eye(3)  # well conditioned for n < 0
    fn = lambda a: dd.matrix_power(a, n)
    ref = lambda a: np.linalg.matrix_power(a, n)
    np.testing.assert_allclose(fn(a), ref(a), rtol=1e-13)
    v = RNG.standard_normal(a.shape)
    np.testing.assert_allclose(dd.jvp(fn, (a,), (v,))[1], central(ref, [a], [v]), rtol=1e-6)


def test_matrix_power_closed_forms() -> None:
    # d/dA tr(A^2) = 2 A^T; A^0 is the identity (a constant)
    np.testing.assert_allclose(
        dd.grad(lambda a: dd.einsum("ii", dd.matrix_power(a, 2)))(A), 2 * A.T, rtol=1e-14
    )
    np.testing.assert_array_equal(dd.matrix_power(dd.Var(A), 0), np.eye(3))
    assert dd.matrix_power(np.ones((2, 2), np.float32), 0).dtype == np.float32


def test_matrix_power_of_a_negative_exponent_closed_form() -> None:
    # d/dA tr(A^-2) = -2 (A^-3)^T, since d(A^-2) = -A^-1 dA A^-2 - A^-2 dA A^-1
    a = A + 3 * np.eye(3)
    inv3 = np.linalg.matrix_power(a, -3)
    for grad in (dd.grad, lambda f: dd.jacfwd(f)):
        got = grad(lambda a: dd.einsum("ii", dd.matrix_power(a, -2)))(a)
        np.testing.assert_allclose(got, -2 * inv3.T, rtol=1e-12)
    with pytest.raises(np.linalg.LinAlgError):
        dd.matrix_power(dd.Var(np.zeros((2, 2))), -1)


def test_matrix_power_errors() -> None:
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        dd.matrix_power(dd.Var(np.ones((2, 3))), 2)
    with pytest.raises(TypeError, match="integer"):
        dd.matrix_power(dd.Var(A), 1.5)


def test_multi_dot_matches_numpy_and_takes_the_cheapest_order() -> None:
    a, b, c = (RNG.standard_normal(s) for s in ((10, 100), (100, 5), (5, 50)))
    check_linear_map(
        lambda a, b, c: dd.multi_dot([a, b, c]), lambda *xs: np.linalg.multi_dot(xs), [a, b, c]
    )
    # (a b) c costs 10*100*5 + 10*5*50 = 7500 products, a (b c) 75000
    with dd.Tape() as tape:
        dd.multi_dot([dd.Var(a), b, c])
    first = next(vals for rule, _, vals, *_ in tape.entries if rule.name == "matmul")
    assert [np.shape(v) for v in first] == [(10, 100), (100, 5)]


@pytest.mark.parametrize(
    "shapes",
    [((3,), (3, 4), (4, 2)), ((2, 3), (3, 4), (4,)), ((3,), (3, 4), (4, 2), (2,)), ((2,), (2,))],
)
def test_multi_dot_with_vector_ends(shapes: tuple[tuple[int, ...], ...]) -> None:
    xs = [RNG.standard_normal(s) for s in shapes]
    check_linear_map(
        lambda *xs: dd.multi_dot(list(xs)), lambda *xs: np.linalg.multi_dot(list(xs)), xs
    )


def test_multi_dot_errors() -> None:
    with pytest.raises(ValueError, match="at least two"):
        dd.multi_dot([dd.Var(A)])
    with pytest.raises(ValueError, match="must be 2-D"):
        dd.multi_dot([dd.Var(A), np.ones((3, 3, 3)), A])


def test_products_keep_float32() -> None:
    a = RNG.standard_normal((3, 3)).astype(np.float32)
    v = a[0]
    for fn in (
        lambda a: dd.tensordot(a, a, 1),
        lambda a: dd.outer(a[0], a[1]),
        lambda a: dd.inner(a, a),
        lambda a: dd.vdot(a, a),
        lambda a: dd.vecdot(a, a),
        lambda a: dd.matvec(a, v),
        lambda a: dd.kron(a, a),
        lambda a: dd.cross(a, v),
        lambda a: dd.matrix_power(a, 3),
        lambda a: dd.multi_dot([a, a, a[0]]),
    ):
        out, tangent = dd.jvp(fn, (a,), (a,))
        assert np.result_type(out) == np.result_type(tangent) == np.float32
        assert dd.grad(lambda a, fn=fn: dd.sum(fn(a)))(a).dtype == np.float32
