"""Joining, splitting, tiling and padding: NumPy's ``hstack`` ... ``pad``.

``pad`` is a registry op (linear in its input: the JVP pads the tangent with zeros,
the VJP crops the cotangent, or folds it back for the modes that copy elements).
The others are composites of ``concatenate``, ``reshape``, ``broadcast_to`` and
indexing, whose rules give their derivatives: a split's pieces are slices, so each
pulls its cotangent back into its own part of the input.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np

from .._namespace import require
from .._util import ndim_of, shape_of
from ..core import defop
from .shape import (
    _as_array,
    _axis_index,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_to,
    concatenate,
    getitem,
    ravel,
    reshape,
    scatter_add,
)

# --- joining ----------------------------------------------------------------------------


def _arrays(tup: Any, what: str) -> list[Any]:
    arrays = [_as_array(a) for a in tup]
    if not arrays:
        raise ValueError(f"{what}: need at least one array to join")
    return arrays


def hstack(tup: Any) -> Any:
    """``np.hstack``: join along axis 1 (axis 0 for 1-D inputs)."""
    arrays = [atleast_1d(a) for a in _arrays(tup, "hstack")]
    return concatenate(arrays, axis=0 if ndim_of(arrays[0]) == 1 else 1)


def vstack(tup: Any) -> Any:
    """``np.vstack``: join along axis 0, 1-D inputs as rows (1, N)."""
    return concatenate([atleast_2d(a) for a in _arrays(tup, "vstack")], axis=0)


def dstack(tup: Any) -> Any:
    """``np.dstack``: join along axis 2, inputs first made at least 3-D."""
    return concatenate([atleast_3d(a) for a in _arrays(tup, "dstack")], axis=2)


def _as_column(a: Any) -> Any:
    return reshape(a, (-1, 1)) if ndim_of(a) < 2 else a


def column_stack(tup: Any) -> Any:
    """``np.column_stack``: 1-D inputs as columns (N, 1), joined along axis 1."""
    return concatenate([_as_column(a) for a in _arrays(tup, "column_stack")], axis=1)


def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``np.append``: ``values`` after ``arr`` along ``axis`` (both flattened when None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([_as_array(arr), _as_array(values)], axis=axis)


# --- splitting --------------------------------------------------------------------------


def _bounds(n: int, indices_or_sections: Any, what: str) -> list[int]:
    """Where the pieces of an axis of length ``n`` start and stop (NumPy's division points)."""
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{what}: the number of sections must be positive, got {sections}")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        return [0, *np.cumsum(sizes).tolist()]
    return [0, *(operator.index(i) for i in indices_or_sections), n]


def array_split(ary: Any, indices_or_sections: Any, axis: Any = 0) -> list[Any]:
    """``np.array_split``: pieces along ``axis``: ``k`` sections (the first ``n % k`` one longer)
    or cut before each index of a sequence (out-of-range cuts give empty pieces)."""
    ary = _as_array(ary)
    axis = _axis_index(axis, ndim_of(ary), "array_split")
    bounds = _bounds(shape_of(ary)[axis], indices_or_sections, "array_split")
    lead = (slice(None),) * axis
    return [getitem(ary, (*lead, slice(start, stop))) for start, stop in itertools.pairwise(bounds)]


def split(ary: Any, indices_or_sections: Any, axis: Any = 0) -> list[Any]:
    """``np.split``: like ``array_split``, but ``k`` sections must divide the axis evenly."""
    ary = _as_array(ary)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = shape_of(ary)[_axis_index(axis, ndim_of(ary), "split")]
        if indices_or_sections > 0 and n % indices_or_sections:
            raise ValueError(
                f"split: an axis of length {n} does not split into {indices_or_sections} equal "
                "sections; use array_split for unequal ones"
            )
    return array_split(ary, indices_or_sections, axis)


def _split_along(what: str, min_ndim: int, axis_of: Any, doc: str) -> Any:
    def fn(ary: Any, indices_or_sections: Any) -> list[Any]:
        ary = _as_array(ary)
        if ndim_of(ary) < min_ndim:
            raise ValueError(
                f"{what} needs an array of at least {min_ndim} dimension(s), "
                f"got shape {shape_of(ary)}"
            )
        return split(ary, indices_or_sections, axis_of(ndim_of(ary)))

    fn.__name__ = fn.__qualname__ = what
    fn.__doc__ = f"``np.{what}``: ``split`` {doc}."
    return fn


hsplit = _split_along("hsplit", 1, lambda nd: 1 if nd > 1 else 0, "along axis 1 (0 for 1-D)")
vsplit = _split_along("vsplit", 2, lambda nd: 0, "along axis 0 of an array of 2-D or more")
dsplit = _split_along("dsplit", 3, lambda nd: 2, "along axis 2 of an array of 3-D or more")

# --- tiling -----------------------------------------------------------------------------


def _reps(reps: Any, what: str) -> tuple[int, ...]:
    seq = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    out = tuple(operator.index(r) for r in seq)
    if any(r < 0 for r in out):
        raise ValueError(f"{what}: repetitions must be non-negative, got {reps!r}")
    return out


def tile(A: Any, reps: Any) -> Any:
    """``np.tile``: A repeated ``reps[i]`` times along axis i, as one broadcast (N, r) -> r*N."""
    A = _as_array(A)
    r = _reps(reps, "tile")
    nd = max(len(r), ndim_of(A))
    r = (1,) * (nd - len(r)) + r
    shape = (1,) * (nd - ndim_of(A)) + shape_of(A)
    spread = tuple(d for pair in zip((1,) * nd, shape, strict=True) for d in pair)
    wide = tuple(d for pair in zip(r, shape, strict=True) for d in pair)
    out = broadcast_to(reshape(A, spread), wide)
    return reshape(out, tuple(a * b for a, b in zip(r, shape, strict=True)))


def repeat(a: Any, repeats: Any, axis: Any = None) -> Any:
    """``np.repeat``: each element repeated ``repeats`` times (an int, or one count per element)
    along ``axis`` (of the flattened array when None)."""
    a = _as_array(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis_index(axis, ndim_of(a), "repeat")
    shape = shape_of(a)
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"repeat: repeats must be integers, got {repeats!r}")
    if (counts < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats!r}")
    if counts.size == 1:  # one count for all: a broadcast, whose VJP is a sum
        r, before, after = int(counts.ravel()[0]), shape[: axis + 1], shape[axis + 1 :]
        wide = broadcast_to(reshape(a, (*before, 1, *after)), (*before, r, *after))
        return reshape(wide, (*shape[:axis], shape[axis] * r, *after))
    if counts.shape != (shape[axis],):
        raise ValueError(
            f"repeat: {counts.size} counts for an axis of length {shape[axis]}; "
            "give one count, or one per element"
        )
    index = np.repeat(np.arange(shape[axis]), counts)
    return getitem(a, (*(slice(None),) * axis, index))


# --- padding ----------------------------------------------------------------------------

Pairs = tuple[tuple[int, int], ...]
_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")  # each output element copies one input


def _pairs(width: Any, ndim: int, what: str, integer: bool) -> tuple[tuple[Any, Any], ...]:
    """NumPy's forms of a per-axis (before, after) pair: one value, one pair, one pair per
    axis, or (``pad_width``) a dict {axis: value or pair} with 0 for the axes it omits."""
    if isinstance(width, dict):
        per_axis = np.zeros((ndim, 2), dtype=int)
        for axis, w in width.items():
            per_axis[_axis_index(axis, ndim, "pad")] = _pairs(w, 1, what, integer)[0]
        width = per_axis
    w = np.asarray(width)
    if integer and w.dtype.kind not in "iu":
        raise TypeError(f"pad: {what} must be integers, got {width!r}")
    if w.size == 1:
        w = np.full((ndim, 2), w.ravel()[0])
    elif w.size == 2 and w.shape != (2, 1):
        w = np.broadcast_to(w.ravel(), (ndim, 2))
    try:
        w = np.broadcast_to(w, (ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: {what} {width!r} does not fit an array of {ndim} dimension(s); give one "
            "value, one (before, after) pair, or one pair per axis"
        ) from None
    if integer and (w < 0).any():
        raise ValueError(f"pad: {what} must be non-negative, got {width!r}")
    return tuple((b.item(), a.item()) for b, a in w)


def _pad_primal(x: Any, *, widths: Pairs, mode: str, fill: Any) -> Any:
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=fill)
    return np.pad(x, widths, mode=mode)  # type: ignore[call-overload]


def _pad_in(xp: Any, x: Any, *, widths: Pairs, mode: str, fill: Any) -> Any:
    """:func:`_pad_primal` with namespace ``xp``'s pad (NumPy's signature: Dask, CuPy)."""
    fills = {"constant_values": fill} if mode == "constant" else {}
    return require(xp, "pad", "pad")(x, widths, mode=mode, **fills)


def _pad_jvp(t: Any, ans: Any, x: Any, *, widths: Pairs, mode: str, fill: Any) -> Any:
    nb = ndim_of(t) - ndim_of(x)
    zero = None if fill is None else ((0, 0),) * (nb + len(widths))  # a constant's tangent: 0
    return _pad(t, widths=((0, 0),) * nb + widths, mode=mode, fill=zero)


def _pad_vjp(g: Any, ans: Any, x: Any, *, widths: Pairs, mode: str, fill: Any) -> Any:
    shape = shape_of(x)
    if mode == "constant":  # crop
        crop = (slice(b, b + n) for (b, _), n in zip(widths, shape, strict=True))
        return getitem(g, (Ellipsis, *crop))  # from the end: g's batch axes stay in front
    for axis, ((before, after), n) in enumerate(zip(widths, shape, strict=True)):
        if before or after:
            g = _fold(g, axis - len(shape), n, before, after, mode)
    return g


def _fold(g: Any, axis: int, n: int, before: int, after: int, mode: str) -> Any:
    """The VJP of padding one axis (negative): the middle of ``g``, plus each padded
    element's cotangent added onto the input element it copies (work in proportion to the
    padding)."""
    source = np.pad(np.arange(n), (before, after), mode=mode)  # type: ignore[call-overload]
    border = np.r_[0:before, before + n : before + n + after]
    rest = (slice(None),) * (-axis - 1)
    middle = getitem(g, (Ellipsis, slice(before, before + n), *rest))
    copies = getitem(g, (Ellipsis, border, *rest))
    return middle + scatter_add(copies, (Ellipsis, source[border], *rest), shape_of(middle))


_pad = defop(
    "pad",
    _pad_primal,
    jvp=_pad_jvp,
    vjp=_pad_vjp,
    doc="x padded by ``widths`` (before, after) per axis: a constant fill, or copies of x "
    "(edge, reflect, symmetric, wrap).",
    vjp_batched=True,
    api=_pad_in,
)


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """``np.pad`` with the modes constant (``constant_values``), edge, reflect, symmetric, wrap."""
    array = _as_array(array)
    nd = ndim_of(array)
    widths = _pairs(pad_width, nd, "pad_width", integer=True)
    fill = kwargs.pop("constant_values", 0) if mode == "constant" else None
    if kwargs.pop("reflect_type", "even") != "even":
        raise ValueError("pad: only reflect_type='even' (NumPy's default) is supported")
    if kwargs or (mode != "constant" and mode not in _INDEX_MODES):
        raise ValueError(
            f"pad: mode {mode!r} with {sorted(kwargs)} has no derivative rule; use one of "
            f"'constant' (with constant_values), {', '.join(map(repr, _INDEX_MODES))}"
        )
    if fill is not None:
        fill = _fill_pairs(fill, nd)
    if not any(b or a for b, a in widths):  # nothing to add (a 0-d array too, as in NumPy)
        return array
    return _pad(array, widths=widths, mode=mode, fill=fill)


def _fill_pairs(fill: Any, ndim: int) -> tuple[tuple[Any, Any], ...]:
    try:
        return _pairs(fill, ndim, "constant_values", integer=False)
    except TypeError as err:  # a traced fill value: NumPy's __array__ refuses it
        raise TypeError(
            "pad: constant_values must be numbers; to differentiate the fill, pad with 0 and "
            "add the fill times a 0/1 mask"
        ) from err


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.hstack: hstack,
    np.vstack: vstack,
    np.dstack: dstack,
    np.column_stack: column_stack,
    np.append: append,
    np.array_split: array_split,
    np.split: split,
    np.hsplit: hsplit,
    np.vsplit: vsplit,
    np.dsplit: dsplit,
    np.tile: tile,
    np.repeat: repeat,
    np.pad: pad,
}

__all__ = [
    "append", "array_split", "column_stack", "dsplit", "dstack", "hsplit", "hstack", "pad",
    "repeat", "split", "tile", "vsplit", "vstack",
]  # fmt: skip
