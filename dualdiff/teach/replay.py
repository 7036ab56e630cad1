"""Replaying a tape: run its recorded ops again on new inputs (the report's static graph).

A tape is a program: its entries, in order, say which op reads which values.
Replaying evaluates that program on other inputs without calling ``f`` again,
so Python control flow is *not* re-run: the branches taken while recording
are baked in. Feeding ``Dual``s computes tangents along the recorded graph
(that is how :func:`dualdiff.evaluation_trace` gets its forward tangent trace).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util import shape_of
from ..core import bind
from ..reverse import Tape, Var

__all__ = ["replay", "replay_nodes"]


def replay_nodes(tape: Tape, leaves: Mapping[int, Any]) -> dict[int, Any]:
    """Every node's value when the tape's ops run again with ``leaves`` (node -> value).

    Values may be numbers, arrays or tracers (Duals give forward tangents,
    Vars inside a tape are recorded again). One loop, no recursion.
    """
    values = dict(leaves)
    for rule, node, vals, inputs, params, _ in tape.entries:
        args = list(vals)
        for pos, inode in inputs:
            args[pos] = values[inode]
        values[node] = bind(rule, args, params)
    return values


def replay(tape: Tape, output: Var, *inputs: Any) -> Any:
    """``output`` recomputed from new ``inputs`` (one per tape leaf, in recording order).

    The recorded graph is reused as it is: an ``if`` that went one way while
    recording goes the same way now. Shapes must match the recorded ones.
    """
    if len(inputs) != len(tape.leaves):
        raise ValueError(
            f"replay: the tape has {len(tape.leaves)} input(s) (leaves), got {len(inputs)}; "
            "pass one new value per leaf, in the order the tape first saw them"
        )
    node = tape.node_of(output)
    if node is None:
        raise ValueError("replay: output was not recorded by this tape")
    leaves = {}
    for k, ((leaf, _, recorded), x) in enumerate(zip(tape.leaves, inputs, strict=True)):
        if shape_of(x) != shape_of(recorded):
            raise ValueError(
                f"replay: input {k} has shape {shape_of(x)} but the tape recorded shape "
                f"{shape_of(recorded)}; a recorded graph is fixed to its shapes, record a new tape"
            )
        leaves[leaf] = x
    return replay_nodes(tape, leaves)[node]
