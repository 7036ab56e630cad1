"""The training loop ``fit``, its ``History``, and loss-curve plots.

``fit`` runs the loop of the design contract for each mini-batch::

    opt.zero_grad()
    with dd.Tape():
        loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()

and records per-epoch figures: the training loss and metrics (averaged over
the epoch's batches, weighted by batch size) and, with ``val_data``, the
validation loss and metrics.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .._lazy import is_lazy, values_of
from .._namespace import asarray_like, namespace
from .._util import primal_of
from ..data import as_rng, batches
from ..reverse import Tape, Var
from .checkpoint import load_checkpoint, save_checkpoint
from .module import Module

__all__ = ["History", "evaluate", "fit", "save_loss_curve"]

Metric = Callable[[np.ndarray, np.ndarray], float]


@dataclass
class History:
    """Per-epoch figures of a ``fit`` run: ``history["loss"]``, ``history["val_accuracy"]`` ...

    ``best_epoch`` (1-based) is the epoch with the best monitored value;
    ``stopped_epoch`` the epoch after which early stopping ended the run
    (``None`` if every epoch ran).
    """

    metrics: dict[str, list[float]] = field(default_factory=dict)
    monitor: str = "loss"
    best_epoch: int | None = None
    stopped_epoch: int | None = None

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.metrics[key]
        except KeyError:
            raise KeyError(
                f"no figure {key!r} in this history; it has {list(self.metrics)}"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self.metrics

    def keys(self) -> list[str]:
        return list(self.metrics)

    @property
    def epochs(self) -> int:
        """The number of epochs that ran."""
        return len(next(iter(self.metrics.values()), []))

    def _append(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.metrics.setdefault(key, []).append(value)

    def plot(self, path: str | os.PathLike[str], *, title: str = "") -> Path:
        """Save the loss curves (training and validation) as an image; needs matplotlib."""
        curves = {k: v for k, v in self.metrics.items() if k.endswith("loss")}
        return save_loss_curve(curves, path, title=title)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.metrics.items() if v)
        stop = f", stopped early after epoch {self.stopped_epoch}" if self.stopped_epoch else ""
        return f"History({self.epochs} epochs: {last}; best epoch {self.best_epoch}{stop})"


def _pair(data: Any, what: str, model: Module) -> tuple[Any, Any]:
    """``(X, y)`` moved to the array namespace and device of ``model``'s parameters (NumPy
    data beside a model on the GPU is copied there once, labels too)."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"fit: {what} must be a pair (X, y) of arrays, got {type(data).__name__}")
    params = model.parameters()
    if not params or namespace(params[0].value) is np:
        return data[0], data[1]
    ref = params[0].value
    return asarray_like(data[0], ref), asarray_like(data[1], ref)


def _positive(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"fit: {what} must be a positive integer, got {n!r}")
    return int(n)


def _train_epoch(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any,
    batch_iter: Any,
    metrics: dict[str, Metric],
) -> dict[str, float]:
    """One pass over the batches; the batch-size-weighted mean loss and metrics."""
    sums = dict.fromkeys(["loss", *metrics], 0.0)
    count = 0
    for xb, yb in batch_iter:
        optimizer.zero_grad()
        with Tape():
            pred = model(xb)
            loss = loss_fn(pred, yb)
        if not isinstance(loss, Var) or np.shape(loss.value) != ():
            raise TypeError(
                "fit: loss_fn(model(x), y) must return a scalar computed from the model's "
                f"output, got {type(loss).__name__} of shape {np.shape(primal_of(loss))}"
            )
        loss.backward()
        value = _with_grads(loss.value, optimizer.params)
        optimizer.step()
        n = xb.shape[0]
        count += n
        sums["loss"] += float(value) * n
        for name, fn in metrics.items():
            sums[name] += float(fn(primal_of(pred), yb)) * n
    return {k: v / count for k, v in sums.items()}


