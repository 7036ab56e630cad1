"""Evaluation traces, formulas, graphs and replay, checked against hand-computed values.

The report's function f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5), written in
the step order of Baydin et al. 2018 (Table 2 and 3): v1 = ln v-1, v2 = v-1 v0,
v3 = sin v0, v4 = v1 + v2, v5 = v4 - v3.
"""

from __future__ import annotations

import ast
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.teach import (
    GraphvizNotFoundError,
    evaluation_trace,
    render,
    replay,
    to_dot,
    to_mermaid,
)
from dualdiff.teach.expr import LATEX, TEXT, record_formula
from dualdiff.teach.wengert import wengert_list

LN2, SIN5, COS5 = math.log(2.0), math.sin(5.0), math.cos(5.0)


def baydin(x1, x2):
    v1 = dd.log(x1)
    v2 = x1 * x2
    v3 = dd.sin(x2)
    v4 = v1 + v2
    return v4 - v3


@pytest.fixture(scope="module")
def report_trace():
    return evaluation_trace(baydin, 2.0, 5.0)


def test_primal_values_are_the_reports(report_trace) -> None:
    values = [s.value for s in report_trace.steps]
    expected = [2.0, 5.0, LN2, 10.0, SIN5, LN2 + 10.0, LN2 + 10.0 - SIN5]
    assert values == pytest.approx(expected, abs=1e-15)
    assert [round(v, 3) for v in values[2:]] == [0.693, 10.0, -0.959, 10.693, 11.652]
    assert [s.index for s in report_trace.steps] == [-1, 0, 1, 2, 3, 4, 5]
    assert [s.op for s in report_trace.steps] == [
        "input", "input", "log", "multiply", "sin", "add", "subtract"
    ]  # fmt: skip


def test_tangents_for_x1_and_x2(report_trace) -> None:
    # dv/dx1 by hand: 1, 0, 1/x1, x2, 0, 1/x1 + x2, 1/x1 + x2
    assert [s.tangent for s in report_trace.steps] == pytest.approx(
        [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5], abs=1e-15
    )
    t2 = evaluation_trace(baydin, 2.0, 5.0, seed=1)  # d/dx2: 0, 1, 0, x1, cos x2, x1, x1 - cos x2
    assert [s.tangent for s in t2.steps] == pytest.approx(
        [0.0, 1.0, 0.0, 2.0, COS5, 2.0, 2.0 - COS5], abs=1e-15
    )
    both = evaluation_trace(baydin, 2.0, 5.0, seed=(1.0, 1.0))
    assert both.tangent == pytest.approx(5.5 + 2.0 - COS5, abs=1e-14)


def test_adjoint_sweep_step_by_step(report_trace) -> None:
    sweep = [(a.target, a.source, a.value) for a in report_trace.adjoint_steps]
    # Baydin's Table 3, in the order a reverse loop over the tape meets the edges
    expected = [
        (4, 5, 1.0),
        (3, 5, -1.0),
        (1, 4, 1.0),
        (2, 4, 1.0),
        (0, 3, -COS5),
        (-1, 2, 5.0),
        (0, 2, 2.0 - COS5),
        (-1, 1, 5.5),
    ]
    assert [s[:2] for s in sweep] == [e[:2] for e in expected]
    assert [s[2] for s in sweep] == pytest.approx([e[2] for e in expected], abs=1e-15)
    assert report_trace.gradient == pytest.approx((5.5, 2.0 - COS5), abs=1e-15)
    assert round(report_trace.gradient[1], 3) == 1.716


def test_trace_agrees_with_both_engines_on_python_order() -> None:
    f = lambda x1, x2: dd.log(x1) + x1 * x2 - dd.sin(x2)
    tr = evaluation_trace(f, 2.0, 5.0)
    assert [s.op for s in tr.steps[2:]] == ["log", "multiply", "add", "sin", "subtract"]
    assert tr.value == f(dd.Dual(2.0, 1.0), 5.0).primal
    assert tr.tangent == f(dd.Dual(2.0, 1.0), 5.0).tangent
    with dd.Tape() as tape:
        xs = [dd.Var(2.0), dd.Var(5.0)]
        y = f(*xs)
    assert tr.gradient == tuple(tape.gradient(y, xs))


