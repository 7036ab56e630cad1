"""Sample values that remember what they stand for, so that printed rules stay symbolic.

A piecewise rule reads primal values: relu's derivative is ``mask(primal_of(x) > 0, ans)``.
Run on numbers, that comparison gives the sample's 0s and 1s. While a rule is recorded
as a formula (:func:`dualdiff.teach.expr.record_symbolic`) its named inputs hold
:class:`Sym` arrays instead: sample arrays that also carry an expression :class:`Node`.
NumPy's comparisons, arithmetic and reductions on them compute the sample value *and*
the expression, so the mask above prints as ``[x > 0]`` (an Iverson bracket: 1 where the
condition holds, 0 elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..core import Tracer

__all__ = [
    "LAYOUT_OPS",
    "Node",
    "Sym",
    "const_node",
    "elementwise_view",
    "node_of",
    "simplify",
    "sym",
    "uniform",
]


@dataclass(slots=True, eq=False)
class Node:
    """One node of a formula's expression tree.

    ``kind`` is ``"sym"`` (a named input, ``data`` its symbol), ``"const"`` (``data``
    the value), ``"op"`` (``data`` an op name, printed like the registry's ops),
    ``"rel"`` (``data`` one of ``> < ≥ ≤ = ≠``), ``"and"``, ``"or"``, ``"not"`` (conditions)
    or ``"iv"`` (the Iverson bracket of its condition: a 0/1 number). ``boolean`` marks a
    node whose value is a condition; ``shape`` is the value's shape.
    """

    kind: str
    data: Any = None
    args: tuple[Node, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    shape: tuple[int, ...] = ()
    boolean: bool = False


_RELATIONS = {
    "greater": ">",
    "less": "<",
    "greater_equal": "≥",
    "less_equal": "≤",
    "equal": "=",
    "not_equal": "≠",
}
_LOGIC = {"logical_and": "and", "bitwise_and": "and", "logical_or": "or", "bitwise_or": "or"}
_NOT = frozenset({"logical_not", "invert"})
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}
_REDUCE_FUNCS = {"sum": "sum", "prod": "prod", "max": "max", "amax": "max", "min": "min"}
_REDUCE_FUNCS |= {"amin": "min", "mean": "mean", "any": "any", "all": "all"}
# functions that move elements without changing them (printed as a reshape)
_LAYOUT = frozenset({"reshape", "broadcast_to", "expand_dims", "squeeze", "ravel", "copy"})
LAYOUT_OPS = frozenset({"reshape", "broadcast_to", "expand_dims", "squeeze"})


def const_node(value: Any) -> Node:
    """The node of a plain value (a number or an array)."""
    return Node("const", value, shape=np.shape(value), boolean=np.result_type(value).kind == "b")


def node_of(value: Any) -> Node:
    """The expression a value stands for: its own for a :class:`Sym`, else the constant."""
    if isinstance(value, Sym) and value.node is not None:
        return value.node
    return const_node(value)


def sym(value: Any, node: Node) -> Sym:
    """A :class:`Sym` holding a copy of ``value`` and standing for ``node``."""
    out = np.array(value).view(Sym)
    out.node = node
    return out


def _with(value: Any, node: Node | None) -> Any:
    """``value`` as a Sym standing for ``node`` (numbers and numeric arrays only)."""
    if node is None or not isinstance(value, (np.ndarray, np.generic)):
        return value
    if np.result_type(value).kind not in "biufc":
        return value
    shape, boolean = np.shape(value), np.result_type(value).kind == "b"
    if node.kind == "op" and node.data == "reshape":
        if node.args[0].shape == shape:
            return sym(value, node.args[0])
        node.params["shape"] = shape
    if (node.shape, node.boolean) != (shape, boolean):
        node = replace(node, shape=shape, boolean=boolean)
    return sym(value, simplify(node))


def _plain(x: Any) -> Any:
    """``x`` with every Sym (also inside lists and tuples) as a plain ndarray."""
    if isinstance(x, Sym):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(a) for a in x)
    return x


class Sym(np.ndarray):
    """A NumPy array (a sample value) that also carries the expression :class:`Node` it
    stands for; NumPy functions on it return Syms with the combined expression."""

    node: Node | None = None

    def __array_finalize__(self, obj: Any) -> None:
        node = getattr(obj, "node", None)
        if node is not None and obj.dtype.kind == "b" and self.dtype.kind != "b":
            node = Node("iv", args=(node,), shape=self.shape)  # a mask: bool -> number
        self.node = node

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, Tracer) for a in inputs):
            return NotImplemented
        if "out" in kwargs:  # writes into a given array: the value only
            return _plain_ufunc(ufunc, method, inputs, kwargs)
        result = getattr(ufunc, method)(*_plain(inputs), **kwargs)
        return _with(result, _ufunc_node(ufunc, method, inputs, kwargs))

    def __array_function__(
        self, func: Callable[..., Any], types: Any, args: Any, kwargs: Any
    ) -> Any:
        if any(issubclass(t, Tracer) for t in types):
            return NotImplemented
        result = func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
        return _with(result, _function_node(func.__name__, args, kwargs))


def _plain_ufunc(ufunc: Any, method: str, inputs: Any, kwargs: dict[str, Any]) -> Any:
    kwargs = {**kwargs, "out": _plain(kwargs["out"])}
    getattr(ufunc, method)(*_plain(inputs), **kwargs)
    out = kwargs["out"]
    return out[0] if len(out) == 1 else out


def _ufunc_node(ufunc: Any, method: str, inputs: Any, kwargs: dict[str, Any]) -> Node | None:
    name, args = ufunc.__name__, tuple(node_of(a) for a in inputs)
    if method == "reduce" and name in _REDUCE:
        return _reduction(_REDUCE[name], args[0], kwargs.get("axis", 0))
    if method != "__call__":
        return None
    if name in _RELATIONS:
        return Node("rel", _RELATIONS[name], args)
    if args[0].boolean and name in _LOGIC:
        return Node(_LOGIC[name], args=args)
    if args[0].boolean and name in _NOT:
        return Node("not", args=args)
    return Node("op", name, args)


def _reduction(name: str, arg: Node, axis: Any) -> Node:
    return Node("op", name, (arg,), {} if axis is None else {"axis": axis})


def _function_node(name: str, args: Any, kwargs: dict[str, Any]) -> Node | None:
    if not args:
        return None
    if name in _LAYOUT:  # printed as reshape (or as its input when read element by element)
        return Node("op", "reshape", (node_of(args[0]),), {"shape": None})
    if name in _REDUCE_FUNCS:
        axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
        params = {} if axis is None else {"axis": axis}
        if kwargs.get("keepdims"):
            params["keepdims"] = True
        return Node("op", _REDUCE_FUNCS[name], (node_of(args[0]),), params)
    if name == "where" and len(args) == 3:
        return Node("op", "where", tuple(node_of(a) for a in args))
    return None


# --- identities that keep a formula's value and shorten its text -----------------------


def simplify(node: Node) -> Node:
    """``node`` shortened by identities that keep its value: 1 · a = a,
    exp(a - logsumexp(a)) = softmax(a), softmax(a - c) = softmax(a) for c constant
    along the axis."""
    if node.kind != "op":
        return node
    if node.data == "multiply" and len(node.args) == 2:
        for one, other in (node.args, node.args[::-1]):
            if _is_one(one) and other.shape == node.shape:
                return other
    return _softmax(node) or node


def uniform(value: Any) -> Any:
    """An array whose elements are all equal as that one number (it broadcasts the same)."""
    if isinstance(value, np.ndarray) and value.size > 1 and value.dtype.kind in "biuf":
        first = value.flat[0]
        if np.all(value == first):
            return first
    return value


def _is_one(node: Node) -> bool:
    if node.kind != "const" or node.boolean:
        return False
    value = uniform(node.data)
    return np.ndim(value) == 0 and bool(value == 1)


def _softmax(node: Node) -> Node | None:
    if node.data != "exp" or node.args[0].kind != "op" or node.args[0].data != "subtract":
        return None
    a, lse = node.args[0].args
    if not (lse.kind == "op" and lse.data == "logsumexp" and lse.params.get("keepdims")):
        return None
    if lse.args[0] is not a:
        return None
    axis = lse.params.get("axis")
    return Node("op", "softmax", (_unshifted(a, axis, node.shape),), {"axis": axis}, node.shape)


def _unshifted(a: Node, axis: Any, shape: tuple[int, ...]) -> Node:
    """``a`` without a subtracted shift that is constant along ``axis`` (softmax ignores it)."""
    if a.kind != "op" or a.data != "subtract" or axis is None:
        return a
    x, c = a.args
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    cshape = (1,) * (len(shape) - len(c.shape)) + tuple(c.shape)
    if x.shape == shape and len(cshape) == len(shape) and all(cshape[i] == 1 for i in axes):
        return x
    return a


def elementwise_view(node: Node) -> Node:
    """``node`` read element by element: reshape and broadcast_to stand for their input
    (a reduced value such as ``ans`` is understood broadcast back over the input)."""
    if node.kind == "op" and node.data in LAYOUT_OPS and node.args:
        return elementwise_view(node.args[0])
    if not node.args:
        return node
    return replace(node, args=tuple(elementwise_view(a) for a in node.args))
