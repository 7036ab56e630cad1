"""Values that are not at hand yet: lazy arrays (Dask's), which a rule must not read.

A Dask array is a recipe; reading its values (``bool``, ``float``, ``np.asarray``) runs
the whole computation behind it, once for every rule that peeks. Rules that take a fast
path when the values allow it (no zero to guard against, no point near a singularity)
ask these questions instead of ``np.any`` / ``np.all``: on a lazy array the answer is
the one that takes the formula safe for every value, and the graph stays lazy.

This module sits on the lowest floor, beside :mod:`dualdiff._namespace`.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

__all__ = ["is_lazy", "maybe_any", "surely_all", "values_of"]


def is_lazy(x: Any) -> bool:
    """Whether reading ``x``'s values would start a computation (a Dask array, say)."""
    if type(x) is np.ndarray or isinstance(x, (bool, int, float, complex, np.generic)):
        return False
    return bool(array_api_compat.is_lazy_array(x))


def maybe_any(mask: Any) -> bool:
    """``any(mask)``, or True when ``mask`` is lazy: a guard that may be needed is kept."""
    return _reduce(mask, "any", if_lazy=True)


def surely_all(mask: Any) -> bool:
    """``all(mask)``, or False when ``mask`` is lazy: a shortcut is taken only when known."""
    return _reduce(mask, "all", if_lazy=False)


def _reduce(mask: Any, name: str, if_lazy: bool) -> bool:
    """``xp.any`` or ``xp.all`` (``name``) of ``mask`` read as a bool, or ``if_lazy``."""
    if type(mask) is np.ndarray or isinstance(mask, (bool, np.bool_)):
        return bool(getattr(np, name)(mask))
    if is_lazy(mask):
        return if_lazy
    return bool(getattr(array_api_compat.array_namespace(mask), name)(mask))


def values_of(arrays: list[Any]) -> list[Any]:
    """``arrays`` with the lazy ones computed, all in one pass (Dask computes what their
    graphs share once, where one ``compute`` each would run it again for every array)."""
    lazy = [i for i, a in enumerate(arrays) if is_lazy(a)]
    if not lazy:
        return arrays
    import dask

    out = list(arrays)
    for i, value in zip(lazy, dask.compute(*(arrays[i] for i in lazy)), strict=True):
        out[i] = value
    return out
