"""Tools that show each step of differentiation: traces, graphs, cost, plots, replay.

``dd.trace(f, *args)`` is the evaluation trace (Baydin et al.'s forward and
reverse tables); ``to_dot`` / ``to_mermaid`` / ``render`` draw a trace or a
tape; ``cost`` and ``crossover`` measure what each mode costs; ``plots`` saves
the pictures (matplotlib, optional); ``replay`` reruns a recorded tape.
"""

from . import plots
from .cost import Cost, Crossover, cost, crossover
from .graph import GraphvizNotFoundError, render, to_dot, to_mermaid
from .replay import replay
from .trace import AdjointStep, Step, Trace, trace

__all__ = [
    "AdjointStep",
    "Cost",
    "Crossover",
    "GraphvizNotFoundError",
    "Step",
    "Trace",
    "cost",
    "crossover",
    "plots",
    "render",
    "replay",
    "to_dot",
    "to_mermaid",
    "trace",
]
