"""Computational graphs as Graphviz DOT and Mermaid text, and rendering with ``dot``.

A node shows ``v_i = op(...)``, its value and its gradient (adjoint); edges run
from each input to the op that reads it, in data order. The text is built by
one loop over the record, so a tape of any length exports (no recursion).
Rendering to SVG/PNG/PDF needs Graphviz's ``dot`` program; the text does not.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._util import shape_of
from ..reverse import Tape, backprop, ones_like
from .wengert import format_value, wengert_rows

if TYPE_CHECKING:
    from .trace import Trace

__all__ = ["Graph", "GraphvizNotFoundError", "graph_of", "render", "to_dot", "to_mermaid"]


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed, so a graph cannot be drawn."""


@dataclass(slots=True)
class Graph:
    """Nodes ``(label, value, grad or None, is_input)`` and edges ``(from, to)`` by position."""

    nodes: list[tuple[str, str, str | None, bool]]
    edges: list[tuple[int, int]]


def graph_of(source: Trace | Tape | Graph, target: Any = None) -> Graph:
    """The graph of a trace (with its adjoints) or a tape.

    For a tape, gradients are those of ``target`` (a Var of the tape; by
    default the last value recorded, when it is a scalar); none otherwise.
    """
    if isinstance(source, Graph):
        return source
    if isinstance(source, Tape):
        return _tape_graph(source, target)
    return _trace_graph(source)


def _trace_graph(tr: Trace) -> Graph:
    rows = tr.forward_rows()[:-1]
    first = tr.steps[0].index
    nodes: list[tuple[str, str, str | None, bool]] = [
        (row[0], row[1], format_value(s.adjoint), s.rule is None)
        for row, s in zip(rows, tr.steps, strict=True)
    ]
    edges = [(j - first, s.index - first) for s in tr.steps for _, j in s.inputs]
    return Graph(nodes, edges)


def _tape_graph(tape: Tape, target: Any) -> Graph:
    rows = wengert_rows(tape)
    position = {node: k for k, (node, _, _) in enumerate(rows)}
    grads = _gradients(tape, target)
    leaves = {node for node, _, _ in tape.leaves}
    nodes = []
    for node, text, value in rows:
        g = grads.get(node)
        nodes.append((text, value, None if g is None else format_value(g), node in leaves))
    edges = [(position[i], position[e[1]]) for e in tape.entries for _, i in e[3]]
    return Graph(nodes, edges)


def _gradients(tape: Tape, target: Any) -> dict[int, Any]:
    """d target / d node for every node the reverse sweep reaches ({} without a target)."""
    if target is None:
        if not tape.entries or shape_of(tape.entries[-1][5]) != ():
            return {}
        node, value = tape.entries[-1][1], tape.entries[-1][5]
    else:
        found, value = tape.node_of(target), getattr(target, "value", None)
        if found is None:
            raise ValueError("graph: target was not recorded by this tape")
        node = found
        if shape_of(value) != ():
            raise ValueError(
                f"graph: target has shape {shape_of(value)}; gradients need a scalar target"
            )
    keep = {e[1] for e in tape.entries} | {leaf[0] for leaf in tape.leaves}
    return backprop(tape.entries, {node: ones_like(value)}, keep, False)


# --- text formats --------------------------------------------------------------------


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(source: Trace | Tape | Graph, target: Any = None) -> str:
    """Graphviz DOT text: one box per value (op, value, gradient), inputs shaded."""
    g = graph_of(source, target)
    lines = [
        "digraph dualdiff {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
    ]
    for k, (label, value, grad, is_input) in enumerate(g.nodes):
        parts = [label, f"value {value}"] + ([] if grad is None else [f"grad {grad}"])
        text = "\\n".join(_dot_escape(p) for p in parts)
        fill = ", fillcolor=lightblue" if is_input else ""
        lines.append(f'  n{k} [label="{text}"{fill}];')
    lines += [f"  n{a} -> n{b};" for a, b in g.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(source: Trace | Tape | Graph, target: Any = None) -> str:
    """A Mermaid flowchart (renders in GitHub and mkdocs-material Markdown)."""
    g = graph_of(source, target)
    lines = ["flowchart LR"]
    for k, (label, value, grad, _) in enumerate(g.nodes):
        parts = [label, f"value {value}"] + ([] if grad is None else [f"grad {grad}"])
        lines.append(f'  n{k}["{"<br/>".join(_mermaid_escape(p) for p in parts)}"]')
    lines += [f"  n{a} --> n{b}" for a, b in g.edges]
    return "\n".join(lines) + "\n"


# --- rendering -----------------------------------------------------------------------

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def render(source: Trace | Tape | Graph, path: str | Path, target: Any = None) -> Path:
    """Draw the graph into ``path`` (.svg, .png or .pdf; .dot writes the DOT text).

    Raises :class:`GraphvizNotFoundError` when Graphviz is not installed; the
    DOT text (``to_dot``) is available either way.
    """
    path = Path(path)
    text = to_dot(source, target)
    if path.suffix == ".dot":
        path.write_text(text)
        return path
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"render: cannot tell the format from {path.name!r}; use a .svg, .png, .pdf or "
            ".dot file name"
        )
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "render needs Graphviz's `dot` program, which is not installed: "
            "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) or "
            "conda install graphviz. The graph's text is available without it: to_dot()."
        )
    done = subprocess.run(
        [exe, f"-T{fmt}", "-o", str(path)], input=text.encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot failed ({done.returncode}): {done.stderr.decode().strip()}")
    return path
