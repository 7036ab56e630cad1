"""Reductions and statistics: closed-form derivatives of var, std, average, cumsum,
cumprod (zeros included), diff, ptp, median, quantile, nanmean, nansum and logsumexp with
weights; values against NumPy and SciPy; np.* routing; second order; float32."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def jacobians(f: Callable[..., Any], x: Any) -> list[np.ndarray]:
    """f's Jacobian by forward mode and by reverse mode."""
    return [np.asarray(dd.jacfwd(f)(x)), np.asarray(dd.jacrev(f)(x))]


def gradients(f: Callable[..., Any], *xs: Any) -> list[Any]:
    argnums = tuple(range(len(xs)))
    return [dd.grad(f, argnums=argnums)(*xs), dd.jacfwd(f, argnums=argnums)(*xs)]


# --- var, std, average -------------------------------------------------------------------


@pytest.mark.parametrize("ddof", [0, 1])
def test_var_gradient_and_hessian_closed_forms(ddof: int):
    x = RNG.normal(size=6)
    n = x.size
    assert dd.var(x, ddof=ddof) == pytest.approx(np.var(x, ddof=ddof), rel=1e-14)
    for (g,) in gradients(lambda x: dd.var(x, ddof=ddof), x):
        np.testing.assert_allclose(g, 2 * (x - x.mean()) / (n - ddof), rtol=1e-13)
    hessian = 2 / (n - ddof) * (np.eye(n) - 1 / n)
    np.testing.assert_allclose(dd.hessian(lambda x: dd.var(x, ddof=ddof))(x), hessian, atol=1e-15)


def test_var_and_std_along_axes_match_numpy():
    x = RNG.normal(size=(3, 4, 2))
    for kw in [{"axis": 1}, {"axis": (0, 2), "keepdims": True}, {"axis": -1, "ddof": 1}]:
        np.testing.assert_allclose(dd.var(x, **kw), np.var(x, **kw), rtol=1e-14)
        np.testing.assert_allclose(dd.std(x, **kw), np.std(x, **kw), rtol=1e-14)
    # d std / dx = (x - mean) / ((n - ddof) std), row by row
    rows = x[:, :, 0]
    expected = (rows - rows.mean(1, keepdims=True)) / (3 * rows.std(1, ddof=1, keepdims=True))
    for (g,) in gradients(lambda r: dd.sum(np.std(r, axis=1, ddof=1)), rows):
        np.testing.assert_allclose(g, expected, rtol=1e-13)


def test_std_of_constant_data_has_derivative_zero():
    x = np.full(4, 2.5)
    assert dd.std(x) == 0.0
    for (g,) in gradients(dd.std, x):
        np.testing.assert_array_equal(g, np.zeros(4))
    np.testing.assert_array_equal(dd.hessian(dd.std)(x), np.zeros((4, 4)))


def test_average_weights_are_differentiated():
    x, w = RNG.normal(size=5), RNG.uniform(0.5, 2.0, 5)
    avg = np.average(x, weights=w)
    assert dd.average(x, weights=w) == pytest.approx(avg, rel=1e-14)
    for gx, gw in gradients(lambda x, w: dd.average(x, weights=w), x, w):
        np.testing.assert_allclose(gx, w / w.sum(), rtol=1e-13)
        np.testing.assert_allclose(gw, (x - avg) / w.sum(), rtol=1e-12)
    X = RNG.normal(size=(4, 3))
    got, scale = dd.average(X, axis=0, weights=w[:4], returned=True)
    want, want_scale = np.average(X, axis=0, weights=w[:4], returned=True)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(scale, want_scale, rtol=1e-14)
    np.testing.assert_allclose(dd.average(X, axis=1, keepdims=True), X.mean(1, keepdims=True))
    with pytest.raises(ZeroDivisionError, match="weights sum to zero"):
        dd.average(x, weights=np.zeros(5))
    with pytest.raises(ValueError, match="weights of shape"):
        dd.average(X, weights=w)


# --- running sums and products, differences -------------------------------------------------


