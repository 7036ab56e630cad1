"""Evaluation traces: every intermediate ``v_i = op(...)`` with its value, tangent and adjoint.

The numbering follows Baydin et al. 2018, *Automatic differentiation in
machine learning: a survey*: the n inputs are ``v_{1-n} .. v_0`` and the ops
``v_1 .. v_l``. The forward table shows the primal trace beside the tangent
trace for one seed direction ``ẋ``; the reverse table shows each step of the
adjoint sweep, ``v̄_j += v̄_i ∂v_i/∂v_j``, from ``ȳ`` back to the inputs.

The function is recorded once on a tape. Tangents come from replaying that
tape on ``Dual``s (the forward engine); adjoints from one reverse loop over
it. The formula columns are the registry's own rules, recorded and printed
(:mod:`dualdiff.teach.expr`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._util import shape_of
from ..core import Rule, new_level
from ..forward import Dual
from ..ops import sum_to_shape
from ..reverse import Tape, Var, ones_like, zeros_like
from .expr import ATOM, LATEX, TEXT, Formula, Notation, Symbol, apply_op, const_term, record_formula
from .table import markdown_table, text_table

__all__ = ["AdjointStep", "Step", "Trace", "evaluation_trace"]


@dataclass(slots=True, eq=False)
class Step:
    """One row of the trace: ``v_index = rule(args)``; an input when ``rule`` is None."""

    index: int
    rule: Rule | None
    label: str
    args: tuple[Any, ...]
    inputs: tuple[tuple[int, int], ...]  # (argument position, index of the step read there)
    params: dict[str, Any]
    value: Any
    tangent: Any = 0.0
    adjoint: Any = 0.0

    @property
    def op(self) -> str:
        """The op's registry name, or ``"input"``."""
        return self.rule.name if self.rule is not None else "input"


@dataclass(slots=True, eq=False)
class AdjointStep:
    """One step of the reverse sweep: ``v̄_target += v̄_source · ∂v_source/∂v_target``."""

    target: int
    source: int
    position: int
    before: Any  # v̄_target before this step (None the first time it is reached)
    value: Any  # v̄_target after it


