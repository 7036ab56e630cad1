"""Sorting and selection: the derivative follows the permutation, the index or the
condition that chose each element (sort, take, take_along_axis, choose, select,
piecewise); values against NumPy; np.* routing; second order; float32."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

RNG = np.random.default_rng(3)


@pytest.fixture(autouse=True)
def warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def jacobians(f: Callable[..., Any], x: Any) -> list[np.ndarray]:
    return [np.asarray(dd.jacfwd(f)(x)), np.asarray(dd.jacrev(f)(x))]


def test_sort_jacobian_is_the_permutation():
    x = np.array([0.3, -1.2, 2.5, 0.1])
    perm = np.argsort(x)
    for jac in jacobians(dd.sort, x):
        np.testing.assert_array_equal(jac, np.eye(4)[perm])
    X = RNG.normal(size=(3, 4, 2))
    for kw in [{"axis": 0}, {"axis": 1}, {"axis": -1}, {"axis": None}]:
        np.testing.assert_array_equal(dd.sort(X, **kw), np.sort(X, **kw))
    # sum(w * sort(x)^2) has Hessian diag(2 w[rank of x_i])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    ranks = np.argsort(perm)
    hess = dd.hessian(lambda x: dd.sum(w * dd.sort(x) ** 2))(x)
    np.testing.assert_array_equal(hess, np.diag(2 * w[ranks]))


def test_sort_ties_follow_the_stable_order_and_nans_go_last():
    x = np.array([2.0, 1.0, 2.0, np.nan, 0.5])
    np.testing.assert_array_equal(dd.sort(x), np.sort(x))
    jac = dd.jacrev(dd.sort)(x)
    np.testing.assert_array_equal(jac, np.eye(5)[[4, 1, 0, 2, 3]])
    np.testing.assert_array_equal(dd.jacfwd(dd.sort)(x), jac)


def test_take_and_take_along_axis_add_up_repeated_indices():
    x = RNG.normal(size=(3, 4))
    np.testing.assert_array_equal(dd.take(x, [1, 1, -1], axis=1), np.take(x, [1, 1, -1], axis=1))
    np.testing.assert_array_equal(dd.take(x, 5), np.take(x, 5))
    np.testing.assert_array_equal(dd.take(x, [7, -5], axis=1, mode="wrap"), x[:, [3, 3]])
    np.testing.assert_array_equal(dd.take(x, [9, -2], axis=0, mode="clip"), x[[2, 0]])
    g = dd.grad(lambda x: dd.sum(dd.take(x, [0, 0, 2], axis=0)))(x)
    np.testing.assert_array_equal(g, np.array([[2.0] * 4, [0.0] * 4, [1.0] * 4]))
    idx = np.array([[0, 0, 3], [1, 2, 2], [3, 3, 3]])
    np.testing.assert_array_equal(dd.take_along_axis(x, idx, 1), np.take_along_axis(x, idx, 1))
    g = dd.grad(lambda x: dd.sum(np.take_along_axis(x, idx, axis=1)))(x)
    np.testing.assert_array_equal(g, [[2, 0, 0, 1], [0, 1, 2, 0], [0, 0, 0, 3.0]])
    col = np.array([[2], [0], [1]])
    for jac in jacobians(lambda x: dd.take_along_axis(x, col, axis=0), x):
        assert jac.shape == (3, 4, 3, 4)
        np.testing.assert_array_equal(
            jac.reshape(12, 12), np.eye(12)[(col * 4 + np.arange(4)).ravel()]
        )
    with pytest.raises(ValueError, match="dimension"):
        dd.take_along_axis(x, np.array([0, 1]), axis=1)
    with pytest.raises(IndexError, match="integers"):
        dd.take(x, np.array([0.5]))


def test_choose_select_and_piecewise_values_and_derivatives():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    pick = np.array([[0, 1, 1], [1, 0, 1]])
    np.testing.assert_array_equal(dd.choose(pick, [a, b]), np.choose(pick, [a, b]))
    ga, gb = dd.grad(lambda a, b: dd.sum(dd.choose(pick, [a, b])), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, pick == 0)
    np.testing.assert_array_equal(gb, np.sum(pick == 1, axis=0))

    conds = [a < 0, a > 1]
    got = dd.select(conds, [a, a**2], default=-1.0)
    np.testing.assert_array_equal(got, np.select(conds, [a, a**2], default=-1.0))
    g = dd.grad(lambda a: dd.sum(np.select([a < 0, a > 1], [a, a**2], -1.0)))(a)
    np.testing.assert_array_equal(g, np.where(a < 0, 1.0, np.where(a > 1, 2 * a, 0.0)))

    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    pieces = [lambda v: -v, lambda v: v**2]
    np.testing.assert_array_equal(
        dd.piecewise(x, [x < 0, x >= 0], pieces), np.piecewise(x, [x < 0, x >= 0], pieces)
    )
    for jac in jacobians(lambda x: dd.piecewise(x, [x < 0, x >= 0], pieces), x):
        np.testing.assert_array_equal(jac, np.diag(np.where(x < 0, -1.0, 2 * x)))


def test_piecewise_pieces_see_only_their_elements():
    """log is evaluated only where x > 0: no warning, and no nan in the gradient."""
    x = np.array([-1.0, 0.0, 2.0, 4.0])
    f = lambda x: dd.sum(dd.piecewise(x, [x > 0], [dd.log, lambda v: v]))
    np.testing.assert_array_equal(dd.grad(f)(x), [1.0, 1.0, 0.5, 0.25])
    np.testing.assert_array_equal(dd.hessian(f)(x), np.diag([0, 0, -0.25, -1 / 16]))
    # 0-d input, constants, an "otherwise" function, extra arguments
    assert dd.grad(lambda v: dd.piecewise(v, [True], [lambda u, k: k * u**2], 3.0))(2.0) == 12.0
    assert dd.piecewise(dd.Dual(0.5, 1.0), [False], [1.0, dd.sin]).tangent == np.cos(0.5)
    with pytest.raises(ValueError, match="function"):
        dd.piecewise(x, [x > 0, x < 0], [dd.log])


@pytest.mark.parametrize(
    "np_fn",
    [
        np.sort,
        lambda x: np.take(x, [2, 0]),
        lambda x: np.take_along_axis(x, np.array([1, 1, 0]), axis=0),
        lambda x: np.choose([0, 1, 0], [x, 2 * x]),
        lambda x: np.select([np.array([True, False, True])], [x], 0.0),
        lambda x: np.piecewise(x, [np.array([True, False, True])], [np.sin, 1.0]),
    ],
)
def test_numpy_functions_route_and_keep_float32(np_fn: Any):
    x = np.array([0.3, -0.7, 1.1], dtype=np.float32)
    with dd.Tape() as tape:
        v = dd.Var(x)
        y = np_fn(v)
        total = dd.sum(y * y)
    assert isinstance(y, dd.Var) and y.value.dtype == np.float32
    np.testing.assert_allclose(y.value, np_fn(x), rtol=1e-7)
    g = tape.gradient(total, v)
    assert g.dtype == np.float32
    h = 1e-3
    numeric = [
        (np.sum(np_fn(x + h * e) ** 2) - np.sum(np_fn(x - h * e) ** 2)) / (2 * h)
        for e in np.eye(3, dtype=np.float32)
    ]
    np.testing.assert_allclose(g, numeric, rtol=1e-3, atol=1e-3)
