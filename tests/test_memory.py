"""Memory: flat across long training loops, tapes freed when unreferenced, saved
values released during the reverse pass, nothing left behind by an exception.

"Freed" is checked with weak references while the cyclic garbage collector is
off: an object that dies then was freed by reference counting the moment it
became unreferenced, with no reference cycle to wait on.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

pytestmark = pytest.mark.usefixtures("unchanged_global_state")


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def innermost(x: Any) -> Any:
    """The array under any number of Duals and Vars (nested transforms)."""
    while isinstance(x, (dd.Dual, dd.Var)):
        x = x.primal
    return x


# --- flat memory across training ---------------------------------------------------

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (100, 1))
Y = 2 * X + 5  # the report's line y = 2x + 5


def mlp_init() -> dict[str, np.ndarray]:
    """The report's 1-10-1 MLP as a dict of arrays (the functional style)."""
    rng = np.random.default_rng(1)
    return {
        "W1": rng.normal(size=(1, 10)),
        "b1": np.zeros(10),
        "W2": rng.normal(size=(10, 1)) * 0.3,
        "b2": np.zeros(1),
    }


def mlp_loss(p: dict[str, Any], x: np.ndarray, y: np.ndarray) -> Any:
    h = dd.tanh(x @ p["W1"] + p["b1"])
    return dd.nn.mse_loss(h @ p["W2"] + p["b2"], y)


def train_functional() -> Iterator[float]:
    """Parameters as a dict of arrays, value_and_grad, and Adam's functional update."""
    p = mlp_init()
    opt = dd.optim.Adam(p, lr=0.05)
    step = dd.value_and_grad(mlp_loss)
    while True:
        loss, g = step(p, X, Y)
        p = opt.update(p, g)
        yield float(loss)


def train_module() -> Iterator[float]:
    """dd.nn.MLP, a tape per step, backward() and SGD with momentum."""
    model = dd.nn.MLP([1, 10, 1], activation="tanh", rng=1)
    opt = dd.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    while True:
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        yield float(loss.value)


@pytest.mark.parametrize("train", [train_functional, train_module], ids=["functional", "module"])
def test_memory_is_flat_across_2000_training_steps(train: Callable[[], Iterator[float]]) -> None:
    steps = train()
    tracemalloc.start()
    try:
        first = next(steps)
        for _ in range(199):  # warm up: caches, first allocations
            next(steps)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1800):
            last = next(steps)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # One step's tape holds about 30 KB of arrays (100 x 10 float64 activations):
    # keeping even a small part of it per step would add megabytes over 1800 steps.
    assert after - before < 8_000, f"traced memory grew by {after - before} bytes"
    assert last < 0.05 * first  # and it did train


# --- tapes are freed ------------------------------------------------------------------


def test_user_tape_and_its_saved_values_are_freed_when_unreferenced(no_cyclic_gc: None) -> None:
    with dd.Tape() as tape:
        x = dd.Var(np.linspace(0, 1, 50))
        y = dd.sin(x) * x
        z = dd.sum(y)
    z.backward()
    saved = [weakref.ref(tape), weakref.ref(y.value), weakref.ref(x.value)]
    del tape, x, y
    assert saved[0]() is not None  # z still refers to its tape
    del z
    assert [r() for r in saved] == [None, None, None]


def _chain(saved: list[weakref.ref[Any]]) -> Callable[[Any], Any]:
    """sum(sin(sin(sin(x)))): keeps weak references to the intermediate values."""

    def f(x: Any) -> Any:
        for _ in range(3):
            x = dd.sin(x)
            saved.append(weakref.ref(innermost(x)))
        return dd.sum(x)

    return f


