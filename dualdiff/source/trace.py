"""The trace of a program: the lines of code that NumPy calls on placeholders write.

Every handler computes the real result from the real values (so that shapes, dtypes and
the outcomes of guards are those of the recorded call) and appends the line that
computes it. Python scalars stay Python scalars: arithmetic and comparisons on them are
written with Python's operators, as dualdiff's primals compute them.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .arrays import _ACTIVE, Placeholder, placeholder, real, refresh, traced_in
from .lines import OUT, Const, Line, NotExpressible, Var, kind_of, literal, same_value

__all__ = ["Trace", "numpy_name"]

# NumPy's ufuncs as Python operators, for Python scalars (same results: these are IEEE
# operations; where Python raises, on division by zero, the caller falls back)
_BINARY: dict[Any, str] = {
    np.add: "+", np.subtract: "-", np.multiply: "*", np.divide: "/", np.floor_divide: "//",
    np.remainder: "%", np.greater: ">", np.greater_equal: ">=", np.less: "<",
    np.less_equal: "<=", np.equal: "==", np.not_equal: "!=",
}  # fmt: skip
_BOOLEAN: dict[Any, str] = {
    np.logical_and: "&", np.logical_or: "|", np.logical_xor: "^", np.bitwise_and: "&",
    np.bitwise_or: "|", np.bitwise_xor: "^",
}  # fmt: skip
_PY_BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, ">": operator.gt, ">=": operator.ge,
    "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
    "&": operator.and_, "|": operator.or_, "^": operator.xor,
}  # fmt: skip
_RAISING = frozenset({"/", "//", "%"})
_UNARY: dict[Any, tuple[str, Callable[[Any], Any]]] = {
    np.negative: ("-", operator.neg),
    np.positive: ("+", operator.pos),
}

# functions whose results are read from shapes and dtypes alone: no code, no guard
_SHAPE_ONLY = frozenset({
    np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
    np.may_share_memory, np.shares_memory, np.min_scalar_type, np.can_cast,
})  # fmt: skip
_CREATIONS = frozenset({np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.copy})
_METHODS = {
    np.reshape: "reshape", np.transpose: "transpose", np.squeeze: "squeeze", np.ravel: "ravel",
    np.swapaxes: "swapaxes",
}  # fmt: skip
_REDUCTIONS = {
    np.sum: np.add, np.prod: np.multiply, np.max: np.maximum, np.amax: np.maximum,
    np.min: np.minimum, np.amin: np.minimum, np.any: np.logical_or, np.all: np.logical_and,
}  # fmt: skip
_REDUCE_KEYWORDS = frozenset({"axis", "keepdims", "initial"})
_NAMESPACES = (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft))


def numpy_name(fn: Any) -> str | None:
    """``np.sum``, ``np.linalg.solve`` ...: where NumPy's public API holds ``fn``; None
    for a function that is not NumPy's."""
    name = getattr(fn, "__name__", None)
    if name is None:
        return None
    for prefix, space in _NAMESPACES:
        if getattr(space, name, None) is fn:
            return f"{prefix}.{name}"
    return None


def describe_callable(fn: Any) -> str:
    """A callable's name for an error message: ``scipy.special.erf``, ``mymodule.f`` ..."""
    name = getattr(fn, "__name__", type(fn).__name__)
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, name, None) is fn:
        return f"scipy.special.{name}"
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else name


