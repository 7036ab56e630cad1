"""The formulas that ``python -m dualdiff rules`` prints are the rules that run.

Each printed formula is parsed back (its text, not the tree it came from) and evaluated
at fresh random points, then compared with the registry's rule at the same points:

* elementwise partials ``∂/∂x = ...`` (and a reduction's ``∂/∂x`` when it is a scalar
  expression) become SymPy expressions, evaluated on both sides of every kink that their
  Iverson brackets and conditions name, and at the kink itself;
* every other formula (JVP and VJP rules, with their shapes) is evaluated with the
  registry's own primals, at new values of the example's shapes.

A formula that holds a sampled value where the rule reads its inputs fails: it matches
at the example and nowhere else.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp
from oracles import ELEMENTWISE
from oracles.domains import uniform

import dualdiff as dd
from dualdiff.cli import main
from dualdiff.teach.rules import _arg_names, _recorded_entry, describe

RNG = np.random.default_rng(20240614)
ELEMENTWISE_OPS = sorted(n for n, r in dd.REGISTRY.items() if r.kind == "elementwise")
OTHER_OPS = sorted(n for n, r in dd.REGISTRY.items() if r.kind not in ("elementwise", "custom"))
# SciPy evaluates special functions (digamma, besseli ...) where NumPy has none
LAMBDIFY_MODULES = ["scipy", "numpy"] if importlib.util.find_spec("scipy") else ["numpy"]
RTOL = 2e-5  # constants print with 6 significant digits (0.434294 / x for log10)
_SYMBOLS = {"·": "*", "^": "**", "≥": ">=", "≤": "<=", "≠": "!=", " = ": " == "}


# --- the printed text, back to an expression -------------------------------------------


def python_source(text: str) -> str:
    """The printed formula as Python: ``·`` is ``*``, ``x^y`` is ``x**y``, ``x = y`` is
    ``x == y`` (keyword arguments print without spaces), ``[c]`` stays a one-element list."""
    for a, b in _SYMBOLS.items():
        text = text.replace(a, b)
    return text


def parse(text: str) -> ast.expr:
    return ast.parse(python_source(text), mode="eval").body


_SP_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_SP_REL = {ast.Gt: sp.Gt, ast.Lt: sp.Lt, ast.GtE: sp.Ge, ast.LtE: sp.Le, ast.Eq: sp.Eq}
_SP_REL[ast.NotEq] = sp.Ne


_NUMPY_NAMES: dict[str, Callable[..., Any]] = {
    "absolute": sp.Abs,
    "floor": sp.floor,
    "ceil": sp.ceiling,
    "trunc": lambda a: sp.sign(a) * sp.floor(sp.Abs(a)),
    "rint": lambda a: sp.floor(a + sp.Rational(1, 2)),
    "floor_divide": lambda a, b: sp.floor(a / b),
}


class ToSympy:
    """A formula's syntax tree as a SymPy expression: ``[c]`` is Piecewise((1, c), (0, True)),
    ``where(c, a, b)`` Piecewise((a, c), (b, True)), other calls the ops' SymPy twins."""

    def __init__(self, symbols: dict[str, sp.Symbol], booleans: set[str]) -> None:
        self.symbols, self.booleans = symbols, booleans

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.BinOp):
            return _SP_OPS[type(node.op)](self.value(node.left), self.value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.value(node.operand)
        if isinstance(node, ast.Constant):
            return sp.nsimplify(node.value)
        if isinstance(node, ast.Name):
            return self.symbols[node.id]
        if isinstance(node, ast.List):
            (cond,) = node.elts
            return sp.Piecewise((1, self.cond(cond)), (0, True))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise NotImplementedError(f"no SymPy form for {ast.dump(node)}")

    def cond(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Compare):
            (op,), (right,) = node.ops, node.comparators
            return _SP_REL[type(op)](self.value(node.left), self.value(right))
        if isinstance(node, ast.BoolOp):
            join = sp.And if isinstance(node.op, ast.And) else sp.Or
            return join(*(self.cond(v) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sp.Not(self.cond(node.operand))
        if isinstance(node, ast.Name) and node.id in self.booleans:
            return sp.Ne(self.symbols[node.id], 0)
        raise NotImplementedError(f"no SymPy condition for {ast.dump(node)}")

    def call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name) and not node.keywords, ast.dump(node)
        name = node.func.id
        if name == "where":
            c, a, b = node.args
            return sp.Piecewise((self.value(a), self.cond(c)), (self.value(b), True))
        args = [self.value(a) for a in node.args]
        if name in _NUMPY_NAMES:  # a NumPy function that a rule calls on primal values
            return _NUMPY_NAMES[name](*args)
        assert name in ELEMENTWISE, f"the formula calls {name!r}, which has no SymPy twin"
        return ELEMENTWISE[name].twin(*args)


def conditions(expr: Any) -> list[Any]:
    """The relations that an expression branches on (its kinks)."""
    return sorted(expr.atoms(sp.Rel), key=str) if isinstance(expr, sp.Basic) else []


# --- elementwise partials --------------------------------------------------------------


def _domains(name: str, n: int) -> tuple[Any, ...]:
    elem = ELEMENTWISE.get(name)
    return elem.domain if elem is not None else (uniform(0.2, 0.9),) * n


def _points(name: str, names: tuple[str, ...], exprs: list[Any]) -> list[np.ndarray]:
    """Random inputs, plus each kink: a relation's two sides made equal (solved for one
    input), and nudged to each side of it."""
    base = [np.asarray(d(RNG, (24,)), dtype=float) for d in _domains(name, len(names))]
    columns = [list(c) for c in base]
    syms = {nm: sp.Symbol(nm, real=True) for nm in names}
    for rel in {r for e in exprs for r in conditions(e)}:
        gap = rel.lhs - rel.rhs
        free = [nm for nm in names if syms[nm] in gap.free_symbols]
        if not free:
            continue
        target = syms[free[0]]
        for k in range(4):
            rest = {syms[nm]: base[i][k] for i, nm in enumerate(names) if nm != free[0]}
            roots = [r for r in _solve(gap.subs(rest), target) if r.is_real]
            for root in roots[:1]:
                for shift in (0.0, 1e-3, -1e-3):
                    for i, nm in enumerate(names):
                        columns[i].append(float(root) + shift if nm == free[0] else base[i][k])
    return [np.asarray(c) for c in columns]


def _solve(expr: Any, target: sp.Symbol) -> list[Any]:
    """The real roots SymPy finds (none where it cannot solve: random points remain)."""
    try:
        return list(sp.solve(expr, target))
    except NotImplementedError:
        return []


def _rule_partial(rule: Any, i: int, args: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):
        ans = rule.primal(*args)
        d = rule.derivs[i]
        value = d(ans, *args) if callable(d) else d
    return np.broadcast_to(np.asarray(value, dtype=float), np.shape(ans)), ans


def _eval_sympy(expr: Any, names: tuple[str, ...], args: list[np.ndarray], ans: Any) -> Any:
    syms = [sp.Symbol(nm, real=True) for nm in (*names, "ans")]
    fn = sp.lambdify(syms, expr, modules=LAMBDIFY_MODULES)
    with np.errstate(all="ignore"):
        out = fn(*args, ans)
    return np.broadcast_to(np.asarray(out, dtype=float), np.shape(ans))


@pytest.mark.parametrize("name", ELEMENTWISE_OPS)
def test_printed_partials_are_the_rules(name: str) -> None:
    rule = dd.REGISTRY[name]
    names = _arg_names(rule, rule.nargs)
    booleans = {nm for nm, d in zip(names, _domains(name, len(names)), strict=True)
                if np.asarray(d(RNG, (1,))).dtype == bool}  # fmt: skip
    symbols = {nm: sp.Symbol(nm, real=True) for nm in (*names, "ans")}
    printed = dict(describe(name).formulas)
    exprs = {}
    for i, nm in enumerate(names):
        text = printed[f"∂/∂{nm}"]
        if text == "not differentiated":
            assert rule.derivs[i] is None
            continue
        exprs[i] = ToSympy(symbols, booleans).value(parse(text))
    args = [
        a.astype(bool) if nm in booleans else a
        for nm, a in zip(names, _points(name, names, list(exprs.values())), strict=True)
    ]
    for i, expr in exprs.items():
        expected, ans = _rule_partial(rule, i, args)
        got = _eval_sympy(expr, names, args, ans)
        bad = ~np.isclose(got, expected, rtol=RTOL, atol=1e-12, equal_nan=True)
        where = [tuple(float(a[k]) for a in args) for k in np.flatnonzero(bad)[:3]]
        assert not bad.any(), f"{name}: ∂/∂{names[i]} printed {printed[f'∂/∂{names[i]}']!r} "
        f"differs from the rule at {where}"


def test_piecewise_rules_print_as_iverson_brackets() -> None:
    got = {name: dict(describe(name).formulas) for name in ("relu", "maximum", "where")}
    assert got["relu"]["∂/∂x"] == "[x > 0]"
    assert got["maximum"]["∂/∂x"] == "[x > y] + 0.5 · [x = y]"
    assert got["where"]["∂/∂x"] == "[c]" and got["where"]["∂/∂y"] == "1 - [c]"
    assert "where(x = 0" in dict(describe("power").formulas)["∂/∂y"]  # 0 at x = 0
    assert dict(describe("logsumexp").formulas)["∂/∂x"] == "softmax(x, axis=-1)"
    assert dict(describe("max").formulas)["∂/∂x"].startswith("[x = ans] / sum([x = ans]")


def test_no_printed_formula_shows_a_sampled_array(capsys: pytest.CaptureFixture[str]) -> None:
    names = [n for n in ("relu", "maximum", "where", "power", "clip", "max", "logsumexp")]
    assert main(["rules", *names]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\[\[?-?\d", out), out  # no array literal such as [[-0.38], [1.3]]
    assert "log(where(x = 0" in out or "x = 0" in out


def test_latex_prints_brackets_and_relations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--latex", "maximum", "clip"]) == 0
    out = capsys.readouterr().out
    assert r"\left[x > y\right]" in out and r"\leq" in out and r"\wedge" in out


# --- every other printed formula, evaluated with the registry's primals -----------------


def _call(name: str) -> Callable[..., Any]:
    """The registry op ``name`` on plain values, with the parameters the printer leaves out
    (``keepdims=False``; ``axis`` when it covers every axis); else dualdiff's function."""
    rule = dd.REGISTRY.get(name)
    if rule is None:
        public = getattr(dd, name)
        return lambda *a, **k: dd.stop_gradient(public(*a, **k))
    keywords = inspect.signature(rule.primal).parameters

    def call(*args: Any, **params: Any) -> Any:
        if "keepdims" in keywords:
            params.setdefault("keepdims", False)
        if "axis" in keywords:
            params.setdefault("axis", tuple(range(-np.ndim(args[0]), 0)))
        return rule.primal(*args, **params)

    return call


class _Iverson(ast.NodeTransformer):
    """``[c]`` as ``_iv(c)``; ``a and b`` as ``_and(a, b)`` (elementwise on arrays)."""

    def visit_List(self, node: ast.List) -> Any:
        if len(node.elts) != 1:  # an array literal: array([0, 2, 0])
            return self.generic_visit(node)
        return ast.Call(ast.Name("_iv", ast.Load()), [self.visit(node.elts[0])], [])

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        fn = "_and" if isinstance(node.op, ast.And) else "_or"
        return ast.Call(ast.Name(fn, ast.Load()), [self.visit(v) for v in node.values], [])


_HELPERS = {
    "_iv": lambda c: np.asarray(c, dtype=float),
    "_and": np.logical_and,
    "_or": np.logical_or,
    "array": np.array,
}


def evaluate(text: str, bindings: dict[str, Any]) -> Any:
    """The printed formula evaluated with the registry's primals; names bound to values."""
    tree = ast.Expression(_Iverson().visit(parse(text)))
    code = compile(ast.fix_missing_locations(tree), "<formula>", "eval")
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    env = {**_HELPERS, **{n: _call(n) for n in names if n in dd.REGISTRY or hasattr(dd, n)}}
    with np.errstate(all="ignore"):
        return np.asarray(eval(code, env, dict(bindings)))


def _fresh(value: Any) -> Any:
    """A new random value of ``value``'s shape and dtype (near it: inside the domain)."""
    arr = np.asarray(value)
    if arr.dtype.kind != "f":
        return value
    return arr * (1 + 0.2 * RNG.uniform(-1, 1, arr.shape)) + 0.05 * RNG.uniform(-1, 1, arr.shape)


def _kept(ans: Any, x: Any, params: dict[str, Any]) -> Any:
    """A reduction's output with the reduced axes kept (size 1), so it broadcasts over x."""
    axis, ndim = params.get("axis"), np.ndim(x)
    if axis is None or params.get("keepdims") or np.ndim(ans) == ndim:
        return ans
    axes = sorted(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    return np.expand_dims(ans, tuple(axes))


def _unevaluable(text: str) -> str | None:
    """Why a printed formula cannot be evaluated back (derived from its text), or None."""
    try:
        parse(text)
    except SyntaxError:
        return f"not an expression (an index array is shown by its shape): {text}"
    return None


@pytest.mark.parametrize("name", OTHER_OPS)
def test_printed_jvp_and_vjp_rules_are_the_rules(name: str) -> None:
    rule, vals, params, _, traced = _recorded_entry(name)
    if rule.joint_jvp is not None:
        pytest.skip(f"{name} is variadic: its joint rule takes a list of tangents")
    names = _arg_names(rule, len(vals))
    printed = dict(describe(name).formulas)
    new = [_fresh(v) if i in traced else v for i, v in enumerate(vals)]
    with np.errstate(all="ignore"):
        new_ans = rule.primal(*new, **params)
    checked = 0
    for i in sorted(traced):
        nm = names[i]
        t, g = _fresh(np.ones_like(new[i])), _fresh(np.ones_like(np.asarray(new_ans)))
        cases = [
            (f"jvp[{nm}]", rule.jvp[i], t, "t"),
            (f"vjp[{nm}]", rule.vjp[i], g, "g"),
            (f"∂/∂{nm}", rule.vjp[i], np.ones_like(np.asarray(new_ans)), None),
        ]
        for label, fn, seed, seed_name in cases:
            if label not in printed or fn is None:
                continue
            if _unevaluable(printed[label]):
                continue
            with np.errstate(all="ignore"):
                expected = dd.stop_gradient(fn(seed, new_ans, *new, **params))
            bindings = {names[k]: new[k] for k in traced} | {"ans": new_ans}
            if seed_name:
                bindings[seed_name] = seed
            if seed_name is None:  # read element by element: ans broadcasts back over x
                bindings["ans"] = _kept(new_ans, new[i], params)
            got, expected = np.broadcast_arrays(evaluate(printed[label], bindings), expected)
            assert np.allclose(got, expected, rtol=RTOL, atol=1e-12, equal_nan=True), (
                f"{name}: {label} printed {printed[label]!r} differs from the rule"
            )
            checked += 1
    reasons = [r for r in (_unevaluable(text) for text in printed.values()) if r]
    if not checked:
        pytest.skip("; ".join(reasons) or f"{name} prints no JVP or VJP rule")
