"""Sorting and selection: sort, take, take_along_axis, choose, select, piecewise.

Each output element is one input element (or a constant), chosen by a permutation, an
index or a condition. The derivative follows that choice: the tangent is gathered the
same way, and the cotangent is scattered back (summed where an element is chosen twice).
Indices and conditions are read from the values and are not differentiated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._lazy import is_lazy
from .._namespace import asarray_like, namespace
from .._util import (
    handed_on,
    is_foreign,
    ndim_of,
    normalize_axes,
    primal_of,
    quiet_primal,
    shape_of,
    zeros_like_shape,
)
from ..core import Tracer, defop
from .elementwise import where
from .shape import batched_scatter, broadcast_to, getitem, reshape, scatter_add, stack

# --- gathering along an axis ---------------------------------------------------------------


def _leading(indices: np.ndarray, t: Any, x: Any) -> np.ndarray:
    """``indices`` with a length-1 axis for each leading batch axis of the tangent ``t``."""
    shape = (1,) * (ndim_of(t) - ndim_of(x)) + tuple(indices.shape)
    return namespace(indices).reshape(indices, shape)


def _along_index(shape: tuple[int, ...], indices: np.ndarray, axis: int) -> tuple[Any, ...]:
    """The integer-array index equal to take_along_axis(x, indices, axis) for x of ``shape``."""
    nd = len(shape)
    return tuple(
        indices if d == axis % nd else np.arange(n).reshape((n,) + (1,) * (nd - d - 1))
        for d, n in enumerate(shape)
    )


_take_along = defop(
    "take_along_axis",
    lambda x, *, indices, axis: np.take_along_axis(x, indices, axis=axis),
    api=lambda xp, x, *, indices, axis: xp.take_along_axis(x, asarray_like(indices, x), axis=axis),
    jvp=lambda t, ans, x, *, indices, axis: _take_along(
        t, indices=_leading(indices, t, x), axis=axis
    ),
    vjp=lambda g, ans, x, *, indices, axis: batched_scatter(
        g, ndim_of(g) - ndim_of(ans), _along_index(shape_of(x), indices, axis), shape_of(x)
    ),
    doc="out = x[..., indices[k], ...] along ``axis``; the VJP adds g back at the indices.",
    vjp_batched=True,
)


def _int_indices(indices: Any, op: str) -> np.ndarray:
    """The indices as an integer array; traced ones as they are (see ``handed_on``)."""
    idx = np.asarray(handed_on(indices) if isinstance(indices, Tracer) else indices)
    if idx.dtype.kind not in "iub":
        raise IndexError(f"{op}: indices must be integers, got dtype {idx.dtype}")
    return idx.astype(np.intp, copy=False)


def take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Any:
    """``np.take_along_axis``: elements of ``arr`` at ``indices`` along ``axis`` (the
    flattened array for axis=None); indices broadcast against arr on the other axes."""
    idx = _int_indices(indices, "take_along_axis")
    if axis is None:
        arr, axis = reshape(arr, (-1,)), -1
    nd = ndim_of(arr)
    if idx.ndim != nd:
        raise ValueError(
            f"take_along_axis: indices have {idx.ndim} dimension(s) but the array has {nd}; "
            "give indices with as many dimensions (length 1 where they broadcast)"
        )
    (axis,) = normalize_axes(axis, nd, "take_along_axis")
    return _take_along(arr, indices=idx, axis=axis)


def _sort_jvp(t: Any, ans: Any, x: Any, *, axis: int) -> Any:
    order = _stable_order(primal_of(x), axis)
    return _take_along(t, indices=_leading(order, t, x), axis=axis)


def _stable_order(values: Any, axis: int) -> Any:
    """The indices that sort ``values`` along ``axis``, ties in their order (any namespace)."""
    if is_foreign(values):
        return namespace(values).argsort(values, axis=axis, stable=True)
    return np.argsort(values, axis=axis, kind="stable")


def _sort_vjp(g: Any, ans: Any, x: Any, *, axis: int) -> Any:
    order = _stable_order(primal_of(x), axis)
    inverse = _stable_order(order, axis)  # a permutation's transpose is its inverse
    return _take_along(g, indices=_leading(inverse, g, ans), axis=axis)


_sort = defop(
    "sort",
    lambda x, *, axis: np.sort(x, axis=axis),
    jvp=_sort_jvp,
    vjp=_sort_vjp,
    doc="x sorted along ``axis``; the derivative follows the permutation (stable at ties).",
    vjp_batched=True,
)


def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    """``np.sort``: ``a`` sorted along ``axis`` (the flattened array for axis=None). Each
    output element carries the derivative of the input element sorted there; tied elements
    keep their order (a stable sort), and nans go last as in NumPy. ``kind`` and ``stable``
    are accepted for NumPy's signature: sorted values do not depend on them."""
    if order is not None:
        raise TypeError("sort: order= (for structured arrays) is not supported on traced values")
    if axis is None:
        a, axis = reshape(a, (-1,)), -1
    (axis,) = normalize_axes(axis, ndim_of(a), "sort")
    return _sort(a, axis=axis)


