"""The report's JAX programs, with dualdiff in place of JAX.

The report fits y = 2x + 5 + noise, first with a linear model ``params = [w1, b1]``
and then with a 1-10-1 ReLU MLP ``params = [w1, b1, w2, b2]``, by
``grads = grad(loss_fn)(params, X, y)`` and ``[p - lr * g for p, g in zip(params, grads)]``.
The same code runs here with ``dd`` (and, unchanged, with plain ``np`` calls on
dualdiff's values). The gradients are checked against hand-written backprop, the
training against the exact gradient-descent iteration and against the
least-squares solution from ``np.linalg.lstsq``.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

# jnp -> dd, or jnp -> np (NumPy's protocols send np.dot on a traced value to dualdiff)
NAMESPACES = {
    "dd": SimpleNamespace(dot=dd.dot, mean=dd.mean, relu=dd.relu),
    "np": SimpleNamespace(dot=np.dot, mean=np.mean, relu=lambda z: np.maximum(z, 0.0)),
}


def generate_data(num_samples: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((num_samples, 1))
    true_w = np.array([[2.0]])
    true_b = np.array([5.0])
    noise = 0.1 * rng.standard_normal((num_samples, 1))
    y = np.dot(X, true_w) + true_b + noise
    return X, y


def init_params(seed: int, sizes: list[int]) -> list[np.ndarray]:
    """[w1, b1] for sizes [1, 1]; [w1, b1, w2, b2] for [1, 10, 1] (weights * 0.1, zero biases)."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params += [rng.standard_normal((fan_in, fan_out)) * 0.1, np.zeros((fan_out,))]
    return params


def make_model(xp: Any) -> Any:
    def mlp(params: list[Any], X: Any) -> Any:
        if len(params) == 2:
            w1, b1 = params
            return xp.dot(X, w1) + b1
        w1, b1, w2, b2 = params
        hidden = xp.relu(xp.dot(X, w1) + b1)
        return xp.dot(hidden, w2) + b2

    def loss_fn(params: list[Any], X: Any, y: Any) -> Any:
        preds = mlp(params, X)
        return xp.mean((preds - y) ** 2)

    return mlp, loss_fn


def update_params(params: list[Any], grads: list[Any], lr: float = 0.01) -> list[Any]:
    return [p - lr * g for p, g in zip(params, grads, strict=True)]


