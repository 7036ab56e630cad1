"""The report's MLP, 1-10-1 with ReLU, on y = 2x + 5 + noise, in the PyTorch style.

``dd.nn.MLP([1, 10, 1])`` trained with ``dd.nn.fit`` (full batch, SGD). A
ReLU network can represent the line exactly (relu(x) - relu(-x) = x), so its
training MSE should reach the least-squares MSE, the noise level.

    python examples/mlp_regression.py --out-dir figures
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _common import least_squares, line_data, save_curve

import dualdiff as dd


def main(
    epochs: int = 1000, lr: float = 0.05, seed: int = 0, out_dir: str | Path | None = None
) -> dict[str, Any]:
    X, y = line_data()
    model = dd.nn.MLP([1, 10, 1], activation="relu", rng=seed)
    opt = dd.optim.SGD(model.parameters(), lr=lr)
    history = dd.nn.fit(model, dd.nn.mse_loss, opt, (X, y), epochs=epochs)
    mse = float(dd.nn.mse_loss(model(X).value, y))
    mse_ls = least_squares(X, y)[1]
    print(model)
    print(f"MLP 1-10-1 after {epochs} epochs: MSE = {mse:.6f} (least-squares line: {mse_ls:.6f})")
    save_curve({"train MSE": history["loss"]}, out_dir, "mlp_regression.png", "MLP 1-10-1", True)
    return {"mse": mse, "mse_ls": mse_ls, "losses": history["loss"]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    args = parser.parse_args()
    main(args.epochs, args.lr, out_dir=args.out_dir)
