"""Logistic regression by gradient descent on a chunked data set, computed by a Dask cluster.

The data (``n`` samples of ``d`` features, with 0/1 labels) is a dask array cut into
many chunks, drawn and held by the workers of a ``LocalCluster``: no process ever holds
all of it. ``dd.value_and_grad`` runs the loss on dask arrays, so the loss and its
gradient come back as one lazy Dask graph; each step hands that graph to the cluster
(``dask.persist``), and the new weights stay on the workers for the next step. The same
steps on the same data in memory, with NumPy arrays, give the same weights to rounding:
the script prints the largest difference.

On a real cluster, connect to its scheduler instead of starting a local one; nothing
else changes (``--scheduler scheduler:8786`` runs ``Client("scheduler:8786")``).
Needs the ``dask`` extra (``pip install "dualdiff-ad[dask]"``).

    python examples/dask_logistic.py
    python examples/dask_logistic.py --scheduler scheduler:8786 --samples 100000000 --no-check
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import dualdiff as dd


def loss_fn(params: tuple[Any, Any], X: Any, y: Any) -> Any:
    """Mean binary cross-entropy of sigmoid(X w + b) against the labels: X (n, d), y (n,)."""
    w, b = params
    return dd.nn.binary_cross_entropy_with_logits(X @ w + b, y)


def descend(
    params: tuple[Any, Any], X: Any, y: Any, steps: int, lr: float, keep: Callable[..., Any]
) -> tuple[tuple[Any, Any], list[Any]]:
    """``steps`` of gradient descent from ``params``: the last parameters and every loss.

    ``keep`` receives each step's new parameters and loss: ``dask.persist`` computes them
    on the cluster and keeps them there (on NumPy arrays, nothing is left to do)."""
    losses = []
    for _ in range(steps):
        loss, (gw, gb) = dd.value_and_grad(loss_fn)(params, X, y)
        w, b, loss = keep(params[0] - lr * gw, params[1] - lr * gb, loss)
        params = (w, b)
        losses.append(loss)
    return params, losses


def synthetic(n: int, d: int, chunk: int, seed: int = 0) -> tuple[Any, Any]:
    """X ~ N(0, 1), shape (n, d) in chunks of ``chunk`` rows, and y ~ Bernoulli(sigmoid(X w
    + 1/2)) with w evenly spaced in [-2, 2]: lazy dask arrays, drawn chunk by chunk."""
    import dask.array as da

    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n, d), chunks=(chunk, d))
    logits = X @ np.linspace(-2.0, 2.0, d) + 0.5
    y = (rng.random(n, chunks=chunk) < 1 / (1 + da.exp(-logits))).astype(np.float64)
    return X, y


def fit_on_cluster(client: Any, n: int, d: int, chunk: int, steps: int, lr: float) -> dict:
    """Gradient descent from zeros on the cluster; the weights, the losses and the data."""
    import dask
    import dask.array as da

    X, y = client.persist(list(synthetic(n, d, chunk)))
    print(f"data: {n} x {d} float64, {X.nbytes / 1e6:.0f} MB in {X.npartitions} chunks")
    (w, b), losses = descend((da.zeros(d), da.zeros(())), X, y, steps, lr, dask.persist)
    w, b, losses = dask.compute(w, b, losses)
    return {"w": w, "b": float(b), "losses": [float(v) for v in losses], "data": (X, y)}


def main(
    n: int = 100_000,
    d: int = 8,
    chunk: int = 10_000,
    steps: int = 20,
    lr: float = 6.0,
    scheduler: str | None = None,
    check: bool = True,
    processes: bool = True,
) -> dict[str, Any]:
    """Fit on a LocalCluster of two workers (``processes=False``: threads of this process,
    quicker to start), or on the cluster whose scheduler is at ``scheduler``."""
    if importlib.util.find_spec("distributed") is None:
        print('this example needs Dask: pip install "dualdiff-ad[dask]"')
        return {}
    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = None if scheduler else LocalCluster(2, threads_per_worker=1, processes=processes)
    with Client(scheduler or cluster) as client:
        print(f"dashboard: {client.dashboard_link}{_dashboard_note()}")
        out = fit_on_cluster(client, n, d, chunk, steps, lr)
        X, y = client.gather(client.compute(list(out.pop("data")))) if check else (None, None)
    if cluster is not None:
        cluster.close()
    out["seconds"] = time.perf_counter() - start
    losses = out["losses"]
    print(f"loss {losses[0]:.6f} -> {losses[-1]:.6f} in {steps} steps ({out['seconds']:.1f} s)")
    print(f"w = {np.round(out['w'], 3)}, b = {out['b']:.3f}")
    if check:  # the same steps on the same data, in memory (the demo's data fits)
        (w_np, b_np), losses_np = descend((np.zeros(d), 0.0), X, y, steps, lr, lambda *v: v)
        out.update(w_numpy=w_np, b_numpy=b_np, losses_numpy=losses_np, X=X, y=y)
        gap = max(float(np.max(np.abs(out["w"] - w_np))), abs(out["b"] - b_np))
        print(f"largest difference from the same steps in memory with NumPy: {gap:.1e}")
        assert gap < 1e-9, "the cluster's weights differ from NumPy's"
    return out


def _dashboard_note() -> str:
    if importlib.util.find_spec("bokeh") is None:
        return " (served once bokeh is installed: pip install bokeh)"
    return ""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per chunk")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--lr", type=float, default=6.0)
    parser.add_argument("--scheduler", help="address of a running scheduler (host:8786)")
    parser.add_argument(
        "--no-check", dest="check", action="store_false", help="skip the in-memory comparison"
    )
    args = parser.parse_args()
    main(args.samples, args.features, args.chunk, args.steps, args.lr, args.scheduler, args.check)
