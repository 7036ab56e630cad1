"""dd.nn: module mechanics, layers, activations, losses (values against NumPy references,
gradients against dd.check_grad and closed forms), fit, save/load."""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import nn

RNG = np.random.default_rng(1234)


# --- reference implementations in plain NumPy ------------------------------------------


def np_logsumexp(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=-1, keepdims=True)
    return (np.log(np.exp(z - m).sum(axis=-1, keepdims=True)) + m)[..., 0]


def np_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def gelu_exact(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


# --- module mechanics ---------------------------------------------------------------------


class Block(nn.Module):
    """A module with parameters in every kind of place the walk must find."""

    def __init__(self) -> None:
        self.scale = dd.Var(np.ones(3))
        self.heads = [nn.Linear(3, 2, rng=0), nn.Linear(2, 1, rng=1)]
        self.extra = {"proj": nn.Linear(3, 3, rng=2)}
        self.not_a_param = np.zeros(4)
        self.sizes = (3, 2, 1)
        self.tied = self.heads[0]  # shared: reported once

    def forward(self, x):
        return self.heads[1](self.heads[0](self.extra["proj"](x * self.scale)))


def test_parameters_are_found_in_attributes_lists_and_dicts() -> None:
    names = [name for name, _ in Block().named_parameters()]
    assert names == [
        "scale",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
        "extra.proj.weight",
        "extra.proj.bias",
    ]
    block = Block()
    assert all(isinstance(p, dd.Var) for p in block.parameters())
    assert block.num_parameters() == 3 + (3 * 2 + 2) + (2 * 1 + 1) + (3 * 3 + 3)


def test_a_list_that_contains_itself_does_not_loop() -> None:
    m = nn.Module()
    m.items = [nn.Linear(1, 1, rng=0)]
    m.items.append(m.items)
    assert [n for n, _ in m.named_parameters()] == ["items.0.weight", "items.0.bias"]


def test_mlp_layout_weight_in_by_out_then_bias() -> None:
    model = nn.MLP([4, 8, 8, 3], rng=0)
    shapes = [p.value.shape for p in model.parameters()]
    assert shapes == [(4, 8), (8,), (8, 8), (8,), (8, 3), (3,)]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    x = RNG.standard_normal((5, 4))
    w1, b1, w2, b2, w3, b3 = (p.value for p in model.parameters())
    h = np.maximum(x @ w1 + b1, 0)
    h = np.maximum(h @ w2 + b2, 0)
    np.testing.assert_allclose(model(x).value, h @ w3 + b3, rtol=1e-14)


def test_gradients_through_a_module_match_finite_differences() -> None:
    model = nn.MLP([3, 4, 2], activation="tanh", rng=0)
    x = RNG.standard_normal((6, 3))
    y = RNG.standard_normal((6, 2))
    with dd.Tape():
        loss = nn.mse_loss(model(x), y)
    loss.backward()
    for p in model.parameters():
        analytic = p.grad.copy()
        numeric = np.zeros_like(p.value)
        for i in np.ndindex(p.value.shape):
            old = p.value[i]
            p.value[i] = old + 1e-6
            up = np.mean((model(x).value - y) ** 2)
            p.value[i] = old - 1e-6
            down = np.mean((model(x).value - y) ** 2)
            p.value[i] = old
            numeric[i] = (up - down) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_zero_grad_clears_every_parameter() -> None:
    model = Block()
    with dd.Tape():
        loss = dd.sum(model(np.ones((2, 3))))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_reach_submodules() -> None:
    model = Block()
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_state_dict_round_trip_copies_values() -> None:
    a, b = nn.MLP([2, 5, 1], rng=0), nn.MLP([2, 5, 1], rng=1)
    state = a.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    b.load_state_dict(state)
    x = RNG.standard_normal((4, 2))
    np.testing.assert_array_equal(a(x).value, b(x).value)
    state["layers.0.weight"][...] = 0.0  # a copy: the model is untouched
    assert np.any(a.layers[0].weight.value != 0)


def test_load_state_dict_keeps_the_parameter_dtype() -> None:
    model = nn.Linear(2, 2, rng=0, dtype=np.float32)
    model.load_state_dict({"weight": np.eye(2), "bias": np.ones(2)})
    assert model.weight.value.dtype == np.float32
    np.testing.assert_array_equal(model.weight.value, np.eye(2))


def test_load_state_dict_mismatch_names_both_and_changes_nothing() -> None:
    model = nn.MLP([2, 3, 1], rng=0)
    before = model.state_dict()
    bad = nn.MLP([2, 4, 1], rng=1).state_dict()
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(2, 4\).*needs \(2, 3\)"):
        model.load_state_dict(bad)
    del bad["layers.2.bias"]
    bad["layers.9.weight"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing \['layers.2.bias'\].*unexpected"):
        model.load_state_dict(bad)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_repr_shows_the_tree() -> None:
    text = repr(nn.MLP([1, 10, 1], rng=0))
    assert text.splitlines() == [
        "MLP(sizes=[1, 10, 1], activation='relu'",
        "  (layers.0): Linear(1, 10, init='he')",
        "  (layers.1): ReLU()",
        "  (layers.2): Linear(10, 1, init='he')",
        ")",
    ]
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_forward_must_be_defined() -> None:
    with pytest.raises(NotImplementedError, match="must define forward"):
        nn.Module()(1.0)


# --- layers ---------------------------------------------------------------------------------


def test_linear_is_x_at_w_plus_b() -> None:
    layer = nn.Linear(3, 2, rng=0)
    x = RNG.standard_normal((4, 3))
    np.testing.assert_allclose(
        layer(x).value, x @ layer.weight.value + layer.bias.value, rtol=1e-15
    )
    no_bias = nn.Linear(3, 2, bias=False, rng=0)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"]
    np.testing.assert_allclose(no_bias(x).value, x @ no_bias.weight.value, rtol=1e-15)


def test_seeds_and_generators_give_reproducible_weights() -> None:
    a = nn.Linear(5, 4, rng=7).weight.value
    b = nn.Linear(5, 4, rng=np.random.default_rng(7)).weight.value
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.Linear(5, 4, rng=8).weight.value)
    with pytest.raises(TypeError, match=r"rng must be None, an integer seed or a np\.random"):
        nn.Linear(5, 4, rng="seed")


def test_he_and_xavier_scales() -> None:
    he = nn.Linear(400, 500, rng=0).weight.value
    # 200,000 draws: the sample std is within 0.5% of sqrt(2 / fan_in) (its own s.e. ~0.16%)
    assert he.std() == pytest.approx(math.sqrt(2 / 400), rel=5e-3)
    assert abs(he.mean()) < 4 * math.sqrt(2 / 400) / math.sqrt(he.size)
    xavier = nn.Linear(400, 500, rng=0, init="xavier").weight.value
    limit = math.sqrt(6 / 900)
    assert np.abs(xavier).max() <= limit
    assert xavier.var() == pytest.approx(limit**2 / 3, rel=1e-2)  # uniform on ±limit
    assert nn.MLP([2, 3, 1], activation="tanh", rng=0).layers[0].init == "xavier"
    with pytest.raises(ValueError, match="init must be one of"):
        nn.Linear(2, 2, init="orthogonal")


def test_layer_argument_errors() -> None:
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match=r"input has shape \(4, 2\).*must be 3"):
        nn.Linear(3, 1, rng=0)(np.ones((4, 2)))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([1, 2, 1], activation="swish")
    with pytest.raises(ValueError, match="at least two sizes"):
        nn.MLP([3])
    with pytest.raises(TypeError, match="layer 1 is a function"):
        nn.Sequential(nn.Linear(1, 1), dd.relu)