def test_cumsum_jacobian_is_lower_triangular_ones():
    x = RNG.normal(size=4)
    for jac in jacobians(dd.cumsum, x):
        np.testing.assert_array_equal(jac, np.tril(np.ones((4, 4))))
    X = RNG.normal(size=(2, 3))
    np.testing.assert_array_equal(dd.cumsum(X), np.cumsum(X))
    np.testing.assert_array_equal(dd.cumsum(X, axis=0), np.cumsum(X, axis=0))


@pytest.mark.parametrize(
    "x", [[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 2.0, -1.0], [1.5, -2.0, 0.5, 3.0], [4.0, 3.0, 2.0, 0.0]]
)
def test_cumprod_jacobian_is_exact_with_zeros(x: list[float]):
    x = np.array(x)
    n = x.size
    # d out_k / d x_j = product of x_i for i <= k, i != j (j <= k)
    expected = np.array(
        [[np.prod(np.delete(x[: k + 1], j)) if j <= k else 0.0 for j in range(n)] for k in range(n)]
    )
    for jac in jacobians(dd.cumprod, x):
        np.testing.assert_array_equal(jac, expected)
    # second order: d2 sum(cumprod) / dx_i dx_j, also exact
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                hess[i, j] = sum(
                    np.prod(np.delete(x[: k + 1], [i, j])) for k in range(max(i, j), n)
                )
    np.testing.assert_allclose(dd.hessian(lambda x: dd.sum(dd.cumprod(x)))(x), hess, atol=1e-15)


def test_cumprod_along_an_axis_matches_numpy():
    X = RNG.normal(size=(3, 4))
    X[1, 2] = 0.0
    np.testing.assert_array_equal(dd.cumprod(X, axis=1), np.cumprod(X, axis=1))
    g = dd.grad(lambda X: dd.sum(np.cumprod(X, axis=1)[:, -1]))(X)
    np.testing.assert_allclose(g[0], np.prod(X[0]) / X[0], rtol=1e-13)  # no zero in row 0
    np.testing.assert_array_equal(g[1], [0, 0, np.prod(np.delete(X[1], 2)), 0])


def test_diff_values_and_jacobian():
    x = RNG.normal(size=5)
    for jac in jacobians(dd.diff, x):
        np.testing.assert_array_equal(jac, np.eye(5, k=1)[:4] - np.eye(5)[:4])
    for jac in jacobians(lambda x: dd.diff(x, n=2), x):
        np.testing.assert_array_equal(jac, np.diff(np.eye(5), n=2, axis=0))
    X = RNG.normal(size=(3, 4))
    for kw in [{"axis": 0}, {"n": 3}, {"prepend": 0.5, "append": [[1.0], [2.0], [3.0]]}]:
        np.testing.assert_array_equal(dd.diff(X, **kw), np.diff(X, **kw))
    gp = dd.grad(lambda p: dd.sum(dd.diff(x, prepend=p) ** 2))(0.3)
    assert gp == pytest.approx(-2 * (x[0] - 0.3), rel=1e-14)
    with pytest.raises(ValueError, match="non-negative"):
        dd.diff(x, n=-1)


def test_ptp_derivative_is_argmax_minus_argmin():
    x = np.array([0.5, 3.0, -1.0, 2.0])
    assert dd.ptp(x) == np.ptp(x)
    for (g,) in gradients(dd.ptp, x):
        np.testing.assert_array_equal(g, [0.0, 1.0, -1.0, 0.0])
    X = RNG.normal(size=(2, 5))
    np.testing.assert_array_equal(np.ptp(dd.Dual(X, np.ones_like(X)), axis=1).primal, np.ptp(X, 1))


# --- median and quantiles ----------------------------------------------------------------------


