"""One logistic-regression gradient step on a Dask cluster: dualdiff against the same step
written by hand with dask.array (the limit), side by side on one LocalCluster.

    python -m benchmarks.dask_step                 # or: python benchmarks/dask_step.py
    python -m benchmarks.dask_step --samples 1000000 --chunk 50000 --rounds 7

The step is ``examples/dask_logistic.py``'s: the mean binary cross-entropy of
sigmoid(X w + b) and its gradient, on X of ``n`` x ``d`` float64 in chunks of ``chunk``
rows, held by two single-threaded workers. Both variants build their graph and have the
cluster compute loss and gradient; the rounds alternate the variants, and the figures
are medians over the rounds. The graphs' task counts (after Dask's optimization) are
printed beside them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/dask_step.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dualdiff as dd

Step = Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]


def dualdiff_step(w: Any, b: Any, X: Any, y: Any) -> tuple[Any, Any, Any]:
    """Loss, d/dw and d/db by ``dd.value_and_grad`` (lazy on dask arrays)."""

    def loss(params: tuple[Any, Any]) -> Any:
        return dd.nn.binary_cross_entropy_with_logits(X @ params[0] + params[1], y)

    value, (gw, gb) = dd.value_and_grad(loss)((w, b))
    return value, gw, gb


def hand_step(w: Any, b: Any, X: Any, y: Any) -> tuple[Any, Any, Any]:
    """The same by hand: loss mean(softplus(z) - y z), gradient X^T (sigmoid(z) - y) / n."""
    import dask.array as da

    z = X @ w + b
    residual = 1 / (1 + da.exp(-z)) - y
    value = da.mean(da.logaddexp(0, z) - y * z)
    return value, X.T @ residual / z.shape[0], da.mean(residual)


def tasks(step: Step, *args: Any) -> int:
    """How many tasks the step's optimized graph holds."""
    import dask

    graph: dict[Any, Any] = {}
    for part in dask.optimize(*step(*args)):
        graph.update(dict(part.__dask_graph__()))
    return len(graph)


def timed(step: Step, *args: Any) -> float:
    import dask

    start = time.perf_counter()
    dask.compute(*step(*args))
    return time.perf_counter() - start


def main(n: int = 1_000_000, d: int = 16, chunk: int = 50_000, rounds: int = 7) -> dict:
    import dask
    import dask.array as da
    import numpy as np
    from dask.distributed import Client, LocalCluster

    steps = {"hand-written dask.array": hand_step, "dualdiff": dualdiff_step}
    cluster = LocalCluster(2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, Client(cluster):
        rng = da.random.default_rng(0)
        X = rng.standard_normal((n, d), chunks=(chunk, d)).persist()
        y = (rng.random(n, chunks=chunk) < 0.5).astype(np.float64).persist()
        args = (da.from_array(np.linspace(-1, 1, d)), da.asarray(0.5), X, y)
        hand, ours = (dask.compute(*step(*args)) for step in steps.values())
        gap = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, hand, strict=True))
        times: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(rounds):
            for name, step in steps.items():
                times[name].append(timed(step, *args))
        counts = {name: tasks(step, *args) for name, step in steps.items()}
    limit = statistics.median(times["hand-written dask.array"])
    print(f"{n} x {d} float64 in {X.npartitions} chunks, 2 workers; dualdiff vs hand: {gap:.1e}")
    for name in steps:
        median = statistics.median(times[name])
        print(f"{name:<24} {median * 1e3:8.1f} ms {median / limit:6.2f}x {counts[name]:5d} tasks")
    return {"times": times, "tasks": counts, "gap": gap}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    main(args.samples, args.features, args.chunk, args.rounds)
