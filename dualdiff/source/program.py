"""A recorded call traced into code: argument checks, forward pass, guards, backward pass.

The forward pass runs the recorded steps on :class:`~dualdiff.source.rules.Traced`
values; the backward pass is :func:`dualdiff.reverse.backprop` itself, run on them, so
the cotangents are summed, accumulated and converted exactly as ``dd.grad`` does, and
every rule writes its own code. Names follow the Wengert list: ``v1, v2 ...`` in
recording order, ``v3_bar`` the adjoint of ``v3``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import bind
from ..pytree import tree_unflatten
from ..recording import is_input, params_of
from ..reverse import backprop, ones_like, plain, zeros_like
from .arrays import Placeholder, real, rebound
from .lines import NotExpressible, Var, same_value
from .rules import Traced, conform, wrap
from .trace import Trace, activate

if TYPE_CHECKING:
    from ..recording import Guard
    from ..replay import _Program, _Step

__all__ = ["Call", "Code", "ProgramTrace", "trace_program"]


@dataclass
class Call:
    """The recorded call as the generated function receives it."""

    args: tuple[Any, ...]
    nums: tuple[int, ...]
    single: bool
    has_aux: bool
    params: list[str]  # the function's parameter names


class Code:
    """A leaf of the returned structure: the parts that write it."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts


@dataclass
class ProgramTrace:
    tr: Trace
    checks: list[list[Any]]  # conditions under which the call does not fit the program
    result: Any  # the returned structure, with Code leaves
    returned: list[Var]
    forward_ops: int
    guards: int = 0
    described: list[str] = field(default_factory=list)  # "x1: float" per argument


def trace_program(
    program: _Program, call: Call, leaves: list[Any], *, raising: bool = True
) -> ProgramTrace:
    """Trace ``program`` on the values ``leaves`` (this call's inputs)."""
    tr = Trace(raising)
    previous = activate(tr)
    try:
        with np.errstate(all="ignore"):
            checks, described, env = _inputs(tr, program, call, leaves)
            _forward(tr, program, env)
            tr.phase = "backward"
            cts = _backward(tr, program, env)
            tr.phase = "result"
            result, returned = _outputs(tr, program, call, env, cts, leaves)
    finally:
        activate(previous)
    out = ProgramTrace(tr, checks, result, returned, len(program.steps), len(program.guards))
    out.described = described
    return out


# --- the arguments -----------------------------------------------------------------------------


def _inputs(
    tr: Trace, program: _Program, call: Call, leaves: list[Any]
) -> tuple[list[list[Any]], list[str], dict[int, Any]]:
    """Checks that a call fits (structure, types, shapes, dtypes, equal static values) and
    the leaves as ``v1 = x1`` lines."""
    checks: list[list[Any]] = []
    env: dict[int, Any] = {}
    described = []
    inputs = iter(zip(program.inputs, leaves, strict=True))
    statics = iter(program.statics)
    for i, (arg, name) in enumerate(zip(call.args, call.params, strict=True)):
        found: list[tuple[Any, str]] = []
        _walk(tr, arg, name, checks, found)
        for x, expr in found:
            if i in call.nums or is_input(x):
                node, leaf = next(inputs)
                checks.append(_leaf_check(tr, leaf, expr))
                env[node] = wrap(tr.input(leaf, f"v{node + 1}", expr))
            else:
                checks.append(_static_check(tr, next(statics), expr))
        described.append(f"{name}: {_shape_text(arg)}")
    return checks, described, env


def _walk(tr: Trace, x: Any, expr: str, checks: list[list[Any]], found: list[Any]) -> None:
    """The structure checks of a pytree argument, and its leaves with their expressions,
    in ``tree_flatten``'s order."""
    if isinstance(x, list) or (isinstance(x, tuple) and not hasattr(x, "_fields")):
        kind = "list" if isinstance(x, list) else "tuple"
        checks.append([f"type({expr}) is not {kind} or len({expr}) != {len(x)}"])
        for k, child in enumerate(x):
            _walk(tr, child, f"{expr}[{k}]", checks, found)
    elif isinstance(x, tuple):
        checks.append([f"type({expr}) is not ", tr.named(type(x))])
        for k, child in enumerate(x):
            _walk(tr, child, f"{expr}[{k}]", checks, found)
    elif isinstance(x, dict):
        keys = sorted(x) if all(isinstance(k, str) for k in x) else sorted(x, key=repr)
        checks.append([f"type({expr}) is not dict or len({expr}) != {len(x)}"])
        for key in keys:
            _walk(tr, x[key], f"{expr}[{tr.const(key)}]", checks, found)
    elif x is None:
        checks.append([f"{expr} is not None"])
    else:
        found.append((x, expr))


