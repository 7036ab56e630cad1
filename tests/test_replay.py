"""dd.compile: a recorded tape replayed on new inputs equals fresh taping, and a
branch that the new inputs take differently is caught, never differentiated wrongly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualdiff as dd

finite = st.floats(-3.0, 3.0, allow_nan=False)


def mlp_loss(params, x, y):
    h = x
    for k in range(0, len(params), 2):
        h = h @ params[k] + params[k + 1]
        if k < len(params) - 2:
            h = dd.relu(h)
    return -dd.sum(dd.log_softmax(h, axis=-1) * y) / h.shape[0]


def mlp_problem(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in [(4, 6), (6,), (6, 3), (3,)]]
    x = rng.standard_normal((5, 4)).astype(dtype)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 5)]
    return params, x, y


def assert_same(a, b, rtol=1e-12):
    for u, v in zip(dd.tree_flatten(a)[0], dd.tree_flatten(b)[0], strict=True):
        assert type(u) is type(v) or (np.ndim(u) == np.ndim(v) == 0)
        np.testing.assert_allclose(u, v, rtol=rtol, atol=1e-14)


def test_closed_form_then_replays():
    f = dd.compile(lambda x1, x2: dd.log(x1) + x1 * x2 - dd.sin(x2), argnums=(0, 1))
    for x1, x2 in [(2.0, 5.0), (1.5, -0.3), (0.2, 7.0)]:
        value, (g1, g2) = f(x1, x2)
        assert value == pytest.approx(math.log(x1) + x1 * x2 - math.sin(x2), rel=1e-15)
        assert g1 == pytest.approx(1 / x1 + x2, rel=1e-15)
        assert g2 == pytest.approx(x1 - math.cos(x2), rel=1e-15)
        assert type(g1) is float
    assert (f.recordings, f.replays) == (1, 2)


@given(st.integers(0, 10_000))
def test_mlp_replay_equals_fresh_taping(seed):
    compiled = dd.compile(mlp_loss)
    compiled(*mlp_problem(0))  # recorded on other values
    params, x, y = mlp_problem(seed)
    assert_same(compiled(params, x, y), dd.value_and_grad(mlp_loss)(params, x, y))
    assert compiled.recordings == 1


def test_training_loop_replays_each_step():
    params, x, y = mlp_problem(1)
    fresh = [p.copy() for p in params]
    compiled = dd.compile(mlp_loss)
    eager = dd.value_and_grad(mlp_loss)
    for _ in range(5):
        (v1, g1), (v2, g2) = compiled(params, x, y), eager(fresh, x, y)
        assert v1 == pytest.approx(v2, rel=1e-13)
        for p, q, gp, gq in zip(params, fresh, g1, g2, strict=True):
            p -= 0.1 * gp  # in place: the replay must read the new values
            q -= 0.1 * gq
    assert compiled.recordings == 1 and compiled.replays == 4
    assert_same(params, fresh)


def test_float32_stays_float32():
    params, x, y = mlp_problem(2, np.float32)
    compiled = dd.compile(mlp_loss)
    compiled(params, x, y)
    _, grads = compiled(params, x, y)
    assert {g.dtype for g in grads} == {np.dtype(np.float32)}


def piecewise(x):
    if x > 1.0:
        return x * x * x
    return dd.sin(x)


@given(finite, finite)
def test_scalar_branch_change_records_again(a, b):
    compiled = dd.compile(piecewise)
    compiled(a)
    value, grad = compiled(b)
    assert grad == pytest.approx(3 * b * b if b > 1.0 else math.cos(b), rel=1e-14, abs=1e-15)
    assert value == pytest.approx(b**3 if b > 1.0 else math.sin(b), rel=1e-14, abs=1e-15)
    assert compiled.recordings == (1 if (a > 1.0) == (b > 1.0) else 2)


def test_branch_change_raises_on_request():
    compiled = dd.compile(piecewise, on_branch_change="raise")
    compiled(2.0)
    assert compiled(3.0)[1] == pytest.approx(27.0)
    with pytest.raises(dd.BranchChanged, match="another branch"):
        compiled(0.5)


def test_array_comparison_is_a_guard():
    def f(x):
        return dd.sum(dd.where(x > 0, x * x, -x))

    compiled = dd.compile(f)
    x = np.array([1.0, -2.0, 3.0])
    compiled(x)
    for new in (np.array([2.0, -1.0, 0.5]), np.array([-2.0, 1.0, 0.5])):
        value, grad = compiled(new)
        np.testing.assert_allclose(grad, np.where(new > 0, 2 * new, -1.0))
        assert value == pytest.approx(np.sum(np.where(new > 0, new * new, -new)))
    assert compiled.recordings == 2  # the second input flips the mask


def test_loop_count_is_a_guard():
    def newton_sqrt(a):  # iterate while the error is large: the count depends on a
        x = a
        while dd.abs(x * x - a) > 1e-12:
            x = 0.5 * (x + a / x)
        return x

    compiled = dd.compile(newton_sqrt)
    for a in (4.0, 4.1, 100.0, 2.0):
        value, grad = compiled(a)
        assert value == pytest.approx(math.sqrt(a), rel=1e-12)
        assert grad == pytest.approx(0.5 / math.sqrt(a), rel=1e-9)


def test_relu_masks_follow_the_new_values():
    # relu's derivative reads the primal inside its rule: no guard needed, never stale
    compiled = dd.compile(lambda x: dd.sum(dd.relu(x) * x))
    compiled(np.array([1.0, -1.0]))
    _, grad = compiled(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(grad, [0.0, 4.0])
    assert compiled.recordings == 1


def test_new_shapes_dtypes_and_keys_record_again():
    compiled = dd.compile(lambda x, n: dd.sum(x**n))
    compiled(np.ones(3), 2)
    compiled(np.ones(4), 2)
    compiled(np.ones(4, np.float32), 2)
    value, grad = compiled(np.full(4, 2.0), 3)
    np.testing.assert_allclose(grad, 12.0)
    assert compiled.recordings == 4 and value == pytest.approx(32.0)


def test_integer_labels_are_inputs_of_the_replay():
    def loss(w, x, labels):
        logits = x @ w
        return -dd.sum(dd.log_softmax(logits, axis=-1)[np.arange(3), labels])

    rng = np.random.default_rng(3)
    w, x = rng.standard_normal((2, 4)), rng.standard_normal((3, 2))
    labels = np.array([0, 3, 1])
    compiled = dd.compile(loss)
    compiled(w, x, labels)
    labels[0] = 2  # changed in place: the replay reads the new indices
    assert_same(compiled(w, x, labels), dd.value_and_grad(loss)(w, x, labels))
    assert (compiled.recordings, compiled.replays) == (1, 1)


def test_aux_pytrees_and_argnums():
    def f(params, x):
        y = params["w"] * x + params["b"]
        return dd.sum(y * y), {"y": y}

    compiled = dd.compile(f, argnums=(0, 1), has_aux=True)
    params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    x = np.array([3.0, -1.0])
    compiled(params, x)
    got = compiled(params, x + 1)
    want = dd.value_and_grad(f, argnums=(0, 1), has_aux=True)(params, x + 1)
    assert_same(got, want)
    assert isinstance(got[1][0]["b"], float)


def test_differentiating_a_compiled_function_falls_back_to_tracing():
    compiled = dd.compile(lambda x: dd.sum(dd.sin(x) * x))
    x = np.array([0.3, 1.2])
    hess = dd.jacfwd(lambda v: compiled(v)[1])(x)
    np.testing.assert_allclose(np.diag(hess), 2 * np.cos(x) - x * np.sin(x), rtol=1e-13)


def test_returned_gradients_are_the_callers():
    compiled = dd.compile(lambda x: dd.sum(x * x))
    x = np.array([1.0, 2.0])
    _, g = compiled(x)
    g[:] = 0.0
    np.testing.assert_array_equal(compiled(x)[1], [2.0, 4.0])


def test_bad_use_is_explained():
    with pytest.raises(ValueError, match="on_branch_change"):
        dd.compile(lambda x: x, on_branch_change="ignore")
    with pytest.raises(ValueError, match="scalar output"):
        dd.compile(lambda x: x * 2)(np.ones(3))
    with pytest.raises(TypeError, match="real-valued output"):
        dd.compile(lambda x: x)(1j)


@pytest.mark.parametrize("backend", ["source", "replay"])
def test_complex_inputs_follow_grad(backend: str) -> None:
    # a real function of complex inputs: the compiled gradient is dd.grad's (JAX's
    # convention, checked against JAX in test_complex), on every new input
    def f(z: Any, w: Any) -> Any:
        return dd.sum(dd.abs(z * w) ** 2 + dd.real(dd.exp(z) * dd.conj(w)) + dd.angle(z))

    compiled = dd.compile(f, argnums=(0, 1), backend=backend)
    rng = np.random.default_rng(7)
    for _ in range(4):
        z, w = (rng.normal(size=5) + 1j * rng.normal(size=5) for _ in range(2))
        value, grads = compiled(z, w)
        expected_value, expected_grads = dd.value_and_grad(f, argnums=(0, 1))(z, w)
        np.testing.assert_allclose(value, expected_value, rtol=1e-13)
        for g, e in zip(grads, expected_grads, strict=True):
            assert g.dtype == np.complex128
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    assert (compiled.recordings, compiled.replays) == (1, 3)


def test_outputs_kept_by_the_caller_survive_later_replays():
    # replays write array results into buffers planned at the first replay: nothing the
    # caller holds (aux, gradients) may be one of them
    def f(w, x):
        h = dd.tanh(x @ w)
        return dd.sum(h * h), h

    compiled = dd.compile(f, argnums=(0, 1), has_aux=True)
    w = np.array([[0.5, -1.0], [2.0, 0.1]])
    outs = [compiled(w, np.array([[1.0, 2.0]]) * k) for k in (1.0, 2.0, 3.0, 4.0)]
    for k, ((value, h), (gw, gx)) in zip((1.0, 2.0, 3.0, 4.0), outs, strict=True):
        want = dd.value_and_grad(f, argnums=(0, 1), has_aux=True)(w, np.array([[1.0, 2.0]]) * k)
        assert_same(((value, h), (gw, gx)), want)
    assert compiled.replays == 3


def test_concurrent_replays_agree():
    import threading

    params, x, y = mlp_problem(4)
    compiled = dd.compile(mlp_loss)
    compiled(params, x, y)
    want = dd.value_and_grad(mlp_loss)(params, x, y)
    results = []

    def work():
        for _ in range(20):
            results.append(compiled(params, x, y))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80
    for got in results:
        assert_same(got, want)


def test_numpy_comparisons_and_roundings_are_guards():
    # np.floor on a traced value is a constant of the derivative (like a comparison):
    # a replay where it comes out differently must record again, not reuse the old one
    def f(x):
        return dd.sum(x * np.floor(x) + dd.where(np.greater(x, 1.0), x, 0.0))

    compiled = dd.compile(f)
    compiled(np.array([0.5, 1.5]))
    for new in (np.array([0.7, 1.2]), np.array([2.5, -0.5]), np.array([1.5, 3.5])):
        value, grad = compiled(new)
        np.testing.assert_allclose(grad, np.floor(new) + (new > 1.0))
        assert value == pytest.approx(np.sum(new * np.floor(new) + np.where(new > 1.0, new, 0.0)))
    assert compiled.recordings == 3  # [0.7, 1.2] keeps the floors and the mask


def test_norm_at_zero_and_away_from_it():
    compiled = dd.compile(lambda x: dd.norm(x))
    compiled(np.array([3.0, 4.0]))
    value, grad = compiled(np.zeros(2))
    assert value == 0.0
    np.testing.assert_array_equal(grad, [0.0, 0.0])  # the subgradient dd.norm defines at 0
    value, grad = compiled(np.array([0.0, 2.0]))
    assert value == 2.0
    np.testing.assert_allclose(grad, [0.0, 1.0])


BACKWARDS = {
    "constant gradient, unused input": lambda x, w: dd.sum(x * 3.0),
    "gradient is a forward value": lambda x, w: dd.sum(dd.exp(x) * w),
    "relu, broadcasting, a matrix product": lambda x, w: dd.mean(dd.relu(x[None, :] @ w + 0.5)),
    "a mask the values decide (where)": lambda x, w: dd.sum(dd.where(x > 0, x * w[0], w[1])),
    "a power of a value": lambda x, w: dd.sum(dd.relu(x - w[0]) ** 2),
    "a value as the exponent": lambda x, w: dd.sum(dd.exp(x) ** w[0]),
    "softmax cross-entropy": lambda x, w: -dd.sum(dd.log_softmax(x @ w) * w[0]),
}


@pytest.mark.parametrize("name", list(BACKWARDS))
def test_replayed_backward_equals_fresh_taping(name):
    f = BACKWARDS[name]
    compiled = dd.compile(f, argnums=(0, 1))
    rng = np.random.default_rng(7)
    for _ in range(4):
        x, w = rng.standard_normal(3), rng.standard_normal((3, 3))
        assert_same(compiled(x, w), dd.value_and_grad(f, argnums=(0, 1))(x, w))


def test_the_output_may_be_an_input():
    compiled = dd.compile(lambda x: x)
    assert compiled(2.0) == (2.0, 1.0)
    assert compiled(-3.0) == (-3.0, 1.0)


def test_anomaly_detection_checks_every_op_of_a_compiled_function():
    compiled = dd.compile(lambda x: dd.sum(dd.log(x)))
    compiled(np.array([1.0, 2.0]))
    with dd.detect_anomaly(), pytest.raises(FloatingPointError, match="log"):
        compiled(np.array([-1.0, 2.0]))
    value, _ = compiled(np.array([-1.0, 2.0]))  # outside the block: nan, as NumPy gives
    assert math.isnan(value)
