"""What the oracle tables are made of: input domains (samplers), ``Elem`` (an
elementwise op's SymPy twin) and ``Case`` (a function exercising a structural op)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

Sampler = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]

# --- input domains ----------------------------------------------------------------


def uniform(lo: float, hi: float) -> Sampler:
    return lambda rng, shape: np.asarray(rng.uniform(lo, hi, shape))


def signed(lo: float, hi: float) -> Sampler:
    """|x| in [lo, hi] with a random sign: away from a kink or pole at 0."""
    return lambda rng, shape: np.asarray(
        rng.choice([-1.0, 1.0], shape) * rng.uniform(lo, hi, shape)
    )


def boolean(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(rng.random(shape) < 0.5)


def with_zeros(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in [-2, 2] with exact zeros: the first row of the last axis has two."""
    x = np.asarray(rng.uniform(-2, 2, shape))
    x[rng.random(shape) < 0.25] = 0.0
    x[(0,) * (x.ndim - 1) + (slice(0, 2),)] = 0.0
    return x


REAL = uniform(-2.0, 2.0)


def as_input(a: np.ndarray, dtype: type) -> Any:
    """A sampled array as a user passes it: Python float/bool for 0-d float64, else arrays."""
    if a.dtype == bool:
        return bool(a) if a.ndim == 0 else a
    if a.ndim == 0:
        return float(a) if dtype is np.float64 else dtype(a)
    return a.astype(dtype)


# --- the elementwise oracle: SymPy twins ----------------------------------------------


@dataclass(frozen=True)
class Elem:
    """An elementwise op's SymPy twin and one input domain per argument.

    ``frozen`` inputs enter the twin as values only: the op must not
    differentiate them (a ``where`` condition, ``stop_gradient``).
    """

    twin: Callable[..., sp.Expr]
    domain: tuple[Sampler, ...]
    frozen: tuple[int, ...] = ()


# --- the structural oracle: cases for central differences -----------------------------


@dataclass(frozen=True)
class Case:
    """A function that uses the op under test, its input shapes, and where to sample them."""

    label: str
    fn: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    domain: Sampler = REAL
