"""NumPy's mathematical functions: closed forms, singular points, zero derivatives of the
rounding ops, the % // divmod operators, float_power, nan_to_num and np.* routing.

The registry walk (test_rules.py) checks every op against SymPy at random points; here
the special points: x ** 0 at 0, sinc at 0, hypot at the origin, jumps and kinks, and
that rules which handle such a point on purpose raise no RuntimeWarning.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import sympy as sp

import dualdiff as dd


@pytest.fixture(autouse=True)
def warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def derivatives(f: Callable[[Any], Any], x: float, order: int) -> list[float]:
    """The ``order``-th derivative of scalar f at x, by every nesting of the two modes."""
    outs = []
    for first in (dd.grad, dd.derivative):
        for then in (dd.grad, dd.derivative):
            g = f
            for k in range(order):
                g = (first if k == 0 else then)(g)
            outs.append(float(g(x)))
    return outs


# --- x ** 0 and power at 0 ----------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0, 0.0, np.float32(0.0)])
@pytest.mark.parametrize("x", [0.0, 2.0, -1.5])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_x_to_the_zero_has_derivative_zero_at_every_order(exponent: Any, x: float, order: int):
    assert derivatives(lambda v: v**exponent, x, order) == [0.0] * 4


def test_x_to_the_zero_in_arrays_hessian_and_jacobians():
    x = np.array([0.0, 1.0, -2.0])
    f = lambda v: dd.sum(v ** np.array([0.0, 0.0, 2.0]))
    np.testing.assert_array_equal(dd.grad(f)(x), [0.0, 0.0, -4.0])
    np.testing.assert_array_equal(dd.hessian(f)(x), np.diag([0.0, 0.0, 2.0]))
    np.testing.assert_array_equal(dd.jacfwd(dd.grad(f))(x), np.diag([0.0, 0.0, 2.0]))
    np.testing.assert_array_equal(dd.jacrev(dd.grad(f))(x), np.diag([0.0, 0.0, 2.0]))


@pytest.mark.parametrize(
    ("n", "expected"),  # d^k/dx^k x^n at 0 is n! for k = n and 0 otherwise
    [(1, [1.0, 0.0, 0.0]), (2, [0.0, 2.0, 0.0]), (3, [0.0, 0.0, 6.0])],
)
def test_powers_at_zero_have_their_taylor_coefficients(n: int, expected: list[float]):
    for order, value in enumerate(expected, start=1):
        assert derivatives(lambda v: v ** float(n), 0.0, order) == [value] * 4


def test_power_with_a_traced_exponent_at_zero():
    # x ** y at x = 0: d/dy is the limit 0 along y > 0, for every y, without 0 * log 0
    for y in (2.0, 0.5, 0.0):
        assert dd.grad(lambda y: 0.0**y)(y) == 0.0
        assert dd.derivative(lambda y: 0.0**y)(y) == 0.0
    with np.errstate(divide="ignore"):  # 0 ** -1 = inf is the value itself; inf * 0 is not
        assert dd.grad(lambda y: 0.0**y)(-1.0) == 0.0
    assert dd.grad(lambda x, y: x**y, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    # away from 0 the exponent's derivative is x^y log x, the base's y x^(y - 1)
    gx, gy = dd.grad(lambda x, y: x**y, argnums=(0, 1))(2.0, 0.0)
    assert (gx, gy) == (0.0, math.log(2.0))
    assert dd.grad(dd.grad(lambda x, y: x**y, argnums=1), argnums=0)(2.0, 0.0) == 0.5


def test_distance_matrix_gradients_raise_no_warning():
    """Zero distances (a point to itself) sit on the norm's kink: derivative 0, no warning."""
    points = np.random.default_rng(0).normal(size=(5, 2))

    def energy(p: Any) -> Any:
        diff = p[:, None, :] - p[None, :, :]
        return dd.sum(dd.norm(diff, axis=-1)) + dd.sum(np.linalg.norm(diff, axis=-1) ** 2)

    for dtype in (np.float64, np.float32):
        x = points.astype(dtype)
        assert np.all(np.isfinite(dd.grad(energy)(x)))
        assert np.all(np.isfinite(dd.jacfwd(energy)(x)))
        assert np.all(np.isfinite(dd.hessian(energy)(x)))


