"""Anomaly detection, and the one policy for derivatives at non-differentiable points.

``dd.detect_anomaly()`` must stop at the *first* op whose output, tangent or
cotangent is NaN or infinite, name that op (for a cotangent, the op whose VJP
produced it) and the line of this file that called it; be off by default,
per thread, and leave nothing installed once every block has closed.

The policy table gives each kink its derivative, identical in forward mode
(``dd.derivative``, ``dd.jvp``) and reverse mode (``dd.grad``, ``dd.vjp``); the
values are the documented choices (docs/errors.md), each the derivative of one
side or the average of both, as stated per row.
"""

from __future__ import annotations

import inspect
import math
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import anomaly
from dualdiff.forward import Dual
from dualdiff.reverse import Tape

pytestmark = pytest.mark.usefixtures("unchanged_global_state")

HERE = __file__


@pytest.fixture(autouse=True)
def quiet_numpy() -> Iterator[None]:
    """log(0) and 1/0 warn in NumPy; here the non-finite values are the point."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def line_of(marker: str) -> int:
    """The line of this file holding ``marker`` (where a test calls the failing op)."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()  # type: ignore[arg-type]
    return next(i + 1 for i, text in enumerate(lines) if marker in text and "line_of" not in text)


# --- detection ------------------------------------------------------------------------------


def f_log(x: Any) -> Any:
    y = dd.sin(x) + 1.0
    z = dd.log(x)  # anomaly: log at 0
    return dd.sum(y * z)


def f_sqrt(x: Any) -> Any:
    y = dd.sqrt(x)  # anomaly: sqrt at 0
    return dd.sum(y)


@pytest.mark.parametrize(
    ("run", "what"),
    [
        (lambda: dd.grad(f_log)(np.array([1.0, 0.0])), "the output"),
        (lambda: dd.jacfwd(f_log)(np.array([1.0, 0.0])), "the output"),
        (lambda: dd.derivative(f_log)(0.0), "the output"),
        (lambda: dd.derivative(f_sqrt)(0.0), "the tangent"),  # sqrt(0) = 0 is fine; d/dx is inf
    ],
    ids=["reverse", "jacfwd", "forward", "tangent"],
)
def test_first_non_finite_output_or_tangent_names_the_op_and_the_line(
    run: Callable[[], Any], what: str
) -> None:
    with pytest.raises(FloatingPointError) as info, dd.detect_anomaly():
        run()
    message = str(info.value)
    op = "log" if what == "the output" else "sqrt"
    marker = "anomaly: log at 0" if op == "log" else "anomaly: sqrt at 0"
    assert f"{what} of op '{op}'" in message
    assert f"{HERE}:{line_of(marker)} in f_{op}" in message
    assert "Check its inputs" in message


def test_cotangent_names_the_op_whose_vjp_produced_it() -> None:
    """sqrt(x) at 0 is 0 (finite); the infinity appears only in the reverse pass."""
    with pytest.raises(FloatingPointError) as info, dd.detect_anomaly():
        dd.grad(f_sqrt)(np.array([4.0, 0.0]))
    message = str(info.value)
    assert "the cotangent for input 0 from the VJP rule of op 'sqrt'" in message
    assert "inf at 1 of 2 entries" in message
    assert f"{HERE}:{line_of('anomaly: sqrt at 0')} in f_sqrt" in message


def test_backward_of_a_tape_recorded_in_the_block_is_checked_after_it() -> None:
    with dd.detect_anomaly(), dd.Tape():
        x = dd.Var(0.0)
        y = dd.sqrt(x) * 3.0  # anomaly: the cotangent of sqrt
    with pytest.raises(FloatingPointError, match="op 'sqrt'"):
        y.backward()


def test_the_first_anomaly_is_reported_not_a_later_one() -> None:
    """exp overflows first; the log of its inf result would be a second anomaly."""
    with pytest.raises(FloatingPointError, match="op 'exp'"), dd.detect_anomaly():
        dd.grad(lambda x: dd.log(dd.exp(x)) + dd.log(x - x))(1000.0)


