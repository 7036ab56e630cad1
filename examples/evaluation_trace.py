"""The evaluation trace of the report's function: Baydin et al.'s tables and the graph.

Prints the forward primal and tangent traces (seed x1), the reverse adjoint
trace, the same tables as Markdown, and the computational graph as Graphviz
DOT; with a folder argument it also writes the graph (SVG when Graphviz is
installed, DOT otherwise) and the LaTeX tables there.

Run: python examples/evaluation_trace.py [folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

import dualdiff as dd


def f(x1, x2):
    v1 = dd.log(x1)  # the steps of Baydin et al. 2018, Tables 2 and 3
    v2 = x1 * x2
    v3 = dd.sin(x2)
    v4 = v1 + v2
    return v4 - v3


def main(out: Path | None) -> None:
    tr = dd.evaluation_trace(f, 2.0, 5.0)
    print(tr)
    print("\nAs Markdown:\n")
    print(tr.to_markdown())
    print("The graph (Graphviz DOT):\n")
    print(tr.to_dot())
    assert tr.tangent == 5.5 and tr.gradient[0] == 5.5
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "trace.tex").write_text(tr.to_latex())
        try:
            path = tr.render(out / "evaluation_trace.svg")
        except dd.teach.GraphvizNotFoundError as err:
            print(err)
            path = tr.render(out / "evaluation_trace.dot")
        print(f"written: {path}, {out / 'trace.tex'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
