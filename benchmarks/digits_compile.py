"""The digits training loop with a compiled step: recordings, replays and time per epoch.

    python -m benchmarks.digits_compile              # 15 epochs
    python -m benchmarks.digits_compile --epochs 5

The loop of ``examples/digits.py --compile``: a 64-256-10 GELU MLP on scikit-learn's
digits (1347 training images), AdamW, mini-batches of 32 with integer class labels (the
short last batch dropped: 42 steps an epoch). Each epoch runs the same batches through
``dd.compile(loss)`` and through ``dd.value_and_grad(loss)``, alternately, so the two
figures are measured side by side; the minimum over the epochs is the least disturbed.
Needs the ``data`` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import dualdiff as dd


def _loss(model: dd.nn.Module) -> Callable[..., Any]:
    names = [name for name, _ in model.named_parameters()]

    def loss(values: list[np.ndarray], images: np.ndarray, labels: np.ndarray) -> Any:
        with model.with_parameters(dict(zip(names, values, strict=True))):
            return dd.nn.cross_entropy(model(images), labels)

    return loss


def _epoch(step: Callable[..., Any], model: dd.nn.Module, opt: Any, batches: list[Any]) -> float:
    """Seconds for one pass: the step and the optimizer's update per batch."""
    params = model.parameters()
    start = time.perf_counter()
    for images, labels in batches:
        _, grads = step([p.value for p in params], images, labels)
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()
    return time.perf_counter() - start


def main(epochs: int = 15) -> dict[str, list[float]]:
    X, y = dd.data.load_digits()
    X_train, _, y_train, _ = dd.data.train_test_split(X, y, test_size=0.25, rng=0)
    model = dd.nn.MLP([64, 256, 10], activation="gelu", rng=0)
    opt = dd.optim.AdamW(model.parameters(), lr=1e-3)
    loss = _loss(model)
    compiled = dd.compile(loss)
    steps = {"dd.compile": compiled, "dd.value_and_grad": dd.value_and_grad(loss)}
    rng = np.random.default_rng(0)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(epochs):
        batches = list(dd.data.batches(X_train, y_train, 32, rng=rng, drop_last=True))
        for name, step in steps.items():
            times[name].append(_epoch(step, model, opt, batches) * 1e3)
    for name, ms in times.items():
        print(f"{name:18} min {min(ms):6.1f} ms/epoch, median {statistics.median(ms):6.1f}")
    print(f"dd.compile: {compiled.recordings} recording(s), {compiled.replays} replays")
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    main(parser.parse_args().epochs)
