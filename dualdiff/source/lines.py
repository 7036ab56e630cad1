"""The generated program as data: variables, constants and lines of code.

A :class:`Line` is one statement: an assignment ``target = parts``, a guard, or a
write into an array the program made. Its ``parts`` are strings, :class:`Var`s and
:class:`Const`s, so that variables can be renamed, lines removed and buffers chosen
after the trace, and the text is written only at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["OUT", "Const", "Line", "NotExpressible", "Var", "literal", "same_value"]


class NotExpressible(TypeError):
    """A computation that the generator cannot write as NumPy and ``math`` code."""


class Var:
    """A variable of the generated code; ``value`` is what it held in the trace."""

    __slots__ = ("const", "kind", "label", "line", "mutable", "name", "traced", "value")

    def __init__(self, value: Any, kind: str, label: str | None = None) -> None:
        self.value = value
        self.kind = kind  # "float", "bool", "int" (Python scalars), "scalar", "array", "tuple"
        self.label = label  # the preferred name (Wengert names), or None for a temporary
        self.name = ""  # set when the program is written out
        self.line: Line | None = None  # the line that defines it
        self.mutable = False  # made by the program (np.zeros ...), so it may be written into
        self.const: Any = None  # the constant it was folded into (a literal text or a Const)
        self.traced = False  # computed from the program's inputs (else from constants alone)

    @property
    def python(self) -> bool:
        """Whether the value is a Python scalar (computed with Python's operators and math)."""
        return self.kind in ("float", "bool", "int")

    def __repr__(self) -> str:
        return f"<Var {self.name or self.label or hex(id(self))}: {self.kind}>"


class Const:
    """An array constant of the program: named in the module, defined once at its top."""

    __slots__ = ("name", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.name = ""


class _Out:
    """Where ``out=buffer`` goes in a ufunc call that may write into a buffer."""

    def __repr__(self) -> str:
        return "OUT"


OUT = _Out()


@dataclass(slots=True, eq=False)
class Line:
    """One statement: ``target = parts`` (``kind`` "value"), a guard (``parts`` the
    condition under which the branch changed), or a write into ``mutates``."""

    target: Var | None
    parts: list[Any]
    note: str
    kind: str = "value"  # "value", "guard", "write"
    mutates: Var | None = None
    fresh: bool = False  # the value is a new array that owns its memory
    buffer: str | None = None  # the preallocated array it writes into (out=)
    errstate: tuple[tuple[str, Any], ...] = ()  # np.errstate around it, as the rule had it
    phase: str = "forward"  # "forward", "backward" or "result"
    reads: list[Var] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reads = [p for p in self.parts if isinstance(p, Var)]


def kind_of(value: Any) -> str:
    """The kind of a value as the generated code holds it."""
    t = type(value)
    if t is float:
        return "float"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, np.generic):
        return "scalar"
    if isinstance(value, tuple):
        return "tuple"
    raise NotExpressible(f"a value of type {t.__name__} in the program")


def same_value(a: Any, b: Any) -> bool:
    """The same type, dtype, shape and values: floating point ones to a few units in the
    last place (NumPy's and Python's math round differently), nan equal to nan."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        if a.dtype != b.dtype or np.shape(a) != np.shape(b):
            return False
        if a.dtype.kind not in "fc":
            return bool(np.array_equal(a, b))
        eps = float(np.finfo(a.dtype).eps)
        return bool(np.allclose(a, b, rtol=16 * eps, atol=0.0, equal_nan=True))
    if type(a) in (float, complex):
        return a == b or abs(a - b) <= 16 * 2.0**-52 * abs(b) or (a != a and b != b)
    return bool(a == b)


# --- constants as source text --------------------------------------------------------------


def literal(value: Any) -> str | None:
    """``value`` as Python source that evaluates to an equal value of the same type, for
    the values a program holds in its text (numbers, dtypes, slices ...); None for arrays
    and other values that must be named constants."""
    if value is None or value is Ellipsis or type(value) in (bool, str):
        return "..." if value is Ellipsis else repr(value)
    if type(value) is int:
        return repr(value)
    if type(value) is float:
        return _float_text(value)
    if type(value) is complex:
        return f"complex({_float_text(value.real)}, {_float_text(value.imag)})"
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return _numpy_scalar_text(value)
    if isinstance(value, np.dtype):
        return f"np.dtype({str(value)!r})" if value.isbuiltin else None
    if isinstance(value, type):
        return _type_text(value)
    if isinstance(value, slice):
        items = [literal(p) for p in (value.start, value.stop, value.step)]
        return None if None in items else f"slice({', '.join(items)})"  # type: ignore[arg-type]
    if type(value) in (tuple, list):
        return _sequence_text(value)
    return None


def _float_text(x: float) -> str:
    if math.isnan(x):
        return "math.nan"
    if math.isinf(x):
        return "math.inf" if x > 0 else "-math.inf"
    return repr(x)


def _numpy_scalar_text(x: np.generic) -> str:
    name = f"np.{x.dtype.name}"
    if x.dtype.kind == "b":
        return f"np.bool_({bool(x)})"
    if x.dtype.kind in "iu":
        return f"{name}({int(x)})"
    if x.dtype.kind == "c":
        return f"{name}({literal(complex(x))})"
    return f"{name}({_float_text(float(x))})"


def _type_text(t: type) -> str | None:
    if t in (float, int, bool, complex):
        return t.__name__
    if issubclass(t, np.generic) and getattr(np, t.__name__, None) is t:
        return f"np.{t.__name__}"
    return None


def _sequence_text(items: Any) -> str | None:
    texts = [literal(x) for x in items]
    if None in texts:
        return None
    inner = ", ".join(texts)  # type: ignore[arg-type]
    if type(items) is list:
        return f"[{inner}]"
    return f"({inner},)" if len(texts) == 1 else f"({inner})"


def array_text(a: np.ndarray) -> str:
    """An array as source that rebuilds it exactly: a list for small ones, its bytes in hex
    for large ones (``bytes.fromhex`` is a builtin: the module imports nothing more)."""
    if a.dtype.kind not in "biufc" or (not a.dtype.isnative and a.dtype.byteorder not in "=|"):
        raise NotExpressible(f"a constant array of dtype {a.dtype}")
    dtype = f"np.dtype({a.dtype.str!r})"
    if a.size <= 24:
        items = [literal(x) for x in a.ravel().tolist()]
        body = f"np.array([{', '.join(items)}], dtype={dtype})"  # type: ignore[arg-type]
        return body if a.shape == (a.size,) else f"{body}.reshape({a.shape!r})"
    data = np.ascontiguousarray(a).tobytes().hex()
    lines = [data[i : i + 88] for i in range(0, len(data), 88)]
    joined = "\n".join(f'        "{chunk}"' for chunk in lines)
    return (
        f"np.frombuffer(\n    bytes.fromhex(\n{joined}\n    ),\n    dtype={dtype},\n)"
        f".reshape({a.shape!r})"
    )
