"""Operators, array attributes and NumPy's protocols, shared by ``Dual`` and ``Var``.

Every operator maps to a registry op through :func:`~dualdiff.core.bind`;
comparisons act on primals and return plain booleans, so Python control flow
works on traced values.
"""

from __future__ import annotations

import linecache
import operator
import os
import sys
from typing import Any

import numpy as np

from . import ops
from ._scipy_calls import scipy_conversion_error
from ._util import compare, primal_of, shape_of
from .core import REGISTRY, Tracer, bind, current_level
from .numpy_api import apply_function, apply_ufunc

_ADD, _SUB, _MUL = REGISTRY["add"], REGISTRY["subtract"], REGISTRY["multiply"]
_DIV, _POW, _NEG = REGISTRY["divide"], REGISTRY["power"], REGISTRY["negative"]
_MATMUL = REGISTRY["matmul"]
_EMPTY: dict[str, Any] = {}


def _op(name: str) -> Any:
    """The op ``dd.NAME`` for the method of that name, looked up when the method is called."""
    op = getattr(ops, name, None)
    if op is None:
        raise TypeError(f"x.{name}(): this dualdiff has no op dd.{name} to differentiate it")
    return op


# frames inside these folders are the libraries' own, not the call the user wrote
_LIBRARIES = tuple(os.path.dirname(f) + os.sep for f in (np.__file__, __file__) if f)


