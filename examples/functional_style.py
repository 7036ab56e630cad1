"""The report's linear model and 1-10-1 MLP in its functional (JAX) style.

Parameters are a plain list of arrays; ``dd.value_and_grad(loss_fn)`` gives the
loss and its gradient with respect to that list; the update is the report's
``[p - lr * g for p, g in zip(params, grads)]``. With the report's settings
(lr 0.01, 100 epochs) the linear model is still on its way to w = 2, b = 5 —
the report's w = 1.92, b = 4.32 is the same effect — and the MLP trains for
1000 epochs.

    python examples/functional_style.py --out-dir figures
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

import numpy as np
from _common import least_squares, line_data, save_curve

import dualdiff as dd


def init_params(sizes: list[int], seed: int = 42) -> list[np.ndarray]:
    """The report's initialisation: weights N(0, 1) · 0.1, biases 0; [w1, b1, w2, b2, ...]."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        params += [rng.standard_normal((n_in, n_out)) * 0.1, np.zeros(n_out)]
    return params


def mlp(params: list[Any], X: Any) -> Any:
    """Dense layers with ReLU between them; with one (w, b) pair it is the linear model."""
    h = X
    for i in range(0, len(params), 2):
        h = dd.dot(h, params[i]) + params[i + 1]
        if i + 2 < len(params):
            h = dd.relu(h)
    return h


def loss_fn(params: list[Any], X: Any, y: Any) -> Any:
    return dd.mean((mlp(params, X) - y) ** 2)


def update_params(params: list[Any], grads: list[Any], lr: float = 0.01) -> list[Any]:
    return [p - lr * g for p, g in zip(params, grads, strict=True)]


def train(sizes: list[int], epochs: int, lr: float) -> tuple[list[np.ndarray], list[float]]:
    X, y = line_data()
    params = init_params(sizes)
    value_and_grad = dd.value_and_grad(loss_fn)
    losses = []
    for _ in range(epochs):
        loss, grads = value_and_grad(params, X, y)
        params = update_params(params, grads, lr)
        losses.append(float(loss))
    return params, losses


def main(
    linear_epochs: int = 100,
    mlp_epochs: int = 1000,
    lr: float = 0.01,
    out_dir: str | Path | None = None,
) -> dict[str, Any]:
    X, y = line_data()
    (w, b), lin_losses = train([1, 1], linear_epochs, lr)
    print(
        f"linear, {linear_epochs} epochs: w = {w.item():.4f}, b = {b.item():.4f}, "
        f"loss = {lin_losses[-1]:.4f}"
    )
    mlp_params, mlp_losses = train([1, 10, 1], mlp_epochs, lr)
    mse_ls = least_squares(X, y)[1]
    print(
        f"MLP 1-10-1, {mlp_epochs} epochs: loss = {mlp_losses[-1]:.4f} "
        f"(least-squares line: {mse_ls:.4f})"
    )
    curves = {"linear": lin_losses, "MLP 1-10-1": mlp_losses}
    save_curve(curves, out_dir, "functional_style.png", "value_and_grad, lr 0.01", True)
    return {
        "w": w.item(),
        "b": b.item(),
        "linear_losses": lin_losses,
        "mlp_params": mlp_params,
        "mlp_losses": mlp_losses,
        "mse_ls": mse_ls,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--linear-epochs", type=int, default=100)
    parser.add_argument("--mlp-epochs", type=int, default=1000)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    args = parser.parse_args()
    main(args.linear_epochs, args.mlp_epochs, out_dir=args.out_dir)
