"""Shape ops: reshape, transpose, expand_dims, squeeze, broadcast_to, concatenate,
stack, indexing (``x[...]``) and its transpose, ``scatter_add``.

All are linear, so each JVP applies the op itself to the tangent. A tangent may
carry leading batch axes: ``nb = t.ndim - x.ndim`` of them, which each rule
leaves in front.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import array_api_compat
import numpy as np

from .._namespace import NUMPY_TYPES, asarray_like, require
from .._util import compare, handed_on, ndim_of, primal_of, quiet_primal, shape_of, zeros_like_shape
from ..core import REGISTRY, PerInput, Tracer, bind, defop


def _nb(t: Any, x: Any) -> int:
    """How many leading batch axes the tangent ``t`` of ``x`` carries."""
    return ndim_of(t) - ndim_of(x)


def _batch(t: Any, x: Any) -> tuple[int, ...]:
    return shape_of(t)[: _nb(t, x)]


# --- reshaping ------------------------------------------------------------------


def _reshaping_op(name: str, primal: Any, doc: str, api: Any = ...) -> Any:
    """An op that only rearranges elements: the tangent and cotangent are reshaped."""
    return defop(
        name,
        primal,
        api=api,
        jvp=lambda t, ans, x, **p: reshape(t, _batch(t, x) + shape_of(ans)),
        vjp=lambda g, ans, x, **p: reshape(g, _batch(g, ans) + shape_of(x)),
        doc=doc,
        vjp_batched=True,
    )


_reshape = _reshaping_op(
    "reshape", lambda x, *, shape: np.reshape(x, shape), "x with a new shape (same elements)."
)
_expand_dims = _reshaping_op(
    "expand_dims",
    lambda x, *, axis: np.expand_dims(x, axis),
    "x with new axes of length 1 inserted at ``axis``.",
)
_squeeze = _reshaping_op(
    "squeeze",
    lambda x, *, axis: np.squeeze(x, axis),
    "x with length-1 axes removed.",
    # the array API names the axes to remove: None is every length-1 axis
    api=lambda xp, x, *, axis: xp.squeeze(
        x, axis=tuple(i for i, n in enumerate(x.shape) if n == 1) if axis is None else axis
    ),
)


def reshape(x: Any, shape: Any) -> Any:
    """``np.reshape``: the same elements in a new shape (one entry may be -1)."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if shape == shape_of(x):
        return x
    return _reshape(x, shape=shape)


def expand_dims(x: Any, axis: Any) -> Any:
    """``np.expand_dims``: insert length-1 axes at ``axis`` (an int or tuple)."""
    axis = (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)
    return _expand_dims(x, axis=axis)


def squeeze(x: Any, axis: Any = None) -> Any:
    """``np.squeeze``: remove length-1 axes (all of them, or those in ``axis``)."""
    if axis is not None:
        axis = (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)
    return _squeeze(x, axis=axis)


def _permute(t: Any, nb: int, axes: tuple[int, ...]) -> Any:
    """``t`` with its axes after the first ``nb`` (batch) permuted by ``axes``."""
    return _transpose(t, axes=tuple(range(nb)) + tuple(a + nb for a in axes))


_transpose = defop(
    "transpose",
    lambda x, *, axes: np.transpose(x, axes),
    jvp=lambda t, ans, x, *, axes: _permute(t, _nb(t, x), axes),
    vjp=lambda g, ans, x, *, axes: _permute(
        g, _nb(g, ans), tuple(int(i) for i in np.argsort(axes))
    ),
    doc="x with its axes permuted (reversed by default).",
    vjp_batched=True,
)


def transpose(x: Any, axes: Any = None) -> Any:
    """``np.transpose``: permute the axes (reverse them when ``axes`` is None)."""
    nd = ndim_of(x)
    if axes is None:
        axes = tuple(range(nd))[::-1]
    given = tuple(_as_int(a, "transpose") for a in axes)
    if not all(-nd <= a < nd for a in given) or sorted(a % nd for a in given) != list(range(nd)):
        raise ValueError(
            f"transpose: axes {given} are not a permutation of the axes of an array of shape "
            f"{shape_of(x)}; give each axis from {-nd} to {nd - 1} exactly once"
        )
    perm = tuple(a % nd for a in given)
    return x if perm == tuple(range(nd)) else _transpose(x, axes=perm)


