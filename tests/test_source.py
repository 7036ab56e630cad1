"""``dd.compile``'s two backends against ``dd.grad``, op by op, on inputs the recording
never saw; and the source backend's own behaviour (guards, dtypes, buffers, threads).

The replay records a program's backward pass once, as steps, where every rule on the
gradient path is listed as reading no primal values (``replay._VALUE_FREE``). That
list is checked here op by op rather than trusted: an op listed by mistake replays the
derivative of the recorded values, and the walk sees the stale gradient
(``test_the_walk_catches_a_rule_wrongly_listed_as_value_free``).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pytest
from registry_programs import EXCEPTIONS, Program, programs, rng_for

import dualdiff as dd
from dualdiff import replay

PROGRAMS = programs()
BACKENDS = ("replay", "source")


def assert_close(got: Any, expected: Any, where: str) -> None:
    a, ta = dd.tree_flatten(got)
    b, tb = dd.tree_flatten(expected)
    assert ta == tb, where
    for x, y in zip(a, b, strict=True):
        assert type(x) is type(y) and np.shape(x) == np.shape(y), where
        assert getattr(x, "dtype", None) == getattr(y, "dtype", None), where
        tol = 1e-4 if getattr(x, "dtype", None) == np.float32 else 1e-9
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=where)


def run_on_new_inputs(p: Program, backend: str) -> tuple[dd.Compiled, list[str]]:
    """Compile ``p``, record it on one draw, then call it on two others (a replay and a
    generated function, for the source backend); the calls that differ from dd.grad."""
    compiled = dd.compile(p.f, p.argnums, backend=backend)
    example = p.draw(rng_for(p.id, "example"))
    compiled(*example)
    wrong = []
    for k in range(3):
        args = p.redraw(example, rng_for(p.id, "new", k))
        expected = dd.value_and_grad(p.f, p.argnums)(*args)
        try:
            assert_close(compiled(*args), expected, p.id)
        except AssertionError:
            wrong.append(f"{p.id} call {k}")
    return compiled, wrong


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_op_compiled_gives_dd_grad_on_new_inputs(backend: str) -> None:
    wrong = [w for p in PROGRAMS for w in run_on_new_inputs(p, backend)[1]]
    assert not wrong, wrong


def test_every_program_of_an_op_not_listed_runs_as_generated_source() -> None:
    """The walk above is not passed by the replay alone: outside the listed exceptions,
    every program gets its generated function."""
    missing = []
    for p in PROGRAMS:
        if p.op not in EXCEPTIONS:
            compiled, _ = run_on_new_inputs(p, "source")
            program = compiled._latest
            if program is None or not program.source:
                missing.append(f"{p.id}: {program and program.source_error}")
    assert not missing, missing


def test_every_op_listed_value_free_replays_a_recorded_backward_pass() -> None:
    """The check above is not vacuous: for each op in the list, some program replays a
    backward pass recorded once (the path a wrong entry would corrupt)."""
    recorded = set()
    for p in PROGRAMS:
        if p.op in replay._VALUE_FREE or p.op == "relu":
            compiled, _ = run_on_new_inputs(p, "replay")
            if compiled._latest is not None and compiled._latest.backward is not None:
                recorded.add(p.op)
    assert recorded == (set(replay._VALUE_FREE) | {"relu"}) & {p.op for p in PROGRAMS}


def test_the_walk_catches_a_rule_wrongly_listed_as_value_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replay, "_VALUE_FREE", replay._VALUE_FREE | {"maximum"})
    stale = [w for p in PROGRAMS if p.op == "maximum" for w in run_on_new_inputs(p, "replay")[1]]
    assert stale, "maximum's mask, recorded once, went unnoticed"


# --- the source backend ---------------------------------------------------------------------


def report_f(x1: Any, x2: Any) -> Any:
    return dd.log(x1) + x1 * x2 - dd.sin(x2)


def test_the_report_gradient_is_straight_line_math() -> None:
    step = dd.compile(report_f, argnums=(0, 1))
    step(2.0, 5.0)
    text = step.source
    assert "v3 = math.log(v1)" in text and "math.cos(v2)" in text
    _, (g1, g2) = step(3.0, 1.0)
    assert type(g1) is float and abs(g1 - (1 / 3 + 1.0)) < 1e-15
    assert abs(g2 - (3.0 - math.cos(1.0))) < 1e-15
    assert step._latest.source and step.recordings == 1


def test_source_is_the_default_backend() -> None:
    step = dd.compile(report_f, argnums=(0, 1))
    step(2.0, 5.0)
    step(2.5, 5.0)
    assert step.backend == "source" and callable(step._latest.source)


def test_a_changed_branch_records_again_or_raises() -> None:
    def piecewise(x: Any) -> Any:
        return x**3 if x > 1.0 else dd.sin(x)

    d = dd.compile(piecewise)
    assert d(2.0)[1] == 12.0
    assert d(3.0)[1] == 27.0  # generated
    assert "raise BranchChanged" in d.source
    assert d(0.5)[1] == math.cos(0.5)  # the guard fails: recorded again
    assert d.recordings == 2
    strict = dd.compile(piecewise, on_branch_change="raise")
    strict(2.0)
    strict(3.0)
    with pytest.raises(dd.BranchChanged):
        strict(0.5)


def test_a_guard_inside_a_rule_replays_the_call_rather_than_raising() -> None:
    """sinc's rule takes a series near 0: the generated code has that as a guard, and a
    call that needs the other formula replays (the user's branches did not change)."""
    f = dd.compile(lambda x: dd.sum(dd.sinc(x)), on_branch_change="raise")
    far = np.array([0.7, 1.3, -2.0])
    f(far)
    f(far + 0.1)
    near = np.array([0.0, 1.3, 1e-3])
    assert_close(f(near), dd.value_and_grad(lambda x: dd.sum(dd.sinc(x)))(near), "sinc")
    assert f.recordings == 1


def test_float32_stays_float32() -> None:
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    w = np.ones((3, 2), dtype=np.float32)
    f = dd.compile(lambda x, w: dd.sum(dd.tanh(x @ w) ** 2), argnums=(0, 1))
    for _ in range(3):
        value, (gx, gw) = f(x, w)
    assert value.dtype == gx.dtype == gw.dtype == np.float32
    assert "out=" in f.source


def test_returned_gradients_are_the_callers_own() -> None:
    """No returned array is a buffer the next call overwrites, or a constant it shares."""
    f = dd.compile(lambda x: dd.sum(dd.exp(x)) + dd.sum(x))
    x = np.linspace(0.0, 1.0, 5)
    f(x)
    _, g1 = f(x)
    kept = g1.copy()
    g1[:] = -7.0
    _, g2 = f(x + 1.0)
    np.testing.assert_allclose(f(x)[1], kept)
    assert not np.shares_memory(g2, f(x)[1])


def test_threads_share_a_generated_function() -> None:
    f = dd.compile(lambda x: dd.sum(dd.tanh(x) * x))
    xs = [np.full(50, 0.01 * k) for k in range(8)]
    f(xs[0])
    f(xs[1])
    results: dict[int, Any] = {}

    def work(k: int) -> None:
        for _ in range(200):
            results[k] = f(xs[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, x in enumerate(xs):
        assert_close(results[k], dd.value_and_grad(lambda x: dd.sum(dd.tanh(x) * x))(x), str(k))


def test_aux_integer_arguments_and_pytrees() -> None:
    def loss(params: dict[str, Any], x: Any, labels: Any) -> Any:
        logits = x @ params["w"] + params["b"]
        value = -dd.mean(dd.log_softmax(logits, axis=-1)[np.arange(4), labels])
        return value, {"logits": logits}

    rng = np.random.default_rng(1)
    params = {"w": rng.standard_normal((3, 5)), "b": np.zeros(5)}
    x, labels = rng.standard_normal((4, 3)), np.array([0, 2, 4, 1])
    f = dd.compile(loss, has_aux=True)
    f(params, x, labels)
    for k in range(3):
        got = f(params, x + k, labels)
        assert_close(got, dd.value_and_grad(loss, has_aux=True)(params, x + k, labels), "aux")
    assert f._latest.source, f._latest.source_error


def test_an_integer_where_a_float_was_recorded_is_promoted() -> None:
    f = dd.compile(report_f, argnums=(0, 1))
    f(2.0, 5.0)
    assert f(2, 5) == f(2.0, 5.0)
    assert f.recordings == 1


def test_source_before_a_replay_is_generated_from_the_recorded_call() -> None:
    f = dd.compile(lambda x: dd.sum(x * x))
    with pytest.raises(RuntimeError, match="call the function first"):
        _ = f.source
    f(np.ones(3))
    assert "def value_and_grad(x):" in f.source


def test_a_program_the_generator_cannot_write_says_why() -> None:
    pytest.importorskip("scipy")
    f = dd.compile(lambda x: dd.sum(dd.erf(x)))
    f(np.ones(3))
    with pytest.raises(RuntimeError, match=r"scipy\.special\.erf"):
        _ = f.source
    np.testing.assert_allclose(f(np.zeros(3))[1], 2 / math.sqrt(math.pi))
