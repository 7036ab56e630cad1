"""Rearranging elements: ``flip`` and ``roll`` (registry ops), ``fliplr``, ``flipud`` and
``rot90`` (composites of flips and transposes).

Both ops permute elements, so they are linear and orthogonal: the JVP applies the op
to the tangent, the VJP applies its inverse (flip is its own inverse; roll by ``-shift``
undoes roll by ``shift``). Axes are negative integers in the rules, so tangents with
leading batch axes pass through unchanged.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._util import ndim_of, shape_of
from ..core import defop
from .shape import _as_array, _axis_index, _axis_tuple, ravel, reshape, transpose


def _negative(axes: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    return tuple(a - ndim for a in axes)


_flip = defop(
    "flip",
    lambda x, *, axes: np.flip(x, axes),
    api=lambda xp, x, *, axes: xp.flip(x, axis=axes),
    jvp=lambda t, ans, x, *, axes: _flip(t, axes=axes),
    vjp=lambda g, ans, x, *, axes: _flip(g, axes=axes),
    doc="x with the order of its elements reversed along ``axes``.",
    vjp_batched=True,
)


def flip(m: Any, axis: Any = None) -> Any:
    """``np.flip``: reverse the order of elements along ``axis`` (an int, a tuple, or all)."""
    m = _as_array(m)
    nd = ndim_of(m)
    axes = tuple(range(nd)) if axis is None else _axis_tuple(axis, nd, "flip")
    return _flip(m, axes=_negative(axes, nd)) if axes else m


def fliplr(m: Any) -> Any:
    """``np.fliplr``: reverse the columns (axis 1) of an array of 2-D or more."""
    m = _as_array(m)
    if ndim_of(m) < 2:
        raise ValueError(f"fliplr needs an array of at least 2 dimensions, got {ndim_of(m)}")
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """``np.flipud``: reverse the rows (axis 0) of an array of 1-D or more."""
    m = _as_array(m)
    if ndim_of(m) < 1:
        raise ValueError("flipud needs an array of at least 1 dimension, got a 0-d one")
    return flip(m, 0)


_roll = defop(
    "roll",
    lambda x, *, shifts, axes: np.roll(x, shifts, axes),
    api=lambda xp, x, *, shifts, axes: xp.roll(x, shift=shifts, axis=axes),
    jvp=lambda t, ans, x, *, shifts, axes: _roll(t, shifts=shifts, axes=axes),
    vjp=lambda g, ans, x, *, shifts, axes: _roll(g, shifts=tuple(-s for s in shifts), axes=axes),
    doc="x with its elements shifted cyclically by ``shifts`` along ``axes``.",
    vjp_batched=True,
)


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """``np.roll``: shift elements cyclically along ``axis`` (the flattened array when None);
    ``shift`` and ``axis`` may be ints or sequences that broadcast together."""
    a = _as_array(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    shifts = np.asarray(shift)
    if shifts.dtype.kind not in "iu":
        raise TypeError(f"roll: shift must be an int or a sequence of ints, got {shift!r}")
    pairs = np.broadcast(shifts, np.asarray(axis))
    if pairs.ndim > 1:
        raise ValueError("roll: shift and axis must be ints or 1-D sequences")
    nd = ndim_of(a)
    total: dict[int, int] = {}  # NumPy adds up the shifts of an axis named twice
    for s, ax in pairs:
        k = _axis_index(ax, nd, "roll") - nd
        total[k] = total.get(k, 0) + int(s)
    return _roll(a, shifts=tuple(total.values()), axes=tuple(total)) if total else a


def rot90(m: Any, k: Any = 1, axes: Any = (0, 1)) -> Any:
    """``np.rot90``: rotate by 90 degrees ``k`` times in the plane ``axes``, from the first
    axis towards the second (flips and a transpose)."""
    m = _as_array(m)
    nd = ndim_of(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes, got {axes!r}")
    a, b = (_axis_index(ax, nd, "rot90") for ax in axes)
    if a == b:
        raise ValueError(f"rot90: the two axes must differ, got {axes!r}")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, (a, b))
    order = list(range(nd))
    order[a], order[b] = b, a
    return transpose(flip(m, b), order) if k == 1 else flip(transpose(m, order), b)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.flip: flip,
    np.fliplr: fliplr,
    np.flipud: flipud,
    np.roll: roll,
    np.rot90: rot90,
}

__all__ = ["flip", "fliplr", "flipud", "roll", "rot90"]