def _as_int(axis: Any, what: str) -> int:
    """An axis as a Python int (NumPy's integer types too); a float or a list is refused."""
    try:
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"{what}: an axis must be an int, got {axis!r}") from None


def _axis_index(axis: Any, ndim: int, what: str) -> int:
    """One axis as a non-negative int, checked against ``ndim``."""
    return _negative_axis(_as_int(axis, what), ndim, what) + ndim


def _axis_tuple(axes: Any, ndim: int, what: str) -> tuple[int, ...]:
    """An int or a sequence of distinct axes as non-negative ints."""
    seq = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    out = tuple(_axis_index(a, ndim, what) for a in seq)
    if len(set(out)) != len(out):
        raise ValueError(f"{what}: repeated axis in {axes!r}")
    return out


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """``np.moveaxis``: move the axes ``source`` (an int or a sequence) to ``destination``."""
    nd = ndim_of(x)
    src = _axis_tuple(source, nd, "moveaxis")
    dst = _axis_tuple(destination, nd, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name as many "
            "axes each"
        )
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(x: Any, axis1: Any, axis2: Any) -> Any:
    """``np.swapaxes``: exchange two axes (ints), as a transpose."""
    nd = ndim_of(x)
    i, j = (_axis_index(a, nd, "swapaxes") for a in (axis1, axis2))
    order = list(range(nd))
    order[i], order[j] = order[j], order[i]
    return transpose(x, order)


def rollaxis(a: Any, axis: Any, start: Any = 0) -> Any:
    """``np.rollaxis``: move ``axis`` to sit before position ``start``, as a transpose."""
    nd = ndim_of(a)
    axis = _axis_index(axis, nd, "rollaxis")
    start = operator.index(start)
    start = start + nd if start < 0 else start
    if not 0 <= start <= nd:
        raise ValueError(f"rollaxis: start must be in [{-nd}, {nd}] for {nd} dimension(s)")
    order = [i for i in range(nd) if i != axis]
    order.insert(start - 1 if axis < start else start, axis)
    return transpose(a, order)


def ravel(a: Any, order: str = "C") -> Any:
    """``np.ravel``: the elements as a 1-D array, in C (row-major) or F (column-major) order."""
    if order not in ("C", "F"):
        raise ValueError(
            f"ravel: order {order!r} is not supported; use 'C' (row-major) or 'F' (column-major)"
        )
    a = _as_array(a)
    return reshape(transpose(a) if order == "F" else a, (-1,))


def _as_array(x: Any) -> Any:
    """A tracer or an array as it is; other values (lists, Python numbers) as arrays."""
    return x if isinstance(x, Tracer) or hasattr(x, "shape") else np.asarray(x)


def _at_least(arys: tuple[Any, ...], grow: Any) -> Any:
    """``grow`` applied to each array: one result for one input, else a tuple (NumPy 2)."""
    out = tuple(grow(_as_array(a)) for a in arys)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys: Any) -> Any:
    """``np.atleast_1d``: 0-d inputs become shape (1,)."""
    return _at_least(arys, lambda a: reshape(a, (1,)) if ndim_of(a) == 0 else a)


def atleast_2d(*arys: Any) -> Any:
    """``np.atleast_2d``: shape () -> (1, 1), (N,) -> (1, N)."""
    return _at_least(arys, lambda a: reshape(a, (1,) * (2 - ndim_of(a)) + shape_of(a)))


def _to_3d(a: Any) -> Any:
    shape = shape_of(a)
    if len(shape) >= 3:
        return a
    return reshape(a, {0: (1, 1, 1), 1: (1, *shape, 1), 2: (*shape, 1)}[len(shape)])


