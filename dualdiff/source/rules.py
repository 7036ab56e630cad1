"""Tracing dualdiff's ops: each op writes the code of its own primal.

A :class:`Traced` value is a tracer of the highest level, so :func:`~dualdiff.core.bind`
hands it every op, from the recorded program and from inside the rules alike. The op's
code comes from the op itself: a primal made by ``_util.unary`` / ``_util.binary`` on
Python floats is its ``math`` function or Python operator; any other primal runs on
placeholders (:mod:`dualdiff.source.arrays`) and the NumPy calls it makes are its code.
Each traced op is checked against the op run on the real values.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .._util import binary, unary
from ..core import REGISTRY, Rule, Tracer, call_primal
from ..tracer import ArrayOps
from .arrays import Placeholder, real, rebound
from .lines import NotExpressible, kind_of, same_value
from .trace import _BINARY, _RAISING, Trace

__all__ = ["Traced", "apply"]

_TOP = 1 << 50  # above every transform's level: a traced value handles any op it meets
_UNARY_CODE = unary(math.sin, np.sin).__code__
_BINARY_CODE = binary(operator.add, np.add).__code__


class Traced(ArrayOps):
    """A value of the generated program, as dualdiff's ops see it."""

    __slots__ = ("_level", "q")

    def __init__(self, q: Placeholder) -> None:
        self.q = q
        self._level = _TOP

    @property
    def primal(self) -> Placeholder:
        return self.q

    value = primal

    def _process(self, rule: Rule, args: Any, params: dict[str, Any]) -> Any:
        return apply(self.q._tr, rule, args, params)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Traced({self.q!r})"


def wrap(x: Any) -> Any:
    """A placeholder as a traced value; constants as they are."""
    return Traced(x) if isinstance(x, Placeholder) else x


def apply(tr: Trace, rule: Rule, args: Any, params: dict[str, Any]) -> Any:
    """Write the code of ``rule``'s primal on ``args``; return the traced result."""
    for a in args:
        if isinstance(a, Tracer) and not isinstance(a, Traced):
            raise NotExpressible(f"op '{rule.name}' on a {type(a).__name__} of another transform")
    qs = [a.q if isinstance(a, Traced) else a for a in args]
    values = [real(q) for q in qs]
    expected = call_primal(rule, values, real(params))  # an index may be a placeholder
    folded = _fold(tr, rule, args, expected)
    if folded is not None:
        return folded
    saved = tr.scope
    tr.scope = tr.note(rule.name)
    try:
        out = _python_form(tr, rule, qs, values, expected)
        if out is None:
            out = _traced(tr, rule, qs, params, expected)
    finally:
        tr.scope = saved
    return wrap(out)


def _fold(tr: Trace, rule: Rule, args: Any, expected: Any) -> Any:
    """``1 * x`` as ``x`` itself and ``-1 * x`` as ``-x``, where that is the same value (a
    cotangent seeded with 1 passes through products and differences)."""
    if rule is not REGISTRY.get("multiply") or len(args) != 2:
        return None
    for one, other in (args, args[::-1]):
        if type(one) not in (int, float) or one not in (1, -1) or not isinstance(other, Traced):
            continue
        if one == 1 and same_value(other.q._var.value, expected):  # type: ignore[union-attr]
            tr.folded += 1
            return other
        if one == -1:
            mark = tr.mark()
            negated = apply(tr, REGISTRY["negative"], [other], {})
            if isinstance(negated, Traced) and same_value(negated.q._var.value, expected):  # type: ignore[union-attr]
                tr.folded += 1
                return negated
            tr.rollback(mark)
    return None


# --- Python floats: the primal's own math function or operator -----------------------------------