def _call_site() -> str:
    """The user's line that made the failing call (``file:line in fn: `source```): the
    innermost frame outside dualdiff and NumPy."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        frame = frame.f_back
    code = frame.f_code
    line = linecache.getline(code.co_filename, frame.f_lineno).strip()
    where = f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"
    return f"{where}: `{line}`" if line else where


class Condition(np.ndarray):
    """The outcome of comparing a traced array (``x > 0``): a NumPy bool array whose truth
    value, when asked for by ``if``, explains what to write instead."""

    def __bool__(self) -> bool:
        if self.size > 1:
            raise _ambiguous(self.shape)
        return bool(self.view(np.ndarray))

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def _condition(result: Any) -> Any:
    return result.view(Condition) if type(result) is np.ndarray else result


def _ambiguous(shape: tuple[int, ...]) -> ValueError:
    return ValueError(
        f"the condition of an if, while, and, or or not is a traced array of shape {shape}, "
        "which has no single truth value: choose elementwise with dd.where(cond, a, b), or "
        "decide on the values with x.value (e.g. np.any(x.value > 0)), not differentiated"
    )


class ArrayOps(Tracer):
    """The operator and array surface of a traced value (``Dual`` or ``Var``)."""

    __slots__ = ()
    __array_priority__ = 100.0

    # arithmetic (dispatch straight to the rules: these are the hot paths)
    def _apply2(self, rule: Any, a: Any, b: Any) -> Any:
        """``rule`` on the two inputs (one of them is ``self``); a tracer may take a
        shorter path than :func:`bind` here, with the same result."""
        return bind(rule, (a, b), _EMPTY)

    def __add__(self, other: Any) -> Any:
        return self._apply2(_ADD, self, other)

    def __radd__(self, other: Any) -> Any:
        return self._apply2(_ADD, other, self)

    def __sub__(self, other: Any) -> Any:
        return self._apply2(_SUB, self, other)

    def __rsub__(self, other: Any) -> Any:
        return self._apply2(_SUB, other, self)

    def __mul__(self, other: Any) -> Any:
        return self._apply2(_MUL, self, other)

    def __rmul__(self, other: Any) -> Any:
        return self._apply2(_MUL, other, self)

    def __truediv__(self, other: Any) -> Any:
        return self._apply2(_DIV, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return self._apply2(_DIV, other, self)

    def __pow__(self, other: Any) -> Any:
        return self._apply2(_POW, self, other)

    def __rpow__(self, other: Any) -> Any:
        return self._apply2(_POW, other, self)

    def __floordiv__(self, other: Any) -> Any:
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Any:
        return ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Any:
        return ops.remainder(other, self)

    def __divmod__(self, other: Any) -> Any:
        return ops.divmod(self, other)

    def __rdivmod__(self, other: Any) -> Any:
        return ops.divmod(other, self)

    def __matmul__(self, other: Any) -> Any:
        return self._apply2(_MATMUL, self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return self._apply2(_MATMUL, other, self)

    def __neg__(self) -> Any:
        return bind(_NEG, (self,), _EMPTY)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return ops.abs(self)

    # comparisons act on primals: they steer control flow, they have no derivative
    def __lt__(self, other: Any) -> Any:
        return _condition(compare(operator.lt, self, other))

    def __le__(self, other: Any) -> Any:
        return _condition(compare(operator.le, self, other))

    def __gt__(self, other: Any) -> Any:
        return _condition(compare(operator.gt, self, other))

    def __ge__(self, other: Any) -> Any:
        return _condition(compare(operator.ge, self, other))

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _condition(compare(operator.eq, self, other))

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _condition(compare(operator.ne, self, other))

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        try:
            return compare(bool, self)
        except ValueError as err:  # NumPy's "truth value of an array ... is ambiguous"
            raise _ambiguous(self.shape) from err

    # conversions that would silently drop the derivative
    def _dropped(self, what: str) -> TypeError:
        kind = type(self).__name__
        return TypeError(
            f"{what} of a {kind} would drop its derivative. Use the value explicitly "
            f"(x.primal), or dualdiff/NumPy functions (dd.sin, np.sin) instead of the "
            f"math module; to differentiate through your own function, register it "
            f"with dd.register_op"
        )

    def __float__(self) -> float:
        # NumPy calls float() for ``out[i] = x`` too (and reports it as its own ValueError,
        # with this error as the cause): name that case and its fix
        raise TypeError(
            "float() (which math-module functions and out[i] = x into a NumPy array call) "
            f"of a {type(self).__name__} would drop its derivative, at {_call_site()}. Build "
            "arrays of traced values with dd.array([...]) or dd.stack([...]) instead of "
            "assigning into a buffer, and use the dualdiff/NumPy twin of a math function "
            "(dd.sin, np.sin); x.primal is the value without its derivative; to differentiate "
            "your own function, register it with dd.register_op"
        )

    def __int__(self) -> int:
        raise self._dropped("int()")

    def __index__(self) -> int:
        raise self._dropped("use as an index")

    def __complex__(self) -> complex:
        raise self._dropped("complex()")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        from_scipy = scipy_conversion_error(type(self).__name__, sys._getframe(1))
        if from_scipy is not None:  # scipy.linalg.cholesky(x): name dd.scipy.linalg.cholesky
            raise from_scipy
        # NumPy raises this TypeError as it is, from np.array([x, 2 * x]), np.asarray(x)
        # and out[1:] = x: the first thing the user reads says what to call instead
        kind = type(self).__name__
        raise TypeError(
            f"conversion to a NumPy array (np.array, np.asarray, assignment into an ndarray) "
            f"of a {kind} would drop its derivative, at {_call_site()}. Build arrays of "
            "traced values with dd.array([...]) or dd.stack([...]), and new values with "
            "dd.where or dd.concatenate instead of assigning into a buffer; x.primal is the "
            "value without its derivative"
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            f"{type(self).__name__} values are immutable: x[...] = v cannot be differentiated. "
            "Build the new value instead, e.g. with dd.where(mask, v, x) or dd.concatenate"
        )

    # array surface
    @property
    def shape(self) -> tuple[int, ...]:
        return shape_of(primal_of(self))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(primal_of(self))

    @property
    def T(self) -> Any:
        return ops.transpose(self)

    @property
    def real(self) -> Any:
        return ops.real(self)

    @property
    def imag(self) -> Any:
        return ops.imag(self)

    def conj(self) -> Any:
        return ops.conj(self)

    conjugate = conj

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError(f"len() of a 0-d {type(self).__name__}")
        return shape[0]

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index: Any) -> Any:
        return ops.getitem(self, index)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Any:
        return ops.prod(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:
        return ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Any:
        return ops.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Any:
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Any:
        return ops.transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def ravel(self) -> Any:
        return ops.reshape(self, (-1,))

    flatten = ravel

    def squeeze(self, axis: Any = None) -> Any:
        return ops.squeeze(self, axis)

    def dot(self, other: Any) -> Any:
        return ops.dot(self, other)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Any:
        return ops.clip(self, a_min, a_max)

    def std(self, axis: Any = None, *, ddof: int = 0, keepdims: bool = False) -> Any:
        return _op("std")(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def var(self, axis: Any = None, *, ddof: int = 0, keepdims: bool = False) -> Any:
        return _op("var")(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis: Any = None) -> Any:
        return _op("cumsum")(self, axis=axis)

    def cumprod(self, axis: Any = None) -> Any:
        return _op("cumprod")(self, axis=axis)

    def round(self, decimals: int = 0) -> Any:
        return _op("round")(self, decimals=decimals)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return _op("trace")(self, offset=offset, axis1=axis1, axis2=axis2)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return _op("diagonal")(self, offset=offset, axis1=axis1, axis2=axis2)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        return ops.swapaxes(self, axis1, axis2)

    def repeat(self, repeats: Any, axis: Any = None) -> Any:
        return _op("repeat")(self, repeats, axis=axis)

    def take(self, indices: Any, axis: Any = None) -> Any:
        """``np.take``: entries at ``indices`` along ``axis`` (of the flattened value if None)."""
        if axis is None:
            return ops.reshape(self, (-1,))[indices]
        axis = int(axis) % max(self.ndim, 1)
        return self[(slice(None),) * axis + (primal_of(indices),)]

    def sort(self, axis: Any = -1) -> None:
        raise TypeError(
            f"x.sort() sorts in place, and a {type(self).__name__} is immutable: "
            "write x = np.sort(x) (or dd.sort(x)), which differentiates"
        )

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        return ops.astype(self, dtype)

    def copy(self) -> Any:
        return self  # immutable: a traced value is its own copy

    # integer, boolean and structural results: on the primals (see dualdiff.numpy_api)
    def argmax(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.argmin(self, axis=axis, keepdims=keepdims)

    def argsort(self, axis: Any = -1, kind: Any = None) -> Any:
        return np.argsort(self, axis=axis, kind=kind)

    def nonzero(self) -> tuple[np.ndarray, ...]:
        return np.nonzero(self)

    def any(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Any:
        return np.all(self, axis=axis, keepdims=keepdims)

    # the value itself: plain outside every transform and tape, an error inside one
    def item(self, *index: Any) -> Any:
        return self._concrete("x.item()").item(*index)

    def tolist(self) -> Any:
        return self._concrete("x.tolist()").tolist()

    def _concrete(self, what: str) -> np.ndarray:
        if current_level() > 0:
            raise TypeError(
                f"{what} of a {type(self).__name__} inside a transform or tape would drop its "
                "derivative: keep computing with it (dd ops, NumPy functions), or take "
                f"x.primal for the value without its derivative. Outside every transform and "
                f"tape, {what} returns the value"
            )
        return np.asarray(primal_of(self))

    # NumPy's protocols: np.sin(x), np.dot(a, x), ndarray * x ... reach the registry
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return apply_function(func, args, kwargs)