def test_text_table_shows_each_formula(report_trace) -> None:
    text = str(report_trace)
    for line in [
        "v₁ = log(v₋₁)",
        "v₂ = v₋₁ · v₀",
        "v₃ = sin(v₀)",
        "v₅ = v₄ - v₃",
        "v̇₁ = v̇₋₁ · 1/v₋₁",
        "v̇₂ = v̇₋₁ · v₀ + v̇₀ · v₋₁",
        "v̇₃ = v̇₀ · cos(v₀)",
        "v̇₅ = v̇₄ - v̇₃",
        "v̄₃ = -v̄₅",
        "v̄₀ = v̄₃ · cos(v₀)",
        "v̄₀ = v̄₀ + v̄₂ · v₋₁",
        "v̄₋₁ = v̄₋₁ + v̄₁ · 1/v₋₁",
        "x̄₂ = v̄₀",
    ]:
        assert line in text, line
    assert "ẋ₁ = 1, ẋ₂ = 0" in text
    row = next(r for r in text.splitlines() if r.startswith("v₁ = log"))
    assert "0.693147" in row and row.rstrip().endswith("0.5")


def test_markdown_and_latex_exports(report_trace) -> None:
    md = report_trace.to_markdown()
    forward, reverse = md.strip().split("\n\n")
    rows = forward.splitlines()
    assert rows[1] == "| --- | --- | --- | --- |"
    assert len(rows) == 2 + 7 + 1  # header, rule, 7 steps, y
    assert rows[4].split(" | ")[1:] == ["0.693147", "v̇₁ = v̇₋₁ · 1/v₋₁", "0.5 |"]
    assert len(reverse.splitlines()) == 2 + 1 + 8 + 2  # ȳ, 8 sweep steps, x̄1 and x̄2
    tex = report_trace.to_latex()
    assert tex.count(r"\begin{tabular}") == 2
    assert r"$\dot{v}_{2} = \dot{v}_{-1} \cdot v_{0} + \dot{v}_{0} \cdot v_{-1}$ & $5$" in tex
    assert r"$v_{1} = \log\left(v_{-1}\right)$ & $0.693147$" in tex
    assert r"$\bar{x}_{1} = \bar{v}_{-1}$ & $5.5$" in tex


def test_array_function_values_and_shapes() -> None:
    rng = np.random.default_rng(0)
    w, b, x = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal(4)
    tr = evaluation_trace(lambda x, b: dd.sum(dd.tanh(w @ x + b) ** 2), x, b)
    t = np.tanh(w @ x + b)
    dz = 2 * t * (1 - t**2)  # d sum(tanh(z)^2) / dz
    gx, gb = tr.gradient
    np.testing.assert_allclose(gx, w.T @ dz, rtol=1e-14)
    np.testing.assert_allclose(gb, dz, rtol=1e-14)
    np.testing.assert_allclose(tr.tangent, dz @ (w @ np.ones(4)), rtol=1e-14)
    assert "<float64 array (3, 4)> @ v₋₁" in str(tr)  # the 12-element constant shown by shape
    big = evaluation_trace(lambda x: dd.sum(x * x), np.ones((10, 10)))
    assert "<float64 array (10, 10)>" in str(big)
    np.testing.assert_allclose(big.gradient[0], 2 * np.ones((10, 10)))


def test_array_output_needs_a_cotangent() -> None:
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="cotangent"):
        evaluation_trace(lambda x: x * x, x)
    tr = evaluation_trace(lambda x: x * x, x, cotangent=np.array([1.0, 0.0]))
    np.testing.assert_allclose(tr.gradient[0], [2.0, 0.0])
    np.testing.assert_allclose(tr.tangent, 2 * x)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: evaluation_trace(baydin), TypeError, "give the point"),
        (lambda: evaluation_trace(lambda a: (a, a), 1.0), TypeError, "one output"),
        (lambda: evaluation_trace(lambda a: 3.0, 1.0), ValueError, "does not depend"),
        (lambda: evaluation_trace(baydin, 2.0, 5.0, seed=2), ValueError, "seed=2"),
        (
            lambda: evaluation_trace(baydin, 2.0, 5.0, seed=(1.0,)),
            ValueError,
            "one tangent per argument",
        ),
        (lambda: evaluation_trace(dd.sin, "a"), TypeError, "argument 1"),
        (lambda: evaluation_trace(dd.sin, 1.0, cotangent=np.ones(2)), ValueError, "shape"),
    ],
)
def test_trace_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


# --- formulas recorded from the registry's rules ------------------------------------


