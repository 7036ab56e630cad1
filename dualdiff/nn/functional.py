"""Activations, losses and metrics as functions, built from registry ops.

Everything here is a composition of dualdiff ops, so it works on plain
arrays, on ``Var``s (reverse mode) and on ``Dual``s (forward mode), and
differentiates to any order. Losses take the model output first and the
target second, like PyTorch; ``reduction`` is ``"mean"`` (the default),
``"sum"`` or ``"none"`` (one loss per sample). Targets given as NumPy arrays or
lists beside a prediction of another array namespace (CuPy ...) are moved to it.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat
import numpy as np

from .._lazy import is_lazy
from .._namespace import asarray_like, namespace, to_numpy
from .._util import compare, primal_of, quiet_primal, shape_of
from ..core import Tracer
from ..ops import (
    getitem,
    log_softmax,
    logsumexp,
    mean,
    relu,
    sigmoid,
    softmax,
    softplus,
    square,
    sum,
    tanh,
)

__all__ = [
    "accuracy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_GELU_C = math.sqrt(2.0 / math.pi)

# --- activations -------------------------------------------------------------------


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x > 0, ``negative_slope * x`` otherwise: relu(x) + slope · (x - relu(x)).

    Written with relu, whose rule reads which units are active from the values on each
    pass: no mask is fixed when the graph is built (``dd.compile`` replays it)."""
    r = relu(x)
    return r + negative_slope * (x - r)


def gelu(x: Any) -> Any:
    """GELU, tanh form: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).

    The tanh form (Hendrycks & Gimpel; ``jax.nn.gelu``'s default) is within
    about 1e-3 of the exact x·Φ(x) and needs no erf.
    """
    inner = (x + 0.044715 * (x * x * x)) * _GELU_C
    return 0.5 * x * (1.0 + tanh(inner))


# --- losses ----------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, where_: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where_}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(losses: Any, reduction: str) -> Any:
    if reduction == "mean":
        return mean(losses)
    if reduction == "sum":
        return sum(losses)
    return losses


def _as_target(y: Any, pred: Any) -> Any:
    """The target as an array (or tracer) of the prediction's namespace."""
    if not isinstance(y, (Tracer, np.ndarray, float)) and not array_api_compat.is_array_api_obj(y):
        y = np.asarray(y)
    if isinstance(y, np.ndarray) and namespace(pred) is not np:
        y = asarray_like(y, primal_of(pred))
    return y


