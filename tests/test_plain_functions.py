"""NumPy functions with integer, boolean or structural results run on the primals of
traced values and return plain values; those that read the values are guards of
dd.compile. Each result is compared with NumPy's on the plain array."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.core import Tracer

W = np.array([2.0, -0.5, 0.0, 7.0])
INPUTS = (W, W.astype(np.float32), np.array([3.0, np.inf, -np.inf, np.nan]))

PLAIN: dict[str, Callable[[Any], Any]] = {
    "argmax": lambda a: np.argmax(a),
    "argmax-axis": lambda a: np.argmax(a, axis=0, keepdims=True),
    "argmin": lambda a: np.argmin(a, axis=0),
    "argsort": lambda a: np.argsort(a),
    "argpartition": lambda a: np.argpartition(a, 1, axis=-1),
    "argwhere": lambda a: np.argwhere(a),
    "nonzero": lambda a: np.nonzero(a),
    "flatnonzero": lambda a: np.flatnonzero(a),
    "searchsorted-v": lambda a: np.searchsorted(np.array([-1.0, 0.5, 2.5]), a),
    "searchsorted-a": lambda a: np.searchsorted(a, [1.0, 3.0], sorter=np.argsort(a)),
    "count_nonzero": lambda a: np.count_nonzero(a, axis=0),
    "digitize": lambda a: np.digitize(a, [-1.0, 0.0, 2.5]),
    "isfinite": lambda a: np.isfinite(a),
    "isnan": lambda a: np.isnan(a),
    "isinf": lambda a: np.isinf(a),
    "signbit": lambda a: np.signbit(a),
    "isposinf": lambda a: np.isposinf(a),
    "isneginf": lambda a: np.isneginf(a),
    "iscomplex": lambda a: np.iscomplex(a),
    "isreal": lambda a: np.isreal(a),
    "iscomplexobj": lambda a: np.iscomplexobj(a),
    "isrealobj": lambda a: np.isrealobj(a),
    "isclose": lambda a: np.isclose(a, 3.0),
    "allclose": lambda a: np.allclose(a, np.ones_like(a), atol=10),
    "array_equal": lambda a: np.array_equal(a, np.array([2.0, -0.5, 0.0, 7.0])),
    "array_equiv": lambda a: np.array_equiv(a, 2.0),
    "isin": lambda a: np.isin(a, [7.0, 3.0]),
    "any": lambda a: np.any(a, axis=-1),
    "all": lambda a: np.all(a),
    "logical_xor": lambda a: np.logical_xor(a, True),
    "lexsort": lambda a: np.lexsort((a,)),
    "shape": lambda a: np.shape(a),
    "ndim": lambda a: np.ndim(a),
    "size": lambda a: np.size(a, 0),
    "result_type": lambda a: np.result_type(a, np.float32),
}
LIKE = {
    "zeros_like": lambda a: np.zeros_like(a),
    "ones_like": lambda a: np.ones_like(a, dtype=np.float32),
    "full_like": lambda a: np.full_like(a, 7.5),
    "empty_like": lambda a: np.empty_like(a).shape,
}


def _same(got: Any, expected: Any) -> None:
    if isinstance(expected, tuple):
        assert type(got) is tuple and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(g, e)
    elif isinstance(expected, np.dtype):
        assert got == expected
    else:
        np.testing.assert_array_equal(got, expected)
        assert np.result_type(got) == np.result_type(expected)
    assert not isinstance(got, Tracer)


def _traced(a: np.ndarray) -> list[Any]:
    return [dd.Var(a), dd.Dual(a, np.ones_like(a)), dd.Dual(dd.Var(a), np.ones_like(a))]


@pytest.mark.parametrize("name", [*PLAIN, *LIKE])
def test_runs_on_primals_and_returns_plain_values(name: str) -> None:
    fn = PLAIN.get(name) or LIKE[name]
    for a in INPUTS:
        expected = fn(a)
        for x in _traced(a):
            _same(fn(x), expected)


def test_like_constants_keep_the_primal_dtype() -> None:
    x = dd.Var(np.ones((2, 3), dtype=np.float32))
    for fn in (np.zeros_like, np.ones_like, np.empty_like):
        out = fn(x)
        assert type(out) is np.ndarray and out.dtype == np.float32 and out.shape == (2, 3)


def test_axis_results_on_a_matrix() -> None:
    a = np.array([[3.0, -1.0, 5.0], [0.0, 2.0, -4.0]])
    x = dd.Var(a)
    np.testing.assert_array_equal(np.argmax(x, axis=1), np.argmax(a, axis=1))
    np.testing.assert_array_equal(np.argsort(x, axis=0), np.argsort(a, axis=0))
    np.testing.assert_array_equal(np.count_nonzero(x > 0, axis=1), [2, 1])
    np.testing.assert_array_equal(np.any(x > 4, axis=0), [False, False, True])
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6


def test_full_like_with_a_traced_fill_value_differentiates() -> None:
    with dd.Tape() as tape:
        a = dd.Var(np.zeros((2, 3)))
        c = dd.Var(1.5)
        out = np.full_like(a, c)
        s = dd.sum(out * np.arange(6.0).reshape(2, 3))
    assert out.value.shape == (2, 3) and np.all(out.value == 1.5)
    assert np.full_like(a, c, shape=()).shape == () and np.full_like(a, c, shape=(4,)).shape == (4,)
    assert tape.gradient(s, c) == pytest.approx(15.0)
    assert dd.derivative(lambda c: dd.sum(np.full_like(dd.Dual(np.zeros(4)), c)))(2.0) == 4.0


def test_control_flow_on_plain_results_differentiates() -> None:
    def f(x):  # the largest entry squared, and a count that scales it
        top = x[np.argmax(x)]
        return top**2 * np.count_nonzero(x > 0)

    x = np.array([1.0, 4.0, -2.0])
    expected = np.array([0.0, 2 * 4.0 * 2, 0.0])
    np.testing.assert_array_equal(dd.grad(f)(x), expected)
    np.testing.assert_array_equal(dd.jacfwd(f)(x), expected)
    np.testing.assert_array_equal(dd.grad(lambda v: dd.sum(v[np.argsort(v)][1:]))(x), [1, 1, 0])


def test_value_reading_results_are_guards_of_compile() -> None:
    def f(x):
        return x[np.argmax(x)] ** 2 + dd.sum(x[np.nonzero(x > 0)])

    compiled = dd.compile(f, on_branch_change="raise")
    value, grad = compiled(np.array([1.0, 3.0, -2.0]))
    assert value == 13.0 and grad.tolist() == [1.0, 7.0, 0.0]
    value, grad = compiled(np.array([2.0, 5.0, -1.0]))  # same argmax, same signs: replayed
    assert value == 32.0 and grad.tolist() == [1.0, 11.0, 0.0]
    with pytest.raises(dd.BranchChanged, match="argmax"):
        compiled(np.array([6.0, 5.0, -1.0]))
    recorded = dd.compile(lambda x: dd.sum(x[np.flatnonzero(x)]))
    assert recorded(np.array([1.0, 0.0, 2.0]))[1].tolist() == [1.0, 0.0, 1.0]
    assert recorded(np.array([0.0, 3.0, 2.0]))[1].tolist() == [0.0, 1.0, 1.0]  # records again
    assert recorded.recordings == 2
    guarded_test = dd.compile(lambda x: x * 2 if np.allclose(x, 1.0) else x * 3)
    assert guarded_test(1.0)[1] == 2.0 and guarded_test(2.0)[1] == 3.0


def test_no_function_here_asks_for_a_rule() -> None:
    x = dd.Var(W)
    for fn in [*PLAIN.values(), *LIKE.values()]:
        fn(x)  # none raises "no derivative rule"