def _leaf_check(tr: Trace, leaf: Any, expr: str) -> list[Any]:
    if type(leaf) is float:
        return [f"type({expr}) is not float"]
    if isinstance(leaf, np.ndarray):
        dtype = tr.named(leaf.dtype)  # the same dtype, usually the very same object
        return [
            f"type({expr}) is not np.ndarray or {expr}.shape != {leaf.shape!r} or "
            f"({expr}.dtype is not ",
            dtype,
            f" and {expr}.dtype != ",
            dtype,
            ")",
        ]
    return [f"type({expr}) is not ", tr.named(type(leaf))]


def _static_check(tr: Trace, value: Any, expr: str) -> list[Any]:
    if isinstance(value, np.ndarray):
        return [
            f"type({expr}) is not np.ndarray or {expr}.shape != {value.shape!r} or "
            f"{expr}.dtype != ",
            tr.named(value.dtype),
            f" or not np.array_equal({expr}, ",
            tr.named(value),
            ")",
        ]
    try:
        hash(value)
    except TypeError:
        return [f"{expr} is not ", tr.named(value)]
    return [f"type({expr}) is not ", tr.named(type(value)), f" or {expr} != ", tr.named(value)]


def _shape_text(x: Any) -> str:
    if type(x) is float:
        return "float"
    if isinstance(x, np.ndarray):
        return f"{x.dtype} array {x.shape}"
    if isinstance(x, (list, tuple, dict)):
        return f"{type(x).__name__} of {len(x)}"
    return type(x).__name__


# --- the forward pass ---------------------------------------------------------------------------


def _forward(tr: Trace, program: _Program, env: dict[int, Any]) -> None:
    guards = program.guards
    g = 0
    for k, step in enumerate(program.steps):
        while g < len(guards) and guards[g].at == k:
            _guard(tr, guards[g], env, step.node)
            g += 1
        tr.scope = ""
        out = bind(step.rule, _values(step, env), _params(step, env))
        env[step.node] = _named(tr, out, f"v{step.node + 1}")
    for guard in guards[g:]:
        _guard(tr, guard, env, None)


def _values(step: _Step, env: dict[int, Any]) -> list[Any]:
    vals = step.template.copy()
    for pos, src in step.slots:
        vals[pos] = env[src]
    return vals


def _params(step: _Step, env: dict[int, Any]) -> dict[str, Any]:
    """The step's parameters, an input array at each parameter slot (an index) as its
    placeholder: the op's code then reads the program's variable."""
    return params_of(step, {node: _q(env[node]) for _, node in step.param_slots})


def _named(tr: Trace, out: Any, label: str) -> Any:
    """``out`` named ``label``: the variable the op made, or a new one that copies a value
    met before (so the Wengert name is there to read)."""
    if not isinstance(out, Traced):
        return out
    var = out.q._var
    if var.label is None and var.line is not None and var.line.kind == "value":  # type: ignore[union-attr]
        var.label = label  # type: ignore[union-attr]
        return out
    alias = tr.value([var], var.value)  # type: ignore[union-attr]
    alias._var.label = label
    return wrap(alias)


def _guard(tr: Trace, guard: Guard, env: dict[int, Any], before: int | None) -> None:
    """A branch of the recording as an ``if`` that stops a call taking another branch."""
    operands = [_q(env[n]) if n is not None else c for n, c in guard.operands]
    name = getattr(guard.fn, "__name__", "comparison")
    where = f"before v{before + 1}" if before is not None else "at the end"
    tr.scope = f"branch: {name} {where}"
    result = rebound(guard.fn)(*operands)
    if isinstance(result, Placeholder):
        if not _outcome_equal(result._var.value, guard.outcome):  # type: ignore[union-attr]
            raise NotExpressible("the call takes another branch than the recorded one")
        tr.guard(result, guard.outcome, f"{name} {where}")
    elif not _outcome_equal(result, guard.outcome):
        raise NotExpressible("the call takes another branch than the recorded one")


def _outcome_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


# --- the backward pass --------------------------------------------------------------------------


class _Pullbacks:
    """A rule's VJPs as the backward pass calls them: each names the cotangent it gets
    (``v5_bar``) and writes its lines under a comment naming the op and the input."""

    def __init__(self, tr: Trace, step: _Step) -> None:
        self.tr, self.step = tr, step
        self.named = False

    def __getitem__(self, pos: int) -> Any:
        vjp = self.step.rule.vjp[pos]
        if vjp is None:
            return None
        target = dict(self.step.slots)[pos]

        def pullback(g: Any, ans: Any, *vals: Any, **params: Any) -> Any:
            g = self._cotangent(g)
            where = f"{self.step.rule.name} vjp {pos} -> v{target + 1}_bar"
            self.tr.scope = where
            out = rebound(vjp)(g, ans, *vals, **params)
            # what the backward pass does next: sum it to the input's shape, add it in
            self.tr.scope = f"v{target + 1}_bar += {self.step.rule.name} vjp {pos}"
            return out

        return pullback

    def __len__(self) -> int:
        return len(self.step.slots)

    def _cotangent(self, g: Any) -> Any:
        if self.named:
            return self._g
        self.named = True
        self.tr.scope = f"{self.step.rule.name}: the adjoint of v{self.step.node + 1}"
        if self.step.param_slots and not isinstance(g, Traced):
            # a constant cotangent meets an input among the parameters (an index): the
            # rule's ops must be written as code, so the cotangent becomes a variable
            g = wrap(self.tr.value(self.tr.parts(g), g))
        self._g = _adjoint(self.tr, g, self.step.node)
        return self._g