def atleast_3d(*arys: Any) -> Any:
    """``np.atleast_3d``: shape () -> (1, 1, 1), (N,) -> (1, N, 1), (M, N) -> (M, N, 1)."""
    return _at_least(arys, _to_3d)


# --- broadcasting ---------------------------------------------------------------


def _broadcast_jvp(t: Any, ans: Any, x: Any, *, shape: tuple[int, ...]) -> Any:
    batch = _batch(t, x)
    aligned = reshape(t, batch + (1,) * (len(shape) - ndim_of(x)) + shape_of(x))
    return _broadcast_to(aligned, shape=batch + shape)


_broadcast_to = defop(
    "broadcast_to",
    lambda x, *, shape: np.broadcast_to(x, shape),
    jvp=_broadcast_jvp,
    vjp=lambda g, ans, x, *, shape: sum_to_shape(g, shape_of(x), _nb(g, ans)),
    doc="x broadcast to ``shape`` (a read-only view for arrays).",
    vjp_batched=True,
)


def broadcast_to(x: Any, shape: Any) -> Any:
    """``np.broadcast_to``: repeat x along new or length-1 axes to reach ``shape``."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if shape == shape_of(x):
        return x
    return _broadcast_to(x, shape=shape)


def sum_to_shape(g: Any, shape: tuple[int, ...], batch: int = 0) -> Any:
    """Sum ``g`` over the axes that broadcasting added to reach its shape from ``shape``.

    This undoes broadcasting in reverse mode, once, in the engine. The first
    ``batch`` axes of ``g`` are kept in front: the result is ``g.shape[:batch] + shape``.
    """
    gshape = shape_of(g)
    if gshape[batch:] == shape:
        return g
    lead = len(gshape) - batch - len(shape)
    axes = tuple(range(batch, batch + lead)) + tuple(
        batch + lead + i for i, n in enumerate(shape) if n == 1 and gshape[batch + lead + i] != 1
    )
    summed = _sum_kept(g, tuple(a - len(gshape) for a in axes)) if axes else g
    return reshape(summed, gshape[:batch] + shape)


def _sum_kept(g: Any, axes: tuple[int, ...]) -> Any:
    """``sum(g, axis=axes, keepdims=True)`` for sorted negative ``axes``, by its registry
    record: the reduction lives a floor above (``reductions.py``, whose rules use this
    module's ops), so it is looked up rather than imported."""
    return bind(REGISTRY["sum"], (g,), {"axis": axes, "keepdims": True})


def per_direction(rule: Any, t: Any, nb: int, ans: Any, args: Any, params: Any) -> Any:
    """``rule(t, ans, *args, **params)`` for a ``t`` with ``nb`` leading batch axes, fed one
    direction at a time to a rule that takes one: the results stacked along the batch."""
    batch = shape_of(t)[:nb]
    flat = reshape(t, (math.prod(batch), *shape_of(t)[nb:]))  # not -1: t may be empty
    outs = [rule(flat[k], ans, *args, **params) for k in range(shape_of(flat)[0])]
    out = stack(outs, axis=0)
    return reshape(out, batch + shape_of(out)[1:])


# --- joining --------------------------------------------------------------------


def _zeros_for(x: Any, batch: tuple[int, ...], like: Any) -> Any:
    p = primal_of(like)
    if isinstance(p, np.ndarray) or type(p) in NUMPY_TYPES:
        return np.zeros(batch + shape_of(x), dtype=getattr(p, "dtype", np.float64))
    return zeros_like_shape(batch + shape_of(x), p)


def _joint_jvp(op: Any) -> Any:
    """A variadic op's JVP: the op applied to the input tangents (zeros for constants)."""

    def jvp(tangents: list[Any], ans: Any, *args: Any, axis: int) -> Any:
        known = next(i for i, t in enumerate(tangents) if t is not None)
        batch = _batch(tangents[known], args[known])
        filled = [
            _zeros_for(x, batch, tangents[known]) if t is None else t
            for t, x in zip(tangents, args, strict=True)
        ]
        return op(*filled, axis=axis)

    return jvp


def _concat_vjp(i: int, g: Any, ans: Any, *args: Any, axis: int) -> Any:
    start = sum(shape_of(a)[axis] for a in args[:i])
    stop = start + shape_of(args[i])[axis]
    return getitem(g, (Ellipsis, slice(start, stop)) + (slice(None),) * (-axis - 1))


def _stack_vjp(i: int, g: Any, ans: Any, *args: Any, axis: int) -> Any:
    return getitem(g, (Ellipsis, i) + (slice(None),) * (-axis - 1))


_concatenate = defop(
    "concatenate",
    lambda *xs, axis: np.concatenate(xs, axis=axis),
    api=lambda xp, *xs, axis: require(xp, "concat", "concatenate")(list(xs), axis=axis),
    jvp=PerInput(lambda i, t, ans, *args, axis: None),
    vjp=PerInput(_concat_vjp),
    joint_jvp=_joint_jvp(lambda *xs, axis: _concatenate(*xs, axis=axis)),
    doc="Inputs joined along an existing axis.",
    vjp_batched=True,  # the VJP slices g from the end (a negative axis)
)
_stack = defop(
    "stack",
    lambda *xs, axis: np.stack(xs, axis=axis),
    api=lambda xp, *xs, axis: xp.stack(list(xs), axis=axis),
    jvp=PerInput(lambda i, t, ans, *args, axis: None),
    vjp=PerInput(_stack_vjp),
    joint_jvp=_joint_jvp(lambda *xs, axis: _stack(*xs, axis=axis)),
    doc="Inputs joined along a new axis.",
    vjp_batched=True,
)


def _negative_axis(axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of bounds for {ndim} dimension(s)")
    return axis - ndim if axis >= 0 else axis


def concatenate(arrays: Any, axis: int = 0) -> Any:
    """``np.concatenate``: join a sequence of arrays along an existing axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("concatenate: need at least one array to concatenate")
    return _concatenate(*arrays, axis=_negative_axis(int(axis), ndim_of(arrays[0]), "concatenate"))


def stack(arrays: Any, axis: int = 0) -> Any:
    """``np.stack``: join a sequence of same-shaped arrays along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("stack: need at least one array to stack")
    return _stack(*arrays, axis=_negative_axis(int(axis), ndim_of(arrays[0]) + 1, "stack"))


# --- indexing -------------------------------------------------------------------


def normalize_index(index: Any) -> tuple[Any, ...]:
    """An index as a tuple: lists become arrays, boolean masks become integer arrays.

    With booleans expanded (``mask.nonzero()``), the VJP can scatter-add with
    ``np.add.at``, which sums repeated integer indices.
    """
    if not isinstance(index, tuple):
        index = (index,)
    out: list[Any] = []
    for item in index:
        item = _traced_index(item) if isinstance(item, Tracer) else item
        if isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, np.ndarray) and item.dtype == bool:
            out.extend(item.nonzero())
        elif isinstance(item, np.ndarray) and item.dtype.kind not in "iu":
            raise IndexError(
                f"x[index]: index arrays must be integer or boolean, got dtype {item.dtype}; "
                "convert them with .astype(int)"
            )
        else:
            out.append(item)
    return tuple(out)


def _traced_index(item: Tracer) -> Any:
    """A traced index item's value. An integer array goes into the op as it is (where
    ``dd.compile`` finds it: a replay gives the op the new array); one integer, or the
    positions of a mask, is a value read (a guard under ``dd.compile``)."""
    value = quiet_primal(item)
    kind = np.result_type(value).kind
    if kind in "iu" and np.ndim(value) == 0:
        return compare(operator.index, item)
    if kind == "b":
        return compare(np.asarray, item)
    return handed_on(item)


def _is_basic(index: tuple[Any, ...]) -> bool:
    return not any(isinstance(i, np.ndarray) for i in index)


def _is_advanced(item: Any) -> bool:
    """An array, or an integer (which joins the advanced indices when an array is present)."""
    if isinstance(item, (bool, np.bool_)):
        return False
    return isinstance(item, (np.ndarray, int, np.integer))


def _batched_index(index: tuple[Any, ...], nb: int) -> tuple[tuple[Any, ...], int]:
    """The index for a value with ``nb`` leading batch axes, and where NumPy puts them.

    Separated advanced indices move their axes to the front, ahead of the batch
    axes; the second value is how many axes precede the batch then. Next to an
    array, an integer counts as an advanced index too (``x[1, :, [0, 2]]``).
    """
    if _is_basic(index):
        return (slice(None),) * nb + index, 0
    adv = [k for k, i in enumerate(index) if _is_advanced(i)]
    separated = adv[-1] - adv[0] + 1 != len(adv)
    front = np.broadcast(*[index[k] for k in adv]).nd if separated else 0
    return (slice(None),) * nb + index, front


def _getitem_jvp(t: Any, ans: Any, x: Any, *, index: tuple[Any, ...]) -> Any:
    return batched_getitem(t, _nb(t, x), index)


def batched_getitem(t: Any, nb: int, index: tuple[Any, ...]) -> Any:
    """``t[index]`` for each of the first ``nb`` (batch) axes of ``t``, batch axes in front."""
    if nb == 0:
        return _getitem(t, index=index)
    bindex, front = _batched_index(index, nb)
    out = _getitem(t, index=bindex)
    if front:
        order = (
            list(range(front, front + nb))
            + list(range(front))
            + list(range(front + nb, ndim_of(out)))
        )
        out = _transpose(out, axes=tuple(order))
    return out


_getitem = defop(
    "getitem",
    lambda x, *, index: np.asarray(x)[index],  # a Python float indexes as a 0-d array
    api=lambda xp, x, *, index: _getitem_in(xp, x, _index_in(index, x)),
    jvp=_getitem_jvp,
    vjp=lambda g, ans, x, *, index: batched_scatter(g, _nb(g, ans), index, shape_of(x)),
    doc="x[index]: slices, integers, integer arrays (repeats allowed), boolean masks.",
    vjp_batched=True,
)


def _index_in(index: tuple[Any, ...], x: Any) -> tuple[Any, ...]:
    """``index`` for an array ``x`` of another namespace: NumPy index arrays moved there, and
    a trailing Ellipsis (the array API wants every axis indexed or an Ellipsis)."""
    items = tuple(asarray_like(i, x) if isinstance(i, np.ndarray) else i for i in index)
    covered = sum(i is not None for i in items)
    if covered >= len(shape_of(x)) or any(i is Ellipsis for i in items):
        return _clipped(items, shape_of(x))
    return _clipped((*items, Ellipsis), shape_of(x))


def _getitem_in(xp: Any, x: Any, index: tuple[Any, ...]) -> Any:
    """``x[index]`` in namespace ``xp``; one integer array among full slices (``x[..., i]``,
    which the array API does not index) is ``xp.take`` along its axis."""
    arrays = [k for k, i in enumerate(index) if hasattr(i, "shape")]
    if arrays and array_api_compat.is_dask_namespace(xp) and _split_advanced(index):
        raise NotImplementedError(
            "Dask orders the axes of integer indices split by a slice unlike NumPy (which "
            "puts them first); index in two steps, e.g. x[i][:, :, j]"
        )
    rest = [i for k, i in enumerate(index) if k not in arrays]
    if len(arrays) != 1 or len(index[arrays[0]].shape) != 1 or len(index) == 1:
        return x[index]
    if not all(i is Ellipsis or i == slice(None) for i in rest):
        return x[index]
    k = arrays[0]
    axis = k - len(index) if any(i is Ellipsis for i in index[:k]) else k
    return xp.take(x, index[k], axis=axis)


def _split_advanced(index: tuple[Any, ...]) -> bool:
    """Whether the integer arrays of ``index``, and the ints beside them, are not adjacent."""
    at = [k for k, i in enumerate(index) if hasattr(i, "shape") or isinstance(i, int)]
    return at[-1] - at[0] + 1 != len(at)


def _clipped(index: tuple[Any, ...], shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Slices with stops past their axis clipped to it, as NumPy reads them (the array API
    leaves such stops unspecified); the axes are counted up to the first Ellipsis."""
    out: list[Any] = []
    axis = 0
    for item in index:
        if item is Ellipsis:
            return (*out, *index[len(out) :])
        if isinstance(item, slice) and (item.step or 1) > 0 and axis < len(shape):
            item = slice(*item.indices(shape[axis]))
        out.append(item)
        axis += item is not None
    return tuple(out)


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` with NumPy's indexing rules."""
    return _getitem(x, index=normalize_index(index))


def _scatter_primal(g: Any, *, index: tuple[Any, ...], shape: tuple[int, ...]) -> Any:
    g = np.asarray(g)
    out = np.zeros(shape, dtype=g.dtype if g.dtype.kind in "fc" else np.float64)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _scatter_in(xp: Any, g: Any, *, index: tuple[Any, ...], shape: tuple[int, ...]) -> Any:
    """:func:`_scatter_primal` in namespace ``xp``: basic indices assign, integer arrays add
    up with the namespace's ``add.at`` (CuPy's; the array API has none)."""
    out = zeros_like_shape(shape, g)
    if not math.prod(shape_of(g)):  # nothing to add (Dask cannot assign an empty slice)
        return out
    if _is_basic(index):  # assigned without the new axes of None, which have length 1
        at = _index_in(tuple(i for i in index if i is not None), out)
        out[at] = xp.reshape(g, out[at].shape)
    else:
        require(xp, "add.at", "scatter_add")(out, _index_in(index, out), g)
    return out


def _scatter_jvp(
    t: Any, ans: Any, g: Any, *, index: tuple[Any, ...], shape: tuple[int, ...]
) -> Any:
    return batched_scatter(t, _nb(t, g), index, shape)


def batched_scatter(t: Any, nb: int, index: tuple[Any, ...], shape: tuple[int, ...]) -> Any:
    """``scatter_add(t, index, shape)`` for each of the first ``nb`` (batch) axes of ``t``."""
    if nb == 0:
        return _scatter(t, index=index, shape=shape)
    batch = shape_of(t)[:nb]
    bindex, front = _batched_index(index, nb)
    if front:  # NumPy wants the values laid out as (advanced axes, batch, rest)
        order = list(range(nb, nb + front)) + list(range(nb)) + list(range(nb + front, ndim_of(t)))
        t = _transpose(t, axes=tuple(order))
    return _scatter(t, index=bindex, shape=batch + shape)


_scatter = defop(
    "scatter_add",
    _scatter_primal,
    api=_scatter_in,
    jvp=_scatter_jvp,
    vjp=lambda c, ans, g, *, index, shape: batched_getitem(c, _nb(c, ans), index),
    doc="zeros(shape) with g added at ``index`` (repeated indices add up): the VJP of x[index].",
    vjp_batched=True,
)


def scatter_add(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """A zero array of ``shape`` with ``g`` added at ``index``; repeated indices accumulate."""
    return _scatter(g, index=normalize_index(index), shape=tuple(shape))


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.transpose: transpose,
    np.reshape: reshape,
    np.expand_dims: expand_dims,
    np.squeeze: squeeze,
    np.broadcast_to: broadcast_to,
    np.concatenate: concatenate,
    np.stack: stack,
    np.moveaxis: moveaxis,
    np.swapaxes: swapaxes,
    np.rollaxis: rollaxis,
    np.ravel: ravel,
    np.atleast_1d: atleast_1d,
    np.atleast_2d: atleast_2d,
    np.atleast_3d: atleast_3d,
}

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "concatenate", "expand_dims",
    "moveaxis", "ravel", "reshape", "rollaxis", "squeeze", "stack", "swapaxes", "transpose",
]  # fmt: skip