@dataclass(eq=False)
class Trace:
    """The evaluation trace of ``f`` at one point; see :func:`evaluation_trace`.

    ``steps`` lists inputs then ops; ``adjoint_steps`` the reverse sweep in
    order. ``print(trace)`` shows both tables; ``to_markdown``, ``to_latex``,
    ``to_dot`` and ``to_mermaid`` export them.
    """

    steps: list[Step]
    n_inputs: int
    output: int
    adjoint_steps: list[AdjointStep]
    cotangent: Any
    _formulas: dict[tuple[Any, ...], Formula] = field(default_factory=dict, repr=False)

    # --- values -------------------------------------------------------------------

    def step(self, index: int) -> Step:
        """The step ``v_index`` (inputs have indices ``1-n .. 0``)."""
        return self.steps[index + self.n_inputs - 1]

    @property
    def inputs(self) -> list[Step]:
        return self.steps[: self.n_inputs]

    @property
    def value(self) -> Any:
        """f at the point."""
        return self.step(self.output).value

    @property
    def tangent(self) -> Any:
        """The output's tangent: the directional derivative of f along the seed."""
        return self.step(self.output).tangent

    @property
    def gradient(self) -> tuple[Any, ...]:
        """The inputs' adjoints: ∂f/∂x_k for a scalar f (``ȳ`` times the Jacobian otherwise)."""
        return tuple(s.adjoint for s in self.inputs)

    # --- formulas -------------------------------------------------------------------

    def _operands(self, step: Step) -> list[tuple[Symbol | None, Any]]:
        """The rule operands ``ans, *args``: traced arguments by name, constants as values."""
        ops: list[tuple[Symbol | None, Any]] = [(None, a) for a in step.args]
        for pos, j in step.inputs:
            ops[pos] = (("v", j), self.step(j).value)
        return [(("v", step.index), step.value), *ops]

    def tangent_formula(self, step: Step) -> Formula:
        """``v̇_i`` as the sum of the JVP rules of ``v_i``'s op over its traced inputs."""
        key = ("dot", step.index)
        if key not in self._formulas:
            rule = step.rule
            assert rule is not None
            live = [(p, j) for p, j in step.inputs if rule.jvp[p] is not None]
            seeds = [(("dot", j), self.step(j).tangent) for _, j in live]
            k = len(live)

            def tangent_of(*xs: Any) -> Any:
                if rule.joint_jvp is not None:  # a variadic op: all tangents at once
                    ts: list[Any] = [None] * len(step.args)
                    for (pos, _), t in zip(live, xs[:k], strict=True):
                        ts[pos] = t
                    return rule.joint_jvp(ts, *xs[k:], **step.params)
                total = None
                for (pos, _), t in zip(live, xs[:k], strict=True):
                    c = rule.jvp[pos](t, *xs[k:], **step.params)  # type: ignore[misc]
                    total = c if total is None else total + c
                return 0.0 if total is None else total

            self._formulas[key] = record_formula(tangent_of, seeds + self._operands(step))
        return self._formulas[key]

    def adjoint_formula(self, a: AdjointStep) -> Formula:
        """``v̄_target`` after step ``a``: its earlier value plus the VJP rule's contribution."""
        key = ("bar", a.target, a.source, a.position)
        if key not in self._formulas:
            src = self.step(a.source)
            rule = src.rule
            assert rule is not None
            vjp = rule.vjp[a.position]
            assert vjp is not None
            xshape = shape_of(src.args[a.position])
            first = a.before is None

            def adjoint_of(before: Any, g: Any, *rest: Any) -> Any:
                c = vjp(g, *rest, **src.params)
                if shape_of(c) != xshape:
                    c = sum_to_shape(c, xshape)
                return c if first else before + c

            before = (None, 0.0) if first else (("bar", a.target), a.before)
            operands = [before, (("bar", a.source), src.adjoint), *self._operands(src)]
            self._formulas[key] = record_formula(adjoint_of, operands)
        return self._formulas[key]

    # --- tables -------------------------------------------------------------------

    def _seed_text(self, n: Notation) -> str:
        return ", ".join(
            f"{n.symbol(('xdot', k + 1))} = {n.const(s.tangent)}" for k, s in enumerate(self.inputs)
        )

    def forward_rows(self, n: Notation = TEXT) -> list[tuple[str, str, str, str]]:
        """Rows ``(v_i = op(...), value, v̇_i = tangent formula, tangent)``, then y."""
        rows = []
        for k, s in enumerate(self.steps):
            if s.rule is None:
                primal, tangent = n.symbol(("x", k + 1)), n.symbol(("xdot", k + 1))
            else:
                args = [const_term(a, n) for a in s.args]
                for pos, j in s.inputs:
                    args[pos] = (n.symbol(("v", j)), ATOM)
                primal = apply_op(s.op, args, s.params, s.args[0] if s.args else None, n)[0]
                tangent = self.tangent_formula(s).text(n)
            rows.append(self._row(n, ("v", s.index), primal, s.value, tangent, s.tangent))
        last = self.step(self.output)
        v, vdot = n.symbol(("v", last.index)), n.symbol(("dot", last.index))
        rows.append(self._row(n, ("y", None), v, last.value, vdot, last.tangent))
        return rows

    @staticmethod
    def _row(
        n: Notation, sym: Symbol, primal: str, value: Any, tangent: str, tan: Any
    ) -> tuple[str, str, str, str]:
        dot = ("dot", sym[1]) if sym[0] == "v" else ("ydot", None)
        return (
            f"{n.symbol(sym)} = {primal}",
            n.const(value),
            f"{n.symbol(dot)} = {tangent}",
            n.const(tan),
        )

    def reverse_rows(self, n: Notation = TEXT) -> list[tuple[str, str]]:
        """Rows ``(v̄_j = formula, value)`` from ``ȳ`` back to ``x̄_k``, in sweep order."""
        last = n.symbol(("bar", self.output))
        rows = [(f"{last} = {n.symbol(('ybar', None))}", n.const(self.cotangent))]
        for a in self.adjoint_steps:
            formula = self.adjoint_formula(a).text(n)
            rows.append((f"{n.symbol(('bar', a.target))} = {formula}", n.const(a.value)))
        for k, s in enumerate(self.inputs):
            xbar, vbar = n.symbol(("xbar", k + 1)), n.symbol(("bar", s.index))
            rows.append((f"{xbar} = {vbar}", n.const(s.adjoint)))
        return rows

    def forward_table(self) -> str:
        """The forward primal and tangent traces side by side, as text."""
        head = (
            "Forward primal trace",
            "value",
            f"Tangent trace ({self._seed_text(TEXT)})",
            "value",
        )
        return text_table(head, self.forward_rows(), right=(False, True, False, True))

    def reverse_table(self) -> str:
        """The reverse adjoint trace, as text."""
        head = (f"Reverse adjoint trace (ȳ = {TEXT.const(self.cotangent)})", "value")
        return text_table(head, self.reverse_rows(), right=(False, True))

    def __str__(self) -> str:
        return self.forward_table() + "\n\n" + self.reverse_table()

    def __repr__(self) -> str:
        return f"<dd.Trace: {self.n_inputs} inputs, {len(self.steps) - self.n_inputs} ops>"

    def to_markdown(self) -> str:
        """Both tables as Markdown."""
        seed = self._seed_text(TEXT)
        fwd = markdown_table(
            ("Forward primal trace", "value", f"Tangent trace ({seed})", "value"),
            self.forward_rows(),
        )
        rev = markdown_table(("Reverse adjoint trace", "value"), self.reverse_rows())
        return fwd + "\n\n" + rev + "\n"

    def to_latex(self) -> str:
        """Both tables as LaTeX ``tabular`` environments (math in ``$...$``)."""
        fwd = [(f"${a}$", f"${b}$", f"${c}$", f"${d}$") for a, b, c, d in self.forward_rows(LATEX)]
        rev = [(f"${a}$", f"${b}$") for a, b in self.reverse_rows(LATEX)]
        seed = self._seed_text(LATEX)
        return (
            _tabular(("Forward primal trace", "", f"Tangent trace (${seed}$)", ""), fwd, "lrlr")
            + "\n\n"
            + _tabular(("Reverse adjoint trace", ""), rev, "lr")
        )

    # --- graphs ---------------------------------------------------------------------

    def to_dot(self) -> str:
        """The computational graph as Graphviz DOT (nodes: op, value, adjoint)."""
        from .graph import graph_of, to_dot

        return to_dot(graph_of(self))

    def to_mermaid(self) -> str:
        """The computational graph as a Mermaid flowchart."""
        from .graph import graph_of, to_mermaid

        return to_mermaid(graph_of(self))

    def render(self, path: str | Path) -> Path:
        """Draw the graph to ``path`` (.svg, .png, .pdf) with Graphviz's ``dot``."""
        from .graph import render

        return render(self, path)