def test_float32_layers_stay_float32() -> None:
    model = nn.MLP([3, 4, 2], rng=0, dtype=np.float32)
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    with dd.Tape():
        loss = nn.mse_loss(model(x), np.zeros((5, 2), np.float32))
    loss.backward()
    assert loss.value.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_dropout_train_and_eval() -> None:
    drop = nn.Dropout(0.25, rng=0)
    x = np.ones((200, 100))
    y = drop(x)
    kept = y != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)  # 20,000 draws, s.e. 0.003
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    # with x = 1 the output is the scaled mask, and so is the gradient of each output
    out, vjp_fn = dd.vjp(drop, x)
    np.testing.assert_array_equal(vjp_fn(np.ones_like(x))[0], out)
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\)"):
        nn.Dropout(1.0)


# --- activations ---------------------------------------------------------------------------

X5 = np.array([-3.0, -0.5, 0.25, 1.0, 2.5])


@pytest.mark.parametrize(
    ("module", "fn", "reference"),
    [
        (nn.ReLU(), dd.relu, lambda x: np.maximum(x, 0)),
        (nn.Tanh(), dd.tanh, np.tanh),
        (nn.Sigmoid(), dd.sigmoid, np_sigmoid),
        (nn.LeakyReLU(0.1), lambda x: nn.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
        (
            nn.GELU(),
            nn.gelu,
            lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        ),
    ],
    ids=["relu", "tanh", "sigmoid", "leaky_relu", "gelu"],
)
def test_activation_values_and_derivatives(module, fn, reference) -> None:
    np.testing.assert_allclose(module(X5), reference(X5), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(fn(X5), reference(X5), rtol=1e-14, atol=1e-300)
    dd.check_grad(lambda x: dd.sum(module(x)), X5)  # forward and reverse vs numeric


def test_gelu_tanh_form_is_close_to_the_exact_gelu() -> None:
    xs = np.linspace(-6, 6, 1201)
    exact = np.array([gelu_exact(x) for x in xs])
    assert np.max(np.abs(nn.gelu(xs) - exact)) < 1e-3


def test_activations_differentiate_twice() -> None:
    # d²/dx² tanh = -2 tanh (1 - tanh²); sigmoid'' = s (1 - s)(1 - 2 s)
    x = 0.7
    t, s = math.tanh(x), 1 / (1 + math.exp(-x))
    assert dd.derivative(dd.derivative(nn.Tanh()))(x) == pytest.approx(-2 * t * (1 - t * t))
    assert dd.grad(dd.grad(nn.Sigmoid()))(x) == pytest.approx(s * (1 - s) * (1 - 2 * s))


# --- losses ------------------------------------------------------------------------------------

LOGITS = RNG.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 0])