def _with_grads(value: Any, params: list[Var]) -> Any:
    """The loss ``value``; a lazy (Dask) one is computed in one pass with the parameters'
    gradients, which the step needs (one pass each would run the batch's graph twice)."""
    if not is_lazy(value):
        return value
    params = [p for p in params if p.grad is not None]
    value, *grads = values_of([value, *(p.grad for p in params)])
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    return value


def evaluate(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    data: tuple[Any, Any],
    metrics: dict[str, Metric] | None = None,
) -> dict[str, float]:
    """The loss and metrics of ``model`` on ``data = (X, y)``, in evaluation mode, no tape."""
    X, y = _pair(data, "data", model)
    was_training = model.training
    model.eval()
    try:
        pred = primal_of(model(X))
    finally:
        model.train(was_training)
    logs = {"loss": float(primal_of(loss_fn(pred, y)))}
    for name, fn in (metrics or {}).items():
        logs[name] = float(fn(pred, y))
    return logs


class _EarlyStopping:
    """Tracks the monitored figure; says when ``patience`` epochs passed without progress."""

    def __init__(self, monitor: str, patience: int | None, min_delta: float, keep: bool) -> None:
        self.monitor, self.patience, self.min_delta, self.keep = monitor, patience, min_delta, keep
        self.sign = 1.0 if "loss" in monitor else -1.0  # losses go down, metrics go up
        self.best = math.inf
        self.waited = 0
        self.best_state: dict[str, np.ndarray] | None = None

    def update(self, value: float, epoch: int, model: Module, history: History) -> bool:
        """Record epoch ``epoch``'s value; return True when training should stop."""
        if self.sign * value < self.best - self.min_delta:
            self.best = self.sign * value
            self.waited = 0
            history.best_epoch = epoch
            if self.keep:
                self.best_state = model.state_dict()
            return False
        self.waited += 1
        return self.patience is not None and self.waited >= self.patience


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any,
    train_data: tuple[Any, Any],
    epochs: int,
    val_data: tuple[Any, Any] | None = None,
    *,
    batch_size: int | None = None,
    shuffle: bool = True,
    rng: Any = None,
    metrics: dict[str, Metric] | None = None,
    patience: int | None = None,
    monitor: str | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    progress: bool | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> History:
    """Train ``model`` on ``train_data = (X, y)`` for ``epochs`` passes; return a ``History``.

    ``batch_size`` samples per step (all of them by default), shuffled each
    epoch from ``rng``. ``metrics`` maps names to ``fn(pred, y) -> float``
    (e.g. ``{"accuracy": dd.nn.accuracy}``), computed on the training batches
    and on ``val_data``. With ``patience``, training stops once ``monitor``
    (default ``"val_loss"``, or ``"loss"`` without validation data) has not
    improved by more than ``min_delta`` for that many epochs, and with
    ``restore_best`` the best epoch's parameters are put back. ``progress``
    shows a tqdm bar with the latest figures; by default only when stdout is a
    terminal.

    With ``checkpoint=path`` the whole run (model, optimizer, epoch, random
    generators, history, early-stopping counters, the best epoch's parameters) is
    saved there after every epoch (:func:`dualdiff.nn.save_checkpoint`).
    ``resume=path`` loads such a file into ``model`` and ``optimizer`` and runs the
    remaining epochs up to ``epochs``: the result is the same, bit for bit, as a run
    that never stopped.
    """
    X, y = _pair(train_data, "train_data", model)
    epochs = _positive(epochs, "epochs")
    batch_size = np.shape(X)[0] if batch_size is None else _positive(batch_size, "batch_size")
    metrics = dict(metrics or {})
    monitor = monitor or ("val_loss" if val_data is not None else "loss")
    known = ["loss", *metrics] + (["val_loss", *(f"val_{m}" for m in metrics)] if val_data else [])
    if monitor not in known:
        raise ValueError(f"fit: monitor={monitor!r} is not one of the recorded figures {known}")
    if patience is not None:
        patience = _positive(patience, "patience")
    history = History(monitor=monitor)
    stopper = _EarlyStopping(
        monitor, patience, min_delta, keep=restore_best and patience is not None
    )
    gen = as_rng(rng)
    start = 0 if resume is None else _resume(resume, model, optimizer, gen, history, stopper)
    shuffle = shuffle and batch_size < np.shape(X)[0]  # one full batch: the order changes nothing
    show = sys.stdout.isatty() if progress is None else bool(progress)
    epochs_left = range(start + 1, epochs + 1)
    bar = tqdm(epochs_left, desc="fit", unit="epoch", disable=not show, file=sys.stdout)
    was_training = model.training
    model.train()
    try:
        for epoch in bar:
            logs = _train_epoch(
                model,
                loss_fn,
                optimizer,
                batches(X, y, batch_size, shuffle=shuffle, rng=gen),
                metrics,
            )
            if val_data is not None:
                val = evaluate(model, loss_fn, val_data, metrics)
                logs.update({f"val_{k}": v for k, v in val.items()})
            history._append(logs)
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()})
            _check_finite(logs, epoch)
            stop = stopper.update(logs[monitor], epoch, model, history)
            if checkpoint is not None:
                _save(checkpoint, model, optimizer, epoch, gen, history, stopper)
            if stop:
                history.stopped_epoch = epoch
                break
    finally:
        bar.close()
        model.train(was_training)
    if stopper.best_state is not None:
        model.load_state_dict(stopper.best_state)
    return history