def _tabular(head: Sequence[str], rows: Sequence[Sequence[str]], cols: str) -> str:
    lines = [f"\\begin{{tabular}}{{{cols}}}", "\\hline", " & ".join(head) + " \\\\", "\\hline"]
    lines += [" & ".join(r) + " \\\\" for r in rows]
    return "\n".join([*lines, "\\hline", "\\end{tabular}"])


# --- building a trace ---------------------------------------------------------------


def evaluation_trace(
    f: Callable[..., Any], *args: Any, seed: Any = None, cotangent: Any = None
) -> Trace:
    """The evaluation trace of ``f`` at ``args``: each ``v_i`` with value, tangent and adjoint.

    ``seed`` picks the forward direction ``ẋ``: ``None`` is ∂/∂x₁ (ones for the
    first argument, zeros elsewhere), an int ``k`` is ∂/∂x_{k+1}, and a
    sequence gives one tangent per argument. ``cotangent`` is ``ȳ`` for the
    reverse sweep (1 for a scalar output; required for an array output).
    ``print(dd.evaluation_trace(f, 2.0, 5.0))`` shows the tables of Baydin et al. 2018.
    """
    if not args:
        raise TypeError(
            "dd.evaluation_trace(f, *args): give the point to trace at, "
            "e.g. dd.evaluation_trace(f, 2.0, 5.0)"
        )
    with Tape() as tape:
        xs = [_input(a, k) for k, a in enumerate(args)]
        out = f(*xs)
    out_node = _output_node(tape, out)
    index = _indices(tape)
    steps = _steps(tape, index)
    _forward_sweep(tape, steps, index, _seeds(seed, args, tape))
    ybar = _cotangent(cotangent, out.value)
    sweep = _reverse_sweep(tape, steps, index, out_node, ybar)
    return Trace(steps, len(tape.leaves), index[out_node], sweep, ybar)


def _input(a: Any, k: int) -> Var:
    try:
        return Var(a, name=f"x{k + 1}")
    except TypeError as err:
        raise TypeError(f"dd.evaluation_trace: argument {k + 1}: {err}") from None


def _output_node(tape: Tape, out: Any) -> int:
    if isinstance(out, (tuple, list, dict)):
        raise TypeError(
            f"dd.evaluation_trace follows one output, but f returned a {type(out).__name__}; "
            "trace each output separately (or their sum)"
        )
    node = tape.node_of(out)
    if node is None:
        raise ValueError(
            f"dd.evaluation_trace: f returned {type(out).__name__} {out!r}, which does not "
            "depend on its inputs; build the result from the arguments with dualdiff or NumPy ops"
        )
    return node


