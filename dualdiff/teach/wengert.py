"""The Wengert list of a tape: one line ``v_i = op(v_j, ...)`` per recorded value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._util import primal_of

if TYPE_CHECKING:
    from ..reverse import Tape


def format_value(x: Any, max_size: int = 6) -> str:
    """A short text for a value: the number for scalars, the array when small, else its shape."""
    x = primal_of(x)
    if isinstance(x, (float, int, np.floating, np.integer)):
        return f"{float(x):.6g}"
    arr = np.asarray(x)
    if arr.ndim == 0 and arr.dtype.kind == "c":
        c = complex(arr)
        return f"{c.imag:.6g}j" if c.real == 0 else f"({c.real:.6g}{c.imag:+.6g}j)"
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    if arr.size <= max_size:
        return np.array2string(arr, precision=4, separator=", ").replace("\n", "")
    return f"<{arr.dtype} array {arr.shape}>"


def node_names(tape: Tape) -> dict[int, str]:
    """``v1, v2, ...`` for every node of the tape, in recording order."""
    nodes = sorted([n for n, _, _ in tape.leaves] + [e[1] for e in tape.entries])
    return {n: f"v{i + 1}" for i, n in enumerate(nodes)}


def wengert_rows(tape: Tape) -> list[tuple[int, str, str]]:
    """``(node, "v3 = log(v1)", value text)`` for every node, in recording order."""
    names = node_names(tape)
    rows: list[tuple[int, str, str]] = []
    for k, (node, var, value) in enumerate(tape.leaves):
        label = var.name or f"x{k + 1}"
        rows.append((node, f"{names[node]} = {label}", format_value(value)))
    for rule, node, vals, inputs, params, ans in tape.entries:
        by_pos = dict(inputs)
        args = [names[by_pos[i]] if i in by_pos else format_value(v) for i, v in enumerate(vals)]
        extra = [f"{k}={v!r}" for k, v in params.items() if k != "index"]
        rows.append(
            (node, f"{names[node]} = {rule.name}({', '.join(args + extra)})", format_value(ans))
        )
    rows.sort()
    return rows


def wengert_list(tape: Tape) -> str:
    """The tape as a Wengert list: inputs first (``v1 = x1``), then one line per op."""
    rows = wengert_rows(tape)
    width = max((len(r[1]) for r in rows), default=0)
    return "\n".join(f"{text:<{width}}  = {value}" for _, text, value in rows)