# --- sinc, hypot, logaddexp --------------------------------------------------------------


def test_sinc_at_zero_is_exact_at_every_order():
    # sinc(x) = 1 - (pi x)^2 / 6 + (pi x)^4 / 120 - ...
    assert dd.sinc(0.0) == 1.0
    assert derivatives(dd.sinc, 0.0, 1) == [0.0] * 4
    for got in derivatives(dd.sinc, 0.0, 2):
        assert got == pytest.approx(-(math.pi**2) / 3, rel=1e-15)
    assert derivatives(dd.sinc, 0.0, 3) == [0.0] * 4
    np.testing.assert_array_equal(dd.jacfwd(dd.sinc)(np.zeros(3)), np.zeros((3, 3)))


@pytest.mark.parametrize("x", [1e-8, 1e-3, 0.1, 0.159, 0.1592, 0.3, 1.0, -2.7])
def test_sinc_derivatives_near_zero_match_sympy(x: float):
    """The series near 0 and the closed form beyond agree with SymPy to ~1e-15 relative."""
    t = sp.Symbol("t")
    twin = sp.sinc(sp.pi * t)
    for order in (1, 2):
        exact = float(sp.diff(twin, t, order).subs(t, sp.Float(x, 30)).evalf(30))
        for got in derivatives(dd.sinc, x, order):
            assert got == pytest.approx(exact, rel=2e-13, abs=1e-300)