def test_median_derivative_goes_to_the_middle_elements():
    odd, even = np.array([3.0, 1.0, 2.0, 9.0, 5.0]), np.array([4.0, 1.0, 3.0, 2.0])
    for (g,) in gradients(dd.median, odd):
        np.testing.assert_array_equal(g, [1.0, 0, 0, 0, 0])
    for (g,) in gradients(dd.median, even):
        np.testing.assert_array_equal(g, [0, 0, 0.5, 0.5])
    X = RNG.normal(size=(3, 4, 5))
    for kw in [{"axis": 1}, {"axis": (0, 2)}, {"axis": -1, "keepdims": True}, {}]:
        np.testing.assert_array_equal(dd.median(X, **kw), np.median(X, **kw))
    # ties: the stable sort's middle element gets the derivative, the values are NumPy's
    tied = np.array([2.0, 1.0, 2.0, 2.0, 3.0])
    assert dd.median(tied) == 2.0
    np.testing.assert_array_equal(dd.grad(dd.median)(tied), [0, 0, 1.0, 0, 0])


def test_median_with_nan_is_nan_with_zero_derivative():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 4.0]])
    np.testing.assert_array_equal(dd.median(x, axis=1), np.median(x, axis=1))
    np.testing.assert_array_equal(
        dd.grad(lambda x: dd.nansum(dd.median(x, axis=1)))(x), [[0, 0, 0], [0, 1.0, 0]]
    )


@pytest.mark.parametrize("q", [0.0, 0.3, 0.5, 0.75, 1.0, [0.1, 0.9], [[0.2], [0.6]]])
def test_quantile_values_and_interpolation_weights(q: Any):
    X = RNG.normal(size=(2, 7))
    for kw in [{}, {"axis": 1}, {"axis": 0, "keepdims": True}]:
        np.testing.assert_allclose(dd.quantile(X, q, **kw), np.quantile(X, q, **kw), rtol=1e-14)
    np.testing.assert_allclose(
        dd.percentile(X, np.multiply(q, 100), axis=1), np.percentile(X, np.multiply(q, 100), axis=1)
    )
    x = X[0]
    qs = np.ravel(q)
    jac = dd.jacrev(lambda x: dd.quantile(x, qs))(x)
    ranks = np.argsort(x)
    for row, p in zip(jac, qs, strict=True):
        pos = p * (x.size - 1)
        lo = int(np.floor(pos))
        expected = np.zeros(x.size)
        expected[ranks[lo]] += 1 - (pos - lo)
        if lo + 1 < x.size:
            expected[ranks[lo + 1]] += pos - lo
        np.testing.assert_allclose(row, expected, atol=1e-15)


def test_quantile_in_q_is_the_slope_between_neighbours():
    x = np.array([4.0, 1.0, 3.0, 2.0, 8.0])
    # q = 0.6: rank 2.4 between the sorted values 3 and 4: slope (4 - 3) * (n - 1)
    assert dd.grad(lambda q: dd.quantile(x, q))(0.6) == pytest.approx(4.0, rel=1e-14)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dd.quantile(x, 1.5)
    with pytest.raises(ValueError, match="linear"):
        dd.quantile(x, 0.5, method="nearest")


# --- nan-aware reductions, logsumexp with weights ---------------------------------------------


def test_nanmean_and_nansum_skip_nans():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 6.0]])
    np.testing.assert_array_equal(dd.nansum(x, axis=0), np.nansum(x, axis=0))
    np.testing.assert_array_equal(dd.nanmean(x, axis=1), np.nanmean(x, axis=1))
    assert dd.nanmean(x) == np.nanmean(x)
    np.testing.assert_array_equal(dd.grad(dd.nansum)(x), [[1.0, 0, 1.0], [0, 1.0, 1.0]])
    for (g,) in gradients(lambda x: dd.sum(dd.nanmean(x, axis=1)), x):
        np.testing.assert_array_equal(g, [[0.5, 0, 0.5], [0, 0.5, 0.5]])
    x32 = x.astype(np.float32)
    assert dd.nanmean(x32).dtype == np.float32 == dd.grad(dd.nanmean)(x32).dtype


