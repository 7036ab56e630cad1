"""Extreme inputs: the stable ops give finite values and finite gradients at +-1000.

At x = +-1000 a naive exp overflows (e**1000 = inf) or a difference cancels
(1000 - 1000 after an inf). Every case runs in float64 and float32, in reverse
and forward mode, inside ``dd.detect_anomaly()`` (which would raise at the first
inf or NaN anywhere: outputs, tangents, cotangents) and with NumPy's overflow,
invalid and divide warnings turned into errors. Expected values are closed forms
at these points: e**-2000 underflows to 0 in both dtypes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

pytestmark = pytest.mark.usefixtures("unchanged_global_state")


@pytest.fixture(autouse=True)
def strict_floating_point() -> Iterator[None]:
    """Overflow, 0/0 and x/0 raise; underflow to 0 is the expected, exact outcome."""
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            yield


X = [1000.0, -1000.0]

# name -> (f of a length-2 vector x = [1000, -1000], f(x), gradient of f at x)
CASES: dict[str, tuple[Callable[[Any], Any], float, list[float]]] = {
    # softmax([1000, -1000]) = [1, e**-2000] = [1, 0]: flat in both directions
    "softmax": (lambda x: dd.softmax(x)[0], 1.0, [0.0, 0.0]),
    # log_softmax = x - logsumexp(x) = [0, -2000]; d/dx sum(...) = 1 - 2 softmax = [-1, 1]
    "log_softmax": (lambda x: dd.sum(dd.log_softmax(x)), -2000.0, [-1.0, 1.0]),
    # logsumexp = 1000 + log(1 + e**-2000) = 1000; its gradient is softmax
    "logsumexp": (dd.logsumexp, 1000.0, [1.0, 0.0]),
    # sigmoid = [1, 0]; sigmoid' = s (1 - s) = [0, 0]
    "sigmoid": (lambda x: dd.sum(dd.sigmoid(x)), 1.0, [0.0, 0.0]),
    # softplus = [1000, e**-1000 = 0]; softplus' = sigmoid = [1, 0]
    "softplus": (lambda x: dd.sum(dd.softplus(x)), 1000.0, [1.0, 0.0]),
    # tanh = [1, -1]; tanh' = 1 - tanh**2 = [0, 0]
    "tanh": (lambda x: dd.sum(dd.tanh(x)), 0.0, [0.0, 0.0]),
    # logits [1000, -1000], true class 1: loss = logsumexp - x_1 = 2000; grad softmax - onehot
    "cross_entropy": (
        lambda x: dd.nn.cross_entropy(dd.reshape(x, (1, 2)), np.array([1])),
        2000.0,
        [1.0, -1.0],
    ),
    "cross_entropy one-hot": (
        lambda x: dd.nn.cross_entropy(dd.reshape(x, (1, 2)), np.array([[0.0, 1.0]])),
        2000.0,
        [1.0, -1.0],
    ),
    # both logits on the wrong side: loss softplus(1000) = 1000 each, mean 1000;
    # gradient (sigmoid(x) - t) / 2 = [1/2, -1/2]
    "binary_cross_entropy wrong": (
        lambda x: dd.nn.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0])),
        1000.0,
        [0.5, -0.5],
    ),
    # both on the right side: loss softplus(-1000) = 0, gradient 0
    "binary_cross_entropy right": (
        lambda x: dd.nn.binary_cross_entropy_with_logits(x, np.array([1.0, 0.0])),
        0.0,
        [0.0, 0.0],
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CASES)
def test_finite_values_and_gradients_at_plus_minus_1000(name: str, dtype: type) -> None:
    f, value, gradient = CASES[name]
    x = np.array(X, dtype=dtype)
    with dd.detect_anomaly():
        out, g = dd.value_and_grad(f)(x)
        _, along_ones = dd.jvp(f, (x,), (np.ones(2, dtype=dtype),))
    assert out == value
    np.testing.assert_array_equal(g, gradient)
    assert g.dtype == dtype
    assert along_ones == sum(gradient)  # forward mode: the directional derivative


@pytest.mark.parametrize("x", [1000.0, -1000.0])
@pytest.mark.parametrize(
    ("op", "value", "slope"),
    [
        (dd.sigmoid, lambda x: float(x > 0), lambda x: 0.0),
        (dd.softplus, lambda x: max(x, 0.0), lambda x: float(x > 0)),
        (dd.tanh, lambda x: float(np.sign(x)), lambda x: 0.0),
    ],
    ids=["sigmoid", "softplus", "tanh"],
)
def test_python_float_paths_at_plus_minus_1000(
    op: Callable[[Any], Any], value: Any, slope: Any, x: float
) -> None:
    """Python floats take the math-module paths, which must be as stable as NumPy's."""
    with dd.detect_anomaly():
        assert op(x) == value(x)
        assert dd.grad(op)(x) == slope(x)
        assert dd.derivative(op)(x) == slope(x)


def test_logsumexp_of_a_batch_of_extreme_rows() -> None:
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [1000.0, -1000.0]], dtype=np.float32)
    with dd.detect_anomaly():
        out, pullback = dd.vjp(lambda x: dd.logsumexp(x, axis=1), x)
        (g,) = pullback(np.ones(3, dtype=np.float32))
    # log(2 e**a) = a + log 2 for equal entries; the gradient splits evenly
    ln2 = np.float32(np.log(2.0))
    np.testing.assert_allclose(out, [1000 + ln2, -1000 + ln2, 1000], rtol=1e-7)
    np.testing.assert_array_equal(g, [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]])
