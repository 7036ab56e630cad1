"""ndarray methods on Duals and Vars: values as NumPy's methods give them on the primal,
derivatives against closed forms, in both modes; .item() and .tolist() give plain
values outside transforms and refuse inside them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.core import Tracer

A = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])

# method call -> the same call on the ndarray; each result must match NumPy's
SAME_AS_NUMPY: dict[str, Callable[[Any], Any]] = {
    "sum": lambda a: a.sum(axis=0),
    "sum-keepdims": lambda a: a.sum(axis=1, keepdims=True),
    "mean": lambda a: a.mean(),
    "max": lambda a: a.max(axis=1),
    "min": lambda a: a.min(),
    "prod": lambda a: a.prod(axis=0),
    "std": lambda a: a.std(axis=0),
    "std-ddof": lambda a: a.std(ddof=1),
    "var": lambda a: a.var(axis=1),
    "reshape": lambda a: a.reshape(3, 2),
    "reshape-tuple": lambda a: a.reshape((-1,)),
    "ravel": lambda a: a.ravel(),
    "flatten": lambda a: a.flatten(),
    "transpose": lambda a: a.transpose(),
    "transpose-axes": lambda a: a.transpose(1, 0),
    "T": lambda a: a.T,
    "dot": lambda a: a.dot(np.array([1.0, -1.0, 2.0])),
    "clip": lambda a: a.clip(-1.0, 1.0),
    "astype": lambda a: a.astype(np.float32),
    "copy": lambda a: a.copy(),
    "cumsum": lambda a: a.cumsum(),
    "cumsum-axis": lambda a: a.cumsum(axis=1),
    "cumprod": lambda a: a.cumprod(axis=0),
    "round": lambda a: a.round(1),
    "trace": lambda a: a.trace(),
    "trace-offset": lambda a: a.trace(1),
    "diagonal": lambda a: a.diagonal(),
    "squeeze": lambda a: a.reshape(1, 2, 3).squeeze(),
    "swapaxes": lambda a: a.swapaxes(0, 1),
    "repeat": lambda a: a.repeat(2, axis=1),
    "take": lambda a: a.take([2, 0, 0]),
    "take-axis": lambda a: a.take([1, 1], axis=-1),
    # plain results
    "argmax": lambda a: a.argmax(),
    "argmin": lambda a: a.argmin(axis=0),
    "argsort": lambda a: a.argsort(axis=-1),
    "nonzero": lambda a: a.nonzero(),
    "any": lambda a: a.any(axis=1),
    "all": lambda a: a.all(),
    "astype-int": lambda a: a.astype(np.int64),
}
NEEDS_OP = {"std", "var", "cumsum", "cumprod", "round", "trace", "diagonal", "repeat"}


def _needed_op(name: str) -> str | None:
    op = name.split("-")[0]
    return op if op in NEEDS_OP and not hasattr(dd.ops, op) else None


def _value(x: Any) -> Any:
    return x.primal if isinstance(x, Tracer) else x


@pytest.mark.parametrize("name", list(SAME_AS_NUMPY))
def test_values_match_numpy(name: str) -> None:
    if _needed_op(name):
        pytest.skip(f"dd.{_needed_op(name)} is not part of this build")
    method = SAME_AS_NUMPY[name]
    expected = method(A)
    for x in (dd.Var(A), dd.Dual(A, np.ones_like(A))):
        got = method(x)
        if isinstance(expected, tuple):
            for g, e in zip(got, expected, strict=True):
                np.testing.assert_array_equal(g, e)
            continue
        np.testing.assert_allclose(_value(got), expected, rtol=1e-15)
        assert np.result_type(_value(got)) == np.result_type(expected)


# method -> (function of a 2x3 input, its gradient in closed form)
GRADIENTS: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]] = {
    "sum": (
        lambda x: x.sum(axis=0).dot(np.array([1.0, 2.0, 3.0])),
        lambda a: np.tile([1, 2, 3], (2, 1)),
    ),
    "mean": (lambda x: x.mean() * 6.0, lambda a: np.ones_like(a)),
    "T-dot": (
        lambda x: x.T.dot(np.array([1.0, -1.0])).sum(),
        lambda a: np.array([[1.0] * 3, [-1.0] * 3]),
    ),
    "reshape": (
        lambda x: (x.reshape(3, 2)[0] ** 2).sum(),
        lambda a: np.array([[2 * a[0, 0], 2 * a[0, 1], 0], [0, 0, 0]]),
    ),
    "ravel": (lambda x: x.ravel()[4] * 3.0, lambda a: np.array([[0, 0, 0], [0, 3.0, 0]])),
    "clip": (lambda x: x.clip(-1.0, 1.0).sum(), lambda a: ((a >= -1) & (a <= 1)).astype(float)),
    "astype": (lambda x: (x.astype(np.float32) * 2.0).sum(), lambda a: np.full_like(a, 2.0)),
    "copy": (lambda x: (x.copy() ** 2).sum(), lambda a: 2 * a),
    "take": (lambda x: x.take([2, 0, 0]).sum(), lambda a: np.array([[2.0, 0, 1], [0, 0, 0]])),
    "take-axis": (
        lambda x: x.take([2, 2], axis=1).sum(),
        lambda a: np.array([[0, 0, 2.0], [0, 0, 2.0]]),
    ),
    "swapaxes": (
        lambda x: x.swapaxes(0, 1)[2, 1] * 5.0,
        lambda a: np.array([[0, 0, 0], [0, 0, 5.0]]),
    ),
    "max": (lambda x: x.max(axis=1).sum(), lambda a: np.array([[1.0, 0, 0], [1.0, 0, 0]])),
    "trace": (lambda x: x.trace() * 2.0, lambda a: np.array([[2.0, 0, 0], [0, 2.0, 0]])),
    "diagonal": (
        lambda x: (x.diagonal(1) ** 2).sum(),
        lambda a: np.array([[0, 2 * a[0, 1], 0], [0, 0, 2 * a[1, 2]]]),
    ),
    "repeat": (lambda x: x.repeat(3, axis=0).sum(), lambda a: np.full_like(a, 3.0)),
    "cumsum": (lambda x: x.cumsum().sum(), lambda a: np.arange(6.0, 0.0, -1.0).reshape(2, 3)),
    "var": (lambda x: x.var() * 6.0, lambda a: 2 * (a - a.mean())),
    "std": (lambda x: x.std(), lambda a: (a - a.mean()) / (6 * a.std())),
    "round": (lambda x: (x.round() * x).sum(), lambda a: np.round(a)),
}


@pytest.mark.parametrize("name", list(GRADIENTS))
def test_gradients_both_modes(name: str) -> None:
    if _needed_op(name):
        pytest.skip(f"dd.{_needed_op(name)} is not part of this build")
    fn, expected = GRADIENTS[name]
    np.testing.assert_allclose(dd.grad(fn)(A), expected(A), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dd.jacfwd(fn)(A), expected(A), rtol=1e-14, atol=1e-15)


def test_sort_in_place_is_refused() -> None:
    with pytest.raises(TypeError, match=r"in place.*np\.sort\(x\)"):
        dd.Var(A).sort()


def test_item_and_tolist_outside_transforms() -> None:
    x = dd.Var(A)
    assert x.item(4) == A.item(4) and type(x.item(4)) is float
    assert x.tolist() == A.tolist()
    assert dd.Dual(2.5, 1.0).item() == 2.5
    assert dd.Var(np.float32(1.25)).tolist() == 1.25


def test_a_trained_model_evaluates_with_item() -> None:
    model = dd.nn.Linear(1, 1, rng=0)
    opt = dd.optim.SGD(model.parameters(), lr=0.1)
    xs, ys = np.linspace(-1, 1, 8).reshape(-1, 1), np.linspace(-1, 1, 8).reshape(-1, 1) * 2 + 5
    for _ in range(3):
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.mse_loss(model(xs), ys)
        loss.backward()
        opt.step()
        assert isinstance(loss.item(), float)
    w, b = (p.value for p in model.parameters())
    prediction = float(model(np.array([[0.5]])).item())
    assert prediction == pytest.approx(
        float((np.array([[0.5]]) @ np.reshape(w, (1, 1)) + b).item())
    )


@pytest.mark.parametrize("method", ["item", "tolist"])
def test_item_and_tolist_inside_transforms_refuse(method: str) -> None:
    def f(x):
        getattr(x, method)()
        return x

    for transform in (dd.grad, dd.derivative):
        with pytest.raises(TypeError, match=rf"x\.{method}\(\).*would drop its derivative"):
            transform(f)(2.0)
    with dd.Tape(), pytest.raises(TypeError, match=r"x\.primal"):
        getattr(dd.Var(1.0), method)()