def test_mse_loss_values_and_gradient() -> None:
    pred, target = RNG.standard_normal((5, 2)), RNG.standard_normal((5, 2))
    d = pred - target
    assert nn.mse_loss(pred, target) == pytest.approx(np.mean(d * d), rel=1e-15)
    assert nn.mse_loss(pred, target, reduction="sum") == pytest.approx(np.sum(d * d), rel=1e-15)
    np.testing.assert_allclose(nn.mse_loss(pred, target, reduction="none"), d * d)
    np.testing.assert_allclose(dd.grad(nn.mse_loss)(pred, target), 2 * d / d.size, rtol=1e-14)
    dd.check_grad(lambda p: nn.mse_loss(p, target), pred)


def test_mse_loss_refuses_shapes_that_would_broadcast() -> None:
    with pytest.raises(ValueError, match=r"prediction shape \(5, 1\) differs from target shape"):
        nn.mse_loss(np.zeros((5, 1)), np.zeros(5))


def test_cross_entropy_with_integer_labels() -> None:
    expected = np_logsumexp(LOGITS) - LOGITS[np.arange(6), LABELS]
    assert nn.cross_entropy(LOGITS, LABELS) == pytest.approx(expected.mean(), rel=1e-14)
    assert nn.cross_entropy(LOGITS, LABELS, reduction="sum") == pytest.approx(expected.sum())
    np.testing.assert_allclose(nn.cross_entropy(LOGITS, LABELS, reduction="none"), expected)
    # d/dz mean CE = (softmax(z) - onehot) / N
    onehot = np.eye(4)[LABELS]
    grad = dd.grad(nn.cross_entropy)(LOGITS, LABELS)
    np.testing.assert_allclose(grad, (np_softmax(LOGITS) - onehot) / 6, rtol=1e-12, atol=1e-16)
    dd.check_grad(lambda z: nn.cross_entropy(z, LABELS), LOGITS)


def test_cross_entropy_with_one_hot_and_soft_labels() -> None:
    onehot = np.eye(4)[LABELS]
    assert nn.cross_entropy(LOGITS, onehot) == pytest.approx(
        nn.cross_entropy(LOGITS, LABELS), rel=1e-14
    )
    soft = np_softmax(RNG.standard_normal((6, 4)))
    expected = -np.sum(soft * (LOGITS - np_logsumexp(LOGITS)[:, None]), axis=1).mean()
    assert nn.cross_entropy(LOGITS, soft) == pytest.approx(expected, rel=1e-14)
    dd.check_grad(lambda z: nn.cross_entropy(z, soft), LOGITS)