def _adjoint(tr: Trace, g: Any, node: int) -> Any:
    """The final cotangent of ``node``, named ``v<node>_bar``."""
    g = wrap(g)  # a rule that computed with NumPy on placeholders gives a placeholder
    if not isinstance(g, Traced):
        return g  # a constant (the seed 1.0 ...): written in place, so that products by 1 fold
    var = g.q._var
    label = f"v{node + 1}_bar"
    if var.label is None and var.line is not None and var.line.kind == "value":  # type: ignore[union-attr]
        var.label = label  # type: ignore[union-attr]
        return g
    alias = tr.value([var], var.value)  # type: ignore[union-attr]
    alias._var.label = label
    return wrap(alias)


def _backward(tr: Trace, program: _Program, env: dict[int, Any]) -> dict[int, Any]:
    node = program.out[0]
    if node is None:
        return {}
    entries = []
    for step in program.steps:
        if step.grad_slots:
            rule = replace(step.rule, vjp=_Pullbacks(tr, step))  # type: ignore[arg-type]
            vals = tuple(_values(step, env))
            params = _params(step, env)
            entries.append((rule, step.node, vals, step.grad_slots, params, env[step.node]))
    seed = ones_like(real(_q(env[node])))
    cts = backprop(entries, {node: seed}, set(), False)
    tr.scope = "the gradient"
    return {n: _adjoint(tr, ct, n) for n, ct in cts.items()}


def _q(x: Any) -> Any:
    return x.q if isinstance(x, Traced) else x


# --- what the call returns ---------------------------------------------------------------------


def _outputs(
    tr: Trace,
    program: _Program,
    call: Call,
    env: dict[int, Any],
    cts: dict[int, Any],
    leaves: list[Any],
) -> tuple[Any, list[Var]]:
    """The returned structure (as ``dd.value_and_grad`` returns it) and the variables in it."""
    returned: list[Var] = []
    tr.scope = "the result"

    def code(x: Any) -> Code:
        x = _q(x)
        if isinstance(x, Placeholder):
            returned.append(x._var)  # type: ignore[arg-type]
            return Code([x._var])
        return Code(tr.parts(x))

    value = code(env[program.out[0]] if program.out[0] is not None else program.out[1])
    grads: list[Any] = [None] * len(leaves)
    for _, idx in program.grads:
        for j in idx:
            grads[j] = code(_gradient(tr, cts.get(program.inputs[j]), leaves[j]))
    per_arg = [tree_unflatten(td, [grads[j] for j in idx]) for td, idx in program.grads]
    g = per_arg[0] if call.single else tuple(per_arg)
    if not call.has_aux:
        return (value, g), returned
    aux_leaves = [code(env[n] if n is not None else c) for n, c in program.aux]
    aux = tree_unflatten(program.aux_tree, aux_leaves) if program.aux_tree is not None else None
    return ((value, aux), g), returned


def _gradient(tr: Trace, ct: Any, leaf: Any) -> Any:
    """An input's gradient as ``dd.grad`` returns it (``reverse.plain``): a float for a
    float, an array of the input's shape and dtype otherwise; zeros where no path led."""
    if ct is None:
        expected = zeros_like(leaf)
        if type(expected) is float:
            return expected
        parts = ["np.zeros(", tr.const(expected.shape), ", dtype=", tr.named(expected.dtype), ")"]
        return tr.value(parts, expected, fresh=True)
    ct = _q(ct)
    expected = plain(real(ct), leaf)
    if not isinstance(ct, Placeholder):
        if isinstance(expected, np.ndarray):  # a constant gradient: a new copy each call
            return tr.value(["np.array(", tr.const(expected), ")"], expected.copy(), fresh=True)
        return expected
    if isinstance(expected, np.ndarray) and np.shape(ct._var.value) != expected.shape:  # type: ignore[union-attr]
        parts = [
            "np.array(np.broadcast_to(",
            ct._var,
            f", {expected.shape!r}), dtype=",
            tr.named(expected.dtype),
            ")",
        ]
        return tr.value(parts, expected, fresh=True)
    out = conform(tr, ct, expected)
    if not same_value(out._var.value, expected):  # type: ignore[union-attr]
        raise NotExpressible("the gradient differs from dd.grad's after conversion")
    return out
