"""Memory across a long training loop: traced bytes after 200 and after 2,000 steps.

    python -m benchmarks.memory               # 2,000 steps per style
    python -m benchmarks.memory --steps 500

Both styles train the report's 1-10-1 MLP on y = 2x + 5 (100 points): the module
style (``dd.nn.MLP``, a tape per step, ``backward()``, SGD with momentum) and the
functional style (a dict of arrays, ``dd.value_and_grad``, Adam's ``update``).
Flat means the growth after warm-up is a few hundred bytes, against the ~30 KB
that one step's tape holds (``tape.nbytes`` is printed for scale).
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import dualdiff as dd

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (100, 1))
Y = 2 * X + 5


def module_style() -> Iterator[Any]:
    model = dd.nn.MLP([1, 10, 1], activation="tanh", rng=1)
    opt = dd.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    while True:
        opt.zero_grad()
        with dd.Tape() as tape:
            loss = dd.nn.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        yield tape


def functional_style() -> Iterator[Any]:
    rng = np.random.default_rng(1)
    p = {"W1": rng.normal(size=(1, 10)), "b1": np.zeros(10), "W2": rng.normal(size=(10, 1)),
         "b2": np.zeros(1)}  # fmt: skip
    opt = dd.optim.Adam(p, lr=0.05)

    def loss_fn(p: dict[str, Any]) -> Any:
        return dd.nn.mse_loss(dd.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"], Y)

    step = dd.value_and_grad(loss_fn)
    while True:
        _, g = step(p)
        p = opt.update(p, g)
        yield None


def traced_growth(style: Callable[[], Iterator[Any]], steps: int) -> tuple[int, int, int]:
    """(bytes after 200 steps, bytes after ``steps``, peak), each after a full collection."""
    it = style()
    tracemalloc.start()
    try:
        for _ in range(200):
            next(it)
        gc.collect()
        warm = tracemalloc.get_traced_memory()[0]
        for _ in range(steps - 200):
            next(it)
        gc.collect()
        end, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return warm, end, peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args(argv)
    print(f"one step's tape holds {next(module_style()).nbytes:,} bytes of arrays")
    print(f"{'style':>12} {'after 200':>12} {f'after {args.steps}':>12} {'growth':>8} {'peak':>10}")
    for name, style in (("module", module_style), ("functional", functional_style)):
        warm, end, peak = traced_growth(style, args.steps)
        print(f"{name:>12} {warm:>12,} {end:>12,} {end - warm:>8,} {peak:>10,}")


if __name__ == "__main__":
    main()
