"""Derivative formulas as text: a rule is recorded on a tape, and the tape is printed.

Rules are written with dualdiff's own ops, so running one on ``Var``s named
``v̇₁``, ``v₀`` ... records exactly the arithmetic it performs. Printing that
small tape as an infix expression gives the formula, always in step with the
registry (there is no second table of formulas to keep in sync).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._util import shape_of
from ..reverse import Tape, Var
from .wengert import format_value

__all__ = ["LATEX", "TEXT", "Notation", "Symbol", "record_formula"]

# A symbol is (kind, index): kind "v" (a primal), "dot" (its tangent), "bar" (its adjoint),
# "x" / "xdot" / "xbar" (an input, its seed, its gradient), "y" / "ydot" / "ybar" (the output),
# or a plain name ("name", text) such as x and y in ``python -m dualdiff rules``.
Symbol = tuple[str, Any]

ATOM, POWER, PRODUCT, SUM = 9, 4, 2, 1
_INFIX = {
    "add": ("+", SUM),
    "subtract": ("-", SUM),
    "multiply": ("·", PRODUCT),
    "divide": ("/", PRODUCT),
    "matmul": ("@", PRODUCT),
}
_SAME_SHAPE = frozenset({"reshape", "broadcast_to", "expand_dims", "squeeze"})
_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_LATEX_FUNCS = frozenset({"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "arctan"})


class Notation:
    """How symbols, constants and ops are written: Unicode text (the default)."""

    mul = "·"
    matmul = "@"

    def symbol(self, sym: Symbol) -> str:
        kind, i = sym
        if kind == "name":
            return str(i)
        base = {"v": "v", "dot": "v\u0307", "bar": "v\u0304"}.get(kind)
        if base is not None:
            return base + str(i).translate(_SUBSCRIPT)
        letter, accent = kind[0], {"": "", "dot": "\u0307", "bar": "\u0304"}[kind[1:]]
        text = letter + accent + ("" if i is None else str(i).translate(_SUBSCRIPT))
        return unicodedata.normalize("NFC", text)  # ẋ has a precomposed form; v̇ has none

    def const(self, value: Any) -> str:
        return format_value(value)

    def call(self, name: str, args: Sequence[str]) -> str:
        return f"{name}({', '.join(args)})"

    def power(self, base: str, exponent: Term) -> str:
        return f"{base}^{_wrap(exponent, ATOM, self)}"

    def reciprocal(self, x: str) -> str:
        return f"1/{x}"

    def paren(self, text: str) -> str:
        return f"({text})"


class LatexNotation(Notation):
    """LaTeX math: ``v_{-1}``, ``\\dot{v}_{1}``, ``\\bar{v}_{0}``, ``\\cdot``."""

    mul = r"\cdot"
    matmul = "@"

    def symbol(self, sym: Symbol) -> str:
        kind, i = sym
        if kind == "name":
            return str(i)
        letter = "v" if kind in ("v", "dot", "bar") else kind[0]
        accent = kind[1:] if kind not in ("v", "dot", "bar") else ("" if kind == "v" else kind)
        base = f"\\{accent}{{{letter}}}" if accent else letter
        return base if i is None else f"{base}_{{{i}}}"

    def const(self, value: Any) -> str:
        text = format_value(value)
        return text if text[:1] in "-0123456789" else f"\\text{{{_latex_escape(text)}}}"

    def call(self, name: str, args: Sequence[str]) -> str:
        head = f"\\{name}" if name in _LATEX_FUNCS else f"\\operatorname{{{_latex_escape(name)}}}"
        return f"{head}\\left({', '.join(args)}\\right)"

    def power(self, base: str, exponent: Term) -> str:
        return f"{{{base}}}^{{{exponent[0]}}}"

    def reciprocal(self, x: str) -> str:
        return f"\\frac{{1}}{{{x}}}"

    def paren(self, text: str) -> str:
        return f"\\left({text}\\right)"


def _latex_escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash "), ("_", r"\_"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(a, b)
    return text


TEXT = Notation()
LATEX = LatexNotation()

Term = tuple[str, int]  # (text, precedence)


def _wrap(term: Term, below: int, n: Notation) -> str:
    text, prec = term
    return n.paren(text) if prec < below else text


def _params_text(params: dict[str, Any], x: Any) -> list[str]:
    """Static parameters worth showing (``axis`` unless it covers every axis, ...)."""
    out = []
    for key, value in params.items():
        if key == "keepdims" and not value:
            continue
        if key == "axis" and isinstance(value, tuple):
            if len(value) == len(shape_of(x)):
                continue
            value = value[0] if len(value) == 1 else value
        out.append(f"{key}={value!r}")
    return out


def _index_text(index: Any) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            out.append(":".join("" if s is None else str(s) for s in (p.start, p.stop, p.step)))
            out[-1] = out[-1].rstrip(":") or ":"
        elif p is Ellipsis:
            out.append("...")
        elif isinstance(p, np.ndarray):
            out.append(f"<{p.dtype} index {p.shape}>")
        else:
            out.append(repr(p))
    return ", ".join(out)


def apply_op(name: str, args: Sequence[Term], params: dict[str, Any], x: Any, n: Notation) -> Term:
    """The text of ``name(*args)`` with infix operators where the maths has them."""
    if name == "add" and args[1][1] == SUM and args[1][0].startswith("-"):
        return f"{args[0][0]} - {args[1][0][1:]}", SUM  # a + (-b ± c) is a - b ± c
    if name in _INFIX and len(args) == 2:
        sym, prec = _INFIX[name]
        sym = n.mul if sym == "·" else n.matmul if sym == "@" else sym
        right_below = prec + 1 if name in ("subtract", "divide", "matmul") else prec
        return f"{_wrap(args[0], prec, n)} {sym} {_wrap(args[1], right_below, n)}", prec
    if name == "negative":
        return "-" + _wrap(args[0], PRODUCT, n), SUM
    if name == "power":
        return n.power(_wrap(args[0], ATOM, n), args[1]), POWER
    if name == "square":
        return n.power(_wrap(args[0], ATOM, n), ("2", ATOM)), POWER
    if name == "reciprocal":
        return n.reciprocal(_wrap(args[0], ATOM, n)), PRODUCT
    if name == "getitem":
        return f"{_wrap(args[0], ATOM, n)}[{_index_text(params.get('index'))}]", ATOM
    texts = [a[0] for a in args] + _params_text(params, x)
    return n.call(name, texts), ATOM


def const_term(value: Any, n: Notation) -> Term:
    text = n.const(value)
    return text, SUM if text.startswith("-") else ATOM


def print_tape(tape: Tape, out: Any, symbols: dict[int, Symbol], n: Notation) -> str:
    """The expression that ``tape`` computes for ``out``; leaves are named by ``symbols``.

    One loop over the entries, each node's text built from its inputs' texts.
    Shape ops that leave the shape unchanged print as their input.
    """
    terms: dict[int, Term] = {node: (n.symbol(sym), ATOM) for node, sym in symbols.items()}
    for rule, node, vals, inputs, params, ans in tape.entries:
        args = [const_term(v, n) for v in vals]
        for pos, inode in inputs:
            args[pos] = terms[inode]
        if rule.name in _SAME_SHAPE and inputs and shape_of(ans) == shape_of(vals[0]):
            terms[node] = args[0]
        else:
            terms[node] = apply_op(rule.name, args, params, vals[0] if vals else None, n)
    out_node = tape.node_of(out)
    return terms[out_node][0] if out_node is not None else const_term(out, n)[0]


class Formula:
    """A recorded formula: a small tape and its output, printable in any notation."""

    __slots__ = ("out", "symbols", "tape")

    def __init__(self, tape: Tape, out: Any, symbols: dict[int, Symbol]) -> None:
        self.tape, self.out, self.symbols = tape, out, symbols

    def text(self, notation: Notation = TEXT) -> str:
        return print_tape(self.tape, self.out, self.symbols, notation)

    def __str__(self) -> str:
        return self.text()


def record_formula(
    fn: Callable[..., Any], operands: Sequence[tuple[Symbol | None, Any]], **params: Any
) -> Formula:
    """Run ``fn`` on named stand-ins and keep what it did.

    ``operands`` pairs each argument's symbol with its value; a ``None`` symbol
    passes the value as a constant. Returns a :class:`Formula`.
    """
    with Tape() as tape:
        args = [v if sym is None else Var(v) for sym, v in operands]
        out = fn(*args, **params)
    symbols = {a._node: sym for a, (sym, _) in zip(args, operands, strict=True) if sym is not None}
    return Formula(tape, out, symbols)
