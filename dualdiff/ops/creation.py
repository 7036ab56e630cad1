"""Array creation from existing data: ``array`` and ``asarray`` of nested lists that hold
traced values, ``astype`` (a cast) and ``copy``.

``dd.array([[x, 1.0], [2.0, y]])`` stacks its entries level by level (``dd.stack``),
so the array differentiates like the values it holds; a nested list of plain numbers
gives a plain ndarray, as ``np.array`` does. Python numbers beside traced values are
*weak*, as in NumPy arithmetic: they take the traced values' dtype, so float32 stays
float32.

``astype`` is the one op of the group. A cast between floating (or complex) dtypes is
linear and carries the derivative: the tangent is cast like the value, the cotangent
is cast back to the input's dtype. A cast to an integer or boolean dtype has no
derivative: it returns the plain NumPy result, which ``dd.compile`` keeps as a guard
(like a comparison), since the integers steer what follows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._namespace import dtype_kind, numpy_dtype
from .._util import compare, in_namespace_of, is_foreign, primal_of, shape_of
from ..core import Tracer, defop
from .shape import stack


def _cast(x: Any, *, dtype: str) -> Any:
    """x in ``dtype`` (a NumPy scalar for a 0-d value); complex to real keeps the real part."""
    a = np.asarray(x)
    if a.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        a = a.real
    out = a.astype(dtype)
    return out if out.ndim else out[()]


def _dtype_of(x: Any) -> str:
    """The name of x's dtype (``"float32"``): a parameter that prints as it reads."""
    p = primal_of(x)
    return str(p.dtype).rsplit(".", 1)[-1] if is_foreign(p) else np.result_type(p).name


def _cast_in(xp: Any, x: Any, *, dtype: str) -> Any:
    """:func:`_cast` in namespace ``xp`` (``dtype`` names one of its dtypes)."""
    if dtype_kind(x.dtype) == "c" and np.dtype(dtype).kind != "c":
        x = xp.real(x)
    return xp.astype(x, getattr(xp, dtype))


_astype = defop(
    "astype",
    _cast,
    api=_cast_in,
    jvp=lambda t, ans, x, *, dtype: _astype(t, dtype=dtype),
    vjp=lambda g, ans, x, *, dtype: _astype(g, dtype=_dtype_of(x)),
    doc="x cast to a floating or complex ``dtype`` (linear: tangents are cast alike).",
    vjp_batched=True,
)


def astype(x: Any, dtype: Any, /, *, copy: bool = True) -> Any:
    """``x.astype(dtype)``: a float or complex ``dtype`` keeps the derivative; an integer or
    boolean one gives the plain NumPy result (no derivative; a guard under ``dd.compile``)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return _astype(x, dtype=dtype.name)
    if dtype.kind in "biu":
        return compare(_plain_cast(dtype.name), x)
    raise TypeError(
        f"astype: a {type(x).__name__} cannot become dtype {dtype}: only floating and complex "
        "dtypes carry a derivative, integer and boolean ones give plain values; take x.primal "
        "to convert the value itself"
    )


def _plain_cast(dtype: str) -> Any:
    def cast(value: Any) -> Any:
        return _cast(value, dtype=dtype)

    cast.__name__ = f"astype({dtype})"
    return cast


def copy(a: Any) -> Any:
    """``np.copy``: a traced value is immutable, so it is its own copy; other values are
    copied by NumPy."""
    return a if isinstance(a, Tracer) else np.copy(a)


# --- arrays from nested lists ---------------------------------------------------------


def _holds_tracer(obj: Any) -> bool:
    """Whether a tracer sits anywhere in the nested lists and tuples ``obj``."""
    pending = [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, Tracer):
            return True
        if isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


def _traced_dtype(obj: Any) -> np.dtype:
    """The dtype of the result: traced values and arrays count, Python numbers are weak."""
    strong: list[Any] = []
    weak: set[type] = set()
    pending = [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, (bool, int, float, complex)):
            weak.add(type(item))
        else:
            p = primal_of(item)
            strong.append(numpy_dtype(p.dtype) if is_foreign(p) else np.result_type(p))
    return np.result_type(*strong, *(kind(0) for kind in weak))


def _where(path: tuple[int, ...]) -> str:
    return "the top level" if not path else "obj" + "".join(f"[{i}]" for i in path)


def _build(obj: Any, dtype: np.dtype, path: tuple[int, ...]) -> Any:
    """``obj`` as one value: plain parts by NumPy, a list holding tracers by ``stack``."""
    if isinstance(obj, Tracer):
        return obj
    if not _holds_tracer(obj):
        try:
            return np.asarray(obj, dtype=dtype)
        except ValueError as err:
            raise ValueError(f"dd.array: {_where(path)} is ragged: {err}") from None
    parts = [_build(item, dtype, (*path, i)) for i, item in enumerate(obj)]
    traced = next(p for p in parts if isinstance(p, Tracer))  # plain parts join its namespace
    parts = [in_namespace_of(p, traced) if isinstance(p, np.ndarray) else p for p in parts]
    shapes = [shape_of(p) for p in parts]
    if len(set(shapes)) > 1:
        k = next(i for i, s in enumerate(shapes) if s != shapes[0])
        raise ValueError(
            f"dd.array: {_where(path)} is ragged: its entry 0 has shape {shapes[0]} but entry "
            f"{k} has shape {shapes[k]}; every entry of a level must have the same shape"
        )
    return stack(parts)


def array(obj: Any, dtype: Any = None) -> Any:
    """``np.array`` for nested lists and tuples of numbers, arrays, Duals and Vars: the
    traced entries are stacked level by level, so the result carries their derivatives.
    Without a traced entry the result is a plain ndarray (a copy)."""
    if not _holds_tracer(obj):
        return np.array(obj, dtype=dtype)
    out = _build(obj, _traced_dtype(obj), ())
    return out if dtype is None else astype(out, dtype)


def asarray(obj: Any, dtype: Any = None) -> Any:
    """``np.asarray`` for nested lists of traced values (see :func:`array`); a traced value
    or an ndarray of the right dtype is returned as it is."""
    if not _holds_tracer(obj):
        return np.asarray(obj, dtype=dtype)
    out = _build(obj, _traced_dtype(obj), ())
    if dtype is None or np.dtype(dtype) == _dtype_of(out):
        return out
    return astype(out, dtype)


# The NumPy callables these functions stand for. np.array and np.asarray do not dispatch
# to traced values (NumPy converts their entries itself): call dd.array / dd.asarray.
NUMPY: dict[Any, Any] = {np.copy: lambda a, order="K", subok=False: copy(a)}
if hasattr(np, "astype"):  # NumPy >= 2.1
    NUMPY[np.astype] = lambda x, dtype, /, *, copy=True, device=None: astype(x, dtype)

__all__ = ["array", "asarray", "astype", "copy"]
