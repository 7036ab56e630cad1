"""Data for training: mini-batches, a train/test split, scaling, and scikit-learn's bundled
data sets (digits, breast cancer, diabetes; no download).

The data sets need the optional ``data`` extra (``pip install "dualdiff-ad[data]"``);
scikit-learn is imported only when a loader is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import array_api_compat
import numpy as np

from ._namespace import asarray_like, namespace

__all__ = [
    "as_rng",
    "batches",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "one_hot",
    "standardize",
    "train_test_split",
]


def as_rng(rng: Any = None) -> np.random.Generator:
    """A ``np.random.Generator`` from ``None`` (fresh entropy), a seed, or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, an integer seed or a np.random.Generator, got {type(rng).__name__}"
    )


def _array(a: Any) -> Any:
    """``a`` as an array: arrays of any namespace kept, anything else through NumPy."""
    if isinstance(a, np.ndarray) or array_api_compat.is_array_api_obj(a):
        return a
    return np.asarray(a)


def _arrays(X: Any, y: Any, where: str) -> tuple[Any, Any]:
    X = _array(X)
    if X.ndim == 0:
        raise ValueError(f"{where}: X must have a sample axis (axis 0), got a scalar")
    if y is None:
        return X, None
    y = _array(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{where}: X has {X.shape[0]} samples (shape {X.shape}) but y has shape "
            f"{y.shape}; they must have the same length along axis 0"
        )
    return X, y


def _rows(a: Any, part: Any) -> Any:
    """The rows ``part`` (a slice, or NumPy indices) of an array of any namespace."""
    if isinstance(a, np.ndarray) or isinstance(part, slice):
        return a[part]
    return namespace(a).take(a, asarray_like(part, a), axis=0)


def batches(
    X: Any,
    y: Any,
    batch_size: int,
    *,
    shuffle: bool = True,
    rng: Any = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield ``(X_batch, y_batch)`` pairs of ``batch_size`` samples (the last may be shorter).

    With ``shuffle`` the samples are visited in a random order drawn from
    ``rng`` (a seed or Generator); ``y`` may be ``None``. Arrays of any namespace
    (CuPy ...) give batches of that namespace; the order is drawn by NumPy either way.
    """
    X, y = _arrays(X, y, "batches")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batches: batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be at least 1, got {batch_size}")
    n = X.shape[0]
    order = as_rng(rng).permutation(n) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            part: Any = slice(start, start + batch_size)
        else:
            part = order[start : start + batch_size]
        yield _rows(X, part), (None if y is None else _rows(y, part))


def train_test_split(
    X: Any, y: Any, test_size: float = 0.25, *, rng: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction in (0, 1) or a number of samples; a fixed
    ``rng`` seed gives a fixed split.
    """
    X, y = _arrays(X, y, "train_test_split")
    if y is None:
        raise TypeError("train_test_split: y is required (the targets to split along with X)")
    n = len(X)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = int(np.ceil(test_size * n))
    else:
        raise ValueError(
            f"train_test_split: test_size must be in (0, 1) or an int, got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: {n_test} test samples out of {n} leaves an empty part; "
            "pick test_size so that both parts have samples"
        )
    order = as_rng(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(train: Any, *others: Any) -> tuple[np.ndarray, ...]:
    """Scale features to mean 0 and standard deviation 1, using statistics of ``train`` only.

    Returns the scaled ``train`` and each of ``others`` (e.g. the test set);
    constant features are centred and left unscaled.
    """
    train = np.asarray(train, dtype=float)
    mu = train.mean(axis=0)
    sigma = train.std(axis=0)
    sigma = np.where(sigma > 0, sigma, 1.0)
    return tuple((np.asarray(a, dtype=float) - mu) / sigma for a in (train, *others))


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = np.float64) -> np.ndarray:
    """Rows of zeros with a one at each integer label: shape (*labels.shape, num_classes)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    n = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(f"one_hot: labels must lie in [0, {n - 1}] for {n} classes")
    return np.eye(n, dtype=dtype)[labels]


# --- scikit-learn's bundled data sets ----------------------------------------------------


def _sklearn_datasets() -> Any:
    try:
        return importlib.import_module("sklearn.datasets")
    except ImportError as err:
        raise ImportError(
            "the bundled data sets come from scikit-learn, which is not installed: "
            'pip install "dualdiff-ad[data]"'
        ) from err


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """8x8 images of handwritten digits: X (1797, 64) in [0, 1] (pixel / 16), y (1797,) in 0..9."""
    X, y = _sklearn_datasets().load_digits(return_X_y=True)
    return X.astype(np.float64) / 16.0, y.astype(np.int64)


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Wisconsin breast cancer: X (569, 30) raw features, y (569,) with 1 = benign."""
    X, y = _sklearn_datasets().load_breast_cancer(return_X_y=True)
    return X.astype(np.float64), y.astype(np.int64)


def load_diabetes() -> tuple[np.ndarray, np.ndarray]:
    """Diabetes progression: X (442, 10) (scaled by scikit-learn), y (442,) a score, 25..346."""
    X, y = _sklearn_datasets().load_diabetes(return_X_y=True)
    return X.astype(np.float64), y.astype(np.float64)