def test_cross_entropy_hessian_is_the_softmax_covariance() -> None:
    z = LOGITS[0]
    p = np_softmax(z)
    h = dd.hessian(lambda z: nn.cross_entropy(z, LABELS[0]))(z)
    np.testing.assert_allclose(h, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_finite_for_huge_logits() -> None:
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]])
    labels = np.array([0, 0, 1])
    per_sample = nn.cross_entropy(z, labels, reduction="none")
    # log 2 comes out of (1000 + log 2) - 1000: accurate to a few ulps of 1000, ~1e-13
    np.testing.assert_allclose(per_sample, [0.0, 2000.0, math.log(2.0)], rtol=1e-15, atol=1e-12)
    grad = dd.grad(nn.cross_entropy)(z, labels)
    expected = np.array([[0.0, 0.0], [-1.0, 1.0], [0.5, -0.5]]) / 3
    np.testing.assert_allclose(grad, expected, atol=1e-300)
    assert np.all(np.isfinite(dd.grad(nn.cross_entropy)(z, np.eye(2)[labels])))


def test_cross_entropy_label_errors() -> None:
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\] for 4 classes; got \[4\]"):
        nn.cross_entropy(LOGITS, np.array([0, 1, 2, 3, 4, 0]))
    with pytest.raises(TypeError, match="class labels must be integers, got dtype float64"):
        nn.cross_entropy(LOGITS, LABELS.astype(float))
    with pytest.raises(ValueError, match=r"integer labels of shape \(6,\).*got labels of shape"):
        nn.cross_entropy(LOGITS, LABELS[:5])
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        nn.cross_entropy(LOGITS, LABELS, reduction="avg")


def test_binary_cross_entropy_with_logits() -> None:
    z = RNG.standard_normal((7, 1)) * 3
    y = (RNG.random((7, 1)) > 0.5).astype(float)
    s = np_sigmoid(z)
    expected = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    loss = nn.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    grad = dd.grad(nn.binary_cross_entropy_with_logits)(z, y)
    np.testing.assert_allclose(grad, (s - y) / 7, rtol=1e-12)
    dd.check_grad(lambda z: nn.binary_cross_entropy_with_logits(z, y), z)


def test_binary_cross_entropy_is_finite_for_huge_logits() -> None:
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = nn.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(loss, [0.0, 0.0, 1000.0, 1000.0], atol=1e-300)
    grad = dd.grad(lambda z: nn.binary_cross_entropy_with_logits(z, y, reduction="sum"))(z)
    np.testing.assert_allclose(grad, [0.0, 0.0, 1.0, -1.0], atol=1e-300)


def test_losses_in_forward_mode() -> None:
    # the directional derivative along v equals grad . v
    v = RNG.standard_normal(LOGITS.shape)
    _, tangent = dd.jvp(lambda z: nn.cross_entropy(z, LABELS), (LOGITS,), (v,))
    grad = dd.grad(nn.cross_entropy)(LOGITS, LABELS)
    assert tangent == pytest.approx(np.sum(grad * v), rel=1e-12)


def test_accuracy() -> None:
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert nn.accuracy(scores, np.array([1, 0, 0, 0])) == 0.75
    assert nn.accuracy(scores, np.eye(2)[[1, 0, 0, 0]]) == 0.75
    assert nn.accuracy(np.array([[2.0], [-1.0], [0.5]]), np.array([[1], [1], [1]])) == 2 / 3
    with pytest.raises(ValueError, match="labels have shape"):
        nn.accuracy(scores, np.array([1, 0]))


# --- fit ----------------------------------------------------------------------------------------


def line(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 1))
    return X, 2 * X + 5 + 0.1 * rng.standard_normal((n, 1))