def test_logsumexp_with_weights_matches_scipy_and_closed_forms():
    special = pytest.importorskip("scipy.special")
    x, b = RNG.normal(size=(3, 4)) * 50, RNG.uniform(0.0, 2.0, (3, 4))
    b[0, 1] = b[2, :3] = 0.0
    for kw in [{}, {"axis": 1}, {"axis": 0, "keepdims": True}]:
        np.testing.assert_allclose(
            dd.logsumexp(x, b=b, **kw), special.logsumexp(x, b=b, **kw), rtol=1e-13
        )
    out = special.logsumexp(x, b=b, axis=1, keepdims=True)
    gx, gb = dd.grad(lambda x, b: dd.sum(dd.logsumexp(x, axis=1, b=b)), argnums=(0, 1))(x, b)
    np.testing.assert_allclose(gx, b * np.exp(x - out), rtol=1e-12)
    np.testing.assert_allclose(gb, np.exp(x - out), rtol=1e-12)  # finite where b = 0 too
    # a huge x with weight 0 does not shift the result away from the others
    assert dd.logsumexp(np.array([1000.0, 0.0]), b=np.array([0.0, 1.0])) == 0.0
    h = dd.hessian(lambda x: dd.logsumexp(x, b=b[1]))(x[1] / 50)
    p = b[1] * np.exp(x[1] / 50) / np.sum(b[1] * np.exp(x[1] / 50))
    np.testing.assert_allclose(h, np.diag(p) - np.outer(p, p), atol=1e-15)


# --- NumPy routing, float32 -------------------------------------------------------------------

ROUTED = [
    (np.var, dd.var), (np.std, dd.std), (np.average, dd.average), (np.median, dd.median),
    (np.ptp, dd.ptp), (np.nanmean, dd.nanmean), (np.nansum, dd.nansum),
    (np.cumsum, dd.cumsum), (np.cumprod, dd.cumprod), (np.diff, dd.diff),
    (lambda x: np.quantile(x, 0.3), lambda x: dd.quantile(x, 0.3)),
    (lambda x: np.percentile(x, 30), lambda x: dd.percentile(x, 30)),
]  # fmt: skip


@pytest.mark.parametrize("np_fn, op", ROUTED)
def test_numpy_functions_route_to_the_ops(np_fn: Any, op: Any):
    x = RNG.uniform(0.5, 2.0, 5)
    with dd.Tape() as tape:
        v = dd.Var(x)
        y = np_fn(v)
        total = dd.sum(y)
    assert isinstance(y, dd.Var)
    np.testing.assert_allclose(y.value, np_fn(x), rtol=1e-14)
    np.testing.assert_allclose(tape.gradient(total, v), dd.grad(lambda v: dd.sum(op(v)))(x))


@pytest.mark.parametrize(
    "f",
    [dd.var, dd.std, dd.median, dd.cumprod, dd.cumsum, dd.diff, dd.ptp, dd.nansum,
     lambda x: dd.quantile(x, 0.4), lambda x: dd.logsumexp(x, b=np.float32(0.5))],
)  # fmt: skip
def test_float32_stays_float32(f: Any):
    x = RNG.normal(size=5).astype(np.float32)
    out, t = dd.jvp(f, (x,), (np.ones_like(x),))
    assert np.result_type(out) == np.result_type(t) == np.float32
    assert dd.grad(lambda x: dd.sum(f(x)))(x).dtype == np.float32


def test_nested_second_order_of_composites():
    x = RNG.normal(size=4)
    f = lambda x: dd.var(x) * dd.median(x) + dd.sum(dd.cumprod(x))
    h_fwd_rev = dd.hessian(f)(x)
    h_rev_rev = dd.jacrev(dd.grad(f))(x)
    h_fwd_fwd = dd.jacfwd(dd.jacfwd(f))(x)
    np.testing.assert_allclose(h_fwd_rev, h_rev_rev, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_fwd_rev, h_fwd_fwd, rtol=1e-12, atol=1e-14)
    h = 1e-5
    numeric = np.array(
        [(dd.grad(f)(x + h * e) - dd.grad(f)(x - h * e)) / (2 * h) for e in np.eye(4)]
    )
    np.testing.assert_allclose(h_fwd_rev, numeric, rtol=1e-6, atol=1e-8)
