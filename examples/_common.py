"""Helpers shared by the examples: the report's data set and saving a loss curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

import dualdiff as dd


def line_data(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The report's data: X ~ N(0, 1) of shape (n, 1), y = 2x + 5 + noise · N(0, 1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 1))
    y = 2.0 * X + 5.0 + noise * rng.standard_normal((n, 1))
    return X, y


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The least-squares fit of y ≈ X w + b: (w, b) and its mean squared error."""
    A = np.hstack([X, np.ones((len(X), 1))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    mse = float(np.mean((A @ coef - y) ** 2))
    return coef, mse


def save_curve(
    curves: Mapping[str, Sequence[float]] | Sequence[float],
    out_dir: str | Path | None,
    filename: str,
    title: str = "",
    logy: bool = False,
) -> Path | None:
    """Save a loss curve under ``out_dir`` when one is given and matplotlib is installed."""
    if out_dir is None:
        return None
    path = Path(out_dir) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        dd.nn.save_loss_curve(curves, path, title=title, logy=logy)
    except ImportError as err:
        print(f"no loss curve: {err}")
        return None
    print(f"loss curve saved to {path}")
    return path
