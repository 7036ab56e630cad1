"""Size: million-op chains in both modes, and printing a 100,000-node tape.

The chain ``y = sin(sin(... sin(x)))`` has the closed-form derivative
``prod_i cos(y_i)`` over the intermediate values, computed here by a plain
Python loop with ``math`` (the chain rule by hand, independent of the library).
A recursive backward pass or printer would fail at these sizes long before
the end (Python's recursion limit is about 1000 frames), so passing them shows
the loops are loops. Timings for 1e4, 1e5 and 1e6 ops are in
``benchmarks/size.py``: tests do not assert speed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import dualdiff as dd

MILLION = 1_000_000


def sin_chain_by_hand(x: float, n: int) -> tuple[float, float]:
    """``(sin^n(x), d sin^n(x) / dx)`` by the chain rule, in a plain loop."""
    y, d = x, 1.0
    for _ in range(n):
        d *= math.cos(y)
        y = math.sin(y)
    return y, d


@pytest.fixture(scope="module")
def expected_million() -> tuple[float, float]:
    return sin_chain_by_hand(0.5, MILLION)


def test_reverse_mode_chain_of_a_million_ops(expected_million: tuple[float, float]) -> None:
    with dd.Tape() as tape:
        x = dd.Var(0.5)
        y = x
        for _ in range(MILLION):
            y = dd.sin(y)
    assert len(tape) == MILLION
    value, slope = expected_million
    assert y.value == value  # same math.sin calls in the same order
    # The tape multiplies the cosines in the reverse order: a million roundings
    # of relative size 2**-53 each bound the difference by about 1e6 * 1.1e-16.
    assert tape.gradient(y, x) == pytest.approx(slope, rel=1e-9)
    y.backward()
    assert x.grad == pytest.approx(slope, rel=1e-9)


def test_forward_mode_chain_of_a_million_ops(expected_million: tuple[float, float]) -> None:
    y = dd.Dual(0.5, 1.0)
    for _ in range(MILLION):
        y = dd.sin(y)
    value, slope = expected_million
    assert y.primal == value
    assert y.tangent == pytest.approx(slope, rel=1e-9)


def test_grad_of_a_long_array_chain() -> None:
    """dd.grad (which frees the tape as it sweeps) on 100,000 array ops."""
    n = 100_000
    x = np.array([0.3, -0.7, 1.1])

    def f(x: np.ndarray) -> object:
        for _ in range(n):
            x = dd.sin(x)
        return dd.sum(x)

    by_hand = [sin_chain_by_hand(float(v), n)[1] for v in x]
    np.testing.assert_allclose(dd.grad(f)(x), by_hand, rtol=1e-10)


def test_wengert_list_of_a_100k_node_tape() -> None:
    n = 100_000
    with dd.Tape() as tape:
        x = dd.Var(0.5, name="x")
        y = x * 1.0
        for _ in range(n - 1):
            y = dd.sin(y)
    lines = str(tape).splitlines()
    assert len(lines) == n + 1  # the input, then one line per op
    assert lines[0].split() == ["v1", "=", "x", "=", "0.5"]
    assert lines[1].split()[:3] == ["v2", "=", "multiply(v1,"]
    last = lines[-1].split()
    assert last[:3] == [f"v{n + 1}", "=", f"sin(v{n})"]
    assert float(last[-1]) == pytest.approx(sin_chain_by_hand(0.5, n - 1)[0], rel=1e-5)


def chain(n: int) -> object:
    """f(x) = sin^(n-1)(x) * 1.0: n ops in a line."""

    def f(x: object) -> object:
        y = x
        for _ in range(n - 1):
            y = dd.sin(y)
        return y * 1.0

    return f


def test_trace_of_100k_ops() -> None:
    n = 100_000
    value, slope = sin_chain_by_hand(0.5, n - 1)
    tr = dd.evaluation_trace(chain(n), 0.5)
    assert len(tr.steps) == n + 1  # the input and n ops
    assert tr.value == value
    assert tr.tangent == pytest.approx(slope, rel=1e-10)  # forward sweep
    assert tr.gradient[0] == pytest.approx(slope, rel=1e-10)  # reverse sweep
    assert len(tr.adjoint_steps) == n  # one adjoint update per edge


def test_graph_export_of_a_100k_node_tape() -> None:
    n = 100_000
    with dd.Tape() as tape:
        x = dd.Var(0.5)
        y = chain(n)(x)
    dot = tape.to_dot(y).splitlines()
    boxes = [line for line in dot if line.lstrip().startswith("n") and "[label=" in line]
    edges = [line for line in dot if "->" in line]
    assert (len(boxes), len(edges)) == (n + 1, n)
    # the input's box carries d y / d x, from the reverse sweep the export runs
    grad_text = boxes[0].split("grad ")[1].split('"')[0]
    assert float(grad_text) == pytest.approx(sin_chain_by_hand(0.5, n - 1)[1], rel=1e-5)
    mermaid = tape.to_mermaid(y).splitlines()
    assert sum("-->" in line for line in mermaid) == n
