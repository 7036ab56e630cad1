"""Tools that show each step of differentiation: traces, graphs, cost, plots, replay.

``dd.evaluation_trace(f, *args)`` is the evaluation trace (Baydin et al.'s
forward and reverse tables); ``to_dot`` / ``to_mermaid`` / ``render`` draw a
trace or a tape; ``cost`` and ``crossover`` measure what each mode costs;
``plots`` saves the pictures (matplotlib, optional); ``replay`` reruns a
recorded tape. Importing this package gives ``Tape`` its views (``print(tape)``,
``tape.to_dot()``, ``tape.to_mermaid()``).
"""

from ..reverse import TAPE_VIEWS
from . import plots
from .cost import Cost, Crossover, cost, crossover
from .graph import GraphvizNotFoundError, render, to_dot, to_mermaid
from .replay import replay
from .trace import AdjointStep, Step, Trace, evaluation_trace
from .wengert import wengert_list

TAPE_VIEWS.update(str=wengert_list, to_dot=to_dot, to_mermaid=to_mermaid)

__all__ = [
    "AdjointStep",
    "Cost",
    "Crossover",
    "GraphvizNotFoundError",
    "Step",
    "Trace",
    "cost",
    "crossover",
    "evaluation_trace",
    "plots",
    "render",
    "replay",
    "to_dot",
    "to_mermaid",
]