def _indices(tape: Tape) -> dict[int, int]:
    """Tape node -> Baydin index: leaves 1-n .. 0, ops 1 .. l in recording order."""
    n = len(tape.leaves)
    index = {node: k + 1 - n for k, (node, _, _) in enumerate(tape.leaves)}
    index.update({e[1]: i + 1 for i, e in enumerate(tape.entries)})
    return index


def _steps(tape: Tape, index: dict[int, int]) -> list[Step]:
    steps = [
        Step(index[node], None, var.name or f"x{k + 1}", (), (), {}, value)
        for k, (node, var, value) in enumerate(tape.leaves)
    ]
    for rule, node, vals, inputs, params, ans in tape.entries:
        ins = tuple((pos, index[i]) for pos, i in inputs)
        steps.append(Step(index[node], rule, rule.name, vals, ins, params, ans))
    return steps


def _seeds(seed: Any, args: tuple[Any, ...], tape: Tape) -> list[Any]:
    """One tangent per tape leaf (the arguments first; any other leaf gets zeros)."""
    values = [v for _, _, v in tape.leaves]
    seeds = [zeros_like(v) for v in values]
    if seed is None or isinstance(seed, (int, np.integer)):
        k = 0 if seed is None else int(seed)
        if not 0 <= k < len(args):
            raise ValueError(
                f"dd.evaluation_trace: seed={seed} but f has {len(args)} argument(s) (0-based)"
            )
        seeds[k] = ones_like(values[k])
        return seeds
    if not isinstance(seed, (tuple, list)) or len(seed) != len(args):
        raise ValueError(
            "dd.evaluation_trace: seed must be None, an argument index, or one tangent per "
            f"argument ({len(args)}), got {seed!r}"
        )
    for k, t in enumerate(seed):
        if shape_of(np.asarray(t)) != shape_of(values[k]):
            raise ValueError(
                f"dd.evaluation_trace: seed {k} has shape {shape_of(np.asarray(t))} but "
                f"argument {k + 1} has shape {shape_of(values[k])}"
            )
        seeds[k] = t if isinstance(t, float) else np.asarray(t, dtype=np.result_type(t, 1.0))
    return seeds


def _cotangent(cotangent: Any, value: Any) -> Any:
    if cotangent is None:
        if shape_of(value) != ():
            raise ValueError(
                f"dd.evaluation_trace: f returns an array of shape {shape_of(value)}; pass "
                "cotangent= (ȳ, the same shape) to choose which combination of outputs the "
                "adjoints follow"
            )
        return ones_like(value)
    if shape_of(cotangent) != shape_of(value):
        raise ValueError(
            f"dd.evaluation_trace: cotangent has shape {shape_of(cotangent)} but f returns shape "
            f"{shape_of(value)}"
        )
    return cotangent


def _forward_sweep(tape: Tape, steps: list[Step], index: dict[int, int], seeds: list[Any]) -> None:
    """Tangents: the tape replayed on Duals carrying the seed direction."""
    from .replay import replay_nodes

    with new_level() as level:
        leaves = {
            node: Dual._make(value, t, level)
            for (node, _, value), t in zip(tape.leaves, seeds, strict=True)
        }
        values = replay_nodes(tape, leaves)
    n = len(tape.leaves)
    for node, d in values.items():
        step = steps[index[node] + n - 1]
        own = isinstance(d, Dual) and d._level == level
        step.tangent = d.tangent if own else zeros_like(step.value)


def _reverse_sweep(
    tape: Tape, steps: list[Step], index: dict[int, int], out_node: int, ybar: Any
) -> list[AdjointStep]:
    """Adjoints: one loop over the tape in reverse, keeping every accumulation step."""
    adj: dict[int, Any] = {out_node: ybar}
    sweep = []
    for rule, node, vals, inputs, params, ans in reversed(tape.entries):
        g = adj.get(node)
        if g is None:
            continue
        for pos, inode in inputs:
            vjp = rule.vjp[pos]
            if vjp is None:
                continue
            c = vjp(g, ans, *vals, **params)
            if shape_of(c) != shape_of(vals[pos]):
                c = sum_to_shape(c, shape_of(vals[pos]))
            before = adj.get(inode)
            adj[inode] = c if before is None else before + c
            sweep.append(AdjointStep(index[inode], index[node], pos, before, adj[inode]))
    n = len(tape.leaves)
    for node, i in index.items():
        got = adj.get(node)
        step = steps[i + n - 1]
        step.adjoint = got if got is not None else zeros_like(step.value)
    return sweep
