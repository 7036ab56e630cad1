"""Reverse mode: ``Tape`` and ``Var`` (recording, gradients, backward, nesting, isolation)."""

from __future__ import annotations

import asyncio
import math
import threading

import numpy as np
import pytest

import dualdiff as dd
from dualdiff._util import primal_of
from dualdiff.core import current_level
from dualdiff.reverse import active_tape

# --- recording and tape.gradient --------------------------------------------------------


def test_var_made_before_the_tape_is_watched() -> None:
    w = dd.Var(np.array([1.0, -2.0]))  # a model parameter, made outside any tape
    x = np.array([3.0, 0.5])
    with dd.Tape() as tape:
        y = dd.sum(dd.tanh(w * x))
    (g,) = tape.gradient(y, [w])
    np.testing.assert_allclose(g, x * (1 - np.tanh(w.value * x) ** 2), rtol=1e-15)
    y.backward()
    np.testing.assert_allclose(w.grad, g, rtol=0)


def test_gradient_keeps_the_structure_and_shapes_of_sources() -> None:
    with dd.Tape() as tape:
        a, b, c = dd.Var(2.0), dd.Var(np.ones((2, 3))), dd.Var(np.arange(3.0))
        y = a * dd.sum(b) + dd.sum(c**2)
    grads = tape.gradient(y, {"a": a, "pair": (b, [c])})
    assert set(grads) == {"a", "pair"}
    assert type(grads["a"]) is float and grads["a"] == 6.0
    gb, (gc,) = grads["pair"]
    np.testing.assert_array_equal(gb, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(gc, 2 * np.arange(3.0))
    assert type(tape.gradient(y, a)) is float  # a single source gives a single gradient


def test_gradient_of_an_unused_source_is_zeros_of_its_shape() -> None:
    with dd.Tape() as tape:
        x, unused = dd.Var(1.0), dd.Var(np.ones((2, 2)))
        y = x * 3.0
    gx, gu = tape.gradient(y, [x, unused])
    assert gx == 3.0
    np.testing.assert_array_equal(gu, np.zeros((2, 2)))


def test_gradient_with_output_gradient_is_a_vjp() -> None:
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    u = np.array([1.0, -1.0, 2.0])
    with dd.Tape() as tape:
        x = dd.Var(np.array([0.5, -0.5]))
        y = A @ x
    np.testing.assert_allclose(tape.gradient(y, [x], output_gradient=u)[0], u @ A, rtol=0)


def test_gradient_does_not_touch_grad_and_can_repeat() -> None:
    with dd.Tape() as tape:
        x = dd.Var(3.0)
        y = x * x
    assert tape.gradient(y, [x]) == tape.gradient(y, [x]) == [6.0]
    assert x.grad is None


def test_broadcast_input_gets_gradient_summed_to_its_shape() -> None:
    with dd.Tape() as tape:
        row, col = dd.Var(np.array([[1.0, 2.0, 3.0]])), dd.Var(np.array([[1.0], [2.0]]))
        y = dd.sum(row * col)
    g_row, g_col = tape.gradient(y, [row, col])
    np.testing.assert_array_equal(g_row, [[3.0, 3.0, 3.0]])
    np.testing.assert_array_equal(g_col, [[6.0], [6.0]])


# --- backward ---------------------------------------------------------------------------


def test_backward_accumulates_into_grad() -> None:
    with dd.Tape():
        x, y = dd.Var(2.0), dd.Var(-1.0)
        z = x * y + dd.sin(x)
    assert x.grad is None and y.grad is None
    z.backward()
    assert x.grad == pytest.approx(-1.0 + math.cos(2.0), rel=1e-15)
    assert y.grad == 2.0
    z.backward()  # a second call adds, as in micrograd and PyTorch
    assert x.grad == pytest.approx(2 * (-1.0 + math.cos(2.0)), rel=1e-15)
    assert y.grad == 4.0


def test_backward_of_a_non_scalar_takes_the_cotangent() -> None:
    with dd.Tape():
        x = dd.Var(np.array([1.0, 2.0, 3.0]))
        y = x**2
    y.backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])


def test_values_used_twice_get_both_contributions() -> None:
    with dd.Tape():
        x = dd.Var(3.0)
        y = x * x * x + x  # x feeds four ops
    y.backward()
    assert x.grad == 3 * 9.0 + 1.0


# --- nesting ----------------------------------------------------------------------------


def test_reverse_over_reverse_with_two_user_tapes() -> None:
    with dd.Tape() as outer:
        x = dd.Var(1.5)
        with dd.Tape() as inner:
            y = dd.exp(x) * x
        (dy,) = inner.gradient(y, [x])  # recorded by the outer tape
    (d2y,) = outer.gradient(dy, [x])
    assert dy.value == pytest.approx(math.exp(1.5) * 2.5, rel=1e-15)
    assert d2y == pytest.approx(math.exp(1.5) * 3.5, rel=1e-15)


def test_reverse_over_reverse_with_a_parameter_made_before_both_tapes() -> None:
    p = dd.Var(1.5)
    with dd.Tape() as outer:
        with dd.Tape() as inner:
            y = p**3
        (dy,) = inner.gradient(y, [p])
    assert dy.value == pytest.approx(3 * 1.5**2, rel=1e-15)
    assert outer.gradient(dy, [p]) == [pytest.approx(6 * 1.5, rel=1e-15)]


def test_three_nested_tapes_give_the_third_derivative() -> None:
    with dd.Tape() as t1:
        x = dd.Var(2.0)
        with dd.Tape() as t2:
            with dd.Tape() as t3:
                y = x**4
            (d1,) = t3.gradient(y, [x])
        (d2,) = t2.gradient(d1, [x])
    (d3,) = t1.gradient(d2, [x])
    assert (primal_of(d1), d2.value, d3) == (32.0, 48.0, 48.0)  # 4x^3, 12x^2, 24x