def test_off_by_default_and_outside_the_block() -> None:
    sum_log = dd.grad(lambda x: dd.sum(dd.log(x)))
    np.testing.assert_array_equal(sum_log(np.array([1.0, 0.0])), [1.0, np.inf])  # flows through
    assert math.isnan(dd.derivative(lambda x: dd.sqrt(x) * 0.0)(0.0))  # inf * 0
    with dd.detect_anomaly():
        np.testing.assert_array_equal(sum_log(np.array([1.0, 2.0])), [1.0, 0.5])  # finite: fine
    np.testing.assert_array_equal(sum_log(np.array([1.0, 0.0])), [1.0, np.inf])


def test_nothing_is_installed_when_no_block_is_open() -> None:
    """No cost when off: the plain functions themselves run, not checking wrappers."""
    plain = (Dual._process, Tape._record)
    assert plain == (anomaly._PLAIN_PROCESS, anomaly._PLAIN_RECORD)
    with dd.detect_anomaly():
        assert (Dual._process, Tape._record) != plain
        with dd.detect_anomaly():  # nested blocks
            assert anomaly.is_detecting_anomalies()
        assert anomaly.is_detecting_anomalies()
    assert (Dual._process, Tape._record) == plain
    assert not anomaly.is_detecting_anomalies()


def test_an_exception_in_the_block_leaves_nothing_behind() -> None:
    plain = (Dual._process, Tape._record)
    with pytest.raises(FloatingPointError), dd.detect_anomaly():
        dd.grad(lambda x: dd.log(x))(0.0)
    assert (Dual._process, Tape._record) == plain
    assert not anomaly.is_detecting_anomalies()
    assert dd.core.current_level() == 0 and dd.reverse.active_tape() is None


