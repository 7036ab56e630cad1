"""What catalog entries are made of: ``Example`` and sample grids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import ops

__all__ = ["Example", "elem", "grid", "signed"]


@dataclass(frozen=True, slots=True)
class Example:
    """``fn(*args)`` uses the op; ``twin(sympy, *symbols)`` is its SymPy expression, if any.

    ``constant`` marks an op whose derivative is zero by definition
    (``stop_gradient``): numbers cannot check it, so its zeros are checked.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    twin: Callable[..., Any] | None = None
    constant: bool = False


def grid(lo: float, hi: float, shape: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """Distinct values spread over [lo, hi] (no ties, so max/min rules are smooth)."""
    n = int(np.prod(shape))
    return np.linspace(lo, hi, n).reshape(shape)[..., ::-1].copy()


def signed(lo: float, hi: float) -> np.ndarray:
    """Values with |x| in [lo, hi] and both signs."""
    x = grid(lo, hi)
    x[0] *= -1
    return x


def elem(name: str, twin: Callable[..., Any], *args: Any) -> Example:
    op = getattr(ops, name)
    return Example(op, args, twin)
