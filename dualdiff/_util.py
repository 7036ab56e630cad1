"""Small helpers shared by the ops and both engines (shapes of tracers and arrays)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import numpy as np

from ._namespace import NUMPY_TYPES, asarray_like, device_of, dtype_kind, namespace, require
from .core import Tracer


def shape_of(x: Any) -> tuple[int, ...]:
    """``np.shape`` that also reads tracers (their primal's shape) and floats."""
    return tuple(getattr(x, "shape", ()))


def ndim_of(x: Any) -> int:
    return getattr(x, "ndim", 0)  # type: ignore[no-any-return]


def primal_of(x: Any) -> Any:
    """The innermost primal value under any number of tracers."""
    while isinstance(x, Tracer):
        x = x.primal  # type: ignore[attr-defined]
    return x


# Who listens to comparisons on traced values: dd.compile, while it records, keeps
# each outcome as a guard that a replay checks (a branch taken on the values).
COMPARISONS: contextvars.ContextVar[Callable[..., None] | None] = contextvars.ContextVar(
    "dualdiff_comparisons", default=None
)


def quiet_primal(x: Any) -> Any:
    """The innermost primal, taken without counting as a read of it: for code that reports
    its read itself (:func:`compare`), or that hands the value on to an op unchanged (an
    index array). ``dd.compile``'s data values report every other read of ``.primal``."""
    while isinstance(x, Tracer):
        try:
            x = x.value  # type: ignore[attr-defined]
        except AttributeError:  # a tracer of another kind: its primal is all it has
            x = x.primal
    return x


def handed_on(x: Any) -> Any:
    """The value of traced ``x`` for an op that takes it as it is, as a parameter (an index
    array). A recorder that listens hears of it: ``dd.compile`` makes the op read the new
    array on replay, or, where no op it recorded took it, guards the whole value."""
    value = quiet_primal(x)
    listener = COMPARISONS.get()
    if listener is not None:
        listener(handed_on, (x,), value)
    return value


def compare(fn: Callable[..., Any], *operands: Any) -> Any:
    """``fn`` applied to the operands' primals (a comparison, a rounding: a value that
    steers the computation without a derivative), reported to a listening recorder."""
    values = [quiet_primal(x) for x in operands]
    result = _numpy_function_for(fn, values)(*values)
    listener = COMPARISONS.get()
    if listener is not None:
        listener(fn, operands, result)
    return result


def is_foreign(x: Any) -> bool:
    """Whether ``x`` is an array of a namespace other than NumPy's (not a tracer)."""
    return (
        type(x) not in NUMPY_TYPES
        and not isinstance(x, (np.ndarray, Tracer))
        and namespace(x) is not np
    )


def in_namespace_of(x: Any, like: Any) -> Any:
    """A NumPy constant ``x`` (a mask, an identity) as an array of ``like``'s namespace and
    device; unchanged when ``like`` is NumPy's."""
    p = primal_of(like)
    return asarray_like(x, p) if is_foreign(p) else x


def _numpy_function_for(fn: Callable[..., Any], values: list[Any]) -> Callable[..., Any]:
    """NumPy's ``fn`` (``np.equal``, ``np.isfinite``) as the function of that name in the
    namespace of ``values`` when they are another namespace's arrays; other functions as
    they are."""
    if not any(is_foreign(v) for v in values):
        return fn
    name = getattr(fn, "__name__", "")
    if getattr(np, name, None) is not fn:
        return fn
    return require(namespace(*values), name, name)  # type: ignore[no-any-return]


def as_float(x: Any) -> Any:
    """Promote a number or array to floating point (ints and bools to float64)."""
    if isinstance(x, Tracer):
        return x
    if type(x) is float:
        return x
    if isinstance(x, (bool, int, np.integer, np.bool_)):
        return float(x)
    if isinstance(x, (np.floating, np.complexfloating)):
        return x
    if isinstance(x, complex):  # NumPy's complex scalar compares (lexicographically) as arrays do
        return np.complex128(x)
    if not isinstance(x, np.ndarray) and namespace(x) is not np:
        return _as_float_in(namespace(x), x)
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind not in "fc":
        raise TypeError(
            f"dualdiff differentiates numbers and numeric arrays, got {type(x).__name__}"
            f" (dtype {arr.dtype}); convert it with np.asarray(x, dtype=float)"
        )
    return arr


def _as_float_in(xp: Any, x: Any) -> Any:
    """An array of another namespace ``xp`` as floating point (integers to float64)."""
    kind = dtype_kind(x.dtype)
    if kind in "biu":
        return xp.astype(x, xp.float64)
    if kind not in "fc":
        raise TypeError(
            f"dualdiff differentiates numbers and numeric arrays, got {type(x).__name__}"
            f" (dtype {x.dtype}); convert it with xp.astype(x, xp.float64)"
        )
    return x


def is_complex(x: Any) -> bool:
    """Whether ``x`` (a number, an array or a tracer) holds complex values; O(1)."""
    if type(x) is np.ndarray:
        return x.dtype.kind == "c"
    p = quiet_primal(x)  # the dtype alone: no read of the values
    if isinstance(p, complex):  # Python's complex and np.complex128
        return True
    dtype = getattr(p, "dtype", None)
    return dtype is not None and dtype_kind(dtype) == "c"


def as_complex(x: Any) -> Any:
    """A real number, array or tracer as a complex one of the matching precision."""
    if type(x) is float:
        return np.complex128(x)
    return x + 0j  # a weak Python complex: float32 becomes complex64


def real_dtype(dtype: np.dtype) -> np.dtype:
    """The real dtype of a complex one (complex64 -> float32); a real dtype unchanged."""
    return np.finfo(dtype).dtype if dtype.kind == "c" else dtype


def unary(math_fn: Callable[[float], float], np_fn: Callable[..., Any]) -> Callable[[Any], Any]:
    """A primal that keeps Python floats as floats (``math``) and sends arrays to NumPy.

    ``math`` raises where NumPy returns nan or inf; then the NumPy value is used,
    so both paths follow NumPy's semantics.
    """

    def primal(x: Any) -> Any:
        if type(x) is int:  # a Python int stays weakly typed: 1 / n keeps float32 float32
            x = float(x)
        if type(x) is float:
            try:
                return math_fn(x)
            except (ValueError, ArithmeticError):
                return float(np_fn(x))
        return np_fn(x)

    primal.__name__ = np_fn.__name__
    return primal


def binary(py_op: Callable[[Any, Any], Any], np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """A two-input primal: Python arithmetic on Python numbers, NumPy otherwise."""

    def primal(x: Any, y: Any) -> Any:
        tx, ty = type(x), type(y)
        if (tx is float or tx is int) and (ty is float or ty is int):
            if tx is not ty:  # an int beside a float is a float, as in NumPy (max(0, 0.0) is 0)
                x, y = float(x), float(y)
            try:
                return py_op(x, y)
            except (ArithmeticError, ValueError):
                return float(np_fn(float(x), float(y)))
        return np_fn(x, y)

    primal.__name__ = np_fn.__name__
    return primal


def mask(cond: Any, like: Any) -> Any:
    """A 0/1 float mask from a boolean condition, in ``like``'s float dtype.

    Masks are constants: they select a piece of a piecewise function, whose
    derivative is taken within the piece.
    """
    if isinstance(cond, (bool, np.bool_)):
        return 1.0 if cond else 0.0
    if not isinstance(cond, np.ndarray) and namespace(cond) is not np:
        return _mask_in(namespace(cond), cond, like)
    dtype = getattr(primal_of(like), "dtype", None)
    if dtype is None or dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    dtype = real_dtype(dtype)  # a complex value's mask is real, of the same precision
    # asanyarray: a condition that prints itself (dualdiff.teach.symbolic) stays one
    return np.asanyarray(cond).astype(dtype)


def _mask_in(xp: Any, cond: Any, like: Any) -> Any:
    """:func:`mask` for a condition of another namespace ``xp``."""
    dtype = getattr(primal_of(like), "dtype", None)
    if dtype is None or dtype_kind(dtype) not in "fc":
        dtype = xp.float64
    elif dtype_kind(dtype) == "c":
        dtype = xp.finfo(dtype).dtype
    return xp.astype(cond, dtype)


def zeros_like_shape(shape: tuple[int, ...], like: Any) -> Any:
    """Zeros of ``shape`` in ``like``'s float dtype (a Python float for shape ()), in
    ``like``'s namespace and on its device."""
    return _filled(shape, like, 0.0, np.zeros)


def ones_like_shape(shape: tuple[int, ...], like: Any) -> Any:
    """Ones of ``shape``, as :func:`zeros_like_shape` makes zeros."""
    return _filled(shape, like, 1.0, np.ones)


def _filled(shape: tuple[int, ...], like: Any, fill: float, np_fn: Callable[..., Any]) -> Any:
    p = primal_of(like)
    dtype = getattr(p, "dtype", None)
    if not shape and dtype is None:
        return fill
    if type(p) not in NUMPY_TYPES and not isinstance(p, np.ndarray):
        xp = namespace(p)
        dtype = p.dtype if dtype_kind(p.dtype) in "fc" else xp.float64
        return xp.full(shape, fill, dtype=dtype, device=device_of(p))
    if dtype is None or dtype.kind not in "fc":
        dtype = np.float64
    return np_fn(shape, dtype=dtype)


def reshaped(x: Any, shape: tuple[int, ...]) -> Any:
    """An untraced array of any namespace in a new shape (NumPy's by its method: fast)."""
    return x.reshape(shape) if isinstance(x, np.ndarray) else namespace(x).reshape(x, shape)


def eye_like(rows: int, cols: int, offset: int, like: Any) -> Any:
    """``np.eye(rows, cols, offset)``: ones on the diagonal ``offset``, in ``like``'s float
    dtype (float64 for other dtypes), namespace and device."""
    p = primal_of(like)
    if type(p) in NUMPY_TYPES or isinstance(p, np.ndarray):
        dtype = getattr(p, "dtype", None)
        dtype = dtype if dtype is not None and dtype.kind in "fc" else np.float64
        return np.eye(rows, cols, offset, dtype=dtype)
    xp = namespace(p)
    dtype = p.dtype if dtype_kind(p.dtype) in "fc" else xp.float64
    return xp.eye(rows, cols, k=offset, dtype=dtype, device=device_of(p))


def normalize_axes(axis: Any, ndim: int, op: str = "reduction") -> tuple[int, ...]:
    """Reduction axes as a sorted tuple of *negative* ints (stable under leading batch axes)."""
    if axis is None:
        return tuple(range(-ndim, 0))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)) or not all(
        isinstance(a, (int, np.integer)) for a in axes
    ):
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}")
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{op}: axis {a} is out of bounds for an array of dimension {ndim}; "
                f"give an axis from {-ndim} to {ndim - 1}"
            )
        out.append(a - ndim if a >= 0 else a)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))
