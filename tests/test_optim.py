"""dd.optim: each update against a step computed by hand, both styles, schedules, clipping,
hyper-parameter errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import optim

P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.3, -0.1, 2.0])
G2 = np.array([-0.5, 0.4, 1.0])


def run_module_style(opt_cls, grads, p0=P0, **kwargs):
    """Values of one Var parameter after each step, the gradients set by hand."""
    p = dd.Var(p0.copy())
    opt = opt_cls([p], **kwargs)
    out = []
    for g in grads:
        opt.zero_grad()
        p.grad = g.copy()
        opt.step()
        out.append(p.value.copy())
    return out


def run_functional_style(opt_cls, grads, p0=P0, **kwargs):
    params = {"w": p0.copy()}
    opt = opt_cls(params, **kwargs)
    out = []
    for g in grads:
        params = opt.update(params, {"w": g})
        out.append(params["w"])
    return out


STYLES = [run_module_style, run_functional_style]


@pytest.mark.parametrize("run", STYLES, ids=["module", "functional"])
def test_sgd_plain_momentum_nesterov_weight_decay(run) -> None:
    lr, mu, wd = 0.1, 0.9, 0.01
    (p1, p2) = run(optim.SGD, [G1, G2], lr=lr)
    np.testing.assert_allclose(p1, P0 - lr * G1, rtol=1e-15)
    np.testing.assert_allclose(p2, P0 - lr * G1 - lr * G2, rtol=1e-15)

    (p1, p2) = run(optim.SGD, [G1, G2], lr=lr, momentum=mu)
    v1 = G1
    v2 = mu * v1 + G2
    np.testing.assert_allclose(p1, P0 - lr * v1, rtol=1e-15)
    np.testing.assert_allclose(p2, P0 - lr * v1 - lr * v2, rtol=1e-15)

    (p1, p2) = run(optim.SGD, [G1, G2], lr=lr, momentum=mu, nesterov=True)
    np.testing.assert_allclose(p1, P0 - lr * (G1 + mu * v1), rtol=1e-15)
    np.testing.assert_allclose(p2, p1 - lr * (G2 + mu * v2), rtol=1e-15)

    (p1,) = run(optim.SGD, [G1], lr=lr, weight_decay=wd)
    np.testing.assert_allclose(p1, P0 - lr * (G1 + wd * P0), rtol=1e-15)


@pytest.mark.parametrize("run", STYLES, ids=["module", "functional"])
def test_adam_two_steps_with_bias_correction(run) -> None:
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p1, p2 = run(optim.Adam, [G1, G2], lr=lr)
    # step 1: m = 0.1 g, v = 0.001 g²; bias-corrected: g and g², a step of lr g / (|g| + eps)
    np.testing.assert_allclose(p1, P0 - lr * G1 / (np.abs(G1) + eps), rtol=1e-15)
    m = (1 - b1) * (b1 * G1 + G2)
    v = (1 - b2) * (b2 * G1**2 + G2**2)
    step2 = lr * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps)
    np.testing.assert_allclose(p2, p1 - step2, rtol=1e-14)


@pytest.mark.parametrize("run", STYLES, ids=["module", "functional"])
def test_adam_l2_and_adamw_decoupled_decay(run) -> None:
    lr, wd, eps = 0.01, 0.5, 1e-8
    (p1,) = run(optim.Adam, [G1], lr=lr, weight_decay=wd)
    g = G1 + wd * P0  # L2: the decay goes through the moments
    np.testing.assert_allclose(p1, P0 - lr * g / (np.abs(g) + eps), rtol=1e-15)
    (p1,) = run(optim.AdamW, [G1], lr=lr, weight_decay=wd)
    expected = P0 - lr * (G1 / (np.abs(G1) + eps) + wd * P0)  # decoupled
    np.testing.assert_allclose(p1, expected, rtol=1e-15)
    assert optim.AdamW([dd.Var(1.0)]).weight_decay == 0.01


def test_module_and_functional_styles_train_identically() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal((20, 1))
    model = dd.nn.MLP([3, 4, 1], rng=0)
    params = [p.value.copy() for p in model.parameters()]
    opt_m = optim.Adam(model.parameters(), lr=0.01)
    opt_f = optim.Adam(params, lr=0.01)

    def loss_fn(ps, X, y):
        h = dd.relu(X @ ps[0] + ps[1])
        return dd.nn.mse_loss(h @ ps[2] + ps[3], y)

    for _ in range(5):
        opt_m.zero_grad()
        with dd.Tape():
            loss = dd.nn.mse_loss(model(X), y)
        loss.backward()
        opt_m.step()
        _, grads = dd.value_and_grad(loss_fn)(params, X, y)
        params = opt_f.update(params, grads)
    for p, q in zip(model.parameters(), params, strict=True):
        np.testing.assert_allclose(p.value, q, rtol=1e-13)


def test_update_returns_new_arrays_and_keeps_the_inputs() -> None:
    params = [P0.copy(), 2.0]
    new = optim.SGD(params, lr=0.5).update(params, [G1, 4.0])
    np.testing.assert_array_equal(params[0], P0)
    np.testing.assert_allclose(new[0], P0 - 0.5 * G1)
    assert new[1] == 0.0 and type(new[1]) is float


def test_step_updates_arrays_in_place_and_keeps_float32() -> None:
    p = dd.Var(np.ones(4, dtype=np.float32))
    array = p.value
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.full(4, 2.0, dtype=np.float32)
    opt.step()
    assert p.value is array and array.dtype == np.float32
    np.testing.assert_allclose(array, 0.9, rtol=1e-6)
    new = optim.SGD([np.ones(2, np.float32)], lr=0.1).update(
        [np.ones(2, np.float32)], [np.ones(2, np.float32)]
    )
    assert new[0].dtype == np.float32


def test_parameters_without_gradient_are_skipped() -> None:
    a, b = dd.Var(np.ones(2)), dd.Var(3.0)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    with dd.Tape():
        loss = dd.sum(a * a)
    loss.backward()
    opt.step()
    np.testing.assert_allclose(a.value, [0.8, 0.8])
    assert b.value == 3.0 and b.grad is None


def test_scalar_parameters() -> None:
    x = dd.Var(2.0)
    opt = optim.SGD([x], lr=0.25)
    for _ in range(3):
        opt.zero_grad()
        with dd.Tape():
            loss = x * x
        loss.backward()
        opt.step()
    assert x.value == pytest.approx(2.0 * 0.5**3, rel=1e-15)  # x <- x - 0.25·2x = x / 2


def test_schedules() -> None:
    step = optim.StepDecay(0.1, every=3, gamma=0.5)
    assert [step(t) for t in range(7)] == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.025])
    cos = optim.CosineDecay(1.0, total_steps=4, final_lr=0.2)
    expected = [0.2 + 0.8 * 0.5 * (1 + math.cos(math.pi * t / 4)) for t in range(4)] + [0.2] * 2
    assert [cos(t) for t in range(6)] == pytest.approx(expected, rel=1e-15)
    assert repr(cos) == "CosineDecay(lr=1.0, total_steps=4, final_lr=0.2)"


@pytest.mark.parametrize("run", STYLES, ids=["module", "functional"])
def test_optimizers_follow_their_schedule(run) -> None:
    sched = optim.StepDecay(0.1, every=1, gamma=0.5)
    p1, p2, p3 = run(optim.SGD, [G1, G1, G1], lr=sched)
    np.testing.assert_allclose(p1, P0 - 0.1 * G1, rtol=1e-15)
    np.testing.assert_allclose(p2 - p1, -0.05 * G1, rtol=1e-13)
    np.testing.assert_allclose(p3 - p2, -0.025 * G1, rtol=1e-13)


def test_lr_property_reads_the_schedule() -> None:
    opt = optim.SGD([dd.Var(1.0)], lr=lambda t: 1.0 / (t + 1))
    assert opt.lr == 1.0
    opt.steps = 3
    assert opt.lr == 0.25
    opt = optim.SGD([dd.Var(1.0)], lr=lambda t: 0.1 - t)
    opt.steps = 1
    with pytest.raises(ValueError, match="lr schedule value must be finite, at least 0"):
        opt.step()


def test_clip_by_global_norm() -> None:
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    clipped, norm = optim.clip_by_global_norm(grads, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["a"], [0.6])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    same, norm = optim.clip_by_global_norm(grads, 10.0)
    assert same is grads and norm == 5.0


def test_clip_grad_norm_scales_grad_in_place() -> None:
    a, b = dd.Var(np.zeros(2)), dd.Var(0.0)
    a.grad, b.grad = np.array([6.0, 0.0]), 8.0
    assert optim.clip_grad_norm([a, b], 5.0) == 10.0
    np.testing.assert_allclose(a.grad, [3.0, 0.0])
    assert b.grad == pytest.approx(4.0)
    assert optim.global_norm([a.grad, b.grad]) == pytest.approx(5.0)


@pytest.mark.parametrize("run", STYLES, ids=["module", "functional"])
def test_max_grad_norm_clips_before_the_update(run) -> None:
    (p1,) = run(optim.SGD, [G1], lr=1.0, max_grad_norm=1.0)
    np.testing.assert_allclose(p1, P0 - G1 / np.linalg.norm(G1), rtol=1e-14)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), "SGD: lr must be finite, at least 0.0; got -0.1"),
        (lambda p: optim.SGD(p, lr=float("nan")), "SGD: lr must be finite"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "SGD: momentum must be finite"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=1.0), r"momentum .* below 1.0"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs a momentum"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "weight_decay must be finite"),
        (lambda p: optim.Adam(p, betas=(0.9, 1.0)), r"Adam: beta2 must be .* below 1.0"),
        (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), "Adam: beta1 must be finite, at least 0"),
        (lambda p: optim.AdamW(p, eps=0.0), "AdamW: eps must be above 0"),
        (lambda p: optim.Adam(p, max_grad_norm=-1.0), "max_grad_norm must be finite"),
        (lambda p: optim.StepDecay(0.1, every=0), "every must be a positive integer"),
        (lambda p: optim.CosineDecay(0.1, total_steps=0), "total_steps must be at least 1"),
    ],
)
def test_bad_hyper_parameters_raise(make, message) -> None:
    with pytest.raises(ValueError, match=message):
        make([dd.Var(1.0)])


def test_bad_params_raise() -> None:
    model = dd.nn.Linear(2, 1, rng=0)
    with pytest.raises(TypeError, match=r"pass model.parameters\(\), not the model"):
        optim.SGD(model, lr=0.1)
    with pytest.raises(ValueError, match="got no parameters"):
        optim.Adam([])
    w = dd.Var(1.0)
    with pytest.raises(ValueError, match="appears more than once"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="mixes Vars and arrays"):
        optim.SGD([w, np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"must be dd\.Vars or arrays"):
        optim.SGD(["w"], lr=0.1)
    with pytest.raises(TypeError, match="must be a number, got str"):
        optim.SGD([w], lr="0.1")


def test_each_style_refuses_the_other_ones_calls() -> None:
    opt = optim.SGD([dd.Var(1.0)], lr=0.1)
    with pytest.raises(TypeError, match=r"built on Vars .*call opt.step\(\)"):
        opt.update([1.0], [1.0])
    fopt = optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"built on arrays .*opt.update\(params, grads\)"):
        fopt.step()
    with pytest.raises(TypeError, match="built on arrays"):
        fopt.zero_grad()
    with pytest.raises(ValueError, match="grads has structure"):
        fopt.update([np.ones(2)], {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"leaf 0 of params has shape \(3,\), expected \(2,\)"):
        fopt.update([np.ones(3)], [np.ones(3)])


def test_generator_of_parameters_and_repr() -> None:
    model = dd.nn.MLP([2, 3, 1], rng=0)
    opt = optim.SGD(iter(model.parameters()), lr=0.1, momentum=0.9)
    assert len(opt.params) == 4
    assert repr(opt) == "SGD(lr=0.1, momentum=0.9, 4 parameter(s))"


def test_adam_minimizes_the_rosenbrock_function() -> None:
    xy = [np.array([-1.0, 1.5])]
    opt = optim.Adam(xy, lr=0.02)
    rosen = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
    for _ in range(5000):
        xy = opt.update(xy, [dd.grad(rosen)(xy[0])])
    np.testing.assert_allclose(xy[0], [1.0, 1.0], atol=1e-3)
