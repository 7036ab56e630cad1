"""The registry as formulas: each op's partial derivatives, or its JVP and VJP rules.

Nothing here is a second table of derivatives: each formula is the registry's
own rule, run once on named stand-ins at the op's catalog example and
printed (:mod:`dualdiff.teach.expr`). Piecewise rules (relu, maximum, clip)
show the piece selected at that example point.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import REGISTRY, Rule
from ..reverse import Tape, Var, ones_like
from .catalog import example_for
from .expr import Notation, record_formula

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


def _scalar(x: Any) -> Any:
    return float(np.asarray(x).flat[0]) if np.ndim(x) else x


def _partials(rule: Rule, vals: tuple[Any, ...], n: Notation) -> list[tuple[str, str]]:
    """``∂/∂x = ...`` from the elementwise op's declared partials, at one scalar point."""
    vals = tuple(_scalar(v) for v in vals)
    ans = rule.primal(*vals)
    names = _arg_names(rule, len(vals))
    operands = [(("name", "ans"), ans)] + [
        (("name", nm), v) for nm, v in zip(names, vals, strict=True)
    ]
    out = []
    for nm, d in zip(names, rule.derivs or (), strict=True):
        if d is None:
            text = "not differentiated"
        elif callable(d):
            text = record_formula(d, operands).text(n)
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
    """The JVP and VJP rule of each traced input, recorded at the example's shapes."""
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
        if rule.joint_jvp is None:
            t = [(("name", "t"), ones_like(vals[i]))]
            jtext = "none" if jvp is None else record_formula(jvp, t + operands, **params).text(n)
            out.append((f"jvp[{names[i]}]", jtext))
        vtext = "none" if vjp is None else record_formula(vjp, g + operands, **params).text(n)
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

    return record_formula(jvp, seeds + operands).text(n)


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