def test_formula_of_a_rule_in_both_notations() -> None:
    def jvp_y(t, ans, x, y):  # the JVP of x / y along y: t · (-ans / y)
        return t * (-ans / y)

    ops = [(("dot", 1), 1.0), (("v", 3), 0.5), (("v", 1), 1.0), (("v", 2), 2.0)]
    f = record_formula(jvp_y, ops)
    assert f.text(TEXT) == "v̇₁ · (-v₃) / v₂"
    assert f.text(LATEX) == r"\dot{v}_{1} \cdot \left(-v_{3}\right) / v_{2}"
    tanh = record_formula(
        dd.REGISTRY["tanh"].vjp[0], [(("bar", 2), 1.0), (("v", 2), 0.5), (("v", 1), 0.55)]
    )
    assert tanh.text() == "v̄₂ · (1 - v₂ · v₂)"


# --- graphs ---------------------------------------------------------------------------

NODE = re.compile(r'^  n(\d+) \[label="(.*?)"', re.M)
EDGE = re.compile(r"^  n(\d+) -> n(\d+);$", re.M)


def test_dot_of_the_report_trace(report_trace) -> None:
    dot = report_trace.to_dot()
    assert dot.startswith("digraph dualdiff {") and dot.rstrip().endswith("}")
    labels = [label.split("\\n") for _, label in NODE.findall(dot)]
    assert len(labels) == 7
    assert labels[0] == ["v₋₁ = x₁", "value 2", "grad 5.5"]
    assert labels[2] == ["v₁ = log(v₋₁)", "value 0.693147", "grad 1"]
    assert labels[1][2] == "grad 1.71634"
    edges = [(int(a), int(b)) for a, b in EDGE.findall(dot)]
    # data order: each op's inputs, in argument order, ops in recording order
    assert edges == [(0, 2), (0, 3), (1, 3), (1, 4), (2, 5), (3, 5), (5, 6), (4, 6)]


def test_mermaid_of_the_report_trace(report_trace) -> None:
    text = report_trace.to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [ln for ln in lines if re.match(r'^  n\d+\["', ln)]
    edges = [tuple(map(int, re.findall(r"\d+", ln))) for ln in lines if "-->" in ln]
    assert len(nodes) == 7 and len(edges) == 8
    assert nodes[6] == '  n6["v₅ = v₄ - v₃<br/>value 11.6521<br/>grad 1"]'
    assert edges[0] == (0, 2)


def test_tape_graph_and_its_gradients() -> None:
    with dd.Tape() as tape:
        x1, x2 = dd.Var(2.0), dd.Var(5.0)
        v1 = dd.log(x1)
        y = v1 + x1 * x2 - dd.sin(x2)
    dot = to_dot(tape)  # gradients of the last value recorded, y
    labels = [label.split("\\n") for _, label in NODE.findall(dot)]
    assert [lab[0] for lab in labels][:3] == ["v1 = x1", "v2 = x2", "v3 = log(v1)"]
    assert labels[0][2] == "grad 5.5" and labels[1][2] == "grad 1.71634"
    assert len(labels) == 7 and len(EDGE.findall(dot)) == 8
    assert tape.to_dot() == dot and tape.to_mermaid() == to_mermaid(tape)
    inner = tape.to_mermaid(target=v1)
    assert "v3 = log(v1)<br/>value 0.693147<br/>grad 1" in inner
    assert "v1 = x1<br/>value 2<br/>grad 0.5" in inner  # d log(x1) / dx1
    assert y.value == pytest.approx(LN2 + 10 - SIN5)


def test_the_engine_does_not_import_its_views() -> None:
    """Views read the tape: no module below dualdiff.teach imports it (cli and the package
    __init__ stand above it), and the tape prints through the views teach registers."""
    root = Path(dd.__file__).parent
    above = {root / "__init__.py", root / "cli.py"}
    importers = []
    for path in sorted(root.rglob("*.py")):
        if root / "teach" in path.parents or path in above:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and "teach" in (node.module or ""):
                importers.append(path.name)
            if isinstance(node, ast.ImportFrom) and node.module is None:
                importers += [path.name for a in node.names if a.name == "teach"]
            if isinstance(node, ast.Import) and any("teach" in a.name for a in node.names):
                importers.append(path.name)
    assert not importers
    with dd.Tape() as tape:
        x = dd.Var(2.0)
        dd.log(x)
    assert str(tape) == wengert_list(tape) == "v1 = x1       = 2\nv2 = log(v1)  = 0.693147"


