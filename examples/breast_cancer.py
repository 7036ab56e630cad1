"""Logistic regression on the Wisconsin breast-cancer data (569 tumours, 30 features).

A ``Linear(30, 1)`` on standardized features gives the logit of "benign";
the loss is ``binary_cross_entropy_with_logits`` plus the L2 penalty that
scikit-learn's ``LogisticRegression(C=1)`` uses, so that full-batch gradient
descent must land on scikit-learn's coefficients (printed alongside).
Needs the ``data`` extra (scikit-learn; the data set is bundled).

    python examples/breast_cancer.py --out-dir figures
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from _common import save_curve

import dualdiff as dd


def main(
    epochs: int = 1000, lr: float = 1.0, C: float = 1.0, out_dir: str | Path | None = None
) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    X, y = dd.data.load_breast_cancer()
    X_train, X_test, y_train, y_test = dd.data.train_test_split(X, y, test_size=0.25, rng=0)
    X_train, X_test = dd.data.standardize(X_train, X_test)
    t_train, t_test = y_train[:, None].astype(float), y_test[:, None].astype(float)

    model = dd.nn.Linear(30, 1, rng=0)
    # scikit-learn minimizes ||w||²/2 + C·Σ loss; per sample that is a penalty ||w||² / (2CN)
    lam = 1.0 / (C * len(X_train))

    def loss_fn(logits: Any, targets: Any) -> Any:
        bce = dd.nn.binary_cross_entropy_with_logits(logits, targets)
        return bce + 0.5 * lam * dd.sum(model.weight**2)

    opt = dd.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = dd.nn.fit(
        model, loss_fn, opt, (X_train, t_train), epochs, val_data=(X_test, t_test),
        metrics={"accuracy": dd.nn.accuracy},
    )  # fmt: skip
    test_acc = dd.nn.accuracy(model(X_test).value, y_test)

    ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X_train, y_train)
    coef_gap = float(np.max(np.abs(model.weight.value.ravel() - ref.coef_.ravel())))
    ref_acc = float(ref.score(X_test, y_test))
    print(f"test accuracy {test_acc:.4f} (scikit-learn LogisticRegression: {ref_acc:.4f})")
    print(f"largest coefficient difference from scikit-learn: {coef_gap:.2e}")
    curves = {"train": history["loss"], "test": history["val_loss"]}
    save_curve(curves, out_dir, "breast_cancer.png", "breast cancer, logistic regression", True)
    return {"test_accuracy": test_acc, "sklearn_accuracy": ref_acc, "coef_gap": coef_gap}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    args = parser.parse_args()
    main(args.epochs, out_dir=args.out_dir)
