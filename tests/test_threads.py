"""Threads and async tasks: tapes and nesting levels are per context.

Python switches threads every few microseconds here (``sys.setswitchinterval``),
so two training loops really interleave op by op; they must still get exactly
the gradients of the same loops run one after the other.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.core import current_level
from dualdiff.reverse import active_tape

pytestmark = pytest.mark.usefixtures("unchanged_global_state")


@pytest.fixture(autouse=True)
def fast_thread_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_in_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in one thread each, all released at once; re-raise any failure."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def worker(i: int) -> None:
        try:
            start.wait()
            results[i] = jobs[i]()
        except BaseException as err:  # reported in the main thread
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def make_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (64, 2))
    return x, np.sin(3 * x[:, :1]) + x[:, 1:] ** 2


def train_with_tape(seed: int, steps: int = 60) -> list[dict[str, np.ndarray]]:
    """Module style: dd.nn.MLP, a tape per step, backward(), Adam; returns every gradient."""
    x, y = make_data(seed)
    model = dd.nn.MLP([2, 16, 1], activation="tanh", rng=seed)
    opt = dd.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.mse_loss(model(x), y)
        loss.backward()
        history.append({name: p.grad.copy() for name, p in model.named_parameters()})
        opt.step()
    return history


def loss_fn(p: dict[str, Any], x: np.ndarray, y: np.ndarray) -> Any:
    h = dd.tanh(x @ p["W1"] + p["b1"])
    return dd.nn.mse_loss(h @ p["W2"] + p["b2"], y)


def train_with_grad(seed: int, steps: int = 60) -> list[dict[str, np.ndarray]]:
    """Functional style: value_and_grad over a dict of arrays, SGD's update; every gradient."""
    x, y = make_data(seed)
    rng = np.random.default_rng(seed)
    p = {
        "W1": rng.normal(size=(2, 16)) * 0.5,
        "b1": np.zeros(16),
        "W2": rng.normal(size=(16, 1)) * 0.25,
        "b2": np.zeros(1),
    }
    opt = dd.optim.SGD(p, lr=0.2, momentum=0.5)
    step = dd.value_and_grad(loss_fn)
    history = []
    for _ in range(steps):
        _, g = step(p, x, y)
        history.append(g)
        p = opt.update(p, g)
    return history


def assert_same_history(a: list[dict[str, np.ndarray]], b: list[dict[str, np.ndarray]]) -> None:
    assert len(a) == len(b)
    for ga, gb in zip(a, b, strict=True):
        for k in ga:
            np.testing.assert_array_equal(ga[k], gb[k])


@pytest.mark.parametrize("train", [train_with_tape, train_with_grad], ids=["tape", "grad"])
def test_two_models_trained_at_once_get_the_serial_gradients(train: Callable[..., Any]) -> None:
    serial = [train(1), train(2)]
    threaded = run_in_threads([lambda: train(1), lambda: train(2)])
    assert_same_history(threaded[0], serial[0])
    assert_same_history(threaded[1], serial[1])
    first = [next(iter(run[0].values())) for run in serial]
    assert not np.array_equal(*first)  # two different models


def test_tapes_open_at_once_in_two_threads_record_separately() -> None:
    both_inside = threading.Barrier(2)

    def job(scale: float) -> tuple[int, int, float]:
        with dd.Tape() as tape:
            x = dd.Var(2.0)
            both_inside.wait()  # the other thread's tape is open now too
            assert active_tape() is tape
            y = x
            for _ in range(200):
                y = y * scale
        return len(tape), len(tape.leaves), tape.gradient(y, x)

    (n1, l1, g1), (n2, l2, g2) = run_in_threads([lambda: job(1.01), lambda: job(0.99)])
    assert (n1, l1, n2, l2) == (200, 1, 200, 1)
    assert g1 == pytest.approx(1.01**200, rel=1e-12)
    assert g2 == pytest.approx(0.99**200, rel=1e-12)


def test_transforms_in_threads_never_see_each_others_tapes() -> None:
    """Each f checks, mid-flight, that it runs at its own level with no tape of another thread."""
    seen: list[tuple[int, bool]] = []

    def job(k: int) -> list[Any]:
        def f(x: Any) -> Any:
            seen.append((current_level(), active_tape() is None))
            return dd.sum(dd.sin(k * x) * x)

        x = np.linspace(-1, 1, 5) + k
        out = []
        for _ in range(30):
            out.append((dd.grad(f)(x), dd.hessian(f)(x), dd.jacrev(dd.grad(f))(x)))
        return out

    ks = [1, 2, 3, 4]
    threaded = run_in_threads([lambda k=k: job(k) for k in ks])
    # grad runs f at level 1, hessian (jacfwd of grad) and jacrev of grad at level 2
    assert set(seen) == {(1, True), (2, True)}
    for k, results in zip(ks, threaded, strict=True):
        x = np.linspace(-1, 1, 5) + k
        # d/dx [x sin(kx)] = sin(kx) + k x cos(kx); second derivative 2k cos(kx) - k^2 x sin(kx)
        g = np.sin(k * x) + k * x * np.cos(k * x)
        h = np.diag(2 * k * np.cos(k * x) - k * k * x * np.sin(k * x))
        for gr, he, jr in results:
            np.testing.assert_allclose(gr, g, rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(he, h, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(jr, h, rtol=1e-12, atol=1e-12)


def test_async_tasks_keep_their_own_tapes() -> None:
    async def job(scale: float) -> tuple[int, float]:
        with dd.Tape() as tape:
            x = dd.Var(1.5)
            y = x
            for _ in range(50):
                y = y * scale
                await asyncio.sleep(0)  # let the other task record in between
                assert active_tape() is tape
        return len(tape), tape.gradient(y, x)

    async def both() -> list[tuple[int, float]]:
        return list(await asyncio.gather(job(1.1), job(0.9)))

    (n1, g1), (n2, g2) = asyncio.run(both())
    assert (n1, n2) == (50, 50)
    assert g1 == pytest.approx(1.1**50, rel=1e-12)
    assert g2 == pytest.approx(0.9**50, rel=1e-12)
