"""Forward mode: the ``Dual`` API (construction, operators, array surface, batched tangents)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dualdiff as dd

# --- construction -------------------------------------------------------------------------


def test_tangent_defaults_to_zero_of_the_primal_shape() -> None:
    assert dd.Dual(2.0).tangent == 0.0
    d = dd.Dual(np.ones((2, 3)))
    assert d.tangent.shape == (2, 3) and not d.tangent.any()


def test_a_scalar_tangent_is_broadcast_to_the_primal() -> None:
    d = dd.Dual(np.array([1.0, 2.0, 3.0]), 1.0)
    np.testing.assert_array_equal(d.tangent, np.ones(3))


def test_integers_are_promoted_to_float() -> None:
    d = dd.Dual(2, 1)
    assert type(d.primal) is float and type(d.tangent) is float
    a = dd.Dual(np.array([1, 2]), np.array([1, 0]))
    assert a.primal.dtype == np.float64 and a.tangent.dtype == np.float64


def test_value_is_the_primal() -> None:
    d = dd.Dual(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
    assert d.value is d.primal


# --- operators: derivative d/dx at x = 0.7 against closed forms ---------------------------------

X0 = 0.7
OPERATORS = [
    ("x + 2", lambda x: x + 2.0, 1.0),
    ("2 + x", lambda x: 2.0 + x, 1.0),
    ("x - 2", lambda x: x - 2.0, 1.0),
    ("2 - x", lambda x: 2.0 - x, -1.0),
    ("x * 3", lambda x: x * 3.0, 3.0),
    ("3 * x", lambda x: 3.0 * x, 3.0),
    ("x / 2", lambda x: x / 2, 0.5),
    ("2 / x", lambda x: 2.0 / x, -2.0 / X0**2),
    ("x ** 3", lambda x: x**3, 3 * X0**2),
    ("x ** 0.5", lambda x: x**0.5, 0.5 / math.sqrt(X0)),
    ("2 ** x", lambda x: 2.0**x, math.log(2.0) * 2.0**X0),
    ("x ** x", lambda x: x**x, X0**X0 * (math.log(X0) + 1)),
    ("-x", lambda x: -x, -1.0),
    ("+x", lambda x: +x, 1.0),
    ("abs(-x)", lambda x: abs(-x), 1.0),
    ("x * x / x", lambda x: x * x / x, 1.0),
]


@pytest.mark.parametrize(
    "fn, slope", [(f, s) for _, f, s in OPERATORS], ids=[n for n, _, _ in OPERATORS]
)
def test_scalar_operators(fn, slope) -> None:
    y = fn(dd.Dual(X0, 1.0))
    assert y.primal == pytest.approx(fn(X0), rel=1e-15)
    assert y.tangent == pytest.approx(slope, rel=1e-14)
    assert type(y.primal) is float and type(y.tangent) is float  # Python floats stay floats


A = np.array([1.0, 2.0, 4.0])
V = np.array([0.5, 1.5, 2.5])
ARRAY_OPERATORS = [
    ("ndarray + x", lambda x: A + x, np.ones(3)),
    ("ndarray - x", lambda x: A - x, -np.ones(3)),
    ("ndarray * x", lambda x: A * x, A),
    ("ndarray / x", lambda x: A / x, -A / V**2),
    ("ndarray ** x", lambda x: A**x, np.log(A) * A**V),
    ("x ** ndarray", lambda x: x**A, A * V ** (A - 1)),
    ("np.float64 * x", lambda x: np.float64(3.0) * x, np.full(3, 3.0)),
]


@pytest.mark.parametrize(
    "fn, slope", [(f, s) for _, f, s in ARRAY_OPERATORS], ids=[n for n, _, _ in ARRAY_OPERATORS]
)
def test_ndarray_operators_with_a_dual_on_the_right(fn, slope) -> None:
    y = fn(dd.Dual(V, np.ones(3)))
    assert isinstance(y, dd.Dual)
    np.testing.assert_allclose(y.primal, fn(V), rtol=1e-15)
    np.testing.assert_allclose(y.tangent, slope, rtol=1e-14)


def test_matmul_operator_both_ways() -> None:
    M = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    t = np.array([1.0, 0.0, -1.0])
    left, right = M @ dd.Dual(V, t), dd.Dual(V, t) @ M.T
    np.testing.assert_allclose(left.tangent, M @ t, rtol=0)
    np.testing.assert_allclose(right.tangent, t @ M.T, rtol=0)
    W = dd.Dual(M, np.ones_like(M))
    np.testing.assert_allclose((W @ V).tangent, np.ones_like(M) @ V, rtol=0)


def test_comparisons_read_primals_and_drive_control_flow() -> None:
    x = dd.Dual(2.0, 1.0)
    assert (x > 1.0) is True and (x <= 1.0) is False
    assert x == 2.0 and x != 3.0
    y = x * x if x > 0 else -x  # Python control flow on a traced value
    assert y.tangent == 4.0
    mask = dd.Dual(V, np.ones(3)) > 1.0
    assert mask.dtype == bool and mask.tolist() == [False, True, True]


# --- the array surface -------------------------------------------------------------------------


def test_array_attributes_and_methods() -> None:
    p = np.arange(6.0).reshape(2, 3)
    t = np.ones((2, 3))
    x = dd.Dual(p, t)
    assert (x.shape, x.ndim, x.dtype, x.size, len(x)) == ((2, 3), 2, np.float64, 6, 2)
    np.testing.assert_array_equal(x.T.primal, p.T)
    assert x.T.tangent.shape == (3, 2)
    s = x.sum()
    assert (s.primal, s.tangent) == (15.0, 6.0)
    m = x.mean(axis=0)
    np.testing.assert_array_equal(m.primal, p.mean(axis=0))
    np.testing.assert_array_equal(m.tangent, np.ones(3))
    r = x.reshape(3, 2)
    assert r.primal.shape == r.tangent.shape == (3, 2)
    assert x.reshape((6,)).shape == (6,)


def test_indexing_takes_the_same_elements_of_primal_and_tangent() -> None:
    p = np.arange(12.0).reshape(3, 4)
    t = np.arange(12.0).reshape(3, 4) * 10
    x = dd.Dual(p, t)
    for index in [
        1,
        (slice(None), 2),
        (slice(1, None), slice(None, None, -2)),
        np.array([2, 0, 2]),
        p > 5,
    ]:
        y = x[index]
        np.testing.assert_array_equal(y.primal, p[index])
        np.testing.assert_array_equal(y.tangent, t[index])
    rows = list(x)
    assert len(rows) == 3 and np.array_equal(rows[1].tangent, t[1])


# --- batched tangents: several directions in one pass ---------------------------------------------


def f_mixed(x):
    M = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]])
    h = dd.tanh(M @ x)
    return dd.concatenate([h * x[:2], dd.expand_dims(dd.sum(x**2), 0), dd.max(x)[None]])


def test_batched_tangents_equal_one_direction_at_a_time() -> None:
    x = np.array([0.3, -0.8, 1.1])
    directions = np.array([[1.0, 0.0, 0.0], [0.5, -1.0, 2.0], [0.0, 0.0, 1.0], [3.0, 1.0, -1.0]])
    together = f_mixed(dd.Dual(x, directions))
    assert together.tangent.shape == (4, 4)
    for k, v in enumerate(directions):
        np.testing.assert_allclose(together.tangent[k], f_mixed(dd.Dual(x, v)).tangent, rtol=1e-15)


def test_batched_tangents_through_broadcasting() -> None:
    x = dd.Dual(np.array([1.0, 2.0]), np.eye(2))  # both directions of a (2,) input
    y = x * np.ones((3, 1)) + 1.0  # broadcast to (3, 2)
    assert y.tangent.shape == (2, 3, 2)
    np.testing.assert_array_equal(y.tangent[0], np.tile([1.0, 0.0], (3, 1)))


def test_identity_tangents_give_the_jacobian_rows() -> None:
    x = np.array([0.2, 0.4])
    d = dd.Dual(x, np.eye(2))
    y = dd.sin(d) * d[::-1]
    # y_i = sin(x_i) x_(1-i): dy_i/dx_i = cos(x_i) x_(1-i), dy_i/dx_(1-i) = sin(x_i)
    jacobian = np.array([[np.cos(0.2) * 0.4, np.sin(0.2)], [np.sin(0.4), np.cos(0.4) * 0.2]])
    np.testing.assert_allclose(y.tangent.T, jacobian, rtol=1e-15)


# --- nesting --------------------------------------------------------------------------------------


def test_nested_derivatives_do_not_confuse_perturbations() -> None:
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (perturbation confusion would give 2)
    assert dd.derivative(lambda x: x * dd.derivative(lambda y: x + y)(1.0))(1.0) == 1.0


def test_second_derivative_by_forward_over_forward() -> None:
    d2 = dd.derivative(dd.derivative(lambda x: x**3 * dd.sin(x)))(0.9)
    expected = 6 * 0.9 * math.sin(0.9) + 6 * 0.9**2 * math.cos(0.9) - 0.9**3 * math.sin(0.9)
    assert d2 == pytest.approx(expected, rel=1e-14)