def train(loss_fn: Any, params: list[Any], X: Any, y: Any, lr: float, epochs: int) -> list[Any]:
    grad_fn = dd.grad(loss_fn)
    for _ in range(epochs):
        params = update_params(params, grad_fn(params, X, y), lr)
    return params


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(w, b, mse) of the best line through the data."""
    A = np.hstack([X, np.ones_like(X)])
    (w, b), *_ = np.linalg.lstsq(A, y[:, 0], rcond=None)
    return float(w), float(b), float(np.mean((A @ [w, b] - y[:, 0]) ** 2))


# --- hand-written backprop: the independent oracle ----------------------------------------


def linear_grads(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    w1, b1 = params
    r = 2 * (X @ w1 + b1 - y) / len(X)  # dL/dpred
    return [X.T @ r, r.sum(axis=0)]


def mlp_grads(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    w1, b1, w2, b2 = params
    z = X @ w1 + b1
    h = np.maximum(z, 0.0)
    r = 2 * (h @ w2 + b2 - y) / len(X)
    dz = (r @ w2.T) * (z > 0)
    return [X.T @ dz, dz.sum(axis=0), h.T @ r, r.sum(axis=0)]


# --- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("xp", NAMESPACES)
@pytest.mark.parametrize("sizes", [[1, 1], [1, 10, 1]], ids=["linear", "mlp"])
def test_grad_returns_a_list_shaped_like_params(xp: str, sizes: list[int]) -> None:
    X, y = generate_data()
    params = init_params(42, sizes)
    params[1] = params[1] + 0.3  # away from relu's kink at 0 for the hidden units
    _, loss_fn = make_model(NAMESPACES[xp])
    grads = dd.grad(loss_fn)(params, X, y)
    assert type(grads) is list and len(grads) == len(params)
    expected = (linear_grads if len(sizes) == 2 else mlp_grads)(params, X, y)
    for g, p, e in zip(grads, params, expected, strict=True):
        assert type(g) is np.ndarray and g.shape == p.shape and g.dtype == np.float64
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_linear_regression_is_exact_gradient_descent(xp: str) -> None:
    """The report's 100 epochs at lr 0.01: every iterate equals hand-written descent, and the
    loss falls at every step (the report notes it is strictly decreasing here)."""
    X, y = generate_data()
    _, loss_fn = make_model(NAMESPACES[xp])
    grad_fn = dd.grad(loss_fn)
    params = reference = init_params(42, [1, 1])
    losses = [float(loss_fn(params, X, y))]
    for _ in range(100):
        params = update_params(params, grad_fn(params, X, y))
        reference = update_params(reference, linear_grads(reference, X, y))
        for p, r in zip(params, reference, strict=True):
            np.testing.assert_allclose(p, r, rtol=1e-12)
        losses.append(float(loss_fn(params, X, y)))
    assert all(b < a for a, b in itertools.pairwise(losses))
    # b after k steps is about 5 (1 - (1 - 2 lr)^k): 4.3 after 100, as in the report (4.32)
    assert 4.2 < params[1][0] < 4.5


def test_linear_regression_converges_to_least_squares() -> None:
    """The loss's Hessian (2/N) A^T A has eigenvalues near 2 here, so each step at lr 0.01
    shrinks the error by about 0.98: after 2000 steps the error is below 1e-15 of the start."""
    X, y = generate_data()
    _, loss_fn = make_model(NAMESPACES["dd"])
    w1, b1 = train(loss_fn, init_params(42, [1, 1]), X, y, lr=0.01, epochs=2000)
    w, b, _ = least_squares(X, y)
    assert w1.shape == (1, 1) and b1.shape == (1,)
    np.testing.assert_allclose([w1[0, 0], b1[0]], [w, b], rtol=1e-10)
    assert abs(w - 2.0) < 0.05 and abs(b - 5.0) < 0.05  # and the data say y = 2x + 5


@pytest.mark.parametrize("xp", NAMESPACES)
def test_mlp_learns_the_least_squares_line(xp: str) -> None:
    """The 1-10-1 MLP's parameters are not unique, but the function it learns is the best
    line: predictions within the noise (0.1) of the least-squares line, and a training
    loss within 5% of the least-squares loss (a ReLU net may bend slightly below it)."""
    X, y = generate_data()
    mlp, loss_fn = make_model(NAMESPACES[xp])
    params = train(loss_fn, init_params(42, [1, 10, 1]), X, y, lr=0.1, epochs=2000)
    assert [p.shape for p in params] == [(1, 10), (10,), (10, 1), (1,)]
    w, b, best = least_squares(X, y)
    preds = mlp(params, X)
    assert np.max(np.abs(preds - (w * X + b))) < 0.1
    assert abs(float(loss_fn(params, X, y)) - best) < 0.05 * best
    slope, intercept, _ = least_squares(X, preds)
    assert abs(slope - w) < 0.05 and abs(intercept - b) < 0.05


def test_mlp_with_the_reports_settings_reduces_the_loss() -> None:
    """lr 0.01 for 1000 epochs, as printed in the report: far from converged, but the loss
    drops from about 26 (outputs near 0 against targets near 5) to below 0.1."""
    X, y = generate_data()
    _, loss_fn = make_model(NAMESPACES["dd"])
    params = init_params(42, [1, 10, 1])
    start = float(loss_fn(params, X, y))
    params = train(loss_fn, params, X, y, lr=0.01, epochs=1000)
    assert start > 20 and float(loss_fn(params, X, y)) < 0.1