TRANSFORMS: dict[str, Callable[[Callable[[Any], Any], np.ndarray], Any]] = {
    "grad": lambda f, x: dd.grad(f)(x),
    "value_and_grad": lambda f, x: dd.value_and_grad(f)(x)[1],
    "vjp": lambda f, x: dd.vjp(f, x)[1](1.0)[0],
    "jvp": lambda f, x: dd.jvp(f, (x,), (np.ones_like(x),))[1],
    "jacfwd": lambda f, x: dd.jacfwd(f)(x),
    "jacrev": lambda f, x: dd.jacrev(f)(x),
    "hessian": lambda f, x: dd.hessian(f)(x),
    "hvp": lambda f, x: dd.hvp(f, (x,), (np.ones_like(x),)),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform_frees_everything_it_recorded(name: str, no_cyclic_gc: None) -> None:
    saved: list[weakref.ref[Any]] = []
    result = TRANSFORMS[name](_chain(saved), np.array([0.2, 0.4, 0.6]))
    assert np.all(np.isfinite(result))
    assert saved and all(r() is None for r in saved)


# --- the reverse pass releases as it goes -----------------------------------------------


@pytest.fixture
def probe() -> Iterator[tuple[Callable[[Any], Any], list[Callable[[], Any]]]]:
    """An identity op whose VJP runs a callback: it shows what is alive at that moment."""
    callbacks: list[Callable[[], Any]] = []

    def vjp(g: Any, ans: Any, x: Any) -> Any:
        for callback in callbacks:
            callback()
        return g

    op = dd.register_op("test_memory_probe", lambda x: x * 1.0, jvp=lambda t, a, x: t, vjp=vjp)
    try:
        yield op, callbacks
    finally:
        del dd.REGISTRY["test_memory_probe"]  # tests leave the registry as they found it


def _probed_chain(probe: Callable[[Any], Any], saved: list[weakref.ref[Any]]) -> Any:
    def f(x: Any) -> Any:
        y = probe(x)  # recorded first, so its VJP runs last
        for _ in range(4):
            y = dd.exp(y) * 0.5
            saved.append(weakref.ref(innermost(y)))
        return dd.sum(y)

    return f


def test_grad_releases_each_entry_once_its_vjp_has_run(
    probe: tuple[Callable[[Any], Any], list[Callable[[], Any]]],
) -> None:
    op, callbacks = probe
    saved: list[weakref.ref[Any]] = []
    alive: list[int] = []
    callbacks.append(lambda: alive.append(sum(r() is not None for r in saved)))
    x = np.array([0.1, 0.2])
    g = dd.grad(_probed_chain(op, saved))(x)
    # By the time the first op's VJP runs, every later entry has been released;
    # nothing else refers to those intermediate values.
    assert alive == [0]
    # y_{k+1} = exp(y_k) / 2 has dy_{k+1}/dy_k = y_{k+1}: the gradient is y_1 y_2 y_3 y_4.
    expected, y = np.ones_like(x), x
    for _ in range(4):
        y = np.exp(y) * 0.5
        expected = expected * y
    np.testing.assert_allclose(g, expected, rtol=1e-14)


def test_tape_kept_for_reuse_keeps_its_values(
    probe: tuple[Callable[[Any], Any], list[Callable[[], Any]]],
) -> None:
    """backward() may run again, so it must not release: the control for the test above."""
    op, callbacks = probe
    saved: list[weakref.ref[Any]] = []
    alive: list[int] = []
    callbacks.append(lambda: alive.append(sum(r() is not None for r in saved)))
    with dd.Tape():
        x = dd.Var(np.array([0.1, 0.2]))
        out = _probed_chain(op, saved)(x)
    out.backward()
    out.backward()
    assert alive == [4, 4]


# --- tape.nbytes ----------------------------------------------------------------------------


def test_nbytes_counts_each_buffer_once() -> None:
    x = np.ones(1000)  # 8000 bytes
    with dd.Tape() as tape:
        v = dd.Var(x)
        assert tape.nbytes == 8000
        y = v
        sizes = []
        for _ in range(3):
            y = y * 2.0  # one new 8000-byte output per op; the constant 2.0 is one float
            sizes.append(tape.nbytes)
        dd.broadcast_to(v, (1000, 1000))  # a view of x: no new buffer
    assert sizes == [8000 + 8 + 8000, 8000 + 8 + 16000, 8000 + 8 + 24000]
    assert tape.nbytes == sizes[-1]


def test_nbytes_drops_to_the_leaves_after_a_freeing_pass() -> None:
    with dd.Tape() as tape:
        v = dd.Var(np.ones(1000))
        y = dd.sum(dd.exp(v) * dd.sin(v))
    assert tape.nbytes > 3 * 8000
    tape.backprop(y, free=True)
    assert tape.nbytes == 8000  # only the input, which the caller still holds


# --- exceptions leave nothing behind ------------------------------------------------------


class Boom(Exception):
    pass


def _failing(saved: list[weakref.ref[Any]]) -> Callable[..., Any]:
    def f(x: Any) -> Any:
        y = dd.exp(dd.sin(x))
        saved.append(weakref.ref(innermost(y)))
        raise Boom("raised inside the differentiated function")

    return f


def _user_tape(f: Callable[[Any], Any], x: np.ndarray) -> Any:
    with dd.Tape():
        return f(dd.Var(x))


def _nested(f: Callable[[Any], Any], x: np.ndarray) -> Any:
    return dd.jacfwd(lambda x: dd.grad(lambda x: dd.sum(dd.exp(x) * f(x)))(x))(x)


def _in_anomaly_mode(f: Callable[[Any], Any], x: np.ndarray) -> Any:
    with dd.detect_anomaly():
        return dd.grad(lambda x: dd.sum(f(x)))(x)


@pytest.mark.parametrize("name", [*TRANSFORMS, "tape", "nested", "anomaly"])
def test_exception_inside_leaves_no_level_tape_or_saved_value(
    name: str, no_cyclic_gc: None
) -> None:
    saved: list[weakref.ref[Any]] = []
    run = {"tape": _user_tape, "nested": _nested, "anomaly": _in_anomaly_mode, **TRANSFORMS}[name]
    try:
        run(_failing(saved), np.array([0.5, 1.5]))
    except Boom:
        pass
    else:
        pytest.fail("the exception did not propagate")
    assert dd.core.current_level() == 0
    assert dd.reverse.active_tape() is None
    assert saved and all(r() is None for r in saved)
    # and the library works normally afterwards
    assert dd.grad(lambda x: x * x)(3.0) == 6.0
    v = dd.Var(1.0)
    with dd.Tape() as tape:
        w = v * 4.0
    assert tape.gradient(w, v) == 4.0
