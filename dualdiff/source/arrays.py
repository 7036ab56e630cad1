"""Tracing NumPy: placeholder arrays that write the code of what is computed on them.

A :class:`Placeholder` is an ndarray subclass standing for one variable of the generated
program. NumPy hands every ufunc and every dispatched function called on it to the
:class:`~dualdiff.source.trace.Trace` (``__array_ufunc__``, ``__array_function__``),
which computes the real result from the variables' real values and writes a line of
code. Its own memory holds *poison* (nan, or the negated booleans and integers): a path
that reads it without NumPy's dispatch computes garbage rather than a silently frozen
constant, and the check of every traced op against the real one catches it.

Code of dualdiff's rules and primals runs under :func:`rebound`, a copy of each function
whose global ``np`` is :data:`NUMPY`: there ``np.asarray`` of a placeholder is the
placeholder, and ``np.zeros(shape)`` is a new variable that may be written into.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import Tracer
from .lines import NotExpressible

if TYPE_CHECKING:
    from .lines import Var
    from .trace import Trace

__all__ = ["NUMPY", "Placeholder", "placeholder", "real", "rebound", "refresh"]


class Placeholder(np.ndarray):
    """An array standing for a variable of the generated code (see the module docstring)."""

    _var: Var | None = None
    _tr: Trace | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self._var = None  # made by an ndarray method the trace does not follow

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(isinstance(x, Tracer) for x in inputs):
            return NotImplemented  # a traced op of dualdiff: the tracer takes it
        return _trace(self).ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if any(issubclass(t, Tracer) for t in types):
            return NotImplemented
        return _trace(self).function(func, args, kwargs)

    # values read into Python: a guard for integers and booleans (an index, a test)
    def __bool__(self) -> bool:
        return bool(_trace(self).read(self, bool))

    def __int__(self) -> int:
        return int(_trace(self).read(self, int))

    def __index__(self) -> int:
        return int(_trace(self).read(self, int))

    def __float__(self) -> float:
        return float(_trace(self).read(self, float))

    def __complex__(self) -> complex:
        return complex(_trace(self).read(self, complex))

    def item(self, *args: Any) -> Any:
        return _trace(self).read(self[args] if args else self, lambda v: np.asarray(v).item())

    def tolist(self) -> Any:
        return _trace(self).read(self, lambda v: np.asarray(v).tolist())

    # ndarray methods that NumPy does not dispatch: written as the NumPy function
    def __getitem__(self, index: Any) -> Any:
        return _trace(self).getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _trace(self).setitem(self, index, value)

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> Any:
        return _trace(self).astype(self, dtype)

    def reshape(self, *shape: Any, **kwargs: Any) -> Any:
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, **kwargs)

    def transpose(self, *axes: Any) -> Any:
        return np.transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    @property
    def T(self) -> Any:
        return np.transpose(self)

    @property
    def mT(self) -> Any:
        return np.swapaxes(self, -1, -2)

    @property  # type: ignore[misc]
    def real(self) -> Any:
        return np.real(self)

    @property  # type: ignore[misc]
    def imag(self) -> Any:
        return np.imag(self)

    def flatten(self, order: Any = "C") -> Any:
        return np.ravel(self, order).copy()

    def __copy__(self) -> Any:
        return np.copy(self)

    def __deepcopy__(self, memo: Any) -> Any:
        return np.copy(self)

    def view(self, *args: Any, **kwargs: Any) -> Any:
        raise NotExpressible("ndarray.view of a traced value")

    def fill(self, value: Any) -> None:
        self[...] = value

    def __repr__(self) -> str:
        var = self._var
        return (
            f"Placeholder({var.name or var.label if var else 'lost'}, {self.shape}, {self.dtype})"
        )

    __str__ = __repr__


def _delegate(name: str) -> Callable[..., Any]:
    fn = getattr(np, name)

    def method(self: Placeholder, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "sum", "mean", "prod", "max", "min", "any", "all", "std", "var", "argmax", "argmin",
    "cumsum", "cumprod", "clip", "round", "nonzero", "dot", "trace", "diagonal", "argsort",
    "repeat", "take", "searchsorted", "squeeze", "ravel", "swapaxes", "conj", "conjugate",
    "copy", "ptp", "compress", "choose", "partition", "argpartition",
):  # fmt: skip
    setattr(Placeholder, _name, _delegate(_name))


def _trace(q: Placeholder) -> Trace:
    tr = q._tr
    if tr is None or q._var is None:
        raise NotExpressible(
            "a value the trace lost track of (an ndarray method it does not follow)"
        )
    return tr


_NANS: dict[tuple[str, tuple[int, ...]], np.ndarray] = {}  # read-only, shared


def _poison(value: Any) -> np.ndarray:
    """Memory for a placeholder of ``value``: what a read that NumPy does not dispatch sees."""
    a = np.asarray(value)
    if a.dtype.kind in "fc":
        key = (a.dtype.str, a.shape)
        nan = _NANS.get(key)
        if nan is None:
            nan = _NANS[key] = np.broadcast_to(np.array(np.nan, dtype=a.dtype), a.shape)
        return nan
    if a.dtype.kind == "b":
        return np.array(np.logical_not(a))  # np.array: a 0-d result stays an array
    if a.dtype.kind in "iu":
        return np.array(np.invert(a))
    raise NotExpressible(f"a traced value of dtype {a.dtype}")


def placeholder(tr: Trace, var: Var) -> Placeholder:
    """The array that stands for ``var`` in ``tr``: its memory is poison where the value
    comes from the inputs, the value itself where it comes from constants alone (code
    that reads it without NumPy's dispatch then reads the constant it is)."""
    memory = _poison(var.value) if var.traced else np.array(var.value)
    q = memory.view(Placeholder)
    q._var = var
    q._tr = tr
    return q


def refresh(q: Placeholder) -> None:
    """After a write into ``q``'s value: its memory as :func:`placeholder` makes it."""
    var = q._var
    memory = np.ndarray.view(q, np.ndarray)
    if memory.flags.writeable:  # else it is the shared nan of a traced value already
        np.copyto(memory, _poison(var.value) if var.traced else var.value)  # type: ignore[union-attr]


def real(x: Any) -> Any:
    """``x`` with every placeholder (also inside lists, tuples, dicts, slices) as its value."""
    if isinstance(x, Placeholder):
        _trace(x)  # refuses a value the trace lost
        return x._var.value  # type: ignore[union-attr]
    if type(x) in (list, tuple):
        return type(x)(real(a) for a in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(real(a) for a in x))
    if type(x) is dict:
        return {k: real(v) for k, v in x.items()}
    if type(x) is slice:
        return slice(real(x.start), real(x.stop), real(x.step))
    return x


def traced_in(x: Any) -> Placeholder | None:
    """The first placeholder in ``x`` (at any depth of lists and tuples), or None."""
    if isinstance(x, Placeholder):
        return x
    if isinstance(x, (list, tuple)):
        for a in x:
            q = traced_in(a)
            if q is not None:
                return q
    return None


# --- the `np` that rule code sees while it is traced ------------------------------------------


class _Numpy(types.ModuleType):
    """NumPy, except where a call on a placeholder would leave NumPy's dispatch: array
    conversions keep placeholders, and new arrays that code may write into are traced."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def asarray(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        return _convert(np.asarray, a, dtype, args, kwargs)

    @staticmethod
    def asanyarray(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        return _convert(np.asanyarray, a, dtype, args, kwargs)

    @staticmethod
    def ascontiguousarray(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        return _convert(np.ascontiguousarray, a, dtype, args, kwargs)

    @staticmethod
    def array(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        q = traced_in(a)
        if q is None:
            return np.array(a, dtype, *args, **kwargs)
        return _trace(q).create(np.array, (a, dtype, *args), kwargs, "np.array")

    @staticmethod
    def errstate(**kwargs: Any) -> Any:
        return _ErrState(kwargs)


def _convert(fn: Any, a: Any, dtype: Any, args: Any, kwargs: Any) -> Any:
    q = traced_in(a)
    if q is None:
        return fn(a, dtype, *args, **kwargs)
    if a is q and (dtype is None or np.dtype(dtype) == q.dtype) and not args and not kwargs:
        return q  # the value itself: nothing to compute
    return _trace(q).create(fn, (a, dtype, *args), kwargs, f"np.{fn.__name__}")


def _creation(name: str) -> Callable[..., Any]:
    fn = getattr(np, name)

    def create(*args: Any, **kwargs: Any) -> Any:
        tr = _ACTIVE.tr
        if tr is None:
            return fn(*args, **kwargs)
        return tr.create(fn, args, kwargs, f"np.{name}")

    create.__name__ = name
    return staticmethod(create)


for _name in ("zeros", "ones", "empty", "full", "eye", "identity", "arange", "linspace", "tri"):
    setattr(_Numpy, _name, _creation(_name))


class _ErrState:
    """``np.errstate`` in traced code: the lines written inside keep the same error state."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs
        self.real = np.errstate(**kwargs)

    def __enter__(self) -> None:
        self.real.__enter__()
        tr = _ACTIVE.tr
        if tr is not None:
            tr.errstate.append(self.kwargs)

    def __exit__(self, *exc: Any) -> None:
        tr = _ACTIVE.tr
        if tr is not None:
            tr.errstate.pop()
        self.real.__exit__(*exc)


NUMPY = _Numpy("numpy")


class _Active(threading.local):
    tr: Trace | None = None


_ACTIVE = _Active()  # the trace being written in this thread (for np.zeros and errstate)


# --- running dualdiff's code with that `np` ------------------------------------------------------

_LOCK = threading.RLock()
_FUNCTIONS: dict[int, tuple[Any, Any]] = {}  # id(fn) -> (fn, its rebound copy)
_GLOBALS: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}


