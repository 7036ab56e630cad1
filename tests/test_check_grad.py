"""dd.check_grad: passes on every op of the registry, catches wrong rules and names the entry.

The ops and their valid input domains come from the oracle tables of
``tests/test_rules.py`` (one table for the whole suite); here each case goes
through ``check_grad`` at first and second order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from test_rules import COMPOSITES, ELEMENTWISE, ELEMENTWISE_SHAPES, STRUCTURAL, elem_problem
from test_rules import struct_problem as rules_struct_problem

import dualdiff as dd
from dualdiff._util import primal_of


def report_f(x1: Any, x2: Any) -> Any:
    return dd.log(x1) + x1 * x2 - dd.sin(x2)


# --- the report's function ------------------------------------------------------------------


def test_report_function_first_order() -> None:
    report = dd.check_grad(report_f, 2.0, 5.0)
    assert report.passed and report.method == "complex"
    assert report.labels == ["x1", "x2"]
    for mode in ("fwd", "rev"):
        assert report.values[mode] == pytest.approx([5.5, 2 - math.cos(5)], abs=1e-15)
    assert report.numeric == pytest.approx([5.5, 2 - math.cos(5)], abs=1e-15)
    assert np.all(report.abs_error <= report.tolerance)


def test_report_function_second_order_in_all_four_schemes() -> None:
    modes = ("fwd", "rev", "fwd-rev", "rev-fwd")
    report = dd.check_grad(report_f, 2.0, 5.0, order=2, modes=modes)
    hessian = [-1 / 4, 1.0, 1.0, math.sin(5.0)]  # d²/dx1² ln x1 = -1/x1², mixed 1, -d² sin
    assert report.labels == ["x1, x1", "x1, x2", "x2, x1", "x2, x2"]
    for mode in modes:
        assert report.values[mode] == pytest.approx(hessian, abs=1e-14)
    # complex step inside, central differences outside: about eps**(2/3), within the estimate
    assert np.all(np.abs(report.numeric - hessian) <= report.error)
    assert report.numeric == pytest.approx(hessian, abs=1e-9)


def test_report_prints_the_table() -> None:
    text = str(dd.check_grad(report_f, 2.0, 5.0))
    head, columns, *rows = text.splitlines()
    assert "order 1" in head and "passed" in head and "'complex'" in head
    assert columns.split() == ["entry", "fwd", "rev", "numeric", "abs", "err", "rel", "err", "tol"]
    assert {r.split()[0] for r in rows} == {"x1", "x2"}


# --- every op of the registry ------------------------------------------------------------------


def _elementwise_cases() -> list[Any]:
    cases = []
    for name, spec in ELEMENTWISE.items():
        if name == "stop_gradient":  # a constant by definition: see the test below
            continue
        shapes = ELEMENTWISE_SHAPES[len(spec.domain)]
        # all scalars, and the broadcasting case; second order on the latter
        for s, order in ((shapes[0], 1), (shapes[-1], 1), (shapes[-1], 2)):
            cases.append(pytest.param(name, s, order, id=f"{name}-{s}-order{order}"))
    return cases


@pytest.mark.parametrize("name, shapes, order", _elementwise_cases())
def test_check_grad_passes_on_every_elementwise_op(
    name: str, shapes: tuple[tuple[int, ...], ...], order: int
) -> None:
    p = elem_problem(name, shapes, np.float64)
    frozen = [k for k, i in enumerate(p.pos) if i in ELEMENTWISE[name].frozen]
    fn, xs = _perturbable(p.fn, p.xs, frozen)
    report = dd.check_grad(fn, *xs, order=order, modes=_modes(order))
    assert report.passed


def _perturbable(fn: Any, xs: list[Any], fixed: list[int]) -> tuple[Any, list[Any]]:
    """``fn`` of the inputs that numerical differences may move; the ``fixed`` ones (an
    integer order such as polygamma's n, which the op does not differentiate) held."""

    def moved(*free: Any) -> Any:
        rest = iter(free)
        return fn(*(x if k in fixed else next(rest) for k, x in enumerate(xs)))

    return moved, [x for k, x in enumerate(xs) if k not in fixed]


def _structural_cases() -> list[Any]:
    """Every case at first order; at second order the smallest case of each op, if small.

    (moveaxis and swapaxes, whose only cases have 24 inputs, are transposes: the
    transpose op is checked at second order.)
    """
    params = []
    for table in (STRUCTURAL, COMPOSITES):
        for name, cases in table.items():
            params += [pytest.param(c, 1, id=f"{name}-{c.label}-order1") for c in cases]
            small = min(cases, key=_size)
            if _size(small) <= 12:
                params.append(pytest.param(small, 2, id=f"{name}-{small.label}-order2"))
    return params


def _size(case: Any) -> int:
    return sum(math.prod(s) for s in case.shapes)


@pytest.mark.parametrize("case, order", _structural_cases())
def test_check_grad_passes_on_every_structural_op(case: Any, order: int) -> None:
    p = rules_struct_problem(case)
    fn = p.fn
    if order == 2:  # the op is linear or piecewise: a nonlinear weighting gives curvature
        weights = np.linspace(0.5, 1.5, math.prod(p.out_shape)).reshape(p.out_shape)
        fn = lambda *xs: dd.sum(dd.sin(p.fn(*xs)) * weights)
    report = dd.check_grad(fn, *p.xs, order=order, modes=_modes(order))
    assert report.passed


def _modes(order: int) -> tuple[str, ...]:
    return ("fwd", "rev") if order == 1 else ("fwd", "rev", "fwd-rev", "rev-fwd")


def test_every_differentiable_registry_op_is_checked() -> None:
    builtin = {n for n, rule in dd.REGISTRY.items() if rule.kind != "custom"}
    checked = (set(ELEMENTWISE) - {"stop_gradient"}) | set(STRUCTURAL)
    assert builtin - {"stop_gradient"} == checked


def test_stop_gradient_is_a_constant_so_the_check_fails() -> None:
    """AD treats stop_gradient(x) as a constant; its numerical derivative is 1."""
    x = np.array([0.5, -1.0])
    with pytest.raises(dd.GradientCheckError) as info:
        dd.check_grad(dd.stop_gradient, x)
    report = info.value.report
    assert report.values["fwd"] == pytest.approx([0, 0, 0, 0])
    assert report.numeric == pytest.approx([1, 0, 0, 1], abs=1e-14)


# --- wrong rules are caught and named ------------------------------------------------------------


def _frozen_cos(x: Any) -> Any:
    """cos of the plain value: right to first order, but a constant to the next one."""
    return np.cos(primal_of(x))


@pytest.fixture
def bad(unchanged_global_state: None) -> Iterator[SimpleNamespace]:
    """Custom ops with deliberately wrong rules, registered for one test and removed after."""
    names = ["check_grad_test_wrong_vjp", "check_grad_test_primal_rule", "check_grad_test_off"]
    try:
        yield SimpleNamespace(
            # entry 1 of the cotangent is doubled: a bug in reverse mode only
            wrong_vjp=dd.register_op(
                names[0],
                lambda x: x**3,
                jvp=lambda t, ans, x: 3 * x * x * t,
                vjp=lambda g, ans, x: g * 3 * x * x * np.array([1.0, 2.0, 1.0]),
            ),
            # right to first order, but the rule does not differentiate again
            first_order_only=dd.register_op(
                names[1],
                lambda x: np.sin(x),
                jvp=lambda t, ans, x: t * _frozen_cos(x),
                vjp=lambda g, ans, x: g * _frozen_cos(x),
            ),
            # off by one part in a million
            slightly_off=dd.register_op(
                names[2],
                lambda x: np.exp(x),
                jvp=lambda t, ans, x: t * ans * (1 + 1e-6),
                vjp=lambda g, ans, x: g * ans * (1 + 1e-6),
            ),
        )
    finally:
        for name in names:
            dd.REGISTRY.pop(name, None)


def test_a_wrong_reverse_rule_is_caught_and_named(bad: SimpleNamespace) -> None:
    x = np.array([0.5, -1.5, 2.0])
    with pytest.raises(dd.GradientCheckError) as info:
        dd.check_grad(lambda x: bad.wrong_vjp(x), x)
    report = info.value.report
    worst = report.worst(1)[0]
    assert report.labels[worst] == "out[1], x[1]"
    assert report.values["fwd"][worst] == pytest.approx(3 * 1.5**2)
    assert report.values["rev"][worst] == pytest.approx(2 * 3 * 1.5**2)
    assert report.numeric[worst] == pytest.approx(3 * 1.5**2, rel=1e-12)
    message = str(info.value)
    assert "FAILED at 1 of 9 entries" in message
    assert message.splitlines()[2].split()[:3] == ["out[1],", "x[1]", "6.75"]


def test_a_rule_that_does_not_differentiate_again_is_caught_at_order_two(
    bad: SimpleNamespace,
) -> None:
    x = 0.7
    assert dd.check_grad(bad.first_order_only, x).passed
    with pytest.raises(dd.GradientCheckError) as info:
        dd.check_grad(bad.first_order_only, x, order=2, modes=("fwd", "rev", "fwd-rev"))
    report = info.value.report
    assert report.numeric == pytest.approx([-math.sin(0.7)], abs=1e-9)
    assert report.values["fwd"] == pytest.approx([0.0])


def test_a_small_error_in_a_rule_is_caught(bad: SimpleNamespace) -> None:
    """A rule off by one part in a million: far above the tolerance of about 1e-13."""
    with pytest.raises(dd.GradientCheckError):
        dd.check_grad(bad.slightly_off, 0.3)
    assert dd.check_grad(dd.exp, 0.3).tolerance[0] < 1e-12


# --- the numerical method --------------------------------------------------------------------


def test_auto_uses_richardson_when_f_is_not_analytic() -> None:
    # abs is not analytic: its complex step is wrong, so auto falls back (correctly)
    report = dd.check_grad(lambda x: dd.abs(x) * dd.sin(x), np.array([-0.5, 1.2]))
    assert report.method == "richardson"


def test_auto_uses_central_when_richardson_steps_leave_the_domain() -> None:
    # sqrt at 0.003: Richardson's steps (~0.006) reach negative x; sign() spoils the complex step
    report = dd.check_grad(lambda x: dd.sqrt(x) * dd.sign(x), 0.003)
    assert report.method == "central"
    # central's truncation at h ~ 6e-6 from x = 0.003: about (h / x)² / 8 ~ 5e-7, relative
    assert report.numeric == pytest.approx([0.5 / math.sqrt(0.003)], rel=1e-5)


@pytest.mark.parametrize("method", ["central", "richardson", "complex", "forward"])
def test_explicit_method(method: str) -> None:
    report = dd.check_grad(report_f, 2.0, 5.0, method=method)
    assert report.method == method


def test_explicit_tolerances_replace_the_estimate() -> None:
    report = dd.check_grad(report_f, 2.0, 5.0, method="central", rtol=1e-6, atol=1e-9)
    assert report.tolerance == pytest.approx(1e-9 + 1e-6 * np.abs(report.numeric))
    with pytest.raises(dd.GradientCheckError):  # central differences are not exact
        dd.check_grad(report_f, 2.0, 5.0, method="central", rtol=0.0, atol=0.0)


# --- shapes, arguments, outputs ------------------------------------------------------------------


def test_several_arguments_and_a_matrix_output() -> None:
    w = np.array([[0.3, -1.2], [0.7, 0.1], [2.0, -0.4]])
    b = np.array([0.1, -0.2, 0.3])
    x = np.array([0.5, -1.0])
    report = dd.check_grad(lambda w, b, x: dd.tanh(w @ x + b), w, b, x)
    assert len(report.labels) == 3 * (6 + 3 + 2)
    assert report.labels[0] == "out[0], w[0, 0]"
    assert report.labels[6] == "out[0], b[0]"
    assert report.labels[10] == "out[0], x[1]"
    assert report.method == "complex"


def test_tuple_outputs_are_named_by_position() -> None:
    report = dd.check_grad(lambda x: (dd.sin(x), x * x), np.array([0.3, 0.4]))
    assert report.labels[:2] == ["out0[0], x[0]", "out0[0], x[1]"]
    assert report.labels[-1] == "out1[1], x[1]"


def test_float32_arguments_use_float32_tolerances() -> None:
    x = np.array([0.5, 1.5], dtype=np.float32)
    report = dd.check_grad(lambda x: dd.sum(dd.exp(x) * dd.sin(x)), x)
    assert report.passed
    assert np.all(report.tolerance > 1e-8)  # float32 round-off, not float64's


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: dd.check_grad(dd.sin), TypeError, "point"),
        (lambda: dd.check_grad(dd.sin, [1.0, 2.0]), TypeError, "is a list.*np.array"),
        (lambda: dd.check_grad(dd.sin, "a"), TypeError, "no argument to differentiate"),
        (lambda: dd.check_grad(dd.sin, "a", argnums=0), TypeError, "argument 0"),
        (lambda: dd.check_grad(dd.sin, 1.0, modes=("fwd-rev",)), ValueError, "order 1"),
        (lambda: dd.check_grad(dd.sin, 1.0, order=3), ValueError, "order must be 1 or 2"),
        (lambda: dd.check_grad(dd.sin, 1.0, method="secant"), ValueError, "'auto'"),
        (lambda: dd.check_grad(dd.arcsin, 1.0), ValueError, "not finite"),
        (lambda: dd.check_grad(dd.sin, np.zeros(0)), ValueError, "empty"),
    ],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # AD of arcsin at its domain edge
def test_bad_input_is_named(call: Any, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        call()


def test_gradient_check_error_is_an_assertion_error() -> None:
    assert issubclass(dd.GradientCheckError, AssertionError)
    assert "check_grad" in dd.__all__ and "GradientCheckError" in dd.__all__
