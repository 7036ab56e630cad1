"""Linear regression y = 2x + 5 + noise with MSE, in the PyTorch style.

A ``dd.nn.Linear(1, 1)`` trained by full-batch gradient descent: each step is
``opt.zero_grad()``, the forward pass on a tape, ``loss.backward()``,
``opt.step()``. Gradient descent on this quadratic loss converges to the
least-squares solution, which the script prints alongside.

    python examples/linear_regression.py --out-dir figures
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _common import least_squares, line_data, save_curve

import dualdiff as dd


def main(epochs: int = 200, lr: float = 0.1, out_dir: str | Path | None = None) -> dict[str, Any]:
    X, y = line_data()
    model = dd.nn.Linear(1, 1, rng=0)
    opt = dd.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.value)
    w, b = model.weight.value.item(), model.bias.value.item()
    coef, mse_ls = least_squares(X, y)
    w_ls, b_ls = coef.ravel()
    mse = float(dd.nn.mse_loss(model(X).value, y))
    print(f"gradient descent: w = {w:.6f}, b = {b:.6f}, MSE = {mse:.6f}")
    print(f"least squares:    w = {w_ls:.6f}, b = {b_ls:.6f}, MSE = {mse_ls:.6f}")
    save_curve({"train MSE": losses}, out_dir, "linear_regression.png", "Linear(1, 1), SGD", True)
    return dict(w=w, b=b, mse=mse, w_ls=w_ls, b_ls=b_ls, mse_ls=mse_ls, losses=losses)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    args = parser.parse_args()
    main(args.epochs, args.lr, args.out_dir)