def test_hypot_at_the_origin_and_away():
    assert dd.grad(dd.hypot, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    assert dd.grad(dd.hypot, argnums=(0, 1))(3.0, 4.0) == (0.6, 0.8)
    x = np.array([0.0, 3.0, 1e300])
    y = np.array([0.0, 4.0, 1e300])
    np.testing.assert_allclose(dd.grad(lambda x: dd.sum(dd.hypot(x, y)))(x), [0, 0.6, 2**-0.5])
    assert np.all(np.isfinite(dd.hessian(lambda x: dd.sum(dd.hypot(x, y)))(x)))


def test_logaddexp_is_stable_at_large_values():
    assert dd.logaddexp(1000.0, 1000.0) == 1000.0 + math.log(2)
    assert dd.grad(dd.logaddexp, argnums=(0, 1))(1000.0, 1000.0) == (0.5, 0.5)
    gx, gy = dd.grad(dd.logaddexp2, argnums=(0, 1))(-500.0, -501.0)
    assert (gx, gy) == pytest.approx((2 / 3, 1 / 3), rel=1e-14)
    assert dd.grad(lambda x: dd.logaddexp(x, -np.inf))(3.0) == 1.0


@pytest.mark.parametrize(
    ("f", "df", "x"),
    [
        (dd.log2, lambda x: 1 / (x * math.log(2)), 3.0),
        (dd.log10, lambda x: 1 / (x * math.log(10)), 0.7),
        (dd.exp2, lambda x: 2**x * math.log(2), -1.3),
        (dd.cbrt, lambda x: 1 / (3 * abs(x) ** (2 / 3)), -8.0),
        (dd.arcsinh, lambda x: 1 / math.sqrt(x * x + 1), 2.5),
        (dd.arccosh, lambda x: 1 / math.sqrt(x * x - 1), 1.5),
        (dd.arctanh, lambda x: 1 / (1 - x * x), -0.4),
        (dd.deg2rad, lambda x: math.pi / 180, 30.0),
        (dd.radians, lambda x: math.pi / 180, 30.0),
        (dd.rad2deg, lambda x: 180 / math.pi, 1.0),
        (dd.degrees, lambda x: 180 / math.pi, 1.0),
        (dd.fabs, lambda x: -1.0, -2.0),
    ],
)
def test_closed_form_derivatives(f: Callable[..., Any], df: Callable[[float], float], x: float):
    for got in (dd.grad(f)(x), dd.derivative(f)(x)):
        assert got == pytest.approx(df(x), rel=1e-14)


# --- rounding and remainders ----------------------------------------------------------------

ROUNDINGS = [dd.floor, dd.ceil, dd.trunc, dd.rint, dd.round, dd.around, dd.fix]


@pytest.mark.parametrize("op", ROUNDINGS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rounding_ops_have_zero_derivatives_of_the_right_shape(op: Any, dtype: Any):
    x = np.array([[-1.7, 0.2, 2.5], [3.5, -0.5, 1.1]], dtype=dtype)
    _, tangent = dd.jvp(op, (x,), (np.ones_like(x),))
    assert tangent.shape == x.shape and tangent.dtype == dtype and not tangent.any()
    (cotangent,) = dd.vjp(op, x)[1](np.ones_like(x))
    assert cotangent.shape == x.shape and cotangent.dtype == dtype and not cotangent.any()
    for jac in (dd.jacfwd(op)(x), dd.jacrev(op)(x)):
        assert jac.shape == (2, 3, 2, 3) and jac.dtype == dtype and not jac.any()
    np.testing.assert_array_equal(op(x), np.round(x) if op in (dd.rint, dd.round) else op(x))
    assert not dd.hessian(lambda v: dd.sum(op(v) * v))(x.astype(np.float64)).any()


def test_rounding_values_are_numpys():
    x = np.random.default_rng(1).uniform(-50, 50, 200)
    for op, ref in [(dd.floor, np.floor), (dd.ceil, np.ceil), (dd.trunc, np.trunc)]:
        np.testing.assert_array_equal(op(x), ref(x))
        assert all(op(float(v)) == ref(v) for v in x[:20])
    for decimals in (-1, 0, 1, 3):
        np.testing.assert_array_equal(dd.round(x, decimals), np.round(x, decimals))
        with dd.Tape() as tape:
            v = dd.Var(x)
            y = np.round(v, decimals)
        np.testing.assert_array_equal(y.value, np.round(x, decimals))
        assert not tape.gradient(dd.sum(y), v).any()
    assert math.copysign(1, dd.ceil(-0.5)) == -1.0  # -0.0, as NumPy


def test_floor_divide_zero_derivative_broadcasts_back():
    x, y = np.ones((2, 3)) * 7.5, np.array([2.0, -2.0, 4.0], dtype=np.float32)
    gx, gy = dd.grad(lambda x, y: dd.sum(dd.floor_divide(x, y)), argnums=(0, 1))(x, y)
    assert gx.shape == (2, 3) and gy.shape == (3,) and gy.dtype == np.float32
    assert not gx.any() and not gy.any()


@pytest.mark.parametrize("x, y", [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (0.3, 0.1)])
def test_remainder_and_fmod_partials(x: float, y: float):
    for f, quotient in [(dd.remainder, math.floor), (dd.mod, math.floor), (dd.fmod, math.trunc)]:
        expected = (1.0, -float(quotient(np.float64(x) / y)))
        assert dd.grad(f, argnums=(0, 1))(x, y) == expected
        jac = dd.jacfwd(f, argnums=(0, 1))(np.array([x]), np.array([y]))
        assert (jac[0].item(), jac[1].item()) == expected
    assert dd.remainder(x, y) == np.remainder(x, y) and dd.fmod(x, y) == np.fmod(x, y)


@pytest.mark.parametrize("make", [lambda v: dd.Dual(v, 1.0), dd.Var])
def test_operators_mod_floordiv_divmod(make: Callable[[float], Any]):
    with dd.Tape():
        x = make(7.5)
        q, r = divmod(x, 2.0)
        rq, rr = divmod(17.0, x)
        assert (q.primal, r.primal) == divmod(7.5, 2.0)
        assert ((x // 2.0).primal, (x % 2.0).primal) == (3.0, 1.5)
        assert ((17.0 // x).primal, (17.0 % x).primal) == (2.0, 2.0)
        assert (rq.primal, rr.primal) == (2.0, 2.0)
        assert np.remainder(x, 2.0).primal == 1.5 and np.floor_divide(x, 2.0).primal == 3.0
    # d/dx (17 % x) = -floor(17 / x) = -2
    assert dd.grad(lambda x: 17.0 % x)(7.5) == -2.0
    assert dd.derivative(lambda x: x % 2.0 + x // 2.0)(7.5) == 1.0


def test_float_power_is_float64_with_float32_gradients():
    x = np.array([0.5, 1.5, 2.0], dtype=np.float32)
    y = dd.float_power(x, 3)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, np.float_power(x, 3))
    g = dd.grad(lambda v: dd.sum(np.float_power(v, 3)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 3 * x.astype(np.float64) ** 2, rtol=1e-7)
    _, t = dd.jvp(lambda v: dd.float_power(v, 2.5), (x,), (np.ones(3, np.float32),))
    assert t.dtype == np.float64
    assert dd.grad(lambda v: dd.float_power(v, 0.0))(0.0) == 0.0


def test_nan_to_num_derivative_is_one_where_finite():
    x = np.array([1.5, np.nan, np.inf, -np.inf, -2.0])
    np.testing.assert_array_equal(dd.nan_to_num(x), np.nan_to_num(x))
    np.testing.assert_array_equal(
        dd.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0),
        np.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0),
    )
    for jac in (dd.jacfwd(dd.nan_to_num)(x), dd.jacrev(dd.nan_to_num)(x)):
        np.testing.assert_array_equal(jac, np.diag([1.0, 0, 0, 0, 1.0]))
    x32 = x.astype(np.float32)
    y = np.nan_to_num(dd.Dual(x32, np.ones(5, np.float32)))
    np.testing.assert_array_equal(y.primal, np.nan_to_num(x32))
    assert y.primal.dtype == y.tangent.dtype == np.float32


# --- NumPy's functions route to the ops ------------------------------------------------------

ROUTED = [
    (np.log2, dd.log2), (np.log10, dd.log10), (np.exp2, dd.exp2), (np.cbrt, dd.cbrt),
    (np.arcsinh, dd.arcsinh), (np.arctanh, dd.arctanh), (np.deg2rad, dd.deg2rad),
    (np.radians, dd.deg2rad), (np.rad2deg, dd.rad2deg), (np.degrees, dd.rad2deg),
    (np.sinc, dd.sinc), (np.fabs, dd.fabs), (np.floor, dd.floor), (np.ceil, dd.ceil),
    (np.trunc, dd.trunc), (np.rint, dd.rint), (np.round, dd.round), (np.around, dd.round),
    (np.fix, dd.trunc), (np.nan_to_num, dd.nan_to_num),
]  # fmt: skip


@pytest.mark.parametrize("np_fn, op", ROUTED, ids=lambda f: getattr(f, "__name__", ""))
def test_numpy_unary_functions_route_to_the_op(np_fn: Any, op: Any):
    x = np.array([0.3, 0.45, 0.8])
    with dd.Tape() as tape:
        v = dd.Var(x)
        y = np_fn(v)
        total = dd.sum(y)
    assert isinstance(y, dd.Var), "np.floor & co. now give traced values (zero derivative)"
    np.testing.assert_allclose(y.value, np_fn(x), rtol=1e-15)
    np.testing.assert_allclose(tape.gradient(total, v), dd.grad(lambda v: dd.sum(op(v)))(x))
    d = np_fn(dd.Dual(x, np.ones(3)))
    np.testing.assert_allclose(d.tangent, dd.jvp(op, (x,), (np.ones(3),))[1])


@pytest.mark.parametrize(
    "np_fn", [np.logaddexp, np.logaddexp2, np.hypot, np.remainder, np.fmod, np.floor_divide]
)
def test_numpy_binary_ufuncs_route_to_the_op(np_fn: Any):
    x, y = np.array([1.5, -2.5]), np.array([0.7, 1.1])
    gx, gy = dd.grad(lambda a, b: dd.sum(np_fn(a, b)), argnums=(0, 1))(x, y)
    op = getattr(dd, np_fn.__name__)
    ex, ey = dd.grad(lambda a, b: dd.sum(op(a, b)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, ex)
    np.testing.assert_array_equal(gy, ey)
    q, r = np.divmod(dd.Dual(x, np.ones(2)), y)
    np.testing.assert_array_equal(q.primal, np.floor_divide(x, y))
    np.testing.assert_array_equal(r.tangent, np.ones(2))


@pytest.mark.parametrize("name", ["log2", "exp2", "cbrt", "sinc", "arcsinh", "hypot", "fmod"])
def test_float32_stays_float32(name: str):
    op = getattr(dd, name)
    x = np.array([0.4, 0.9], dtype=np.float32)
    args = (x,) if op.rule.nargs == 1 else (x, x + np.float32(0.5))
    out, t = dd.jvp(op, args, tuple(np.ones_like(a) for a in args))
    assert out.dtype == t.dtype == np.float32
    assert all(g.dtype == np.float32 for g in dd.vjp(op, *args)[1](np.ones_like(x)))
