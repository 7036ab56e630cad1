"""SciPy's functions (the ``scipy`` extra): special functions through ``__array_ufunc__``,
``dd.scipy.special``, ``dd.scipy.linalg`` and ``dd.scipy.stats.norm``.

Values are checked against SciPy, derivatives against closed forms and against mpmath's
arbitrary-precision functions and numerical derivatives (``mpmath.diff`` at 30 digits),
conventions at singular points against their limits. The registry walk
(``tests/test_rules.py``, oracles in ``tests/oracles/special.py``) checks every op to
second order against SymPy; this file covers what a walk does not.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")
sl = pytest.importorskip("scipy.linalg")
st = pytest.importorskip("scipy.stats")
mp = pytest.importorskip("mpmath")

import dualdiff as dd  # noqa: E402

special, linalg, norm = dd.scipy.special, dd.scipy.linalg, dd.scipy.stats.norm
mp.mp.dps = 30


def mp_diff(fn: Callable[[Any], Any], x: float, n: int = 1) -> float:
    """The n-th derivative of an mpmath function at x, to ~25 digits."""
    return float(mp.diff(fn, mp.mpf(x), n))


def both_modes_grad(fn: Callable[..., Any], x: Any) -> list[Any]:
    """d fn / dx by reverse mode and by forward mode."""
    return [dd.grad(fn)(x), dd.derivative(fn)(x)]


# --- values: the ops are SciPy's functions ----------------------------------------------------

UNARY = {
    "erf": (sc.erf, [-2.0, 0.3, 1.7]),
    "erfc": (sc.erfc, [-2.0, 0.3, 4.0]),
    "erfinv": (sc.erfinv, [-0.9, 0.1, 0.99]),
    "erfcinv": (sc.erfcinv, [0.05, 1.0, 1.8]),
    "gamma": (sc.gamma, [-1.5, 0.3, 5.5]),
    "gammaln": (sc.gammaln, [-1.5, 0.3, 50.0]),
    "digamma": (sc.digamma, [-1.5, 0.3, 5.5]),
    "logit": (sc.logit, [0.1, 0.5, 0.95]),
    "ndtr": (sc.ndtr, [-5.0, 0.0, 2.0]),
    "ndtri": (sc.ndtri, [0.01, 0.5, 0.9]),
    "log_ndtr": (sc.log_ndtr, [-40.0, 0.0, 2.0]),
    "i0": (sc.i0, [-2.0, 0.0, 3.0]),
    "i1": (sc.i1, [-2.0, 0.0, 3.0]),
    "i0e": (sc.i0e, [-2.0, 0.0, 30.0]),
    "i1e": (sc.i1e, [-2.0, 0.0, 30.0]),
    "j0": (sc.j0, [-2.0, 0.0, 7.0]),
    "j1": (sc.j1, [-2.0, 0.0, 7.0]),
    "y0": (sc.y0, [0.1, 1.0, 7.0]),
    "y1": (sc.y1, [0.1, 1.0, 7.0]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_values_are_scipys_for_floats_arrays_and_float32(name: str) -> None:
    fn, points = UNARY[name]
    op = getattr(dd.scipy.special, name)
    for p in points:
        got = op(p)
        assert type(got) is float  # a Python float stays a Python float
        assert got == pytest.approx(float(fn(p)), rel=1e-14, abs=1e-300)
    x = np.array(points)
    np.testing.assert_allclose(op(x), fn(x), rtol=1e-14)
    x32 = x.astype(np.float32)
    assert op(x32).dtype == np.float32
    assert dd.grad(lambda v: dd.sum(op(v)))(x32[:1]).dtype == np.float32


def test_binary_values_and_numpys_promotion() -> None:
    a, b = np.array([0.5, 2.0, 3.5]), np.array([1.5, 0.25, 2.0])
    for name in ("beta", "betaln", "xlogy", "xlog1py"):
        op, fn = getattr(special, name), getattr(sc, name)
        np.testing.assert_allclose(op(a, b), fn(a, b), rtol=1e-14)
        assert type(op(0.5, 1.5)) is float
        # a Python float beside a float32 array stays float32, as in NumPy
        assert op(0.5, b.astype(np.float32)).dtype == np.float32


def test_polygamma_values_dtype_and_order_check() -> None:
    x = np.array([0.5, 1.0, 4.0])
    for n in range(4):
        np.testing.assert_allclose(special.polygamma(n, x), sc.polygamma(n, x), rtol=1e-14)
    assert type(special.polygamma(1, 2.0)) is float
    assert special.polygamma(2, x.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(
        special.polygamma(np.array([0, 1, 2]), x), sc.polygamma([0, 1, 2], x), rtol=1e-14
    )
    for bad in (-1, 1.5):
        with pytest.raises(ValueError, match=r"polygamma.*non-negative integer"):
            special.polygamma(bad, x)


# --- derivatives against mpmath ---------------------------------------------------------------

MP_UNARY: dict[str, tuple[Callable[[Any], Any], list[float]]] = {
    "erf": (mp.erf, [-1.5, 0.2, 2.5]),
    "erfc": (mp.erfc, [-1.5, 0.2, 5.0]),
    "erfinv": (mp.erfinv, [-0.95, 0.1, 0.999]),
    "erfcinv": (lambda x: mp.erfinv(1 - x), [0.01, 0.7, 1.9]),
    "gamma": (mp.gamma, [-2.5, 0.3, 4.5]),
    "gammaln": (lambda x: mp.log(abs(mp.gamma(x))), [-2.5, 0.3, 40.0]),
    "digamma": (mp.digamma, [-2.5, 0.3, 4.5]),
    "logit": (lambda x: mp.log(x / (1 - x)), [0.01, 0.5, 0.99]),
    "ndtr": (mp.ncdf, [-6.0, 0.0, 3.0]),
    "ndtri": (lambda p: mp.sqrt(2) * mp.erfinv(2 * p - 1), [0.001, 0.5, 0.97]),
    "log_ndtr": (lambda x: mp.log(mp.ncdf(x)), [-40.0, -5.0, 0.5, 6.0]),
    "i0": (lambda x: mp.besseli(0, x), [-3.0, 0.5, 10.0]),
    "i1": (lambda x: mp.besseli(1, x), [-3.0, 0.5, 10.0]),
    "i0e": (lambda x: mp.exp(-abs(x)) * mp.besseli(0, x), [-3.0, 0.5, 50.0]),
    "i1e": (lambda x: mp.exp(-abs(x)) * mp.besseli(1, x), [-3.0, 0.5, 50.0]),
    "j0": (lambda x: mp.besselj(0, x), [-3.0, 0.5, 12.0]),
    "j1": (lambda x: mp.besselj(1, x), [-3.0, 0.5, 12.0]),
    "y0": (lambda x: mp.bessely(0, x), [0.2, 1.5, 12.0]),
    "y1": (lambda x: mp.bessely(1, x), [0.2, 1.5, 12.0]),
}


# log_ndtr'' = d (-x - d), d = log_ndtr': at x = -40, d = 40.02 carries the rounding of
# log_ndtr(-40) = -804.6 (2e-13 absolute, so 5e-15 relative) and -x - d = -0.025 cancels
# three more digits; 1e-8 bounds what float64 can give there
SECOND = {"log_ndtr": 1e-8}


@pytest.mark.parametrize("name", sorted(MP_UNARY))
def test_first_and_second_derivatives_match_mpmath(name: str) -> None:
    fn, points = MP_UNARY[name]
    op = getattr(special, name)
    for x in points:
        for got in both_modes_grad(op, x):
            assert got == pytest.approx(mp_diff(fn, x), rel=1e-12)
        assert dd.grad(dd.grad(op))(x) == pytest.approx(
            mp_diff(fn, x, 2), rel=SECOND.get(name, 1e-10)
        )


def test_polygamma_derivatives_are_the_next_orders() -> None:
    for n in range(3):
        for x in (0.4, 2.5):
            d1, d2 = dd.grad(lambda v, n=n: special.polygamma(n, v)), None
            d2 = dd.grad(d1)
            assert d1(x) == pytest.approx(float(mp.psi(n + 1, x)), rel=1e-12)
            assert d2(x) == pytest.approx(float(mp.psi(n + 2, x)), rel=1e-12)


def test_beta_partials_match_mpmath() -> None:
    a, b = 0.7, 2.3
    grads = dd.grad(special.beta, argnums=(0, 1))(a, b)
    assert grads[0] == pytest.approx(float(mp.diff(mp.beta, (a, b), (1, 0))), rel=1e-12)
    assert grads[1] == pytest.approx(float(mp.diff(mp.beta, (a, b), (0, 1))), rel=1e-12)
    h = dd.hessian(lambda v: special.betaln(v[0], v[1]))(np.array([a, b]))
    logbeta = lambda x, y: mp.log(mp.beta(x, y))
    exact = [[float(mp.diff(logbeta, (a, b), (2 - j - i, i + j))) for j in (0, 1)] for i in (0, 1)]
    exact[0][1] = exact[1][0] = float(mp.diff(logbeta, (a, b), (1, 1)))
    np.testing.assert_allclose(h, exact, rtol=1e-10)


# --- conventions at singular points -----------------------------------------------------------


@pytest.mark.parametrize("name", ["i1", "j1", "i1e"])
def test_order_one_bessel_derivative_at_zero_is_one_half(name: str) -> None:
    op = getattr(special, name)
    for got in both_modes_grad(op, 0.0):
        assert got == 0.5
    # i1 and j1 are odd, so their second derivative at 0 is 0
    if name != "i1e":
        assert dd.grad(dd.grad(op))(0.0) == 0.0
    np.testing.assert_array_equal(dd.grad(lambda x: dd.sum(op(x)))(np.zeros(3)), 0.5)


def test_i0e_derivative_at_its_kink_is_zero() -> None:
    assert dd.grad(special.i0e)(0.0) == 0.0
    assert dd.grad(special.i0e)(1e-300) == pytest.approx(-1.0)  # i1e(0) - sign(x) i0e(0)


def test_xlogy_is_zero_at_x_zero_and_so_is_its_y_derivative() -> None:
    for fn, y in ((special.xlogy, 0.0), (special.xlog1py, -1.0)):
        assert fn(0.0, y) == 0.0
        # ln 0 = -inf for x (JAX's convention too); 0 for y, as xlogy(0, y) = 0 for every y.
        # Forward mode takes one input at a time: a zero tangent times -inf would be nan
        assert dd.grad(fn, argnums=(0, 1))(0.0, y) == (-math.inf, 0.0)
        assert dd.derivative(lambda x, fn=fn, y=y: fn(x, y))(0.0) == -math.inf
        assert dd.derivative(lambda y, fn=fn: fn(0.0, y))(y) == 0.0
    # away from y = 0: d/dx = ln y, d/dy = x / y, d²/dx dy = 1 / y, also at x = 0
    assert dd.grad(special.xlogy, argnums=(0, 1))(0.0, 2.0) == (math.log(2.0), 0.0)
    mixed = dd.grad(lambda x: dd.grad(special.xlogy, argnums=1)(x, 2.0))(0.0)
    assert mixed == 0.5


def test_xlogy_singular_point_emits_no_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dd.grad(special.xlogy, argnums=(0, 1))(0.0, 0.0)
        dd.grad(lambda x: dd.sum(special.xlogy(x, np.zeros(2))))(np.zeros(2))


def test_log_ndtr_derivative_is_finite_where_ndtr_underflows() -> None:
    x = -40.0  # ndtr(-40) = 3.7e-350 is 0 in float64; its log is not
    assert sc.ndtr(x) == 0.0
    assert dd.grad(special.log_ndtr)(x) == pytest.approx(mp_diff(lambda t: mp.log(mp.ncdf(t)), x))


# --- NumPy's protocol: SciPy's ufuncs on traced values ----------------------------------------


def test_scipy_ufuncs_on_duals_and_vars_reach_the_ops() -> None:
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: np.sum(sc.erf(v) * sc.expit(v) + sc.gammaln(v + 3.0) + sc.psi(v + 3.0))
    ref = lambda v: dd.sum(
        special.erf(v) * dd.sigmoid(v) + special.gammaln(v + 3.0) + special.digamma(v + 3.0)
    )
    np.testing.assert_allclose(dd.grad(f)(x), dd.grad(ref)(x), rtol=1e-15)
    np.testing.assert_allclose(dd.jacfwd(f)(x), dd.grad(ref)(x), rtol=1e-15)
    np.testing.assert_allclose(dd.hessian(f)(x), dd.hessian(ref)(x), rtol=1e-14)
    with dd.Tape() as tape:
        v = dd.Var(x)
        y = np.sum(sc.i0(v))
    np.testing.assert_allclose(tape.gradient(y, v), sc.i1(x), rtol=1e-15)


def test_numpys_i0_reaches_the_same_op() -> None:
    x = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_allclose(dd.grad(lambda v: np.sum(np.i0(v)))(x), sc.i1(x), rtol=1e-15)
    np.testing.assert_allclose(dd.jacfwd(np.i0)(x), np.diag(sc.i1(x)), rtol=1e-15)


def test_a_scipy_ufunc_without_a_rule_is_named_as_scipys() -> None:
    with pytest.raises(TypeError, match=r"no derivative rule for scipy\.special\.gammainc"):
        sc.gammainc(1.5, dd.Dual(0.5, 1.0))
    x = dd.Dual(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match=r"no derivative rule for scipy\.special\.beta\.outer"):
        sc.beta.outer(x, x)


@pytest.mark.parametrize(
    "call, twin",
    [
        (lambda x: sc.logsumexp(x), "dd.scipy.special.logsumexp"),
        (lambda x: sc.softmax(x), "dd.scipy.special.softmax"),
        (lambda x: sc.polygamma(1, x), "dd.scipy.special.polygamma"),
        (lambda x: sl.cholesky(x), "dd.scipy.linalg.cholesky"),
        (lambda x: sl.cho_solve((x, True), np.ones(2)), "dd.scipy.linalg.cho_solve"),
        (lambda x: sl.solve_triangular(x, np.ones(2)), "dd.scipy.linalg.solve_triangular"),
        (lambda x: sl.expm(x), "dd.scipy.linalg.expm"),
        (lambda x: st.norm.logpdf(x), "dd.scipy.stats.norm.logpdf"),
        (lambda x: st.norm.cdf(1.0, loc=x), "dd.scipy.stats.norm.cdf"),
        (lambda x: st.norm(0.0, 2.0).pdf(x), "dd.scipy.stats.norm.pdf"),
    ],
)
def test_scipy_functions_that_convert_inputs_name_their_dd_twin(call: Any, twin: str) -> None:
    x = 2.0 * np.eye(2)
    for traced in (dd.Dual(x, np.ones((2, 2))), dd.Var(x)):
        with pytest.raises(TypeError, match=rf"scipy\..*drop the derivative.*call {twin}"):
            call(traced)


def test_scipy_function_without_a_twin_says_so() -> None:
    with pytest.raises(TypeError, match=r"scipy\.linalg\.lu .*no dd\.scipy\.linalg\.lu"):
        sl.lu(dd.Var(np.eye(2)))
    with pytest.raises(TypeError) as info:  # not inside SciPy: the general message
        np.asarray(dd.Var(np.eye(2)))
    assert "dd.scipy" not in str(info.value)


# --- dd.scipy.special.logsumexp, softmax ------------------------------------------------------


def test_logsumexp_matches_scipy_with_weights_signs_and_keepdims() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for kw in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}, {"axis": (0, 1)}):
        np.testing.assert_allclose(special.logsumexp(a, **kw), sc.logsumexp(a, **kw), rtol=1e-14)
        np.testing.assert_allclose(
            special.logsumexp(a, b=np.abs(b), **kw), sc.logsumexp(a, b=np.abs(b), **kw)
        )
        ours, sign = special.logsumexp(a, b=b, return_sign=True, **kw)
        theirs, their_sign = sc.logsumexp(a, b=b, return_sign=True, **kw)
        np.testing.assert_allclose(ours, theirs, rtol=1e-13)
        np.testing.assert_array_equal(sign, their_sign)
    assert special.logsumexp([1000.0, 1000.0]) == pytest.approx(1000 + math.log(2), rel=1e-15)


def test_logsumexp_gradients_in_the_weights_and_a_negative_sum() -> None:
    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.0, -0.5, -0.75])
    total = np.sum(b * np.exp(a))  # negative: log|total| with sign -1
    assert total < 0
    ga, gb = dd.grad(lambda a, b: special.logsumexp(a, b=b, return_sign=True)[0], argnums=(0, 1))(
        a, b
    )
    np.testing.assert_allclose(ga, b * np.exp(a) / total, rtol=1e-14)
    np.testing.assert_allclose(gb, np.exp(a) / total, rtol=1e-14)


def test_softmax_over_all_axes_by_default_like_scipy() -> None:
    x = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    np.testing.assert_allclose(special.softmax(x), sc.softmax(x), rtol=1e-14)
    np.testing.assert_allclose(special.softmax(x, axis=0), sc.softmax(x, axis=0), rtol=1e-14)
    np.testing.assert_allclose(special.log_softmax(x), sc.log_softmax(x), rtol=1e-14)
    # d softmax_i / d x_j = s_i (δ_ij - s_j) over all six entries
    s = sc.softmax(x).ravel()
    jac = dd.jacrev(lambda v: special.softmax(v.reshape(2, 3)).reshape(-1))(x.ravel())
    np.testing.assert_allclose(jac, np.diag(s) - np.outer(s, s), atol=1e-15)


# --- dd.scipy.stats.norm ----------------------------------------------------------------------


def test_norm_values_match_scipy_stats() -> None:
    x, loc, scale = np.array([-3.0, 0.2, 1.5, 40.0]), 0.5, np.array([0.5, 1.0, 2.0, 3.0])
    for name in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
        np.testing.assert_allclose(
            getattr(norm, name)(x, loc, scale), getattr(st.norm, name)(x, loc, scale), rtol=1e-13
        )
    q = np.array([0.01, 0.3, 0.5, 0.99])
    for name in ("ppf", "isf"):
        np.testing.assert_allclose(
            getattr(norm, name)(q, loc, scale), getattr(st.norm, name)(q, loc, scale), rtol=1e-13
        )
    assert norm.logcdf(-40.0) == pytest.approx(st.norm.logcdf(-40.0), rel=1e-14)


def test_norm_derivatives_are_the_closed_forms() -> None:
    x, loc, scale = 1.3, 0.4, 1.7
    z = (x - loc) / scale
    d_x, d_loc, d_scale = dd.grad(norm.logpdf, argnums=(0, 1, 2))(x, loc, scale)
    assert d_x == pytest.approx(-z / scale, rel=1e-14)
    assert d_loc == pytest.approx(z / scale, rel=1e-14)
    assert d_scale == pytest.approx((z * z - 1) / scale, rel=1e-14)
    pdf = st.norm.pdf(x, loc, scale)
    assert dd.grad(norm.cdf)(x, loc, scale) == pytest.approx(pdf, rel=1e-14)
    assert dd.grad(norm.sf)(x, loc, scale) == pytest.approx(-pdf, rel=1e-14)
    # the quantile's derivative is the reciprocal of the density at the quantile
    q = 0.8
    quantile = st.norm.ppf(q, loc, scale)
    assert dd.grad(norm.ppf)(q, loc, scale) == pytest.approx(
        1 / st.norm.pdf(quantile, loc, scale), rel=1e-12
    )
    # d²/dx² logpdf = -1/scale²
    assert dd.grad(dd.grad(norm.logpdf))(x, loc, scale) == pytest.approx(-1 / scale**2, rel=1e-14)


# --- dd.scipy.linalg --------------------------------------------------------------------------


def _spd(n: int, seed: int = 0) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def test_cholesky_follows_scipy_upper_by_default() -> None:
    a = _spd(4)
    np.testing.assert_allclose(linalg.cholesky(a), sl.cholesky(a), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(linalg.cholesky(a, lower=True), sl.cholesky(a, lower=True))
    c, lower = linalg.cho_factor(a, lower=True)
    assert lower is True
    np.testing.assert_allclose(np.tril(c), np.tril(sl.cho_factor(a, lower=True)[0]))
    with pytest.raises(ValueError, match=r"cholesky.*infs or NaNs"):
        linalg.cholesky(np.full((2, 2), np.nan))


@pytest.mark.parametrize("lower", [False, True])
def test_cho_solve_values_and_gradients(lower: bool) -> None:
    a, b, w = _spd(4), np.arange(1.0, 5.0), np.array([0.5, -1.0, 2.0, 0.25])
    # SciPy's own factor (arbitrary values in its other triangle) works too
    np.testing.assert_allclose(linalg.cho_solve(sl.cho_factor(a, lower=lower), b), sl.solve(a, b))

    def f(a: Any, b: Any) -> Any:
        return dd.sum(w * linalg.cho_solve(linalg.cho_factor(a, lower=lower), b))

    # f = wᵀ a⁻¹ b: ∂f/∂b = a⁻¹ w, and along a symmetric direction E, df = -wᵀ a⁻¹ E a⁻¹ b
    ga, gb = dd.grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(gb, np.linalg.solve(a, w), rtol=1e-13)
    e = np.random.default_rng(1).normal(size=(4, 4))
    e = e + e.T
    expected = -np.linalg.solve(a, w) @ e @ np.linalg.solve(a, b)
    assert np.vdot(ga, e) == pytest.approx(expected, rel=1e-12)
    assert dd.jvp(lambda a: f(a, b), (a,), (e,))[1] == pytest.approx(expected, rel=1e-12)


def test_solve_triangular_takes_scipys_arguments() -> None:
    t = np.triu(_spd(3)) + np.tril(np.ones((3, 3)), -1)  # junk below the diagonal is not read
    b = np.array([1.0, -2.0, 0.5])
    for kw in ({}, {"trans": "T"}, {"trans": 1, "unit_diagonal": True}):
        np.testing.assert_allclose(
            linalg.solve_triangular(t, b, **kw), sl.solve_triangular(t, b, **kw), rtol=1e-14
        )


def test_expm_and_its_frechet_derivative_match_scipy() -> None:
    rng = np.random.default_rng(2)
    a, e, g = rng.normal(size=(3, 3, 3))
    np.testing.assert_allclose(linalg.expm(a), sl.expm(a), rtol=1e-14)
    _, tangent = dd.jvp(linalg.expm, (a,), (e,))
    # two approximations of L(a, e), each to ~1e-14 of its norm (about 10 here)
    np.testing.assert_allclose(tangent, sl.expm_frechet(a, e, compute_expm=False), atol=1e-12)
    _, pullback = dd.vjp(linalg.expm, a)
    (ga,) = pullback(g)
    np.testing.assert_allclose(ga, sl.expm_frechet(a.T, g, compute_expm=False), atol=1e-12)
    stack = np.stack([a, e])
    np.testing.assert_allclose(linalg.expm(stack), sl.expm(stack), rtol=1e-14)


def test_expm_second_derivative_along_a_line() -> None:
    # d²/dt² e^{tA} = A² e^{tA}: forward over forward and reverse over forward
    a = np.array([[0.3, -1.2], [0.8, 0.1]])
    t = 0.7
    expected = a @ a @ sl.expm(t * a)
    second = dd.derivative(dd.derivative(lambda s: linalg.expm(s * a)))(t)
    np.testing.assert_allclose(second, expected, rtol=1e-12)
    w = np.array([[1.0, 2.0], [-0.5, 0.25]])
    rev = dd.grad(dd.grad(lambda s: dd.sum(w * linalg.expm(s * a))))(t)
    assert rev == pytest.approx(np.sum(w * expected), rel=1e-12)


# --- an application: Black-Scholes greeks -----------------------------------------------------


def _call_price(s: Any, k: Any, t: Any, r: Any, sigma: Any, cdf: Callable[[Any], Any]) -> Any:
    """The Black-Scholes price of a European call, written with plain NumPy and ``cdf``."""
    d1 = (np.log(s / k) + (r + 0.5 * sigma**2) * t) / (sigma * np.sqrt(t))
    d2 = d1 - sigma * np.sqrt(t)
    return s * cdf(d1) - k * np.exp(-r * t) * cdf(d2)


@pytest.mark.parametrize(
    "cdf",
    [sc.ndtr, lambda x: 0.5 * (1 + sc.erf(x / np.sqrt(2)))],
    ids=["ndtr", "erf"],
)
def test_black_scholes_greeks_are_the_closed_forms(cdf: Callable[[Any], Any]) -> None:
    s, k, t, r, sigma = 105.0, 100.0, 0.75, 0.03, 0.25
    d1 = (math.log(s / k) + (r + 0.5 * sigma**2) * t) / (sigma * math.sqrt(t))
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
    price = lambda s, sigma: _call_price(s, k, t, r, sigma, cdf)
    assert price(s, sigma) == pytest.approx(
        s * st.norm.cdf(d1) - k * math.exp(-r * t) * st.norm.cdf(d1 - sigma * math.sqrt(t)),
        rel=1e-14,
    )
    delta, vega = dd.grad(price, argnums=(0, 1))(s, sigma)
    assert delta == pytest.approx(st.norm.cdf(d1), rel=1e-13)
    assert vega == pytest.approx(s * pdf * math.sqrt(t), rel=1e-13)
    gamma = dd.grad(dd.grad(price))(s, sigma)
    assert gamma == pytest.approx(pdf / (s * sigma * math.sqrt(t)), rel=1e-12)
    assert dd.derivative(lambda s: price(s, sigma))(s) == pytest.approx(delta, rel=1e-15)
    # a vector of spots in one pass: the Hessian of the summed prices is diagonal
    spots = np.array([90.0, 100.0, 110.0])
    h = dd.hessian(lambda x: np.sum(price(x, sigma)))(spots)
    d1s = (np.log(spots / k) + (r + 0.5 * sigma**2) * t) / (sigma * np.sqrt(t))
    expected = np.exp(-0.5 * d1s**2) / np.sqrt(2 * np.pi) / (spots * sigma * np.sqrt(t))
    np.testing.assert_allclose(h, np.diag(expected), rtol=1e-12, atol=1e-18)


# --- without SciPy ----------------------------------------------------------------------------


def test_dualdiff_imports_without_scipy_and_dd_scipy_names_the_extra() -> None:
    code = """
import sys
sys.modules["scipy"] = None  # as if SciPy were not installed
import dualdiff as dd
assert "erf" not in dd.REGISTRY and not hasattr(dd, "erf")
assert dd.grad(dd.sin)(0.0) == 1.0
try:
    dd.scipy
except ImportError as err:
    assert "dualdiff-ad[scipy]" in str(err), err
else:
    raise AssertionError("dd.scipy without SciPy")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_importing_dualdiff_does_not_import_scipy_special() -> None:
    # the ops are registered, SciPy's ufuncs are matched by name when first met
    code = (
        "import sys, dualdiff; assert 'scipy.special' not in sys.modules; print(dualdiff.erf(0.5))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(sc.erf(0.5), rel=1e-15)