def _same_shape(pred: Any, target: Any, where_: str) -> None:
    ps, ts = shape_of(pred), shape_of(target)
    if ps != ts:
        raise ValueError(
            f"{where_}: prediction shape {ps} differs from target shape {ts}; NumPy would "
            "broadcast them into a wrong loss. Reshape one of them, e.g. y.reshape(-1, 1)"
        )


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error: mean((pred - target)²); ``pred`` and ``target`` of one shape."""
    _check_reduction(reduction, "mse_loss")
    target = _as_target(target, pred)
    _same_shape(pred, target, "mse_loss")
    return _reduce(square(pred - target), reduction)


def cross_entropy(logits: Any, labels: Any, reduction: str = "mean") -> Any:
    """Softmax cross-entropy from unnormalized ``logits`` of shape (..., C).

    ``labels`` are integer classes of shape (...) — the loss per sample is
    logsumexp(z) - z[label] — or rows of class probabilities (one-hot, or
    soft) of shape (..., C) — the loss is -Σ p log softmax(z). Computed with
    log-sum-exp, so logits of ±1000 give finite values and gradients.
    """
    _check_reduction(reduction, "cross_entropy")
    shape = shape_of(logits)
    if len(shape) == 0:
        raise ValueError("cross_entropy: logits must have a class axis (last), got a scalar")
    labels = _as_target(labels, logits)
    if shape_of(labels) == shape:
        losses = -sum(log_softmax(logits, axis=-1) * labels, axis=-1)
    elif shape_of(labels) == shape[:-1]:
        losses = logsumexp(logits, axis=-1) - _picked(logits, labels)
    else:
        raise ValueError(
            f"cross_entropy: logits of shape {shape} need integer labels of shape {shape[:-1]} "
            f"or probability rows of shape {shape}; got labels of shape {shape_of(labels)}"
        )
    return _reduce(losses, reduction)


def _picked(logits: Any, labels: Any) -> Any:
    """``z[..., label]`` for each sample: an index on NumPy; on another namespace, the sum of
    z times the labels' one-hot rows (the array API has no scatter for the index's VJP)."""
    traced, labels = labels, quiet_primal(labels)
    n_classes = shape_of(logits)[-1]
    xp = namespace(logits, labels)  # NumPy labels of dask logits: Dask's
    if isinstance(traced, Tracer):  # labels of dd.compile: checked again on each replay

        def check_of_the_labels(values: Any) -> bool:
            _check_labels(values, n_classes, xp)
            return True

        check_of_the_labels.__name__ = "check of the labels"
        compare(check_of_the_labels, traced)
    else:
        _check_labels(labels, n_classes, xp)
    if xp is np:  # traced labels stay an input of the index (a new batch replays)
        return getitem(logits, (*np.indices(labels.shape, sparse=True), traced))
    classes = xp.arange(n_classes, device=array_api_compat.device(labels))
    one_hot = xp.astype(labels[..., None] == classes, primal_of(logits).dtype)
    return sum(logits * one_hot, axis=-1)


def _check_labels(labels: Any, n_classes: int, xp: Any) -> None:
    """Raise unless ``labels`` are integers in [0, n_classes) (lazy labels are not read: one
    outside the range picks nothing, and its loss is the logsumexp alone)."""
    integral = labels.dtype.kind in "iu" if xp is np else xp.isdtype(labels.dtype, "integral")
    if not integral:
        raise TypeError(
            f"cross_entropy: class labels must be integers, got dtype {labels.dtype}; "
            "convert with labels.astype(int), or pass one-hot rows shaped like the logits"
        )
    outside = (labels < 0) | (labels >= n_classes)
    if not is_lazy(outside) and bool(xp.any(outside)):
        bad = to_numpy(labels)[to_numpy(outside)]
        raise ValueError(
            f"cross_entropy: labels must lie in [0, {n_classes - 1}] for {n_classes} classes; "
            f"got {bad[:5].tolist()}"
        )


def binary_cross_entropy_with_logits(logits: Any, targets: Any, reduction: str = "mean") -> Any:
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1], same shapes.

    Per element: softplus(z) - z·y = -[y log σ(z) + (1 - y) log(1 - σ(z))],
    computed without forming σ, so logits of ±1000 stay finite.
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    targets = _as_target(targets, logits)
    _same_shape(logits, targets, "binary_cross_entropy_with_logits")
    return _reduce(softplus(logits) - logits * targets, reduction)


# --- metrics -------------------------------------------------------------------------------


def accuracy(pred: Any, labels: Any) -> float:
    """The fraction of correct predictions.

    ``pred``: class scores (N, C), compared by argmax; or binary logits (N,)
    or (N, 1), positive meaning class 1. ``labels``: integer classes, or
    one-hot rows shaped like ``pred``.
    """
    p = np.asarray(to_numpy(primal_of(pred)))
    y = np.asarray(to_numpy(primal_of(labels)))
    if p.ndim >= 2 and p.shape[-1] > 1:
        guess = p.argmax(axis=-1)
        if y.shape == p.shape:
            y = y.argmax(axis=-1)
    else:
        guess = (p > 0).astype(int).reshape(p.shape[:1] if p.ndim else ())
        y = y.reshape(guess.shape) if y.size == guess.size else y
    if guess.shape != y.shape:
        raise ValueError(
            f"accuracy: predictions of shape {p.shape} give {guess.shape} guesses, "
            f"but labels have shape {y.shape}"
        )
    return float(np.mean(guess == y)) if guess.size else float("nan")