def test_detection_is_per_thread() -> None:
    """A block open in one thread checks that thread only; the other computes as usual."""
    inside, done = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def checking() -> None:
        with dd.detect_anomaly():
            inside.set()
            done.wait(10)
            try:
                dd.grad(lambda x: dd.log(x))(0.0)
            except FloatingPointError as err:
                seen["checking"] = err

    def plain() -> None:
        inside.wait(10)
        seen["plain"] = dd.grad(lambda x: dd.log(x))(0.0)  # 1/0 = inf, no complaint
        done.set()

    threads = [threading.Thread(target=checking), threading.Thread(target=plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["plain"] == np.inf
    assert isinstance(seen["checking"], FloatingPointError)


# --- non-differentiable points: one policy, both modes ---------------------------------------

POLICY: list[tuple[str, Callable[[Any], Any], Any, Any]] = [
    # (name, f, x, derivative at x)
    ("relu at 0: 0 (the left side, as JAX and PyTorch)", dd.relu, 0.0, 0.0),
    ("abs at 0: 0 (the average of -1 and 1)", dd.abs, 0.0, 0.0),
    ("sign: 0 everywhere", dd.sign, np.array([-2.0, 0.0, 3.0]), np.zeros(3)),
    ("maximum tie: 1/2 to x", lambda x: dd.maximum(x, 1.0), 1.0, 0.5),
    ("maximum tie: 1/2 to y", lambda y: dd.maximum(1.0, y), 1.0, 0.5),
    ("minimum tie: 1/2 each", lambda x: dd.minimum(x, 2.0) + dd.minimum(2.0, x), 2.0, 1.0),
    ("max reduction: ties share equally", dd.max, np.array([1.0, 3.0, 3.0]), [0, 0.5, 0.5]),
    ("min reduction: ties share equally", dd.min, np.array([0.0, 0.0, 0.0, 2.0]),
     [1 / 3, 1 / 3, 1 / 3, 0.0]),
    ("sqrt at 0: +inf (the right side's limit)", dd.sqrt, 0.0, np.inf),
    ("norm of a zero vector: 0", dd.norm, np.zeros(3), np.zeros(3)),
    ("norm away from 0: x / |x|", dd.norm, np.array([3.0, 4.0]), [0.6, 0.8]),
    ("clip at its lower bound: 1", lambda x: dd.clip(x, 0.0, 1.0), 0.0, 1.0),
    ("clip at its upper bound: 1", lambda x: dd.clip(x, 0.0, 1.0), 1.0, 1.0),
    ("clip's lower bound, x on it: 0", lambda lo: dd.clip(0.0, lo, 1.0), 0.0, 0.0),
    ("clip's upper bound, x on it: 0", lambda hi: dd.clip(1.0, 0.0, hi), 1.0, 0.0),
    ("x ** y in y at x = 0: 0", lambda y: dd.power(0.0, y), 2.0, 0.0),
]  # fmt: skip


def forward_derivative(f: Callable[[Any], Any], x: Any) -> Any:
    """Elementwise derivative by forward mode: one jvp with all-ones tangent, or a gradient
    row for a reduction (jacfwd)."""
    out = f(x)
    if np.ndim(out) == 0 and np.ndim(x) > 0:
        return dd.jacfwd(f)(x)
    return dd.jvp(f, (x,), (np.ones_like(x) if np.ndim(x) else 1.0,))[1]


def reverse_derivative(f: Callable[[Any], Any], x: Any) -> Any:
    out, pullback = dd.vjp(f, x)
    return pullback(np.ones_like(out) if np.ndim(out) else 1.0)[0]


@pytest.mark.parametrize(("name", "f", "x", "expected"), POLICY, ids=[p[0] for p in POLICY])
def test_policy_is_the_same_in_both_modes(
    name: str, f: Callable[[Any], Any], x: Any, expected: Any
) -> None:
    fwd, rev = forward_derivative(f, x), reverse_derivative(f, x)
    np.testing.assert_array_equal(fwd, rev)  # identical, not only close
    np.testing.assert_allclose(fwd, expected, rtol=1e-15, atol=0)
    if np.ndim(f(x)) == 0 and not isinstance(x, np.ndarray):
        assert dd.derivative(f)(x) == dd.grad(f)(x) == expected  # the scalar paths too


def test_policy_holds_on_the_tape_and_on_duals() -> None:
    """The same values through the user-facing objects, not only the transforms."""
    with dd.Tape() as tape:
        xs = [dd.Var(0.0), dd.Var(0.0), dd.Var(1.0), dd.Var(0.0)]
        ys = [dd.relu(xs[0]), dd.abs(xs[1]), dd.maximum(xs[2], 1.0), dd.clip(xs[3], 0.0, 1.0)]
    grads = [tape.gradient(y, x) for y, x in zip(ys, xs, strict=True)]
    tangents = [
        dd.relu(Dual(0.0, 1.0)).tangent,
        dd.abs(Dual(0.0, 1.0)).tangent,
        dd.maximum(Dual(1.0, 1.0), 1.0).tangent,
        dd.clip(Dual(0.0, 1.0), 0.0, 1.0).tangent,
    ]
    assert grads == tangents == [0.0, 0.0, 0.5, 1.0]


def test_norm_matches_numpy_and_its_second_derivative_is_finite_at_zero() -> None:
    x = np.array([[1.0, -2.0], [2.0, 4.0]])
    assert dd.norm(x) == pytest.approx(np.linalg.norm(x))
    np.testing.assert_allclose(dd.norm(x, axis=1), np.linalg.norm(x, axis=1))
    np.testing.assert_allclose(dd.grad(lambda x: np.linalg.norm(x))(x), x / np.linalg.norm(x))
    assert np.all(np.isfinite(dd.hessian(dd.norm)(np.zeros(3))))
    # d/dx |x| (Euclidean) = x/|x|: the Hessian is (I - u u^T) / |x| with u = x/|x|
    v = np.array([3.0, 4.0])
    u = v / 5.0
    np.testing.assert_allclose(dd.hessian(dd.norm)(v), (np.eye(2) - np.outer(u, u)) / 5.0)


def test_a_compiled_function_is_checked_too() -> None:
    """dd.compile replays recorded ops without tracers; in a block it runs them traced."""
    f = dd.compile(lambda x: dd.sum(dd.log(x)))  # anomaly: the compiled log
    np.testing.assert_array_equal(f(np.array([1.0, 2.0]))[1], [1.0, 0.5])
    np.testing.assert_array_equal(f(np.array([1.0, 4.0]))[1], [1.0, 0.25])  # a replay
    assert f.replays == 1
    with pytest.raises(FloatingPointError, match="op 'log'") as info, dd.detect_anomaly():
        f(np.array([1.0, 0.0]))
    assert f"{HERE}:{line_of('anomaly: the compiled log')}" in str(info.value)
    assert f(np.array([1.0, 0.0]))[1][1] == np.inf  # outside the block: replayed, unchecked
