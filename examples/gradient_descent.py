"""Gradient descent on f(x, y) = x² + y² from (1, 1), the report's ``SGD_test``.

Each step records f on a tape, backpropagates, moves against the gradient and
clears ``.grad`` (as the report says, so that gradients do not accumulate).
With lr = 0.3 each step multiplies x and y by 1 - 2·0.3 = 0.4, so after 10
steps both are 0.4**10 ≈ 1.05e-4.

    python examples/gradient_descent.py --out-dir figures
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _common import save_curve

import dualdiff as dd


def main(steps: int = 10, lr: float = 0.3, out_dir: str | Path | None = None) -> dict[str, Any]:
    x1, x2 = dd.Var(1.0), dd.Var(1.0)
    losses = []
    for step in range(1, steps + 1):
        with dd.Tape():
            out = x1**2 + x2**2
        out.backward()
        x1.data = x1.data - lr * x1.grad
        x2.data = x2.data - lr * x2.grad
        x1.grad = x2.grad = None  # important: otherwise the next backward adds to them
        losses.append(out.value)
        print(f"step {step:2d}: f = {out.value:.6g}, x1 = {x1.data:.6g}, x2 = {x2.data:.6g}")
    save_curve({"f(x1, x2)": losses}, out_dir, "gradient_descent.png", "x² + y², lr 0.3", True)
    return {"x1": x1.data, "x2": x2.data, "losses": losses}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.3)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    args = parser.parse_args()
    main(args.steps, args.lr, args.out_dir)
