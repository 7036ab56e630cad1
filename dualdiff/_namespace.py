"""Which array library a value belongs to: its *array namespace* (the Python array API).

NumPy is the default and the fast path: Python numbers, NumPy arrays and scalars, and
tracers over them answer ``numpy`` after a few type checks. Any other array (CuPy, Dask,
``array_api_strict`` ...) answers the namespace ``array_api_compat`` gives it, whose
functions follow the array API standard. Python numbers (and NumPy's scalars) fit every
namespace, NumPy arrays fit Dask's too; two array namespaces in one op are an error.

This is the floor below the registry: it imports nothing else from dualdiff. Tracers
derive from :class:`Boxed`, so their primals are looked through here.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from ._dask import dask_namespace

__all__ = [
    "API_NAMES",
    "NUMPY_TYPES",
    "Boxed",
    "asarray_like",
    "device_of",
    "dtype_kind",
    "is_numpy",
    "lookup",
    "namespace",
    "namespace_name",
    "numpy_dtype",
    "require",
    "to_numpy",
    "unavailable",
]


class Boxed:
    """A value that wraps a primal (``.primal``): the base of dualdiff's tracers."""

    __slots__ = ()
    primal: Any


# The types that are NumPy's without a doubt (exact types: subclasses take the slow path).
NUMPY_TYPES: frozenset[type] = frozenset(
    {float, int, bool, complex, type(None), np.ndarray, *np.sctypeDict.values()}
)


def namespace(*values: Any, op: str | None = None) -> ModuleType:
    """The array namespace of ``values`` (tracers are read through to their primals).

    ``numpy`` itself for numbers, NumPy arrays and scalars; otherwise the
    ``array_api_compat`` namespace of the other arrays. Raises TypeError when two array
    namespaces meet (naming both, and ``op`` when given).
    """
    for v in values:
        if type(v) in NUMPY_TYPES:
            continue
        while isinstance(v, Boxed):
            v = v.primal
        if type(v) not in NUMPY_TYPES:
            return _namespace_of(values, op)
    return np


def _namespace_of(values: tuple[Any, ...], op: str | None) -> ModuleType:
    """The slow path of :func:`namespace`: at least one value is not plainly NumPy's."""
    numpy_arrays, others = _split(values)
    if not others:
        return np
    xp = _compat_namespace(others, op)
    # Dask takes a NumPy array as a dask array of one chunk (every dask.array function does):
    # a NumPy constant, index or seed beside a dask array is not a second namespace
    if array_api_compat.is_dask_namespace(xp):
        return dask_namespace(others, op)
    if numpy_arrays:
        raise _mixed(op, "numpy", namespace_name(xp))
    return xp


def _split(values: Any) -> tuple[list[Any], list[Any]]:
    """The NumPy arrays and the other arrays among ``values`` (lists and tuples searched);
    numbers, NumPy scalars and non-arrays (strings, slices) are in neither."""
    numpy_arrays: list[Any] = []
    others: list[Any] = []
    stack = list(values)
    while stack:
        v = stack.pop()
        while isinstance(v, Boxed):
            v = v.primal
        if isinstance(v, np.ndarray):
            numpy_arrays.append(v)
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif not isinstance(v, np.generic) and array_api_compat.is_array_api_obj(v):
            others.append(v)
    return numpy_arrays, others


# The namespace of each array type met so far: array_api_compat's lookup takes tens of
# microseconds, more than a small op on a GPU, and its answer depends on the type alone.
_BY_TYPE: dict[type, ModuleType] = {}


def _compat_namespace(arrays: list[Any], op: str | None) -> ModuleType:
    kind = type(arrays[0])
    one_type = all(type(a) is kind for a in arrays)
    xp = _BY_TYPE.get(kind) if one_type else None
    if xp is not None:
        return xp
    try:
        xp = array_api_compat.array_namespace(*arrays)
    except TypeError:
        names = sorted({namespace_name(array_api_compat.array_namespace(a)) for a in arrays})
        raise _mixed(op, *names[:2]) from None
    if one_type:
        _BY_TYPE[kind] = xp
    return xp  # type: ignore[no-any-return]


def _mixed(op: str | None, first: str, second: str) -> TypeError:
    where = f"dualdiff op '{op}'" if op else "these values"
    return TypeError(
        f"{where} mixes arrays of two array namespaces, {first} and {second}: compute with "
        "one of them: move an array into the other namespace with xp.asarray(x), and a "
        "model with model.to(xp)"
    )


def namespace_name(xp: Any) -> str:
    """The library's own name for a namespace: ``numpy``, ``cupy``, ``dask.array`` ..."""
    name = getattr(xp, "__name__", type(xp).__name__)
    return name.removeprefix("array_api_compat.")


def is_numpy(xp: Any) -> bool:
    """Whether ``xp`` is NumPy (the module itself or its ``array_api_compat`` wrapper)."""
    return xp is np or array_api_compat.is_numpy_namespace(xp)  # type: ignore[no-any-return]


