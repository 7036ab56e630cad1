"""Numerical ranges with traced ends: ``linspace`` and ``meshgrid`` (composites).

``linspace(start, stop, num)`` is start + i * (stop - start) / div for i < num, computed
as NumPy computes it, so its derivatives are d/dstart = 1 - i / div and d/dstop = i / div
(with ``endpoint``, the last sample *is* stop). ``meshgrid`` reshapes and broadcasts its
inputs. Without a traced input both are NumPy's own functions.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._lazy import maybe_any
from .._namespace import numpy_dtype
from .._util import in_namespace_of, is_foreign, ndim_of, primal_of, shape_of
from ..core import Tracer
from .shape import (
    _as_array,
    _axis_index,
    broadcast_to,
    concatenate,
    expand_dims,
    moveaxis,
    reshape,
)


def linspace(
    start: Any,
    stop: Any,
    num: Any = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: Any = 0,
) -> Any:
    """``np.linspace``: ``num`` evenly spaced samples from start to stop (arrays give one
    range per element, stacked along ``axis``); start and stop may be traced."""
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # type: ignore[call-overload]
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"linspace: the number of samples must be non-negative, got {num}")
    ftype = np.result_type(*(_numpy_dtype_of(v) for v in (start, stop)), float(num))
    if dtype is not None and np.dtype(dtype) != ftype:
        raise TypeError(
            f"linspace: dtype={np.dtype(dtype)} would cast traced samples of dtype {ftype}; "
            "leave dtype=None"
        )
    start, stop = _weak(start), _weak(stop)
    delta = stop - start
    div = num - 1 if endpoint else num
    ref = start if isinstance(start, Tracer) else stop
    index = in_namespace_of(np.arange(num, dtype=ftype).reshape((-1,) + (1,) * ndim_of(delta)), ref)
    step = delta / div if div > 0 else np.nan
    # traced factors on the left: an array of another namespace may not take a tracer
    if div <= 0:
        y = delta * index  # 0 or 1 sample: start (and no step)
    elif maybe_any(primal_of(step) == 0):  # a step that underflows: scale the fractions instead
        y = delta * (index / div)
    else:
        y = step * index
    y = y + start
    if endpoint and num > 1:
        end = stop if isinstance(stop, Tracer) else in_namespace_of(np.asarray(stop, ftype), ref)
        last = broadcast_to(expand_dims(end, 0), (1, *shape_of(delta)))
        y = concatenate([y[:-1], last], axis=0)
    y = moveaxis(y, 0, _axis_index(axis, ndim_of(y), "linspace"))
    return (y, step) if retstep else y


def _numpy_dtype_of(x: Any) -> Any:
    """The NumPy dtype of a value of any namespace (a Python number as it is: weak)."""
    p = primal_of(x)
    return numpy_dtype(p.dtype) if is_foreign(p) else p


def _weak(x: Any) -> Any:
    """A Python number as it is (it takes the other operand's float type, as in NumPy),
    anything else as an array."""
    return x if isinstance(x, (int, float)) else _as_array(x)


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """``np.meshgrid``: coordinate arrays from 1-D ones (each input is flattened); ``indexing``
    'xy' (Cartesian: the first two outputs' axes swapped) or 'ij' (matrix), ``sparse`` keeps
    length-1 axes instead of broadcasting."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if not any(isinstance(x, Tracer) for x in xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)  # type: ignore[call-overload]
    nd = len(xi)
    axes = list(range(nd))
    if indexing == "xy" and nd > 1:
        axes[0], axes[1] = 1, 0
    grids = [
        reshape(_as_array(x), tuple(-1 if j == axes[i] else 1 for j in range(nd)))
        for i, x in enumerate(xi)
    ]
    if sparse:
        return tuple(grids)
    shape = np.broadcast_shapes(*(shape_of(g) for g in grids))
    return tuple(broadcast_to(g, shape) for g in grids)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {np.linspace: linspace, np.meshgrid: meshgrid}

__all__ = ["linspace", "meshgrid"]
