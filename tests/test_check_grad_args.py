"""check_grad on real functions: argnums, pytrees, arguments passed through, modules."""

from __future__ import annotations

import numpy as np
import pytest

import dualdiff as dd

RNG = np.random.default_rng(3)
W = RNG.standard_normal((4, 3))
X = RNG.standard_normal((5, 4))
LABELS = np.array([0, 2, 1, 1, 0])


def xent(W, X, y):
    return dd.nn.cross_entropy(X @ W, y)


def test_integer_labels_are_passed_through() -> None:
    report = dd.check_grad(xent, W, X, LABELS)  # W and X differentiated, y is not
    assert len(report.labels) == W.size + X.size
    assert report.labels[0] == "W[0, 0]" and report.labels[-1] == "X[4, 3]"


def test_argnums_as_in_jax() -> None:
    assert dd.check_grad(xent, W, X, LABELS, argnums=0).labels == [
        f"W[{i}, {j}]" for i in range(4) for j in range(3)
    ]
    assert len(dd.check_grad(xent, W, X, LABELS, argnums=(1,)).labels) == X.size
    assert len(dd.check_grad(xent, W, X, LABELS, argnums=-3).labels) == W.size


def test_values_agree_with_the_closed_form() -> None:
    report = dd.check_grad(xent, W, X, LABELS, argnums=0)
    p = np.exp(X @ W - np.max(X @ W, axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(5), LABELS] -= 1
    assert np.allclose(report.numeric, (X.T @ p / 5).ravel(), atol=1e-9)


@pytest.mark.parametrize("other", [True, "name", None, 3, np.arange(3)])
def test_non_float_arguments_reach_f_untouched(other) -> None:
    seen = []

    def f(x, extra):
        seen.append(extra)
        return dd.sum(x**2)

    report = dd.check_grad(f, np.array([0.5, -1.0]), other)
    assert report.labels == ["x[0]", "x[1]"]
    assert all(s is other for s in seen)


def test_pytree_arguments_leaf_by_leaf() -> None:
    report = dd.check_grad(
        lambda p: dd.sum(dd.tanh(X @ p["w"] + p["b"])), {"w": W, "b": np.ones(3)}
    )
    assert report.labels[:3] == ["p['b'][0]", "p['b'][1]", "p['b'][2]"]
    assert len(report.labels) == 15
    report = dd.check_grad(lambda p: dd.sum((X @ p[0] + p[1]) ** 2), [W, np.zeros(3)])
    assert report.labels[-1] == "p[1][2]"


def test_through_a_module_on_its_inputs() -> None:
    model = dd.nn.MLP([4, 3, 2], activation="tanh", rng=0)
    report = dd.check_grad(lambda X: dd.sum(model(X) ** 2), X)
    assert len(report.labels) == X.size and report.passed
    assert np.allclose(report.values["rev"], np.ravel(dd.grad(lambda X: dd.sum(model(X) ** 2))(X)))


def test_a_model_s_parameters() -> None:
    model = dd.nn.MLP([4, 3, 2], activation="tanh", rng=0)
    target = np.ones((5, 2))
    before = [p.value.copy() for p in model.parameters()]
    report = dd.check_grad(lambda m: dd.nn.mse_loss(m(X), target), model)
    assert len(report.labels) == model.num_parameters()
    assert "m.layers.0.weight[0, 0]" in report.labels
    # the parameters are Vars again afterwards, with the values they had
    assert all(isinstance(p, dd.Var) for p in model.parameters())
    assert all(np.array_equal(b, p.value) for b, p in zip(before, model.parameters(), strict=True))
    # the same entries as dd.grad of the loss in the functional style
    names = [n for n, _ in model.named_parameters()]

    def loss(params):
        with model.with_parameters(dict(zip(names, params, strict=True))):
            return dd.nn.mse_loss(model(X), target)

    grads = dd.grad(loss)([p.value for p in model.parameters()])
    by_name = dict(zip(names, grads, strict=True))
    k = report.labels.index("m.layers.2.bias[1]")
    assert report.values["rev"][k] == pytest.approx(by_name["layers.2.bias"][1], rel=1e-12)


def test_parameters_list_of_vars_taken_at_their_values() -> None:
    model = dd.nn.Linear(4, 3, rng=0)
    report = dd.check_grad(lambda p: dd.sum((X @ p[0] + p[1]) ** 2), model.parameters())
    assert len(report.labels) == 15 and report.passed


def test_a_wrong_rule_is_still_caught_through_argnums() -> None:
    bad = dd.register_op(
        "check_args_bad_sin",
        np.sin,
        jvp=lambda t, ans, x: t * np.cos(x) * 1.01,
        vjp=lambda g, ans, x: g * np.cos(x) * 1.01,
    )
    try:
        with pytest.raises(dd.GradientCheckError, match="FAILED"):
            dd.check_grad(lambda x, y: dd.sum(bad(x)) * y.size, np.array([0.3, 0.9]), LABELS)
    finally:  # a wrong op must not stay for `python -m dualdiff check` in later tests
        del dd.REGISTRY["check_args_bad_sin"]


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: dd.check_grad(xent, W, X, LABELS, argnums=5), ValueError, "argnums=5"),
        (lambda: dd.check_grad(xent, W, X, LABELS, argnums=2.0), TypeError, "ints"),
        (lambda: dd.check_grad(lambda y: 0.0, LABELS), TypeError, "no argument to differentiate"),
        (lambda: dd.check_grad(lambda s: 0.0, "a", argnums=0), TypeError, "str"),
    ],
)
def test_errors(call, error, words) -> None:
    with pytest.raises(error, match=words):
        call()
