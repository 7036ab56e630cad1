"""Linear regression on scikit-learn's diabetes data, against the least-squares baseline.

442 patients, 10 standardized features, a disease-progression score. A
``Linear(10, 1)`` trained with MSE by full-batch SGD with momentum (on the
standardized target) converges to the least-squares solution; the script
prints both models' train and test MSE. Needs the ``data`` extra.

    python examples/diabetes.py --out-dir figures
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from _common import least_squares, save_curve

import dualdiff as dd


def main(epochs: int = 500, lr: float = 0.1, out_dir: str | Path | None = None) -> dict[str, Any]:
    X, y = dd.data.load_diabetes()
    X_train, X_test, y_train, y_test = dd.data.train_test_split(X, y, test_size=0.25, rng=0)
    X_train, X_test = dd.data.standardize(X_train, X_test)
    mu, sd = y_train.mean(), y_train.std()

    model = dd.nn.Linear(10, 1, rng=0)
    opt = dd.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    target = ((y_train - mu) / sd)[:, None]
    history = dd.nn.fit(model, dd.nn.mse_loss, opt, (X_train, target), epochs)

    def predict(X: np.ndarray) -> np.ndarray:
        return model(X).value[:, 0] * sd + mu

    coef, train_ls = least_squares(X_train, y_train[:, None])
    baseline = np.hstack([X_test, np.ones((len(X_test), 1))]) @ coef
    mse = {
        "train": float(np.mean((predict(X_train) - y_train) ** 2)),
        "test": float(np.mean((predict(X_test) - y_test) ** 2)),
        "train_ls": train_ls,
        "test_ls": float(np.mean((baseline[:, 0] - y_test) ** 2)),
    }
    print(f"gradient descent: train MSE {mse['train']:.2f}, test MSE {mse['test']:.2f}")
    print(f"least squares:    train MSE {mse['train_ls']:.2f}, test MSE {mse['test_ls']:.2f}")
    save_curve({"train (standardized y)": history["loss"]}, out_dir, "diabetes.png",
               "diabetes, linear regression", True)  # fmt: skip
    return mse


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    args = parser.parse_args()
    main(args.epochs, out_dir=args.out_dir)