def test_tape_without_scalar_output_has_no_gradients() -> None:
    with dd.Tape() as tape:
        x = dd.Var(np.arange(3.0))
        _ = x * 2.0
    labels = [label.split("\\n") for _, label in NODE.findall(to_dot(tape))]
    assert all(len(lab) == 2 for lab in labels)  # op and value only
    with pytest.raises(ValueError, match="scalar target"):
        to_dot(tape, target=_)


def test_a_100000_node_tape_exports() -> None:
    n = 100_000
    with dd.Tape() as tape:
        x = dd.Var(1.0)
        y = x
        for _ in range(n - 1):
            y = y * 1.0
    dot = to_dot(tape)
    assert len(NODE.findall(dot)) == n
    assert len(EDGE.findall(dot)) == n - 1
    assert NODE.findall(dot)[-1][1].endswith("grad 1")
    assert NODE.findall(dot)[0][1].endswith("grad 1")  # d y / d x = 1 all the way back
    mermaid = to_mermaid(tape)
    assert mermaid.count("-->") == n - 1


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


@needs_dot
@pytest.mark.parametrize(
    "suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")]
)
def test_render_with_graphviz(report_trace, tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = report_trace.render(tmp_path / f"graph{suffix}")
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 500
    if suffix == ".svg":
        assert "log(v₋₁)" in data.decode()


def test_render_without_graphviz_says_how_to_install(report_trace, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render(report_trace, tmp_path / "g.svg")
    assert render(report_trace, tmp_path / "g.dot").read_text() == report_trace.to_dot()
    with pytest.raises(ValueError, match=r"\.svg"):
        render(report_trace, tmp_path / "g.jpeg")


# --- replay: the static graph ------------------------------------------------------------


def branchy(x):
    return x * x if x > 0 else -x


def test_replay_reuses_the_recorded_graph() -> None:
    with dd.Tape() as tape:
        x1, x2 = dd.Var(2.0), dd.Var(5.0)
        y = baydin(x1, x2)
    assert replay(tape, y, 3.0, 4.0) == pytest.approx(math.log(3) + 12 - math.sin(4), abs=1e-14)
    d = replay(tape, y, dd.Dual(3.0, 1.0), dd.Dual(4.0, 0.0))
    assert d.tangent == pytest.approx(1 / 3 + 4, abs=1e-15)


def test_replay_keeps_the_recorded_branch() -> None:
    with dd.Tape() as tape:
        x = dd.Var(1.0)
        y = branchy(x)
    assert replay(tape, y, -2.0) == 4.0  # the x > 0 branch was recorded: (-2)**2
    assert branchy(-2.0) == 2.0  # re-running the program takes the other branch


def test_replay_errors() -> None:
    with dd.Tape() as tape:
        x = dd.Var(np.ones(3))
        y = dd.sum(x)
    with pytest.raises(ValueError, match="1 input"):
        replay(tape, y, np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        replay(tape, y, np.ones(4))
    with pytest.raises(ValueError, match="not recorded"):
        replay(tape, dd.Var(1.0), np.ones(3))


# --- the registry's rules as formulas ---------------------------------------------------


def test_describe_elementwise_partials() -> None:
    from dualdiff.teach.rules import describe

    assert describe("sin").formulas == [("∂/∂x", "cos(x)")]
    assert describe("multiply").formulas == [("∂/∂x", "y"), ("∂/∂y", "x")]
    assert describe("log").formulas == [("∂/∂x", "1/x")]
    assert describe("relu").formulas == [("∂/∂x", "[x > 0]")]  # piecewise: symbolic
    assert describe("sign").formulas == [("∂/∂x", "not differentiated")]


def test_describe_structural_rules() -> None:
    from dualdiff.teach.rules import describe

    mm = dict(describe("matmul").formulas)
    assert mm["jvp[x]"] == "t @ y" and mm["jvp[y]"] == "x @ t"
    assert mm["vjp[x]"] == "g @ transpose(y, axes=(1, 0))"
    cat = dict(describe("concatenate").formulas)
    assert cat["jvp"] == "concatenate(t_x, t_y, axis=-2)"  # the joint rule of a variadic op
    assert cat["vjp[y]"] == "g[..., 2:3, :]"


def test_every_op_has_a_catalog_example_and_formulas() -> None:
    from dualdiff.teach.catalog import EXAMPLES
    from dualdiff.teach.rules import describe

    builtin = {name for name, rule in dd.REGISTRY.items() if rule.kind != "custom"}
    assert builtin <= set(EXAMPLES), sorted(builtin - set(EXAMPLES))
    for name in builtin:
        assert describe(name).formulas, name
