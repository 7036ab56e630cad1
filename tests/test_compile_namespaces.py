"""``dd.compile`` on an array namespace other than NumPy: ``array_api_strict``'s ``device1``,
whose arrays refuse any conversion to NumPy, standing in for CuPy's.

A recording keys such float arrays by type, shape, dtype and device, and its replays run
each op with the namespace's function: the values and gradients are those of
``dd.value_and_grad`` on NumPy, call after call, and stay on the device.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff._namespace import namespace, to_numpy

xp = pytest.importorskip("array_api_strict")
DEVICE = xp.Device("device1")


def on_device(value: Any) -> Any:
    return xp.asarray(np.array(value), device=DEVICE)  # a copy: no memory shared with NumPy


def mlp_loss(params: list[Any], x: Any, y: Any) -> Any:
    """A ReLU MLP with softmax cross-entropy on one-hot rows ``y`` (W3's loss)."""
    h = x
    for k in range(0, len(params), 2):
        h = dd.matmul(h, params[k]) + params[k + 1]
        if k < len(params) - 2:
            h = dd.relu(h)
    return -dd.sum(dd.log_softmax(h, axis=-1) * y) / h.shape[0]


def problem(seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = [(6, 8), (8,), (8, 3), (3,)]
    params = [rng.standard_normal(s) * 0.5 for s in sizes]
    x = rng.standard_normal((5, 6))
    return params, x, np.eye(3)[rng.integers(0, 3, 5)]


@pytest.mark.parametrize("backend", ["source", "replay"])
def test_replays_on_new_inputs_match_value_and_grad(backend: str) -> None:
    step = dd.compile(mlp_loss, backend=backend)
    for seed in range(4):
        params, x, y = problem(seed)
        value, grads = step([on_device(p) for p in params], on_device(x), on_device(y))
        expected_value, expected = dd.value_and_grad(mlp_loss)(params, x, y)
        assert float(value) == pytest.approx(expected_value, rel=1e-12)
        for g, e in zip(grads, expected, strict=True):
            assert namespace(g) is xp and g.device == DEVICE
            np.testing.assert_allclose(to_numpy(g), e, rtol=1e-12, atol=1e-15)
    assert (step.recordings, step.replays) == (1, 3)


def test_parameters_updated_in_place_replay_with_their_new_values() -> None:
    """The training loop of benchmarks/gpu.py: the same arrays, changed in place."""
    params, x, y = problem(0)
    step = dd.compile(mlp_loss, backend="replay")
    device_params = [on_device(p) for p in params]
    xd, yd = on_device(x), on_device(y)
    for _ in range(4):
        value, grads = step(device_params, xd, yd)
        expected_value, expected = dd.value_and_grad(mlp_loss)(params, x, y)
        assert float(value) == pytest.approx(expected_value, rel=1e-12)
        for p, g, q, e in zip(device_params, grads, params, expected, strict=True):
            p -= 0.1 * g
            q -= 0.1 * e
    for p, q in zip(device_params, params, strict=True):
        np.testing.assert_allclose(to_numpy(p), q, rtol=1e-12)
    assert step.recordings == 1


def test_source_backend_says_why_it_replays() -> None:
    step = dd.compile(lambda w: dd.sum(dd.tanh(w) ** 2))
    step(on_device(np.ones(3)))
    step(on_device(np.zeros(3)))
    with pytest.raises(RuntimeError, match="runs by replay: its inputs are array_api_strict"):
        _ = step.source


def test_another_device_records_again_and_says_so() -> None:
    step = dd.compile(lambda w: dd.sum(w * w))
    step(on_device(np.ones(3)))
    _, g = step(xp.asarray(np.ones(3)))  # the default device
    assert g.device != DEVICE and step.recordings == 2
    assert "changed device" in step.why()


def test_a_branch_on_device_values_is_guarded() -> None:
    def f(w: Any) -> Any:
        return dd.sum(dd.where(w > 0, w * w, -w))  # w > 0: an array of outcomes, a guard

    step = dd.compile(f)
    for values in ([1.0, -2.0], [3.0, -0.5], [-1.0, 2.0]):
        value, g = step(on_device(values))
        expected_value, expected = dd.value_and_grad(f)(np.array(values))
        assert float(value) == pytest.approx(expected_value, rel=1e-14)
        np.testing.assert_allclose(to_numpy(g), expected, rtol=1e-14)
    assert (step.recordings, step.replays) == (2, 1)  # the signs of the last call differ


def test_a_backward_the_device_arrays_cannot_record_runs_as_on_a_tape() -> None:
    """cross_entropy on integer labels: logsumexp's backward, recorded as steps, would
    multiply a device array by a traced value, which array_api_strict's arrays refuse;
    such a program replays its forward steps and backpropagates through them instead."""

    def f(w: Any, x: Any, labels: Any) -> Any:
        return dd.nn.cross_entropy(dd.matmul(x, w), labels)

    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    xd, labels_d = on_device(x), on_device(labels)  # integer arrays are keyed by identity
    step = dd.compile(f)
    for _ in range(3):
        w = rng.standard_normal((4, 3))
        value, g = step(on_device(w), xd, labels_d)
        expected_value, expected = dd.value_and_grad(f)(w, x, labels)
        assert float(value) == pytest.approx(expected_value, rel=1e-12)
        np.testing.assert_allclose(to_numpy(g), expected, rtol=1e-12)
    assert (step.recordings, step.replays) == (1, 2)