def test_fit_reaches_the_least_squares_line() -> None:
    X, y = line()
    model = nn.Linear(1, 1, rng=0)
    history = nn.fit(model, nn.mse_loss, dd.optim.SGD(model.parameters(), 0.1), (X, y), 150)
    A = np.hstack([X, np.ones_like(X)])
    (w, b), *_ = np.linalg.lstsq(A, y[:, 0], rcond=None)
    assert model.weight.value.item() == pytest.approx(w, abs=1e-8)
    assert model.bias.value.item() == pytest.approx(b, abs=1e-8)
    assert history.epochs == 150 and history.keys() == ["loss"]
    # full batch: the recorded loss is the loss before each step, so it decreases
    # (strictly until it settles at the minimum to rounding)
    losses = history["loss"][:60]
    assert all(a > b for a, b in itertools.pairwise(losses))


def test_fit_full_batch_equals_the_hand_written_loop() -> None:
    X, y = line(32)
    a, b = nn.MLP([1, 5, 1], rng=3), nn.MLP([1, 5, 1], rng=3)
    nn.fit(a, nn.mse_loss, dd.optim.SGD(a.parameters(), 0.05, momentum=0.9), (X, y), 20)
    opt = dd.optim.SGD(b.parameters(), 0.05, momentum=0.9)
    for _ in range(20):
        opt.zero_grad()
        with dd.Tape():
            loss = nn.mse_loss(b(X), y)
        loss.backward()
        opt.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)


def test_fit_mini_batches_metrics_and_validation() -> None:
    X, y = line(100)
    model = nn.Linear(1, 1, rng=0)
    mae = lambda pred, t: float(np.mean(np.abs(pred - t)))
    history = nn.fit(
        model, nn.mse_loss, dd.optim.SGD(model.parameters(), 0.05), (X[:80], y[:80]), 5,
        val_data=(X[80:], y[80:]), batch_size=16, rng=0, metrics={"mae": mae},
    )  # fmt: skip
    assert history.keys() == ["loss", "mae", "val_loss", "val_mae"]
    pred = model(X[80:]).value
    assert history["val_loss"][-1] == pytest.approx(np.mean((pred - y[80:]) ** 2), rel=1e-14)
    assert history["val_mae"][-1] == pytest.approx(mae(pred, y[80:]), rel=1e-14)
    assert "stopped early" not in repr(history) and "5 epochs" in repr(history)


def test_early_stopping_restores_the_best_epoch() -> None:
    # validation targets point the other way: the validation loss is best after epoch 1
    X, y = line(40)
    model = nn.Linear(1, 1, rng=0)
    w0, b0 = model.weight.value.copy(), model.bias.value.copy()
    opt = dd.optim.SGD(model.parameters(), 0.1)
    history = nn.fit(model, nn.mse_loss, opt, (X, y), 50, val_data=(X, -y), patience=3)
    assert history.best_epoch == 1
    assert history.stopped_epoch == 4 and history.epochs == 4
    # the parameters after one full-batch step from (w0, b0), by hand
    r = X @ w0 + b0 - y
    np.testing.assert_allclose(model.weight.value, w0 - 0.1 * 2 * X.T @ r / len(X), rtol=1e-13)
    np.testing.assert_allclose(model.bias.value, b0 - 0.1 * 2 * r.mean(axis=0), rtol=1e-13)


def test_fit_argument_errors() -> None:
    X, y = line(8)
    model = nn.Linear(1, 1, rng=0)
    opt = dd.optim.SGD(model.parameters(), 0.1)
    with pytest.raises(ValueError, match="monitor='val_loss' is not one of"):
        nn.fit(model, nn.mse_loss, opt, (X, y), 2, monitor="val_loss")
    with pytest.raises(TypeError, match="train_data must be a pair"):
        nn.fit(model, nn.mse_loss, opt, X, 2)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        nn.fit(model, nn.mse_loss, opt, (X, y), 0)
    with pytest.raises(TypeError, match="must return a scalar"):
        nn.fit(model, lambda p, t: nn.mse_loss(p, t, reduction="none"), opt, (X, y), 1)


def test_fit_stops_with_a_clear_error_when_training_diverges() -> None:
    X, y = line(16)
    model = nn.Linear(1, 1, rng=0)
    with (
        pytest.raises(FloatingPointError, match=r"diverged.*Lower the learning rate"),
        np.errstate(over="ignore", invalid="ignore"),
    ):
        nn.fit(model, nn.mse_loss, dd.optim.SGD(model.parameters(), 1e6), (X, y), 50)