def _moded(idx: np.ndarray, n: int, mode: str, op: str) -> np.ndarray:
    """Out-of-range indices per NumPy's ``mode``: raise, wrap around, or clip."""
    if mode == "wrap":
        return np.mod(idx, n) if n else idx
    if mode == "clip":
        return np.clip(idx, 0, max(n - 1, 0))
    if mode != "raise":
        raise ValueError(f"{op}: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    return idx


def take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: str = "raise") -> Any:
    """``np.take``: the elements of ``a`` at ``indices`` along ``axis`` (of the flattened
    array for axis=None): indexing, so repeated indices add up in the gradient."""
    if out is not None:
        raise TypeError("take: out= would write into an array and drop the derivative")
    scalar = isinstance(quiet_primal(indices), (int, np.integer))
    idx = _int_indices(indices, "take")
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    (axis,) = normalize_axes(axis, ndim_of(a), "take")
    idx = _moded(idx, shape_of(a)[axis], mode, "take")
    return getitem(a, (Ellipsis, int(idx) if scalar else idx) + (slice(None),) * (-axis - 1))


# --- choosing by index or condition --------------------------------------------------------


def choose(a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """``np.choose``: out[i] = choices[a[i]][i], with ``a`` and the choices broadcast
    together; each output carries the derivative of the choice it took."""
    if out is not None:
        raise TypeError("choose: out= would write into an array and drop the derivative")
    idx = _int_indices(a, "choose")
    options = list(choices)
    idx = _moded(idx, len(options), mode, "choose")
    shape = np.broadcast_shapes(idx.shape, *(shape_of(c) for c in options))
    stacked = stack([broadcast_to(c, shape) for c in options], axis=0)
    picked = np.broadcast_to(idx, shape)[None]
    return getitem(take_along_axis(stacked, picked, axis=0), 0)


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """``np.select``: each element from the choice of the first true condition, else
    ``default``; the derivative is that of the element chosen."""
    conds, choices = list(condlist), list(choicelist)
    if not any(isinstance(v, Tracer) for v in (*choices, default)):
        return np.select(conds, choices, default)  # nothing traced: NumPy's own dtype rules
    if len(conds) != len(choices):
        raise ValueError(
            f"select: {len(conds)} condition(s) but {len(choices)} choice(s); give one of each"
        )
    result = default
    for cond, choice in zip(reversed(conds), reversed(choices), strict=True):
        c = np.asarray(primal_of(cond))
        if c.dtype != bool:
            raise TypeError(f"select: conditions must be boolean arrays, got dtype {c.dtype}")
        result = where(c, choice, result)
    return result


def _conditions(x: Any, condlist: Any, nfuncs: int) -> list[np.ndarray]:
    """np.piecewise's conditions as boolean arrays, with the "otherwise" one appended when
    there is one function more than there are conditions."""
    if isinstance(condlist, (bool, np.bool_)) or (
        not isinstance(primal_of(condlist[0]), (list, np.ndarray)) and ndim_of(x) != 0
    ):
        condlist = [condlist]
    conds = [_boolean(primal_of(c)) for c in condlist]
    if len(conds) == nfuncs - 1:
        xp = namespace(*conds)
        conds.append(~xp.any(xp.stack(xp.broadcast_arrays(*conds)), axis=0))
    elif len(conds) != nfuncs:
        raise ValueError(
            f"piecewise: {len(conds)} condition(s) need {len(conds)} or {len(conds) + 1} "
            f"function(s), got {nfuncs}"
        )
    return conds


def _boolean(c: Any) -> Any:
    """A condition as a boolean array of its namespace (NumPy's for numbers and lists)."""
    return c if is_foreign(c) else np.asarray(c, dtype=bool)


def piecewise(x: Any, condlist: Any, funclist: Any, *args: Any, **kw: Any) -> Any:
    """``np.piecewise``: where condition k holds (the last true one wins), funclist[k](x)
    or the constant funclist[k]; 0 where none holds. Each function sees only the elements
    where its condition holds (as in NumPy), so a piece is never differentiated outside its
    domain. Functions written with dualdiff or NumPy ops differentiate."""
    conds = _conditions(x, condlist, len(funclist))
    if any(is_lazy(c) for c in conds):
        raise NotImplementedError(
            "piecewise: the conditions are lazy (Dask), and which elements each function "
            "sees depends on their values; write the pieces with dd.where (each piece on "
            "the safe part of its domain) instead"
        )
    shape = shape_of(x)
    if not shape:  # a 0-d x: as one element of a vector
        x, conds = reshape(x, (1,)), [namespace(c).reshape(c, (1,)) for c in conds]
    result: Any = zeros_like_shape(shape_of(x), x)
    for cond, fn in zip(conds, funclist, strict=True):
        cond = namespace(cond).broadcast_to(cond, shape_of(x))
        if not callable(fn):
            result = where(cond, fn, result)
        elif cond.any():
            picked = getitem(x, cond)
            values = broadcast_to(fn(picked, *args, **kw), shape_of(picked))
            result = where(cond, scatter_add(values, cond, shape_of(x)), result)
    return result if shape else reshape(result, ())


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.sort: sort,
    np.take: take,
    np.take_along_axis: take_along_axis,
    np.choose: choose,
    np.select: select,
    np.piecewise: piecewise,
}

__all__ = ["choose", "piecewise", "select", "sort", "take", "take_along_axis"]
