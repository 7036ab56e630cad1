"""Signal ops: convolve and correlate (every mode, either operand longer) and interp
(in x, xp and fp; left/right; periodic data) against NumPy and closed forms.

convolve and correlate are linear in each operand and interp is linear in fp, so their
Jacobians there are NumPy's function applied to unit vectors: an oracle that shares
nothing with the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

RNG = np.random.default_rng(3)
MODES = ["full", "same", "valid"]
LENGTHS = [(1, 1), (1, 4), (2, 5), (4, 2), (5, 5), (6, 3), (3, 6)]


def linear_jacobian(fn: Callable[[np.ndarray], Any], n: int) -> np.ndarray:
    """The Jacobian of a linear map of R^n: its values at the unit vectors, as columns."""
    return np.stack([np.asarray(fn(e)) for e in np.eye(n)], axis=-1)


def both_jacobians(fn: Callable[..., Any], *xs: Any, argnums: int) -> list[Any]:
    return [dd.jacfwd(fn, argnums=argnums)(*xs), dd.jacrev(fn, argnums=argnums)(*xs)]


# --- convolve and correlate -------------------------------------------------------------


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n, m", LENGTHS)
def test_convolution_jacobians_match_numpy(name: str, mode: str, n: int, m: int) -> None:
    ours, ref = getattr(dd, name), getattr(np, name)
    a, v = RNG.standard_normal(n), RNG.standard_normal(m)
    np.testing.assert_allclose(ours(a, v, mode), ref(a, v, mode), rtol=1e-13, atol=1e-14)
    ja = linear_jacobian(lambda e: ref(e, v, mode), n)
    jv = linear_jacobian(lambda e: ref(a, e, mode), m)
    fn = lambda a, v: ours(a, v, mode)
    for got in both_jacobians(fn, a, v, argnums=0):
        np.testing.assert_allclose(got, ja, rtol=1e-13, atol=1e-14)
    for got in both_jacobians(fn, a, v, argnums=1):
        np.testing.assert_allclose(got, jv, rtol=1e-13, atol=1e-14)


def test_default_modes_are_numpys() -> None:
    a, v = RNG.standard_normal(6), RNG.standard_normal(3)
    assert dd.convolve(a, v).shape == (8,)  # 'full'
    assert dd.correlate(a, v).shape == (4,)  # 'valid'


def test_convolution_second_order() -> None:
    # sum(conv(a, v)^2) is quadratic: its Hessian in a is 2 J^T J with J = d conv / d a
    a, v = RNG.standard_normal(4), RNG.standard_normal(3)
    j = linear_jacobian(lambda e: np.convolve(e, v, "same"), 4)
    hess = dd.hessian(lambda a: dd.sum(dd.convolve(a, v, "same") ** 2))(a)
    np.testing.assert_allclose(hess, 2 * j.T @ j, rtol=1e-13)
    # forward over forward: the mixed derivative d2 out_k / da_i dv_j is 1 where k = i + j
    mixed = dd.jacfwd(dd.jacfwd(dd.convolve, argnums=0), argnums=1)(a, v)
    k, i, jj = np.indices(mixed.shape)
    np.testing.assert_array_equal(mixed, (k == i + jj).astype(float))


def test_numpy_convolve_and_correlate_on_tracers_are_routed() -> None:
    a, v = RNG.standard_normal(5), RNG.standard_normal(3)
    with dd.Tape() as tape:
        x = dd.Var(a)
        total = np.sum(np.convolve(x, v, "same")) + np.sum(np.correlate(x, v))
    expected = linear_jacobian(lambda e: np.convolve(e, v, "same"), 5).sum(0)
    expected += linear_jacobian(lambda e: np.correlate(e, v), 5).sum(0)
    np.testing.assert_allclose(tape.gradient(total, x), expected, rtol=1e-13)


def test_convolution_keeps_float32() -> None:
    a, v = RNG.standard_normal(5).astype(np.float32), RNG.standard_normal(3).astype(np.float32)
    out, tangent = dd.jvp(lambda a, v: dd.correlate(a, v, "same"), (a, v), (a, v))
    assert out.dtype == tangent.dtype == np.float32
    grads = dd.grad(lambda a, v: dd.sum(dd.convolve(a, v)), argnums=(0, 1))(a, v)
    assert all(g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n, m", [(5, 3), (3, 5)])
def test_correlate_conjugates_a_complex_v(mode: str, n: int, m: int) -> None:
    rng = np.random.default_rng(n)
    a, v = (rng.standard_normal(k) + 1j * rng.standard_normal(k) for k in (n, m))
    np.testing.assert_allclose(dd.correlate(a, v, mode), np.correlate(a, v, mode), rtol=1e-13)
    # linear in a: the Jacobian's columns are NumPy's correlation of the unit vectors
    columns = linear_jacobian(lambda e: np.correlate(e.astype(complex), v, mode), n)
    jac = dd.jacfwd(lambda a: dd.correlate(a, v, mode))(a.real)
    np.testing.assert_allclose(jac, columns, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: dd.convolve(x, np.ones((2, 2))), ValueError, "1-D"),
        (lambda x: dd.convolve(x, np.ones(0)), ValueError, "non-empty"),
        (lambda x: dd.correlate(x, np.ones(2), "middle"), ValueError, "mode"),
    ],
)
def test_convolution_errors(call: Callable[..., Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call(dd.Var(np.ones(3)))


# --- interp ------------------------------------------------------------------------------

XP = np.array([-1.0, 0.0, 0.5, 2.0])
FP = np.array([1.0, 3.0, 0.0, 2.0])
SLOPES = np.diff(FP) / np.diff(XP)  # 2, -6, 4/3


@pytest.mark.parametrize(
    "x, slope",
    [
        (-0.5, SLOPES[0]),
        (0.25, SLOPES[1]),
        (1.0, SLOPES[2]),
        (0.0, SLOPES[1]),  # a knot: the segment to its right
        (2.0, SLOPES[2]),  # the last knot: the segment to its left
        (-3.0, 0.0),  # outside: a constant
        (3.0, 0.0),
    ],
)
def test_interp_derivative_in_x_is_the_slope(x: float, slope: float) -> None:
    assert dd.grad(lambda x: dd.interp(x, XP, FP))(x) == pytest.approx(slope, rel=1e-15)
    assert dd.derivative(lambda x: dd.interp(x, XP, FP))(x) == pytest.approx(slope, rel=1e-15)
    assert dd.interp(x, XP, FP) == np.interp(x, XP, FP)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"left": -5.0}, {"right": 7.0}, {"left": 0.5, "right": -1.0}, {"period": 2.5}],
)
def test_interp_derivative_in_fp_is_the_weights(kwargs: dict[str, Any]) -> None:
    x = np.array([[-2.0, -0.7, 0.0, 0.3], [0.9, 2.0, 2.6, 4.4]])
    np.testing.assert_allclose(dd.interp(x, XP, FP, **kwargs), np.interp(x, XP, FP, **kwargs))
    # linear in fp: the weights are np.interp of the unit vectors (left/right then 0)
    zeros = {k: 0.0 for k in kwargs if k in ("left", "right")}
    params = {**kwargs, **zeros}
    weights = linear_jacobian(lambda e: np.interp(x, XP, e, **params), 4)
    fn = lambda fp: dd.interp(x, XP, fp, **kwargs)
    for got in both_jacobians(fn, FP, argnums=0):
        np.testing.assert_allclose(got, weights, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("kwargs", [{}, {"left": -5.0, "right": 7.0}, {"period": 2.5}])
def test_interp_derivative_in_xp_matches_central_differences(kwargs: dict[str, Any]) -> None:
    x = np.array([-2.2, -0.7, 0.3, 0.9, 2.6, 4.4])  # no knot, even modulo the period
    h = 1e-6
    central = linear_jacobian(
        lambda e: (
            (np.interp(x, XP + h * e, FP, **kwargs) - np.interp(x, XP - h * e, FP, **kwargs))
            / (2 * h)
        ),
        4,
    )
    fn = lambda xp: dd.interp(x, xp, FP, **kwargs)
    for got in both_jacobians(fn, XP, argnums=0):
        np.testing.assert_allclose(got, central, rtol=1e-8, atol=1e-8)


def test_interp_second_order() -> None:
    # in x the interpolant is piecewise linear (no curvature); d/dfp of the slope is
    # (e_{j+1} - e_j) / (xp_{j+1} - xp_j)
    assert dd.hessian(lambda x: dd.interp(x, XP, FP))(1.0) == 0.0
    mixed = dd.jacfwd(dd.grad(lambda x, fp: dd.interp(x, XP, fp)), argnums=1)(1.0, FP)
    np.testing.assert_allclose(mixed, [0.0, 0.0, -1 / 1.5, 1 / 1.5], rtol=1e-15)
    reverse = dd.jacrev(dd.grad(lambda x, fp: dd.interp(x, XP, fp)), argnums=1)(1.0, FP)
    np.testing.assert_allclose(reverse, mixed, rtol=1e-15)


def test_interp_edge_cases_follow_numpy() -> None:
    # one knot: the value is fp[0] there and the derivative in fp is 1
    assert dd.interp(1.0, [1.0], [4.0]) == np.interp(1.0, [1.0], [4.0])
    assert dd.grad(lambda fp: dd.interp(1.0, np.array([1.0]), fp))(np.array([4.0])) == [1.0]
    # repeated knots (a jump) and the last knot: no slope across a 0-length segment
    xp, fp = np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 3.0])
    for x in (0.5, 1.0, 1.5):
        assert dd.interp(x, xp, fp) == np.interp(x, xp, fp)
    assert dd.grad(lambda x: dd.interp(x, xp, fp))(1.0) == 0.0
    with np.errstate(all="raise"):  # no 0/0 on the way
        dd.grad(lambda fp: dd.interp(1.0, xp, fp))(fp)
    # lists and integers, as NumPy takes them
    assert np.array_equal(dd.interp([0.1, 1], [0, 2], [2, 4]), np.interp([0.1, 1], [0, 2], [2, 4]))


def test_interp_routing_dtypes_and_errors() -> None:
    x32 = np.array([0.2, 1.4], np.float32)
    with dd.Tape() as tape:
        v = dd.Var(x32)
        total = np.sum(np.interp(v, XP, FP.astype(np.float32)))
    grad = tape.gradient(total, v)
    assert total.value.dtype == grad.dtype == np.float32
    np.testing.assert_allclose(grad, [SLOPES[1], SLOPES[2]], rtol=1e-6)
    with pytest.raises(TypeError, match="left is a constant"):
        dd.interp(0.0, XP, FP, left=dd.Var(1.0))
    with pytest.raises(ValueError, match="one length"):
        dd.interp(dd.Var(0.0), XP, FP[:3])
    with pytest.raises(ValueError, match="period"):
        dd.interp(dd.Var(0.0), XP, FP, period=0)
