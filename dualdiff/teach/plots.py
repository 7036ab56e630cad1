"""Pictures of the report's lessons, saved as PNG files (matplotlib, the ``plot`` extra).

matplotlib is imported only when a plot is drawn, and through its object
interface (``Figure``), so nothing touches pyplot's global state or needs a
display. Without matplotlib each function raises an ``ImportError`` that says
how to install it; :func:`available` tells beforehand.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..transforms import grad
from .expr import record_symbolic

if TYPE_CHECKING:
    from .cost import Crossover

__all__ = ["available", "plot_cost", "plot_descent", "plot_loss", "plot_step_error"]


def available() -> bool:
    """Whether matplotlib is installed (plots can be drawn)."""
    return importlib.util.find_spec("matplotlib") is not None


def _figure(size: tuple[float, float] = (6.0, 4.0)) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "dualdiff's plots need matplotlib: pip install 'dualdiff-ad[plot]' (or matplotlib)"
        ) from err
    return Figure(figsize=size, layout="constrained")


def _save(fig: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def plot_loss(
    losses: Sequence[float] | Mapping[str, Sequence[float]],
    path: str | Path,
    *,
    title: str = "Training loss",
    log: bool = True,
) -> Path:
    """Loss against step, one curve per entry of ``losses`` (a sequence or name -> sequence)."""
    curves = dict(losses) if isinstance(losses, Mapping) else {"loss": losses}
    fig = _figure()
    ax = fig.add_subplot()
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), np.asarray(values, dtype=float), label=name)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="loss", title=title)
    if len(curves) > 1:
        ax.legend()
    return _save(fig, path)


def plot_descent(
    f: Callable[[Any, Any], Any],
    path: str | Path,
    points: Sequence[tuple[float, float]] = (),
    *,
    lim: float = 1.2,
    title: str | None = None,
) -> Path:
    """Contours of ``f(x, y)``, its gradient as arrows, and a gradient-descent path.

    ``f`` must act elementwise on arrays (like ``x**2 + y**2``): the gradient
    field is ``dd.grad`` of the sum over a grid, one reverse pass for all points.
    The default title shows f's formula, recorded from f itself (``f(x, y) = x^2 + y^2``).
    """
    if title is None:
        title = f"{_formula(f)}: gradient field and descent path"
    xs = np.linspace(-lim, lim, 81)
    x, y = np.meshgrid(xs, xs)
    fig = _figure((5.5, 5.0))
    ax = fig.add_subplot()
    ax.contour(x, y, np.asarray(f(x, y)), levels=12, cmap="viridis")
    qx, qy = np.meshgrid(xs[::8], xs[::8])
    gx, gy = grad(lambda a, b: np.sum(f(a, b)), argnums=(0, 1))(qx, qy)
    ax.quiver(qx, qy, gx, gy, color="tab:gray", angles="xy")
    if len(points):
        p = np.asarray(points, dtype=float)
        ax.plot(p[:, 0], p[:, 1], "o-", color="tab:red", label="gradient descent")
        ax.legend(loc="upper left")
    ax.set(xlabel="x", ylabel="y", title=title, aspect="equal")
    return _save(fig, path)


def _formula(f: Callable[[Any, Any], Any]) -> str:
    """``f(x, y) = ...`` as recorded from ``f`` (just ``f(x, y)`` if it cannot be recorded)."""
    try:
        text = record_symbolic(f, [(("name", "x"), 0.5), (("name", "y"), 0.5)]).text()
    except Exception:  # a function that only runs on arrays of its own: no formula, no harm
        return "f(x, y)"
    return f"f(x, y) = {text}"


def plot_step_error(
    errors: Mapping[str, tuple[Any, Any]],
    path: str | Path,
    *,
    title: str = "Finite-difference error against the step h",
) -> Path:
    """log-log error against h, one line per method (``name -> (hs, errors)``): the V shape.

    An error of exactly 0 (the complex step often hits the exact value) has no place on a
    log scale: it is drawn at machine epsilon, and the legend says so.
    """
    fig = _figure()
    ax = fig.add_subplot()
    eps = float(np.finfo(float).eps)
    for name, (hs, errs) in errors.items():
        e = np.abs(np.asarray(errs, dtype=float))
        label = f"{name} (0 drawn at ε = {eps:.1e})" if np.any(e == 0) else name
        ax.loglog(np.asarray(hs, dtype=float), np.maximum(e, eps), "o-", label=label, ms=3)
    ax.set(xlabel="step h", ylabel="|error|", title=title)
    ax.legend()
    return _save(fig, path)


def plot_cost(result: Crossover, path: str | Path, *, m: int | None = None) -> Path:
    """Full-Jacobian time of forward and reverse mode against n, for one m (the first)."""
    m = result.ms[0] if m is None else m
    fig = _figure()
    ax = fig.add_subplot()
    ns = np.asarray(result.ns)
    for name, times in (("forward (n passes)", result.forward), ("reverse", result.reverse)):
        ax.loglog(ns, [times[n, m] * 1e6 for n in result.ns], "o-", label=name)
    ax.set(xlabel="inputs n", ylabel="µs per Jacobian", title=f"Jacobian cost, m = {m} output(s)")
    ax.legend()
    return _save(fig, path)
