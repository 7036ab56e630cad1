"""What a derivative costs: op counts, tape size, and timings of each mode.

Forward mode carries k tangent directions through one pass, so a full
Jacobian of f: R^n -> R^m takes n/k passes; reverse mode records f once and
sweeps back once per output, so it takes m sweeps. The *cheap gradient
principle* says one reverse sweep costs a small constant times f itself.
:func:`cost` measures these for one function; :func:`crossover` measures the
two Jacobian strategies over a grid of n and m to show where they cross.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from .._util import primal_of, shape_of
from ..forward import Dual
from ..reverse import Tape, Var, backprop
from .table import text_table

__all__ = [
    "Cost",
    "Crossover",
    "cost",
    "crossover",
    "forward_jacobian",
    "layer",
    "reverse_jacobian",
]


@dataclass(slots=True)
class Cost:
    """The cost of f and of its derivatives at one point (times in seconds)."""

    n: int
    m: int
    k: int
    ops: int
    op_counts: dict[str, int]
    edges: int
    tape_leaves: int
    tape_bytes: int
    time_f: float
    time_forward: float
    time_record: float
    time_sweep: float

    @property
    def time_reverse(self) -> float:
        """Recording plus one reverse sweep: the price of one gradient."""
        return self.time_record + self.time_sweep

    @property
    def forward_passes(self) -> int:
        """Forward passes (k directions each) for the full Jacobian."""
        return math.ceil(self.n / self.k)

    @property
    def reverse_sweeps(self) -> int:
        """Reverse sweeps (one output each) for the full Jacobian."""
        return self.m

    def __str__(self) -> str:
        tf = self.time_f
        rows = [
            ("inputs n / outputs m", f"{self.n} / {self.m}", ""),
            ("ops (tape entries)", str(self.ops), ", ".join(_counts(self.op_counts))),
            ("edges (VJP calls per sweep)", str(self.edges), ""),
            ("tape bytes", str(self.tape_bytes), f"{self.tape_leaves} leaves"),
            ("f alone", _us(tf), "1.0x"),
            (f"forward pass, k={self.k}", _us(self.time_forward), _ratio(self.time_forward, tf)),
            ("reverse: record", _us(self.time_record), _ratio(self.time_record, tf)),
            ("reverse: one sweep", _us(self.time_sweep), _ratio(self.time_sweep, tf)),
            ("reverse: gradient", _us(self.time_reverse), _ratio(self.time_reverse, tf)),
            (
                "full Jacobian",
                f"{self.forward_passes} fwd passes",
                f"or 1 record + {self.reverse_sweeps} sweeps",
            ),
        ]
        return text_table(("cost", "value", "vs f"), rows, right=(False, True, False))


def _counts(counts: dict[str, int]) -> list[str]:
    return [f"{name} {c}" for name, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def _ratio(t: float, base: float) -> str:
    return f"{t / base:.1f}x" if base > 0 else "-"


def best_time(fn: Callable[[], Any], repeat: int = 5, min_time: float = 2e-3) -> float:
    """Seconds per call: the best of ``repeat`` rounds, each long enough to time (>= min_time)."""
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time or number >= 1 << 20:
            break
        number *= 2
    best = elapsed / number
    for _ in range(repeat - 1):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def _directions(args: Sequence[Any], k: int) -> list[Any]:
    """Tangents for the first k basis directions of the flattened inputs: (k, *shape) each."""
    out, offset = [], 0
    for a in args:
        size = int(np.size(a))
        t = np.zeros((k, size))
        for d in range(k):
            if offset <= d < offset + size:
                t[d, d - offset] = 1.0
        out.append(t.reshape((k, *np.shape(a))))
        offset += size
    return out


def _unbatched(t: np.ndarray) -> Any:
    """One direction: a float for a scalar input (keeping Python's fast scalar path)."""
    return float(t) if t.ndim == 0 else t


def _record(f: Callable[..., Any], args: Sequence[Any]) -> tuple[Tape, Var, int]:
    """f recorded on a tape: the tape, the output and its node."""
    with Tape() as tape:
        out = f(*[Var(a) for a in args])
    node = tape.node_of(out)
    if node is None:
        raise ValueError(
            "cost: f must return one value computed from its inputs with dualdiff or NumPy ops"
        )
    return tape, out, node


def cost(f: Callable[..., Any], *args: Any, k: int = 1, repeat: int = 5) -> Cost:
    """Count and time f, a forward pass with ``k`` tangent directions, and a reverse pass.

    ``args`` are numbers or arrays (n = their total size); f returns one value
    (m = its size). The reverse sweep is seeded with the first output element.
    Times are the best of ``repeat`` rounds.
    """
    args = tuple(np.asarray(a, dtype=float) if not isinstance(a, float) else a for a in args)
    n = sum(int(np.size(a)) for a in args)
    if not 1 <= k <= max(n, 1):
        raise ValueError(f"cost: k={k} tangent directions, but f has n={n} inputs (1 <= k <= n)")
    tape, out, node = _record(f, args)
    value = primal_of(out.value)
    m = int(np.size(value))
    seed: Any = 1.0 if shape_of(value) == () else np.eye(1, m).reshape(shape_of(value))
    tangents = _directions(args, k) if k > 1 else [_unbatched(t[0]) for t in _directions(args, 1)]
    return Cost(
        n=n,
        m=m,
        k=k,
        ops=len(tape.entries),
        op_counts=dict(Counter(e[0].name for e in tape.entries)),
        edges=sum(len(e[3]) for e in tape.entries),
        tape_leaves=len(tape.leaves),
        tape_bytes=tape.nbytes,
        time_f=best_time(lambda: f(*args), repeat),
        time_forward=best_time(
            lambda: f(*[Dual(a, t) for a, t in zip(args, tangents, strict=True)]), repeat
        ),
        time_record=best_time(lambda: _record(f, args), repeat),
        time_sweep=best_time(lambda: backprop(tape.entries, {node: seed}, set(), False), repeat),
    )


# --- forward vs reverse over a grid of n and m ------------------------------------------


@dataclass(slots=True)
class Crossover:
    """Seconds for a full Jacobian of f: R^n -> R^m by each mode, over a grid of (n, m)."""

    ns: list[int]
    ms: list[int]
    forward: dict[tuple[int, int], float] = field(default_factory=dict)
    reverse: dict[tuple[int, int], float] = field(default_factory=dict)

    def winner(self, n: int, m: int) -> str:
        return "forward" if self.forward[n, m] < self.reverse[n, m] else "reverse"

    def __str__(self) -> str:
        rows = [
            (
                str(n),
                str(m),
                _us(self.forward[n, m]),
                _us(self.reverse[n, m]),
                self.winner(n, m),
            )
            for n in self.ns
            for m in self.ms
        ]
        head = ("n", "m", "forward: n passes", "reverse: 1 record + m sweeps", "cheaper")
        return text_table(head, rows, right=(True, True, True, True, False))


def layer(n: int, m: int, seed: int = 0) -> tuple[Callable[[Any], Any], np.ndarray]:
    """The test function f(x) = tanh(A @ x) * 2 + 1 (A fixed, m x n) and a point x in R^n."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, n)) / math.sqrt(n)
    return (lambda x: np.tanh(a @ x) * 2.0 + 1.0), rng.standard_normal(n)


def forward_jacobian(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """One forward pass per input direction (one tangent each): the textbook forward mode."""
    cols = [f(Dual(x, e)).tangent for e in np.eye(x.size)]
    return np.stack(cols, axis=-1)


def reverse_jacobian(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """Record once, then one reverse sweep per output element."""
    tape, out, node = _record(f, (x,))
    leaf = tape.leaves[0][0]
    rows = [backprop(tape.entries, {node: e}, set(), False)[leaf] for e in np.eye(out.value.size)]
    return np.stack(rows)


def crossover(ns: Sequence[int], ms: Sequence[int], *, repeat: int = 3) -> Crossover:
    """Time both Jacobian strategies for :func:`layer` at every (n, m) of the grid."""
    result = Crossover(list(ns), list(ms))
    for n in ns:
        for m in ms:
            f, x = layer(n, m)
            result.forward[n, m] = best_time(partial(forward_jacobian, f, x), repeat)
            result.reverse[n, m] = best_time(partial(reverse_jacobian, f, x), repeat)
    return result
