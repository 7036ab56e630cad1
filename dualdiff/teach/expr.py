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
from .symbolic import LAYOUT_OPS, Node, Sym, elementwise_view, node_of, simplify, sym, uniform
from .wengert import format_value

__all__ = ["LATEX", "TEXT", "Notation", "Symbol", "record_formula", "record_symbolic"]

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

    def iverson(self, cond: str) -> str:
        """The Iverson bracket: 1 where ``cond`` holds, else 0."""
        return f"[{cond}]"

    def relation(self, sign: str) -> str:
        return sign

    def logic(self, word: str) -> str:
        return word


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

    def iverson(self, cond: str) -> str:
        return f"\\left[{cond}\\right]"

    def relation(self, sign: str) -> str:
        return {"≥": r"\geq", "≤": r"\leq", "≠": r"\neq"}.get(sign, sign)

    def logic(self, word: str) -> str:
        return {"and": r"\wedge", "or": r"\vee", "not": r"\neg"}[word]


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


def const_term(value: Any, n: Notation, *, cond: bool = False) -> Term:
    """A constant's text; a :class:`~dualdiff.teach.symbolic.Sym` prints the expression it
    stands for (as a condition where ``cond``, e.g. the first argument of ``where``)."""
    if isinstance(value, Sym) and value.node is not None:
        return cond_term(value.node, n) if cond else term(value.node, n)
    text = n.const(value)
    return text, SUM if text.startswith("-") else ATOM


# --- expression trees: built from a tape and Syms, simplified, printed -------------------

REL, NOT, AND, OR = 0, -1, -2, -3
_LOGIC_PREC = {"and": AND, "or": OR}


class _Shape:
    """Stands in for a value where only its shape is read (``_params_text``)."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape


_CONDITIONS = frozenset({"iv", "rel", "and", "or", "not"})


def term(node: Node, n: Notation) -> Term:
    """The text of ``node`` as a number; a condition prints as its Iverson bracket ``[c]``."""
    if node.kind in _CONDITIONS or (node.boolean and node.kind != "const"):
        inner = node.args[0] if node.kind == "iv" else node
        return n.iverson(cond_term(inner, n)[0]), ATOM
    return _plain_term(node, n)


def cond_term(node: Node, n: Notation) -> Term:
    """The text of ``node`` as a condition: ``x > 0``, ``c``, ``x ≥ lo and x ≤ hi``."""
    if node.kind == "rel":
        a, b = (_wrap(term(arg, n), SUM, n) for arg in node.args)
        return f"{a} {n.relation(node.data)} {b}", REL
    if node.kind in _LOGIC_PREC:
        prec = _LOGIC_PREC[node.kind]
        a, b = (_wrap(cond_term(arg, n), prec, n) for arg in node.args)
        return f"{a} {n.logic(node.kind)} {b}", prec
    if node.kind == "not":
        return f"{n.logic('not')} {_wrap(cond_term(node.args[0], n), REL, n)}", NOT
    if node.kind == "iv":
        return cond_term(node.args[0], n)
    return _plain_term(node, n)


def _plain_term(node: Node, n: Notation) -> Term:
    """A symbol, a constant or an op applied to its arguments' texts."""
    if node.kind == "sym":
        return n.symbol(node.data), ATOM
    if node.kind == "const":
        return const_term(uniform(node.data), n)
    args = [
        cond_term(a, n) if node.data == "where" and i == 0 else term(a, n)
        for i, a in enumerate(node.args)
    ]
    x = _Shape(node.args[0].shape) if node.args else None
    return apply_op(node.data, args, node.params, x, n)


def tape_tree(tape: Tape, out: Any, symbols: dict[int, Symbol]) -> Node:
    """The expression tree that ``tape`` computes for ``out``; leaves are named by ``symbols``.

    One loop over the entries, each node built from its inputs' nodes. Shape ops that
    leave the shape unchanged stand for their input.
    """
    shapes = {node: shape_of(value) for node, _, value in tape.leaves}
    nodes = {node: Node("sym", s, shape=shapes.get(node, ())) for node, s in symbols.items()}
    for rule, node, vals, inputs, params, ans in tape.entries:
        args = [node_of(v) for v in vals]
        for pos, inode in inputs:
            args[pos] = nodes.get(inode, args[pos])
        if rule.name in LAYOUT_OPS and inputs and shape_of(ans) == args[0].shape:
            nodes[node] = args[0]
        else:
            nodes[node] = simplify(Node("op", rule.name, tuple(args), params, shape_of(ans)))
    out_node = tape.node_of(out)
    return nodes[out_node] if out_node is not None else node_of(out)


def print_tape(tape: Tape, out: Any, symbols: dict[int, Symbol], n: Notation) -> str:
    """The expression that ``tape`` computes for ``out``; leaves are named by ``symbols``."""
    return term(tape_tree(tape, out, symbols), n)[0]


class Formula:
    """A recorded formula: a small tape and its output, printable in any notation."""

    __slots__ = ("out", "symbols", "tape")

    def __init__(self, tape: Tape, out: Any, symbols: dict[int, Symbol]) -> None:
        self.tape, self.out, self.symbols = tape, out, symbols

    def text(self, notation: Notation = TEXT, *, layout: bool = True) -> str:
        """The formula in ``notation``; without ``layout`` read element by element
        (reshape and broadcast_to print as their input)."""
        tree = tape_tree(self.tape, self.out, self.symbols)
        return term(tree if layout else elementwise_view(tree), notation)[0]

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
        args = [v if s is None else Var(v) for s, v in operands]
        out = fn(*args, **params)
    symbols = {a._node: s for a, (s, _) in zip(args, operands, strict=True) if s is not None}
    return Formula(tape, out, symbols)


def record_symbolic(
    fn: Callable[..., Any], operands: Sequence[tuple[Symbol | None, Any]], **params: Any
) -> Formula:
    """:func:`record_formula` with the named inputs' values as :class:`Sym` arrays, so that
    what ``fn`` computes from primal values (masks, shifts) prints as an expression too:
    ``mask(primal_of(x) > 0, ans)`` prints ``[x > 0]``, not the sample's 0s and 1s."""
    with Tape() as tape:
        args = [
            v if s is None else tape._new_var(sym(v, Node("sym", s, shape=np.shape(v))))
            for s, v in operands
        ]
        out = fn(*args, **params)
    symbols = {a._node: s for a, (s, _) in zip(args, operands, strict=True) if s is not None}
    return Formula(tape, out, symbols)