_BEST = "best_state/"  # the best epoch's parameters, for restore_best after a resume


def _save(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Any,
    epoch: int,
    gen: np.random.Generator,
    history: History,
    stopper: _EarlyStopping,
) -> None:
    extra: dict[str, Any] = {
        "best": stopper.best,
        "waited": stopper.waited,
        "best_epoch": history.best_epoch or 0,
    }
    for name, value in (stopper.best_state or {}).items():
        extra[f"{_BEST}{name}"] = value
    save_checkpoint(
        path, model, optimizer, epoch=epoch, rng=gen, history=history.metrics, extra=extra
    )


def _resume(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Any,
    gen: np.random.Generator,
    history: History,
    stopper: _EarlyStopping,
) -> int:
    """Load a checkpoint written by ``fit(checkpoint=...)``; return its epoch."""
    saved = load_checkpoint(path, model, optimizer, rng=gen)
    history.metrics = saved.history
    if "best" in saved.extra:
        stopper.best = float(saved.extra["best"])
        stopper.waited = int(saved.extra["waited"])
        history.best_epoch = int(saved.extra["best_epoch"]) or None
    best = {k[len(_BEST) :]: v for k, v in saved.extra.items() if k.startswith(_BEST)}
    if best and stopper.keep:
        stopper.best_state = best
    return saved.epoch


def _check_finite(logs: dict[str, float], epoch: int) -> None:
    if not math.isfinite(logs["loss"]):
        raise FloatingPointError(
            f"fit: the training loss became {logs['loss']} in epoch {epoch}: training diverged. "
            "Lower the learning rate, scale the inputs (dd.data.standardize), or clip the "
            "gradients (max_grad_norm=...)"
        )


def save_loss_curve(
    curves: Mapping[str, Sequence[float]] | Sequence[float],
    path: str | os.PathLike[str],
    *,
    title: str = "",
    xlabel: str = "epoch",
    logy: bool = False,
) -> Path:
    """Plot one or more curves (name -> values per epoch or step) and save the image at
    ``path`` (PNG, SVG, PDF by its suffix). Needs matplotlib
    (``pip install "dualdiff-ad[plot]"``)."""
    try:
        figure_mod = importlib.import_module("matplotlib.figure")
    except ImportError as err:
        raise ImportError(
            'saving a loss curve needs matplotlib: pip install "dualdiff-ad[plot]"'
        ) from err
    if not isinstance(curves, Mapping):
        curves = {"loss": list(curves)}
    fig = figure_mod.Figure(figsize=(6, 4), layout="tight")
    ax = fig.add_subplot()
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.savefig(path)
    return Path(path)