def test_nested_values_belong_to_ever_lower_tapes() -> None:
    """A Var's value is a Var of a lower tape (or a number), never one of its own tape."""
    with dd.Tape() as t1:
        x = dd.Var(2.0)
        with dd.Tape() as t2:
            with dd.Tape() as t3:
                y = x**4
            (d1,) = t3.gradient(y, [x])
    tapes = []
    while isinstance(d1, dd.Var):
        tapes.append(d1._tape)
        d1 = d1.value
    assert tapes == [t2, t1] and d1 == 32.0


def test_four_nested_tapes_give_the_fourth_derivative() -> None:
    with dd.Tape() as t0:
        x = dd.Var(1.5)
        with dd.Tape() as t1:
            with dd.Tape() as t2:
                with dd.Tape() as t3:
                    y = x**5 + dd.sin(x)
                (d1,) = t3.gradient(y, [x])  # each gradient is taken while the outer tapes record
            (d2,) = t2.gradient(d1, [x])
        (d3,) = t1.gradient(d2, [x])
    (d4,) = t0.gradient(d3, [x])
    assert d4 == pytest.approx(120 * 1.5 + math.sin(1.5), rel=1e-14)


def test_backward_through_a_nested_gradient() -> None:
    with dd.Tape():
        x = dd.Var(0.7)
        with dd.Tape() as inner:
            y = dd.sin(x) * x
        (dy,) = inner.gradient(y, [x])
    dy.backward()  # d/dx (cos x * x + sin x) = 2 cos x - x sin x
    assert x.grad == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7), rel=1e-15)


def test_user_tape_inside_grad_and_grad_inside_user_tape() -> None:
    def slope(x):
        with dd.Tape() as t:
            y = dd.sin(x) * x
        return t.gradient(y, x)

    assert dd.grad(slope)(0.7) == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7))
    with dd.Tape() as t:
        a = dd.Var(0.3)
        ga = dd.grad(lambda z: dd.exp(z * a))(1.0)  # a e^(a z) at z = 1
    assert t.gradient(ga, a) == pytest.approx(math.exp(0.3) * 1.3, rel=1e-15)


# --- outside a tape -----------------------------------------------------------------------


def test_ops_outside_a_tape_compute_without_history() -> None:
    x = dd.Var(2.0)
    y = x * 3.0 + 1.0
    assert isinstance(y, dd.Var) and y.value == 7.0
    with pytest.raises(dd.TapeError, match="no tape recorded"):
        y.backward()


def test_leaf_made_in_a_finished_tape_is_reusable() -> None:
    with dd.Tape():
        w = dd.Var(2.0)
        _ = w * w
    with dd.Tape() as tape:
        y = w * 5.0
    assert tape.gradient(y, w) == 5.0


def test_a_tape_records_once() -> None:
    tape = dd.Tape()
    with tape:
        dd.Var(1.0) * 2.0
    with pytest.raises(dd.TapeError, match="records once"), tape:
        pass


def test_data_cannot_change_while_recording() -> None:
    with dd.Tape():
        x = dd.Var(1.0)
        with pytest.raises(dd.TapeError, match="after the"):
            x.data = 2.0
    x.data = 2.0
    assert x.value == 2.0


# --- isolation: exceptions, threads, async tasks -------------------------------------------


def test_exception_inside_the_block_leaves_no_active_tape() -> None:
    with pytest.raises(ZeroDivisionError), dd.Tape():
        x = dd.Var(1.0)
        _ = x * 2.0
        raise ZeroDivisionError
    assert active_tape() is None
    assert current_level() == 0
    y = x * 2.0  # recorded nowhere now
    with pytest.raises(dd.TapeError):
        y.backward()


def test_threads_do_not_share_tapes() -> None:
    """A tape open in one thread records nothing done in another thread."""
    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, object] = {}

    def worker() -> None:
        barrier.wait()  # the main thread's tape is open now
        seen["active"] = active_tape()
        with dd.Tape() as tape:
            x = dd.Var(4.0)
            y = dd.sqrt(x)
            barrier.wait()
        seen["grad"] = tape.gradient(y, x)
        seen["ops"] = len(tape)

    thread = threading.Thread(target=worker)
    thread.start()
    with dd.Tape() as tape:
        x = dd.Var(2.0)
        barrier.wait()
        y = x**3
        barrier.wait()  # the worker recorded its op meanwhile
    thread.join()
    assert seen["active"] is None
    assert (seen["grad"], seen["ops"]) == (0.25, 1)
    assert (tape.gradient(y, x), len(tape)) == (12.0, 1)


def test_async_tasks_do_not_share_tapes() -> None:
    async def task(x0: float, power: int) -> tuple[float, int]:
        with dd.Tape() as tape:
            x = dd.Var(x0)
            y = x
            for _ in range(power - 1):
                await asyncio.sleep(0)  # let the other task record in between
                y = y * x
        return tape.gradient(y, x), len(tape)

    async def main() -> list[tuple[float, int]]:
        return list(await asyncio.gather(task(2.0, 3), task(3.0, 4)))

    assert asyncio.run(main()) == [(12.0, 2), (108.0, 3)]


# --- the Wengert list ------------------------------------------------------------------------


def test_tape_prints_as_a_wengert_list() -> None:
    with dd.Tape() as tape:
        x = dd.Var(2.0)
        dd.exp(x) * x
    lines = str(tape).splitlines()
    assert lines[0].startswith("v1 = x1")
    assert any("exp(v1)" in line for line in lines)
    assert "multiply(v2, v1)" in lines[-1]
    assert repr(tape) == "<dd.Tape: 1 inputs, 2 ops, finished>"
