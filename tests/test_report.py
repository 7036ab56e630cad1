"""The report's worked examples, with values computed by hand from the report."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dualdiff as dd

F_VALUE = math.log(2.0) + 10.0 - math.sin(5.0)


def f(x1, x2):
    return dd.log(x1) + x1 * x2 - dd.sin(x2)


def test_forward_mode_on_report_function() -> None:
    y = f(dd.Dual(2.0, 1.0), 5.0)
    assert y.primal == pytest.approx(F_VALUE, abs=1e-15)
    assert y.primal == pytest.approx(11.652071455223084, abs=1e-14)
    assert y.tangent == pytest.approx(1 / 2.0 + 5.0, abs=1e-15)
    y2 = f(2.0, dd.Dual(5.0, 1.0))
    assert y2.tangent == pytest.approx(2.0 - math.cos(5.0), abs=1e-15)


def test_contract_snippet_dual() -> None:
    x = dd.Dual(2.0, 1.0)
    y = dd.log(x) + x * 5.0 - dd.sin(5.0)
    assert (y.primal, y.tangent) == pytest.approx((F_VALUE, 5.5))


def test_reverse_mode_on_report_function() -> None:
    with dd.Tape() as tape:
        x1, x2 = dd.Var(2.0), dd.Var(5.0)
        w = f(x1, x2)
    g1, g2 = tape.gradient(w, [x1, x2])
    assert g1 == pytest.approx(5.5, abs=1e-15)
    assert g2 == pytest.approx(2.0 - math.cos(5.0), abs=1e-15)
    assert x1.grad is None  # tape.gradient does not touch .grad
    w.backward()
    assert x1.grad == pytest.approx(5.5)
    w.backward()
    assert x1.grad == pytest.approx(11.0)  # a second backward adds


def test_wengert_list_lines() -> None:
    with dd.Tape() as tape:
        x1, x2 = dd.Var(2.0), dd.Var(5.0)
        f(x1, x2)
    lines = str(tape).splitlines()
    assert lines[0].startswith("v1 = x1")
    assert lines[2].startswith("v3 = log(v1)")
    assert "multiply(v1, v2)" in lines[3]
    assert lines[-1].startswith("v7 = subtract(v5, v6)")
    assert lines[-1].endswith("11.6521")


def test_value_ops_of_the_report() -> None:
    """The report's micrograd-style Value: +, *, **, relu, -, / with backward."""
    with dd.Tape():
        a, b = dd.Var(-4.0), dd.Var(2.0)
        c = a + b
        d = a * b + b**3
        e = c - d
        g = dd.relu(e) / (b * 2.0) + dd.relu(-e) / 2.0
    g.backward()
    # g = relu(e)/(2b) + relu(-e)/2 with e = a + b - a b - b^3 = -4 + 2 + 8 - 8 = -2 < 0,
    # so g = -e/2 = (-(a + b) + a*b + b^3)/2 and dg/da = (b - 1)/2, dg/db = (-1 + a + 3b^2)/2.
    assert g.value == pytest.approx(1.0)
    assert a.grad == pytest.approx((2.0 - 1.0) / 2)
    assert b.grad == pytest.approx((-1.0 - 4.0 + 12.0) / 2)


def test_gradient_descent_on_x2_plus_y2() -> None:
    """lr 0.3, 10 steps from (1, 1): each step multiplies by 1 - 2 * 0.3 = 0.4."""
    x, y = dd.Var(1.0), dd.Var(1.0)
    for _ in range(10):
        with dd.Tape():
            out = x * x + y * y
        out.backward()
        x.data = x.data - 0.3 * x.grad
        y.data = y.data - 0.3 * y.grad
        x.grad = y.grad = None
    assert x.value == pytest.approx(0.4**10, rel=1e-12)
    assert y.value == pytest.approx(0.4**10, rel=1e-12)


def test_million_op_chain_backpropagates() -> None:
    with dd.Tape():
        x = dd.Var(1.0)
        y = x
        for _ in range(1_000_000):
            y = y * 1.0000001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-9)


def test_numpy_functions_on_tracers() -> None:
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    with dd.Tape() as tape:
        x = dd.Var(np.array([0.5, -0.25]))
        y = np.sum(np.sin(A @ x) * np.exp(x))
    (g,) = tape.gradient(y, [x])
    u = A @ x.value
    expected = A.T @ (np.cos(u) * np.exp(x.value)) + np.sin(u) * np.exp(x.value)
    np.testing.assert_allclose(g, expected, rtol=1e-13)