def test_progress_bar_shows_the_loss_only_when_asked(capsys: pytest.CaptureFixture) -> None:
    X, y = line(8)
    model = nn.Linear(1, 1, rng=0)
    opt = dd.optim.SGD(model.parameters(), 0.1)
    nn.fit(model, nn.mse_loss, opt, (X, y), 2)  # stdout is not a terminal here
    assert capsys.readouterr().out == ""
    nn.fit(model, nn.mse_loss, opt, (X, y), 2, progress=True)
    out = capsys.readouterr().out
    assert "loss=" in out and "2/2" in out


def test_history_plot_writes_an_image(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    X, y = line(8)
    model = nn.Linear(1, 1, rng=0)
    history = nn.fit(model, nn.mse_loss, dd.optim.SGD(model.parameters(), 0.1), (X, y), 3)
    path = history.plot(tmp_path / "loss.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_loss_curve_without_matplotlib(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "dualdiff-ad\[plot\]"'):
        nn.save_loss_curve([1.0, 0.5], tmp_path / "loss.png")


# --- save / load ------------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    a, b = nn.MLP([3, 4, 2], rng=0), nn.MLP([3, 4, 2], rng=1)
    path = nn.save(a, tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:  # a plain .npz, no pickle inside
        assert sorted(archive.files) == sorted(a.state_dict())
    assert nn.load(b, path) is b
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value, err_msg=name)
    assert [f.name for f in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left


def test_a_failed_save_leaves_the_old_checkpoint(tmp_path: Path, monkeypatch) -> None:
    old, new = nn.MLP([2, 3, 1], rng=0), nn.MLP([2, 3, 1], rng=1)
    path = nn.save(old, tmp_path / "ckpt.npz")
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        nn.save(new, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["ckpt.npz"]
    restored = nn.load(nn.MLP([2, 3, 1], rng=2), path)
    np.testing.assert_array_equal(restored.layers[0].weight.value, old.layers[0].weight.value)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "single array"])
def test_damaged_checkpoints_give_a_clear_error(tmp_path: Path, damage: str) -> None:
    path = nn.save(nn.MLP([2, 3, 1], rng=0), tmp_path / "ckpt.npz")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16])
                         + data[middle + 16 :])  # fmt: skip
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    else:
        np.save(path.with_suffix(".npy"), np.zeros(3))
        path = path.with_suffix(".npy")
    model = nn.MLP([2, 3, 1], rng=5)
    before = model.state_dict()
    damaged = r"cannot read checkpoint .*ckpt.*(truncated|corrupted)"
    foreign = r"ckpt.* is not a dualdiff checkpoint"  # not an .npz at all
    with pytest.raises(
        nn.CheckpointError, match=foreign if damage in ("garbage", "single array") else damaged
    ):
        nn.load(model, path)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_loading_into_a_different_model_names_the_mismatch(tmp_path: Path) -> None:
    path = nn.save(nn.MLP([2, 3, 1], rng=0), tmp_path / "small.npz")
    model = nn.MLP([2, 8, 1], rng=1)
    before = model.state_dict()
    with pytest.raises(nn.CheckpointError, match=r"small.npz.*'layers.0.weight' has shape \(2, 3"):
        nn.load(model, path)
    with pytest.raises(nn.CheckpointError, match=r"missing \['layers.4.weight', 'layers.4.bias'\]"):
        nn.load(nn.MLP([2, 3, 3, 1], rng=1), path)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    with pytest.raises(FileNotFoundError):
        nn.load(model, tmp_path / "absent.npz")


def test_transforms_over_a_model_return_plain_arrays() -> None:
    """A model's parameters are constants of f inside dd.grad / dd.jacfwd: no Vars leak."""
    model = dd.nn.MLP([3, 4, 2], activation="tanh", rng=0)
    x = np.linspace(-1.0, 1.0, 3)
    g = dd.grad(lambda x: dd.sum(model(x)))(x)
    J = dd.jacfwd(model)(x)
    assert type(g) is np.ndarray and type(J) is np.ndarray
    assert J.shape == (2, 3)
    np.testing.assert_allclose(g, J.sum(axis=0), rtol=1e-12)
    eps = 1e-6
    fd = np.stack(
        [(model(x + eps * e).value - model(x - eps * e).value) / (2 * eps) for e in np.eye(3)],
        axis=-1,
    )
    np.testing.assert_allclose(J, fd, rtol=1e-7, atol=1e-9)