def to_numpy(x: Any) -> Any:
    """``x`` (an array of any namespace, a number, a tracer's primal) as a NumPy value:
    CuPy copies to the host, Dask computes, others go through DLPack or the host device."""
    while isinstance(x, Boxed):
        x = x.primal
    if type(x) in NUMPY_TYPES or isinstance(x, (np.ndarray, np.generic)):
        return x
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_dask_array(x):
        return to_numpy(x.compute())
    try:
        return np.from_dlpack(x)
    except (TypeError, RuntimeError, BufferError, AttributeError):
        return np.asarray(_on_host(x))


def _on_host(x: Any) -> Any:
    """``x`` moved to its namespace's default device (the host for CPU libraries)."""
    info = getattr(array_api_compat.array_namespace(x), "__array_namespace_info__", None)
    return x.to_device(info().default_device()) if info is not None else x


def asarray_like(x: Any, ref: Any, dtype: Any = None) -> Any:
    """``x`` as an array of ``ref``'s namespace, on ``ref``'s device, in ``dtype`` when
    given; otherwise Python numbers take ``ref``'s dtype and arrays keep their own."""
    xp = namespace(ref)
    if xp is np:
        return np.asarray(to_numpy(x), dtype=dtype)
    if type(x) not in NUMPY_TYPES and namespace(x) is not xp:
        x = to_numpy(x)  # another namespace's array goes through the host
    if dtype is None and isinstance(x, (int, float, complex)):
        dtype = getattr(ref, "dtype", None)
    if array_api_compat.is_cupy_array(ref):
        with ref.device:
            return xp.asarray(x, dtype=dtype)
    if array_api_compat.is_dask_array(ref):
        return xp.asarray(x, dtype=dtype)
    return xp.asarray(x, dtype=dtype, device=array_api_compat.device(ref))


# NumPy's names of functions whose array-API name differs (the array API standard, 2023.12)
API_NAMES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arctan2": "atan2",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "power": "pow",
    "concatenate": "concat",
    "transpose": "permute_dims",
    "cumsum": "cumulative_sum",
    "cumprod": "cumulative_prod",
    "absolute": "abs",
    "invert": "bitwise_invert",
}

# Where a namespace keeps SciPy's special functions (CuPy: cupyx.scipy.special);
# Dask's arrays take SciPy's special functions (ufuncs) lazily, chunk by chunk.
_SPECIAL = {"cupy": "cupyx.scipy.special", "dask.array": "scipy.special"}


def lookup(xp: Any, name: str) -> Any:
    """The function ``name`` (``"sin"``, ``"linalg.inv"``, ``"special.erf"``) of namespace
    ``xp``, under its NumPy or its array-API name; None when the namespace has neither."""
    *path, last = name.split(".")
    module = _submodule(xp, path[0]) if path else xp
    if module is None:
        return None
    fn = getattr(module, last, None)
    if fn is None and last in API_NAMES:
        fn = getattr(module, API_NAMES[last], None)
    return fn if callable(fn) else None


def _submodule(xp: Any, name: str) -> Any:
    """``xp.linalg``, ``xp.fft``; for ``special``, the namespace's SciPy counterpart."""
    if name != "special" or hasattr(xp, "special"):  # dualdiff's Dask namespace has one
        return getattr(xp, name, None)
    where = _SPECIAL.get(namespace_name(xp))
    if where is None:
        return None
    try:
        return importlib.import_module(where)
    except ImportError:
        return None


def dtype_kind(dtype: Any) -> str:
    """NumPy's one-letter kind (``b i u f c``) of a dtype of any namespace."""
    kind = getattr(dtype, "kind", None)
    if isinstance(kind, str):
        return kind
    return numpy_dtype(dtype).kind


def numpy_dtype(dtype: Any) -> np.dtype:
    """NumPy's dtype of the same name as ``dtype``, a dtype of any namespace."""
    if isinstance(dtype, np.dtype):
        return dtype
    return np.dtype(str(dtype).rsplit(".", 1)[-1])  # "array_api_strict.float32"


def device_of(x: Any) -> Any:
    """The device of an array of any namespace (``"cpu"`` for NumPy's)."""
    return array_api_compat.device(x)


def unavailable(op: str, xp: Any, missing: str | None = None) -> NotImplementedError:
    """The error for an op that namespace ``xp`` cannot run (it lacks ``missing``)."""
    lacks = f" (it has no {missing})" if missing else ""
    return NotImplementedError(
        f"dualdiff op '{op}' is not available in namespace {namespace_name(xp)}{lacks}: "
        "compute this step on NumPy arrays (np.asarray(x) there, xp.asarray(y) back) or "
        "with an op the namespace has"
    )


def require(xp: Any, name: str, op: str) -> Any:
    """:func:`lookup`, or the error of :func:`unavailable` naming ``op`` when ``xp`` lacks it."""
    fn = lookup(xp, name)
    if fn is None:
        raise unavailable(op, xp, name)
    return fn
