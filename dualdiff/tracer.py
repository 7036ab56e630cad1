"""Operators, array attributes and NumPy's protocols, shared by ``Dual`` and ``Var``.

Every operator maps to a registry op through :func:`~dualdiff.core.bind`;
comparisons act on primals and return plain booleans, so Python control flow
works on traced values.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import ops
from ._util import compare, primal_of, shape_of
from .core import REGISTRY, Tracer, bind
from .numpy_api import apply_function, apply_ufunc

_ADD, _SUB, _MUL = REGISTRY["add"], REGISTRY["subtract"], REGISTRY["multiply"]
_DIV, _POW, _NEG = REGISTRY["divide"], REGISTRY["power"], REGISTRY["negative"]
_MATMUL = REGISTRY["matmul"]
_EMPTY: dict[str, Any] = {}


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
        return compare(operator.lt, self, other)

    def __le__(self, other: Any) -> Any:
        return compare(operator.le, self, other)

    def __gt__(self, other: Any) -> Any:
        return compare(operator.gt, self, other)

    def __ge__(self, other: Any) -> Any:
        return compare(operator.ge, self, other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return compare(operator.eq, self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return compare(operator.ne, self, other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return compare(bool, self)

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
        raise self._dropped("float() (or a math-module function)")

    def __int__(self) -> int:
        raise self._dropped("int()")

    def __index__(self) -> int:
        raise self._dropped("use as an index")

    def __complex__(self) -> complex:
        raise self._dropped("complex()")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise self._dropped("conversion to a NumPy array (np.asarray, np.array, assignment)")

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

    # NumPy's protocols: np.sin(x), np.dot(a, x), ndarray * x ... reach the registry
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return apply_function(func, args, kwargs)