def _ours(fn: Any) -> bool:
    module = getattr(fn, "__module__", None) or ""
    return (
        isinstance(fn, types.FunctionType)
        and (module == "dualdiff" or module.startswith("dualdiff."))
        and not module.startswith("dualdiff.source")
    )


def rebound(fn: Any) -> Any:
    """``fn`` (a function of dualdiff) with :data:`NUMPY` as its ``np``, and so are the
    functions it reaches through its module's globals and its closure; other callables
    are returned as they are."""
    if not _ours(fn):
        return fn
    with _LOCK:
        return _rebind(fn)


def _rebind(fn: types.FunctionType) -> types.FunctionType:
    known = _FUNCTIONS.get(id(fn))
    if known is None or known[0] is not fn:
        g = _module_globals(fn.__globals__)  # may rebind fn itself, as one of its module's
        known = _FUNCTIONS.get(id(fn))
        if known is None or known[0] is not fn:
            known = (fn, _copy(fn, g))
            _FUNCTIONS[id(fn)] = known
    return known[1]  # type: ignore[no-any-return]


def _copy(fn: types.FunctionType, g: dict[str, Any]) -> types.FunctionType:
    closure = tuple(_cell(c) for c in fn.__closure__) if fn.__closure__ else None
    copy = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, closure)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update(fn.__dict__)
    copy.__qualname__ = fn.__qualname__
    return copy


def _module_globals(g: dict[str, Any]) -> dict[str, Any]:
    known = _GLOBALS.get(id(g))
    if known is not None and known[0] is g:
        return known[1]
    new = dict(g)
    _GLOBALS[id(g)] = (g, new)  # before the functions: they may refer back to this module
    if new.get("np") is np:
        new["np"] = NUMPY
    for key, value in g.items():
        if _ours(value):
            new[key] = _rebind(value)
    return new


def _cell(cell: Any) -> Any:
    try:
        content = cell.cell_contents
    except ValueError:  # an empty cell
        return cell
    return types.CellType(_rebind(content)) if _ours(content) else cell