def _python_form(
    tr: Trace, rule: Rule, qs: list[Any], values: list[Any], expected: Any
) -> Placeholder | None:
    """The primal's Python path (``math.log(v1)``, ``v1 * v2``) where it takes that path."""
    scalar = _scalar_function(rule.primal)
    if scalar is None or type(expected) is not float:
        return None
    if not all(type(v) in (float, int) for v in values):
        return None
    fn, np_fn = scalar
    try:
        fn(*values)
    except (ArithmeticError, ValueError):
        return None  # Python refuses these values (log of 0): NumPy's path, as the primal's
    name = getattr(fn, "__name__", "")
    if getattr(math, name, None) is fn:
        if not tr.raising:
            return None
        tr.may_raise = True
        return tr.value([f"math.{name}(", *tr.joined(qs), ")"], expected)
    if getattr(operator, name, None) is fn and (np_fn in _BINARY or np_fn is np.negative):
        if np_fn in _BINARY and _BINARY[np_fn] in _RAISING:
            if not tr.raising:
                return None
            tr.may_raise = True
        return _operator(tr, np_fn, qs, expected)
    return _python_traced(tr, fn, qs, expected)


def _scalar_function(primal: Any) -> tuple[Any, Any] | None:
    """(the function for Python numbers, the NumPy function) of a primal made by
    ``_util.unary`` or ``_util.binary``; None for any other primal."""
    code = getattr(primal, "__code__", None)
    if code is not _UNARY_CODE and code is not _BINARY_CODE:
        return None
    cells = dict(zip(code.co_freevars, (c.cell_contents for c in primal.__closure__), strict=True))
    fn = cells["math_fn"] if code is _UNARY_CODE else cells["py_op"]
    return fn, cells["np_fn"]


def _operator(tr: Trace, np_fn: Any, qs: list[Any], expected: Any) -> Placeholder:
    if len(qs) == 1:
        return tr.value(["-", *tr._operand(qs[0])], expected)  # type: ignore[no-any-return]
    a, b = (tr._operand(q) for q in qs)
    return tr.value([*a, f" {_BINARY[np_fn]} ", *b], expected)  # type: ignore[no-any-return]


def _python_traced(tr: Trace, fn: Any, qs: list[Any], expected: Any) -> Placeholder | None:
    """``fn`` (a small Python function such as ``lambda x: x * x``) traced on Python
    scalars; None where it branches on the values or leaves Python's operators."""
    mark = tr.mark()
    try:
        out = fn(*qs)
    except Exception:  # it needs what placeholders lack (round(), math.*): NumPy's path
        out = None
    guarded = any(line.kind == "guard" for line in tr.lines[mark[0] :])
    if guarded or not isinstance(out, Placeholder) or not same_value(out._var.value, expected):  # type: ignore[union-attr]
        tr.rollback(mark)
        return None
    return out


# --- any other primal: the NumPy calls it makes ------------------------------------------------


def _traced(tr: Trace, rule: Rule, qs: list[Any], params: dict[str, Any], expected: Any) -> Any:
    """The primal run on placeholders, its result made to match the real one."""
    out = rebound(rule.primal)(*qs, **params)
    if not isinstance(out, Placeholder):
        if same_value(out, expected):
            return out  # does not depend on the traced values
        raise NotExpressible(
            f"op '{rule.name}': its primal computes from values that NumPy's dispatch does "
            "not show (a conversion the trace cannot follow)"
        )
    out = conform(tr, out, expected)
    if not same_value(out._var.value, expected):  # type: ignore[union-attr]
        raise NotExpressible(
            f"op '{rule.name}': its primal, traced, gives another value than the primal "
            "(it reads an array outside NumPy's dispatch)"
        )
    return out


def conform(tr: Trace, q: Placeholder, expected: Any) -> Placeholder:
    """``q`` converted to the type ``expected`` has (a Python float, a NumPy scalar or an
    array), as the real computation returns it."""
    var = q._var
    have, want = var.kind, kind_of(expected)  # type: ignore[union-attr]
    if have == want and getattr(var.value, "dtype", None) == getattr(expected, "dtype", None):  # type: ignore[union-attr]
        return q
    if want == "float":
        return tr.value(["float(", var, ")"], float(var.value))  # type: ignore[no-any-return, union-attr]
    if want == "scalar":
        dtype = expected.dtype
        return tr.value(  # type: ignore[no-any-return]
            [f"np.{dtype.name}(", var, ")"],
            dtype.type(var.value),  # type: ignore[union-attr]
        )
    if want == "array":
        value = np.asarray(var.value, dtype=expected.dtype)  # type: ignore[union-attr]
        return tr.value(  # type: ignore[no-any-return]
            ["np.asarray(", var, ", dtype=", tr.const(expected.dtype), ")"], value
        )
    return q
