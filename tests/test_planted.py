"""Tests that catch small bugs which the rest of the suite let through. Each was checked
by planting its bug once: the test failed, and passed again with the bug removed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import nn, optim

# --- a custom op with batched=False: jacfwd feeds it one direction at a time ---------------

A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # non-square: R^3 -> R^2
B = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0], [5.0, 0.0, 6.0]])  # square, not symmetric


def _linear_op(name: str, M: np.ndarray):
    return dd.register_op(
        name,
        lambda x: M @ x,
        jvp=lambda t, ans, x: M @ t,  # one direction at a time: t has x's shape
        vjp=lambda g, ans, x: M.T @ g,
        batched=False,
        replace=True,
    )


@pytest.mark.parametrize("M", [A, B], ids=["non-square", "square"])
def test_jacfwd_of_an_unbatched_custom_op(M: np.ndarray) -> None:
    op = _linear_op(f"planted_linear_{M.shape[0]}x{M.shape[1]}", M)
    x = np.array([0.5, -1.0, 2.0])
    J = dd.jacfwd(op)(x)
    assert J.shape == M.shape and np.array_equal(J, M)  # not M.T
    assert np.array_equal(dd.jacrev(op)(x), M)
    # through another op too: the batch axis stays leading
    J2 = dd.jacfwd(lambda x: dd.sin(op(x)))(x)
    assert np.allclose(J2, np.cos(M @ x)[:, None] * M, rtol=1e-14)


# --- SGD: weight decay together with momentum, several steps ---------------------------------


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_weight_decay_with_momentum(nesterov: bool) -> None:
    lr, mu, wd = 0.1, 0.9, 0.05
    c = np.array([1.0, -2.0, 0.5])  # the loss sum(c * p) has the constant gradient c
    p = dd.Var(np.array([0.3, 0.1, -0.4]))
    opt = optim.SGD([p], lr=lr, momentum=mu, weight_decay=wd, nesterov=nesterov)
    ref, v = p.value.copy(), np.zeros(3)
    for _ in range(6):
        opt.zero_grad()
        with dd.Tape():
            loss = dd.sum(c * p)
        loss.backward()
        opt.step()
        g = c + wd * ref  # the reference: PyTorch's update, written out
        v = mu * v + g
        ref = ref - lr * (g + mu * v if nesterov else v)
    assert np.allclose(p.value, ref, rtol=1e-14, atol=1e-15)


# --- fit: the epoch's loss when the last batch is short ----------------------------------------

X = np.linspace(-1.0, 1.0, 10).reshape(10, 1)
Y = X**2


def test_fit_epoch_loss_weights_batches_by_size() -> None:
    model = nn.Linear(1, 1, rng=0)
    full = float(np.mean((X @ model.weight.value + model.bias.value - Y) ** 2))
    opt = optim.SGD(model.parameters(), lr=0.0)  # the model stays put: each batch is exact
    history = nn.fit(model, nn.mse_loss, opt, (X, Y), 1, batch_size=4, shuffle=False)
    # batches of 4, 4 and 2: the mean over samples is the full-data loss,
    # not the plain mean of the three batch means
    assert history["loss"][0] == pytest.approx(full, rel=1e-14)
    batch_means = [
        float(np.mean((X[s] @ model.weight.value + model.bias.value - Y[s]) ** 2))
        for s in (slice(0, 4), slice(4, 8), slice(8, 10))
    ]
    assert abs(np.mean(batch_means) - full) > 1e-3  # the two differ on this data


# --- early stopping: min_delta ------------------------------------------------------------------


def test_early_stopping_min_delta() -> None:
    model = nn.Linear(1, 1, rng=0)
    opt = optim.SGD(model.parameters(), lr=1e-4)  # the loss falls, by little each epoch
    kw = dict(epochs=20, patience=2, shuffle=False, progress=False)
    history = nn.fit(model, nn.mse_loss, opt, (X, Y), min_delta=0.5, **kw)
    losses = history["loss"]
    assert all(b < a for a, b in itertools.pairwise(losses))  # it did improve
    assert history.best_epoch == 1 and history.stopped_epoch == 3  # but by less than 0.5
    model = nn.Linear(1, 1, rng=0)
    opt = optim.SGD(model.parameters(), lr=1e-4)
    history = nn.fit(model, nn.mse_loss, opt, (X, Y), min_delta=0.0, **kw)
    assert history.stopped_epoch is None and history.best_epoch == 20


# --- evaluate: dropout off while evaluating, and the mode restored -----------------------------


def test_evaluate_switches_dropout_off_and_restores_the_mode() -> None:
    model = nn.Sequential(
        nn.Linear(1, 32, rng=0), nn.ReLU(), nn.Dropout(0.5, rng=1), nn.Linear(32, 1, rng=2)
    )
    model.eval()
    expected = float(np.mean((model(X).value - Y) ** 2))
    model.train()
    first = nn.evaluate(model, nn.mse_loss, (X, Y))["loss"]
    second = nn.evaluate(model, nn.mse_loss, (X, Y))["loss"]
    assert first == second == pytest.approx(expected, rel=1e-14)
    assert model.training and all(m.training for _, m in model.named_modules())
    model.eval()
    nn.evaluate(model, nn.mse_loss, (X, Y))
    assert not model.training  # evaluation mode stays as it was too


# --- numeric.derivative with magnitudes far apart -----------------------------------------------


def test_numeric_derivative_mixes_magnitudes() -> None:
    """The default step follows the largest |x| (every entry moves together): a step
    taken from the smallest one would not move 1e12 at all (1e12 + 6e-9 == 1e12)."""
    x = np.array([1e-3, 1e12])
    # central differences and the complex step of x² are exact up to rounding for any
    # step that moves x, so both entries are right exactly when the step moves both
    for method in ("central", "forward", "complex"):
        d = dd.numeric.derivative(lambda x: x**2, x, method=method)
        assert d[1] == pytest.approx(2e12, rel=1e-6), method
    assert np.allclose(dd.numeric.derivative(lambda x: x**2, x), 2 * x, rtol=1e-6, atol=0)


# --- the noise estimate, bounded on both sides ------------------------------------------------


def _noisy(sigma: float):
    """sin plus noise of standard deviation sigma, the same at the same x (a hash of x)."""

    def f(x):
        seed = int(np.frombuffer(np.float64(x).tobytes(), np.uint64)[0])
        return np.sin(x) + sigma * np.random.default_rng(seed).standard_normal()

    return f


@pytest.mark.parametrize("sigma", [1e-10, 1e-7, 1e-4])
def test_noise_level_finds_injected_noise(sigma: float) -> None:
    estimates = [dd.numeric.noise_level(_noisy(sigma), x0) for x0 in (0.3, 0.7, 1.1, 1.9, 2.6)]
    ratio = np.median(estimates) / sigma
    assert 0.2 < ratio < 5.0, estimates
    assert dd.numeric.noise_level(np.sin, 0.7) < 1e-14  # and no noise where there is none


# --- logsumexp where its inputs are infinite ----------------------------------------------------


def test_logsumexp_at_infinities() -> None:
    with np.errstate(all="ignore"):
        assert dd.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
        assert dd.logsumexp(np.array([np.inf, 0.0])) == np.inf
        assert dd.logsumexp(np.array([-np.inf, 0.0])) == 0.0
        v, g = dd.value_and_grad(dd.logsumexp)(np.array([-np.inf, 0.0, np.log(3.0)]))
    assert v == pytest.approx(np.log(4.0)) and np.allclose(g, [0.0, 0.25, 0.75])
