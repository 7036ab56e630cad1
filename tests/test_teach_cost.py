"""Cost instrumentation: exact counters on small functions, and both Jacobian strategies.

Timings are only checked to be measured (positive); speed is never asserted.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.teach import cost, crossover
from dualdiff.teach.cost import best_time, forward_jacobian, layer, reverse_jacobian


def report(x1, x2):
    return dd.log(x1) + x1 * x2 - dd.sin(x2)


def test_counters_on_the_report_function() -> None:
    c = cost(report, 2.0, 5.0)
    assert (c.n, c.m, c.k) == (2, 1, 1)
    assert c.ops == 5
    assert c.op_counts == {"log": 1, "multiply": 1, "add": 1, "sin": 1, "subtract": 1}
    assert c.edges == 1 + 2 + 2 + 1 + 2  # inputs read by log, *, +, sin, -
    assert c.tape_leaves == 2
    # each buffer once: the two inputs and five outputs, 8 bytes each (Python floats)
    assert c.tape_bytes == 7 * 8
    assert (c.forward_passes, c.reverse_sweeps) == (2, 1)
    for t in (c.time_f, c.time_forward, c.time_record, c.time_sweep):
        assert t > 0
    assert c.time_reverse == c.time_record + c.time_sweep
    text = str(c)
    assert "ops (tape entries)" in text and "56" in text and "2 fwd passes" in text


def test_counters_on_an_array_function() -> None:
    x = np.arange(10.0)
    c = cost(lambda x: dd.sum(x * x), x, k=4)
    assert (c.n, c.m, c.k) == (10, 1, 4)
    assert c.op_counts == {"multiply": 1, "sum": 1}
    assert c.edges == 3
    assert c.tape_bytes == 10 * 8 + 10 * 8 + 8  # x, x*x, the sum
    assert c.forward_passes == 3  # ceil(10 / 4)


def test_vector_output_counts_m() -> None:
    c = cost(lambda x: dd.tanh(x) * 2.0, np.ones(3))
    assert (c.n, c.m, c.ops, c.reverse_sweeps) == (3, 3, 2, 3)


def test_cost_errors() -> None:
    with pytest.raises(ValueError, match="k=3"):
        cost(report, 2.0, 5.0, k=3)
    with pytest.raises(ValueError, match="one value computed from its inputs"):
        cost(lambda x: 1.0, 2.0)


def test_both_jacobian_strategies_match_the_analytic_one() -> None:
    f, x = layer(5, 3)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 5)) / np.sqrt(5)
    t = np.tanh(a @ x)
    exact = (2 * (1 - t**2))[:, None] * a  # d(2 tanh(Ax) + 1)/dx
    np.testing.assert_allclose(forward_jacobian(f, x), exact, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(reverse_jacobian(f, x), exact, rtol=1e-13, atol=1e-15)


def test_crossover_grid() -> None:
    result = crossover([1, 3], [1, 2], repeat=1)
    assert set(result.forward) == set(result.reverse) == {(1, 1), (1, 2), (3, 1), (3, 2)}
    assert all(t > 0 for t in result.forward.values())
    assert result.winner(3, 1) in ("forward", "reverse")
    assert len(str(result).splitlines()) == 2 + 4


def test_best_time_measures_per_call_seconds() -> None:
    # sleep(s) lasts at least s, so the per-call time cannot be below it
    assert 2e-3 <= best_time(lambda: time.sleep(2e-3), repeat=2, min_time=1e-3) < 1.0