class Trace:
    """The lines written so far, and how values, constants and guards are written."""

    def __init__(self, raising: bool = True) -> None:
        self.lines: list[Line] = []
        self.raising = raising  # may write Python's math and division, which raise where
        # NumPy returns inf or nan (the caller then runs a version written without them)
        self.scope = ""  # what the lines being written come from (their comment)
        self.errstate: list[dict[str, Any]] = []
        self.consts: dict[int, Const] = {}
        self.folded = 0  # products by 1 removed as they were traced
        self.may_raise = False  # Python's math or division written: they raise where NumPy
        # returns inf or nan (a caller falls back to NumPy's code then)
        self.phase = "forward"  # or "backward", "result": where the lines being written go

    # --- lines and values ------------------------------------------------------------------

    def note(self, what: str = "") -> str:
        if not what:
            return self.scope
        return f"{self.scope}: {what}" if self.scope else what

    def add(self, line: Line) -> Line:
        if self.errstate:
            merged: dict[str, Any] = {}
            for kw in self.errstate:
                merged.update(kw)
            line.errstate = tuple(sorted(merged.items()))
        line.phase = self.phase
        self.lines.append(line)
        return line

    def value(self, parts: list[Any], value: Any, *, fresh: bool = False, note: str = "") -> Any:
        """A new variable ``= parts`` holding ``value``: its placeholder (or a tuple of them)."""
        kind = kind_of(value)
        var = Var(value, kind)
        line = Line(var, parts, self.note(note), fresh=fresh and kind == "array")
        var.traced = any(r.traced for r in line.reads)
        var.line = self.add(line)
        if kind == "tuple":
            items = [self.value([var, f"[{i}]"], x, note=note) for i, x in enumerate(value)]
            return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
        return placeholder(self, var)

    def input(self, value: Any, label: str, source: str) -> Placeholder:
        """A leaf of the program: ``label = source`` (an argument, or part of one)."""
        var = Var(value, kind_of(value), label)
        var.traced = True
        var.line = self.add(Line(var, [source], "input", kind="input"))
        return placeholder(self, var)

    def mark(self) -> tuple[int, int]:
        return len(self.lines), self.folded

    def rollback(self, mark: tuple[int, int]) -> None:
        del self.lines[mark[0] :]
        self.folded = mark[1]

    # --- how arguments are written --------------------------------------------------------

    def const(self, value: Any) -> Any:
        """A constant as a part: its literal text, or a named :class:`Const`."""
        text = literal(value)
        if text is not None:
            return text
        if isinstance(value, np.ndarray):
            return self.named(value)
        raise NotExpressible(f"a constant of type {type(value).__name__} in the computation")

    def named(self, value: Any) -> Const:
        """``value`` as a constant named at the top of the module (arrays, dtypes ...)."""
        const = self.consts.get(id(value))
        if const is None or const.value is not value:
            const = self.consts[id(value)] = Const(value)
        return const

    def parts(self, x: Any) -> list[Any]:
        """The parts that write ``x`` (a placeholder, a constant, or a list or tuple of them)."""
        if isinstance(x, Placeholder):
            real(x)  # refuses a value the trace lost
            return [x._var]
        constant = traced_in(x) is None and type(x) is not slice
        if constant and (type(x) not in (list, tuple) or literal(x) is not None):
            return [self.const(x)]
        if type(x) in (list, tuple):
            inner = self.joined(x)
            if type(x) is list:
                return ["[", *inner, "]"]
            return ["(", *inner, ",)" if len(x) == 1 else ")"]
        if type(x) is slice:
            return ["slice(", *self.joined([x.start, x.stop, x.step]), ")"]
        raise NotExpressible(f"a {type(x).__name__} holding traced values")

    def joined(self, items: Any, kwargs: dict[str, Any] | None = None) -> list[Any]:
        out: list[Any] = []
        for x in items:
            out += [*self.parts(x), ", "]
        for k, v in (kwargs or {}).items():
            out += [f"{k}=", *self.parts(v), ", "]
        return out[:-1]

    def call(self, name: str, args: Any, kwargs: dict[str, Any], *, out: bool = False) -> list[Any]:
        """``name(args, kwargs)``; ``out`` leaves room for an ``out=`` buffer."""
        return [f"{name}(", *self.joined(args, kwargs), *([OUT] if out else []), ")"]

    def index(self, index: Any) -> list[Any]:
        """An index as written between brackets: ``1:, ::2``, ``v3, None, ...``."""
        items = index if type(index) is tuple else (index,)
        out: list[Any] = []
        for item in items:
            out += [*self._index_item(item), ", "]
        if type(index) is tuple and len(items) == 1:
            return out  # keeps the comma: x[(a,)] is x[a,]
        return out[:-1] or ["()"]

    def _index_item(self, item: Any) -> list[Any]:
        if type(item) is not slice:
            return self.parts(item)
        bounds = [[] if b is None else self.parts(b) for b in (item.start, item.stop, item.step)]
        text = [*bounds[0], ":", *bounds[1]]
        return [*text, ":", *bounds[2]] if bounds[2] else text

    # --- NumPy's protocols ---------------------------------------------------------------

    def ufunc(self, ufunc: Any, method: str, inputs: Any, kwargs: dict[str, Any]) -> Any:
        if "out" in kwargs:
            return self._ufunc_into(ufunc, method, inputs, kwargs)
        if method == "at":
            return self._ufunc_at(ufunc, inputs, kwargs)
        if method == "__call__" and ufunc.signature is None:  # elementwise, not matmul
            inputs = _scalars_for_uniform(inputs)
            if ufunc is np.multiply and not kwargs:
                same = self._times_one(inputs)
                if same is not None:
                    return same
        if method == "__call__" and not kwargs:
            python = self._python_ufunc(ufunc, inputs)
            if python is not None:
                return python
        name = self._ufunc_name(ufunc)
        value = getattr(ufunc, method)(*real(inputs), **real(kwargs))
        call = method == "__call__"
        parts = self.call(name if call else f"{name}.{method}", inputs, kwargs, out=call)
        return self.value(parts, value, fresh=True)

    def _times_one(self, inputs: Any) -> Placeholder | None:
        """``1 * x`` as ``x`` where that is the same value (a rule's ``g * d`` with g = 1)."""
        if len(inputs) != 2:
            return None
        for one, other in (inputs, inputs[::-1]):
            if type(one) in (int, float) and one == 1 and isinstance(other, Placeholder):
                value = other._var.value  # type: ignore[union-attr]
                product = one * value if type(value) is float else np.multiply(one, value)
                if same_value(product, value):
                    self.folded += 1
                    return other
        return None

    def _ufunc_name(self, ufunc: Any) -> str:
        name = ufunc.__name__
        if getattr(np, name, None) is ufunc:
            return f"np.{name}"
        raise NotExpressible(f"calls {describe_callable(ufunc)}, a ufunc that NumPy does not have")

    def _python_ufunc(self, ufunc: Any, inputs: Any) -> Any:
        """A ufunc on Python scalars as Python's operator, or None."""
        if not all(_python(x) for x in inputs):
            return None
        values = real(inputs)
        if len(inputs) == 2 and (ufunc in _BINARY or (_all_bool(values) and ufunc in _BOOLEAN)):
            sign = _BINARY[ufunc] if ufunc in _BINARY else _BOOLEAN[ufunc]
            if sign in _RAISING and not self.raising:
                return None
            try:
                value = _PY_BINARY[sign](*values)
            except (ArithmeticError, ValueError):
                return None  # NumPy's result where Python refuses (x / 0)
            a, b = (self._operand(x) for x in inputs)
            self.may_raise |= sign in _RAISING
            return self.value([*a, f" {sign} ", *b], value)
        if len(inputs) == 1 and ufunc in _UNARY:
            sign, fn = _UNARY[ufunc]
            return self.value([sign, *self._operand(inputs[0])], fn(values[0]))
        if len(inputs) == 1 and ufunc is np.logical_not and _all_bool(values):
            return self.value(["not ", *self._operand(inputs[0])], not values[0])
        return None

    def _operand(self, x: Any) -> list[Any]:
        parts = self.parts(x)
        text = parts[0] if len(parts) == 1 and isinstance(parts[0], str) else ""
        return [f"({text})"] if text.startswith("-") else parts

    def _ufunc_into(self, ufunc: Any, method: str, inputs: Any, kwargs: dict[str, Any]) -> Any:
        """``ufunc(..., out=a)``: a write into an array the program made."""
        outs = kwargs["out"] if type(kwargs["out"]) is tuple else (kwargs["out"],)
        if len(outs) != 1 or not _writable(outs[0]):
            raise NotExpressible(
                f"{ufunc.__name__}(..., out=) into a value the program did not make"
            )
        target = outs[0]
        rest = {k: v for k, v in kwargs.items() if k != "out"}
        getattr(ufunc, method)(*real(inputs), out=target._var.value, **real(rest))
        name = self._ufunc_name(ufunc) + ("" if method == "__call__" else f".{method}")
        self.write(target, [*self.call(name, inputs, rest)[:-1], ", out=", target._var, ")"])
        return target

    def _ufunc_at(self, ufunc: Any, inputs: Any, kwargs: dict[str, Any]) -> None:
        """``np.add.at(a, index, b)``: a write into an array the program made."""
        if not _writable(inputs[0]):
            raise NotExpressible(f"{ufunc.__name__}.at into a value the program did not make")
        ufunc.at(*real(inputs), **real(kwargs))
        self.write(inputs[0], self.call(f"{self._ufunc_name(ufunc)}.at", inputs, kwargs))

    def function(self, func: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        if func in _SHAPE_ONLY:
            return func(*real(args), **real(kwargs))
        name = numpy_name(func)
        if name is None:
            raise NotExpressible(f"calls {describe_callable(func)}, which is not NumPy's")
        if func in _CREATIONS:
            return self.create(func, args, kwargs, name)
        shorter = self._shorter(func, args, kwargs)
        if shorter is not None:
            return shorter
        value = func(*real(args), **real(kwargs))
        if value is None:
            raise NotExpressible(f"calls {name}, which writes into its arguments")
        return self.value(self.call(name, args, kwargs), value)

    def _shorter(self, func: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        """A NumPy function on an array as the ndarray method or ufunc reduction it runs
        (``np.sum`` is ``np.add.reduce``, ``np.reshape`` is ``a.reshape``): the same result
        without the function's Python wrapper, a microsecond a call on small arrays."""
        a = args[0] if args else None
        if not isinstance(a, Placeholder) or a._var.kind != "array":  # type: ignore[union-attr]
            return None
        method = _METHODS.get(func)
        if method is not None and not kwargs:
            value = getattr(a._var.value, method)(*real(args[1:]))  # type: ignore[union-attr]
            parts = [a._var, f".{method}(", *self.joined(args[1:]), ")"]
            return self.value(parts, value)
        if func is np.mean:
            return self._mean(a, args, kwargs)
        ufunc = _REDUCTIONS.get(func)
        if ufunc is None or len(args) != 1 or not set(kwargs) <= _REDUCE_KEYWORDS:
            return None
        kwargs = {"axis": None, **kwargs}  # a reduction's default axis is 0; np.sum's all
        value = ufunc.reduce(real(a), **real(kwargs))
        parts = self.call(f"np.{ufunc.__name__}.reduce", args, kwargs, out=True)
        return self.value(parts, value, fresh=True)

    def _mean(self, a: Placeholder, args: Any, kwargs: dict[str, Any]) -> Any:
        """``np.mean`` of a float32 or float64 array: its sum over the count, as NumPy
        computes it (the same rounding)."""
        x = a._var.value  # type: ignore[union-attr]
        if len(args) != 1 or not set(kwargs) <= {"axis", "keepdims"} or x.size == 0:
            return None
        if x.dtype.kind != "f" or x.dtype.itemsize < 4:
            return None
        kwargs = {"axis": None, **kwargs}
        total = np.add.reduce(x, **real(kwargs))
        count = x.size // max(np.size(total), 1)
        parts = [*self.call("np.add.reduce", args, kwargs), f" / {count}"]
        return self.value(parts, total / count, fresh=np.ndim(total) > 0)

    def create(self, fn: Any, args: Any, kwargs: dict[str, Any], name: str) -> Any:
        """A new array that the program may write into (``np.zeros``, ``np.array(x)`` ...)."""
        value = fn(*real(args), **real(kwargs))
        q = self.value(self.call(name, args, kwargs), value, fresh=True)
        if isinstance(q, Placeholder):
            q._var.mutable = True  # type: ignore[union-attr]
        return q

    # --- ndarray methods --------------------------------------------------------------------

    def getitem(self, q: Placeholder, index: Any) -> Any:
        base = self._as_array(q)
        value = np.asarray(base._var.value)[real(index)]  # type: ignore[union-attr]
        return self.value([base._var, "[", *self.index(index), "]"], value)

    def setitem(self, q: Placeholder, index: Any, value: Any) -> None:
        if not _writable(q):
            raise NotExpressible("writes into a value it did not make (x[...] = y)")
        q._var.value[real(index)] = real(value)  # type: ignore[union-attr]
        self.write(q, [q._var, "[", *self.index(index), "] = ", *self.parts(value)])

    def write(self, q: Placeholder, parts: list[Any]) -> None:
        """A line that writes into ``q``'s value (which the caller has changed already)."""
        line = self.add(Line(None, parts, self.note(), kind="write", mutates=q._var))
        q._var.traced |= any(r.traced for r in line.reads)  # type: ignore[union-attr]
        refresh(q)

    def astype(self, q: Placeholder, dtype: Any) -> Any:
        var = q._var
        dtype = np.dtype(dtype)
        if var.python and dtype.kind in "bif":  # type: ignore[union-attr]
            convert = {"b": bool, "i": int, "f": float}[dtype.kind]
            return self.value([f"{convert.__name__}(", var, ")"], convert(var.value))  # type: ignore[union-attr]
        base = self._as_array(q)
        value = base._var.value.astype(dtype)  # type: ignore[union-attr]
        return self.value([base._var, ".astype(", self.const(dtype), ")"], value, fresh=True)

    def _as_array(self, q: Placeholder) -> Placeholder:
        """``q`` as something with ndarray methods: a Python scalar goes through np.asarray."""
        if not q._var.python:  # type: ignore[union-attr]
            return q
        return self.value(["np.asarray(", q._var, ")"], np.asarray(q._var.value))  # type: ignore[union-attr]

    # --- values read into Python: guards ------------------------------------------------------

    def read(self, q: Placeholder, convert: Callable[[Any], Any]) -> Any:
        """A value read into Python (a test, an index): the code checks that it is the same."""
        value = np.asarray(q._var.value)  # type: ignore[union-attr]
        if value.dtype.kind in "fc":
            raise NotExpressible("reads a floating-point value into Python (float(), math.*)")
        result = convert(q._var.value)  # type: ignore[union-attr]
        self.guard(q, result, "a value read into Python")
        return result

    def guard(self, q: Placeholder, outcome: Any, why: str) -> None:
        """Check, where the program is, that ``q`` comes out as ``outcome``; otherwise
        the branch changed (``if cond: raise BranchChanged(why)``)."""
        var = q._var
        value = var.value  # type: ignore[union-attr]
        if np.ndim(value) == 0 and isinstance(outcome, (bool, np.bool_)):
            cond: list[Any] = [var] if not outcome else ["not ", var]
        elif np.ndim(value) == 0 and np.ndim(outcome) == 0:
            cond = [var, " != ", self.const(outcome)]
        else:
            cond = ["not np.array_equal(", var, ", ", self.const(np.array(outcome)), ")"]
        self.add(Line(None, cond, self.note(f"guard: {why}"), kind="guard"))


def _scalars_for_uniform(inputs: Any) -> Any:
    """Constant arrays whose elements are all equal as NumPy scalars of their dtype, where
    the result keeps its shape (the code reads ``0.01 * x``, not an array of 0.01s)."""
    if not any(_uniform(x) for x in inputs):
        return inputs
    shape = np.broadcast_shapes(*(np.shape(real(x)) for x in inputs))
    out = [x.dtype.type(x.flat[0]) if _uniform(x) else x for x in inputs]
    if np.broadcast_shapes(*(np.shape(real(x)) for x in out)) != shape:
        return inputs
    return tuple(out)


def _uniform(x: Any) -> bool:
    return (
        type(x) is np.ndarray
        and x.size > 0
        and x.dtype.kind in "biufc"
        and bool(np.all(x == x.flat[0]))
    )


def _python(x: Any) -> bool:
    if isinstance(x, Placeholder):
        return x._var is not None and x._var.python
    return type(x) in (float, int, bool)


def _all_bool(values: Any) -> bool:
    return all(type(v) is bool for v in values)


def _writable(x: Any) -> bool:
    return isinstance(x, Placeholder) and x._var is not None and x._var.mutable


def activate(tr: Trace | None) -> Trace | None:
    """Make ``tr`` the trace of this thread (for ``np.zeros`` and ``np.errstate`` in traced
    code); returns the one it replaces."""
    before = _ACTIVE.tr
    _ACTIVE.tr = tr
    return before
