"""What is measured: a :class:`Case` per (workload, problem, library, variant).

A case's ``make()`` builds the problem, runs the code once, checks the result
against the reference and returns ``(fn, error)``; the harness then times
``fn()``. Libraries are imported inside ``make``, so a process that measures
one library group has only that library on its heap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import problems as P

Make = Callable[[], tuple[Callable[[], Any], float]]


class Skip(Exception):
    """A library that is not installed, or cannot express the workload."""


@dataclass
class Case:
    workload: str
    problem: str
    group: str  # one process per (workload, group): "hand-written", "dualdiff", "torch" ...
    variant: str
    make: Make
    units: int = 1
    unit: str = "call"
    limit: bool = False
    tol: float = 1e-10
    # W6: fn() returns (forward seconds, backward seconds) of one run, timed inside
    chain: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one run (``FULL``, ``QUICK``, or tiny ones in the tests)."""

    w1_layers: tuple[int, ...] = (2, 16, 16, 1)
    w1: tuple[tuple[int, str], ...] = ((32, "tanh"), (32, "relu"))
    w3: tuple[tuple[tuple[int, ...], int, str], ...] = (
        ((1, 10, 1), 100, "mse"),
        ((784, 256, 10), 128, "ce"),
        ((784, 1024, 1024, 10), 256, "ce"),
    )
    w3_dtypes: tuple[str, ...] = ("float64", "float32")
    w4: tuple[int, ...] = (10, 100, 1000)
    w5: int = 1000
    w6: tuple[int, ...] = (100_000, 1_000_000)
    w6_peer_max: int = 100_000  # the peers run only the shorter chains (they take minutes)


FULL = Sizes()
QUICK = Sizes(
    w1=((32, "tanh"),),
    w3=(((1, 10, 1), 100, "mse"), ((784, 256, 10), 128, "ce")),
    w3_dtypes=("float64",),
    w4=(10, 100),
    w6=(100_000,),
)

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")


def w3_label(layers: tuple[int, ...], dtype: str) -> str:
    return "-".join(map(str, layers)) + f" {dtype}"


def hand_written(workload: str, sizes: Sizes) -> list[Case]:
    """The limits: pure Python for W1, W2, W6; NumPy for W3, W4, W5."""
    return list(_LIMITS[workload](sizes))


def _w1_limit(sizes: Sizes) -> Any:
    nodes = {batch: P.w1_nodes(sizes.w1_layers, batch) for batch, _ in sizes.w1}
    for batch, act in sizes.w1:

        def make(batch: int = batch, act: str = act) -> Any:
            params, xs, ys = P.w1_problem(sizes.w1_layers, batch)
            return (lambda: P.w1_limit(params, xs, ys, act)), 0.0

        yield Case(
            "W1",
            f"{act}, batch {batch}",
            "hand-written",
            "pure Python",
            make,
            units=nodes[batch],
            unit="node",
            limit=True,
        )


def _w2_limit(sizes: Sizes) -> Any:
    def make() -> Any:
        return (lambda: P.w2_limit(*P.W2_POINT)), P.rel_err(P.w2_limit(*P.W2_POINT), P.W2_GRAD)

    yield Case("W2", "grad at (2, 5)", "hand-written", "pure Python", make, limit=True)


def _w3_limit(sizes: Sizes) -> Any:
    for layers, batch, loss in sizes.w3:
        for dtype in sizes.w3_dtypes:

            def make(
                layers: Any = layers, batch: int = batch, loss: str = loss, dtype: str = dtype
            ) -> Any:
                prob = P.w3_problem(layers, batch, loss, dtype)
                ref = P.w3_reference_update(prob)
                params = prob["params"]
                before = [p.copy() for p in params]
                step = P.w3_limit_factory(params, prob["x"], prob["y"], loss)
                step()
                return step, P.w3_update_error(before, params, ref)

            yield Case(
                "W3",
                w3_label(layers, dtype),
                "hand-written",
                "NumPy, preallocated",
                make,
                unit="step",
                limit=True,
                tol=w3_tol(dtype),
            )


def w3_make(spec: Any, builder: Any, dtype: str | None = None) -> Any:
    """Build a W3 step with ``builder(problem) -> (step, params)``, run it once and
    return ``(step, err)``: the error of that SGD update against the reference.
    With ``dtype``, the parameters must also come back in that NumPy dtype."""
    layers, batch, kind, spec_dtype = spec
    prob = P.w3_problem(layers, batch, kind, spec_dtype)
    ref = P.w3_reference_update(prob)
    before = [p.copy() for p in prob["params"]]
    step, params = builder(prob)
    step()
    if dtype is not None:
        dtypes = {str(np.asarray(p).dtype) for p in params()}
        if dtypes != {dtype}:
            raise AssertionError(f"{dtype} parameters came back as {dtypes}")
    return step, P.w3_update_error(before, params(), ref)


def w3_tol(dtype: str) -> float:
    return 1e-9 if dtype == "float64" else 2e-3


def _w4_limit(sizes: Sizes) -> Any:
    for n in sizes.w4:

        def make(n: int = n) -> Any:
            a, x = P.w4_problem(n)
            return (lambda: P.w4_limit(a, x)), 0.0

        yield Case("W4", f"n={n}", "hand-written", "NumPy, analytic", make, limit=True)


def _w5_limit(sizes: Sizes) -> Any:
    def make() -> Any:
        a, x, v = P.w5_problem(sizes.w5)
        return (lambda: P.w5_limit(a, x, v)), 0.0

    yield Case("W5", f"n={sizes.w5}", "hand-written", "NumPy, analytic", make, limit=True)


def _w6_limit(sizes: Sizes) -> Any:
    for steps in sizes.w6:

        def make(steps: int = steps) -> Any:
            def run() -> tuple[float, float]:
                from time import perf_counter

                t0 = perf_counter()
                x = 1.0
                for _ in range(steps):
                    x = x * P.W6_C + 0.0
                t1 = perf_counter()
                g = 1.0
                for _ in range(steps):
                    g *= P.W6_C
                return t1 - t0, perf_counter() - t1

            return run, P.rel_err(P.w6_limit(steps)[1], P.W6_C**steps)

        yield Case(
            "W6",
            f"{steps:,} steps",
            "hand-written",
            "pure Python",
            make,
            units=2 * steps,
            unit="op",
            limit=True,
            chain=True,
        )


_LIMITS = {
    "W1": _w1_limit,
    "W2": _w2_limit,
    "W3": _w3_limit,
    "W4": _w4_limit,
    "W5": _w5_limit,
    "W6": _w6_limit,
}


def all_cases(workload: str, sizes: Sizes, groups: tuple[str, ...] | None = None) -> list[Case]:
    """Every case of ``workload``: the limit, dualdiff, then the peers."""
    from . import dd_cases, peer_cases

    cases = hand_written(workload, sizes) + dd_cases.cases(workload, sizes)
    cases += peer_cases.cases(workload, sizes)
    return [c for c in cases if groups is None or c.group in groups]
