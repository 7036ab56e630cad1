"""The registry as formulas: each op's partial derivatives, or its JVP and VJP rules.

Nothing here is a second table of derivatives: each formula is the registry's
own rule, run once on named stand-ins at the op's catalog example and
printed (:mod:`dualdiff.teach.expr`). The stand-ins' values are symbolic
(:mod:`dualdiff.teach.symbolic`), so what a rule computes from primal values
prints as an expression: relu's mask as ``[x > 0]`` (an Iverson bracket), a
max's tie split as ``[x > y] + 0.5 · [x = y]``.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import REGISTRY, Rule
from ..reverse import Tape, Var, ones_like
from .catalog import example_for
from .expr import Notation, record_symbolic

__all__ = ["OpRules", "describe", "describe_all"]

_NAMES = ("x", "y", "z")


@dataclass(slots=True)
class OpRules:
    """An op's derivative formulas: ``(label, formula)`` pairs, e.g. ``("∂/∂x", "cos(x)")``."""

    name: str
    kind: str
    doc: str
    formulas: list[tuple[str, str]]

    def __str__(self) -> str:
        head = f"{self.name} ({self.kind}){': ' + self.doc if self.doc else ''}"
        width = max((len(label) for label, _ in self.formulas), default=0)
        return "\n".join(
            [head] + [f"    {label:<{width}} = {text}" for label, text in self.formulas]
        )


def _arg_names(rule: Rule, n: int) -> tuple[str, ...]:
    try:
        params = list(inspect.signature(rule.primal).parameters.values())
    except (TypeError, ValueError):  # NumPy ufuncs have no Python signature
        params = []
    names = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    if len(names) == n and all(len(s) <= 3 for s in names):
        return tuple(names)
    return _NAMES[:n] if n <= len(_NAMES) else tuple(f"x{i + 1}" for i in range(n))


def _recorded_entry(name: str) -> tuple[Rule, tuple[Any, ...], dict[str, Any], Any, set[int]]:
    """The op's first application in its example: (rule, inputs, params, output, traced)."""
    ex = example_for(name)
    with Tape() as tape:
        ex.fn(*[Var(a) for a in ex.args])
    for rule, _, vals, inputs, params, ans in tape.entries:
        if rule.name == name:
            return rule, vals, params, ans, {pos for pos, _ in inputs}
    raise LookupError(f"the catalog example of {name!r} does not call it")


def _special_points(vals: tuple[Any, ...]) -> tuple[np.ndarray, ...]:
    """One array per input holding a sample point, zeros and ties: every combination of
    (sample, 0) over the inputs, then all inputs equal (False and True for a condition).

    A rule may take a shortcut where no value is special (no zero, no tie); on these
    arrays it takes its general path, whose formula holds at every point.
    """
    firsts = [np.asarray(v).flat[0] for v in vals]
    options = [(f, np.zeros((), np.asarray(f).dtype)[()]) for f in firsts]
    rows = [*itertools.product(*options), tuple(firsts[0] for _ in firsts)]
    columns = zip(*rows, strict=True)
    return tuple(
        np.array(c, dtype=np.asarray(f).dtype) for c, f in zip(columns, firsts, strict=True)
    )


def _partials(rule: Rule, vals: tuple[Any, ...], n: Notation) -> list[tuple[str, str]]:
    """``∂/∂x = ...`` from the elementwise op's declared partials."""
    points = _special_points(vals)
    with np.errstate(all="ignore"):
        ans = rule.primal(*points)
    names = _arg_names(rule, len(vals))
    operands = [(("name", "ans"), ans)] + [
        (("name", nm), v) for nm, v in zip(names, points, strict=True)
    ]
    out = []
    for nm, d in zip(names, rule.derivs or (), strict=True):
        if d is None:
            text = "not differentiated"
        elif callable(d):
            with np.errstate(all="ignore"):
                text = record_symbolic(d, operands).text(n)
        else:
            text = str(d)
        out.append((f"∂/∂{nm}", text))
    return out


def _rules(
    rule: Rule,
    vals: tuple[Any, ...],
    params: dict[str, Any],
    ans: Any,
    traced: set[int],
    n: Notation,
) -> list[tuple[str, str]]:
    """The JVP and VJP rule of each traced input, recorded at the example's shapes; for a
    reduction also its gradient ``∂/∂x`` (of the sum of its outputs: the VJP at g = 1)."""
    names = _arg_names(rule, len(vals))
    operands = [(("name", "ans"), ans)] + [
        (("name", nm) if i in traced else None, v)
        for i, (nm, v) in enumerate(zip(names, vals, strict=True))
    ]
    out = (
        []
        if rule.joint_jvp is None
        else [("jvp", _joint(rule, vals, traced, names, operands, params, n))]
    )
    g = [(("name", "g"), ones_like(ans))]
    for i in sorted(traced):
        jvp, vjp = rule.jvp[i], rule.vjp[i]
        if rule.kind == "reduction" and vjp is not None:  # the gradient of sum(out): g = 1
            one = [(None, ones_like(ans))]
            grad = record_symbolic(vjp, one + operands, **params)
            out.append((f"∂/∂{names[i]}", grad.text(n, layout=False)))
        if rule.joint_jvp is None:
            t = [(("name", "t"), ones_like(vals[i]))]
            jtext = "none" if jvp is None else record_symbolic(jvp, t + operands, **params).text(n)
            out.append((f"jvp[{names[i]}]", jtext))
        vtext = "none" if vjp is None else record_symbolic(vjp, g + operands, **params).text(n)
        out.append((f"vjp[{names[i]}]", vtext))
    return out


def _joint(
    rule: Rule,
    vals: tuple[Any, ...],
    traced: set[int],
    names: tuple[str, ...],
    operands: list[Any],
    params: dict[str, Any],
    n: Notation,
) -> str:
    """A variadic op's JVP, which takes the tangents of all inputs at once (t_x, t_y ...)."""
    order = sorted(traced)
    seeds = [(("name", f"t_{names[i]}"), ones_like(vals[i])) for i in order]

    def jvp(*xs: Any) -> Any:
        ts: list[Any] = [None] * len(vals)
        for i, t in zip(order, xs, strict=False):
            ts[i] = t
        return rule.joint_jvp(ts, *xs[len(order) :], **params)  # type: ignore[misc]

    return record_symbolic(jvp, seeds + operands).text(n)


def describe(name: str, notation: Notation | None = None) -> OpRules:
    """The formulas of op ``name`` (elementwise: partials; others: JVP and VJP rules)."""
    n = notation or Notation()
    rule, vals, params, ans, traced = _recorded_entry(name)
    if rule.kind == "elementwise" and rule.derivs is not None:
        formulas = _partials(rule, vals, n)
    else:
        formulas = _rules(rule, vals, params, ans, traced, n)
    return OpRules(name, rule.kind, rule.doc, formulas)


def describe_all() -> list[OpRules]:
    """Every registered op, in registry order."""
    return [describe(name) for name in REGISTRY]
