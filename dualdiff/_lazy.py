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

__all__ = ["is_lazy", "maybe_any", "surely_all"]


def is_lazy(x: Any) -> bool:
    """Whether reading ``x``'s values would start a computation (a Dask array, say)."""
    if type(x) is np.ndarray or isinstance(x, (bool, int, float, complex, np.generic)):
        return False
    return bool(array_api_compat.is_lazy_array(x))


def maybe_any(mask: Any) -> bool:
    """``any(mask)``, or True when ``mask`` is lazy: a guard that may be needed is kept."""
    if type(mask) is np.ndarray or isinstance(mask, (bool, np.bool_)):
        return bool(np.any(mask))
    if is_lazy(mask):
        return True
    return bool(array_api_compat.array_namespace(mask).any(mask))


def surely_all(mask: Any) -> bool:
    """``all(mask)``, or False when ``mask`` is lazy: a shortcut is taken only when known."""
    if type(mask) is np.ndarray or isinstance(mask, (bool, np.bool_)):
        return bool(np.all(mask))
    if is_lazy(mask):
        return False
    return bool(array_api_compat.array_namespace(mask).all(mask))
