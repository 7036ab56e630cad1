"""dd.numeric against closed forms: each method's accuracy, the steps, error estimates, the V.

Expected values are exact derivatives (cos, exp, 1/x, 3x²); the report's
forward difference of x³ is exactly 3x² + 3xh + h², so its error must be
3xh + h² up to the round-off of the two function values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import numeric

EPS = np.finfo(float).eps

# (f, f', f'', points): analytic functions with their exact derivatives.
CLOSED_FORMS = {
    "sin": (np.sin, np.cos, lambda x: -np.sin(x), [-2.0, 0.3, 1.0, 7.5]),
    "exp": (np.exp, np.exp, np.exp, [-1.0, 0.0, 1.0, 3.0]),
    "log": (np.log, lambda x: 1 / x, lambda x: -1 / x**2, [0.5, 1.0, 4.0, 40.0]),
    "cube": (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x, [-3.0, 0.5, 2.0, 19.0]),
}

# A priori accuracy at the default step, relative to max(1, |f'|): C·eps**(p/(p+1)) for a
# method of order p (1e-7 ~ 7 eps**(1/2), 1e-9 ~ 30 eps**(2/3), 1e-12 ~ 60 eps**(6/7)),
# with C covering |f''|, |f'''| and |f| / max(1, |x|) of these functions at these points.
ACCURACY = {
    "forward": 1e-6,
    "backward": 1e-6,
    "central": 1e-9,
    "complex": 4 * EPS,
    "richardson": 1e-12,
}


def case_params() -> list[object]:
    return [
        pytest.param(name, x, method, id=f"{name}-{x}-{method}")
        for name, (_, _, _, xs) in CLOSED_FORMS.items()
        for x in xs
        for method in numeric.METHODS
    ]


@pytest.mark.parametrize("name, x, method", case_params())
def test_default_steps_reach_the_methods_accuracy(name: str, x: float, method: str) -> None:
    f, df, _, _ = CLOSED_FORMS[name]
    exact = df(x)
    value, error = numeric.derivative(f, x, method, full_output=True)
    actual = abs(value - exact)
    bound = ACCURACY[method] * max(1.0, abs(exact)) * max(1.0, abs(x))
    assert actual <= bound, actual
    # the estimate bounds the actual error, and is within the method's a priori accuracy
    assert actual <= error <= 10 * bound


def test_complex_step_on_sin_at_one_is_exact() -> None:
    assert abs(numeric.derivative(np.sin, 1.0, "complex") - math.cos(1.0)) <= 1e-15


@pytest.mark.parametrize("x", [1.0, 2.0, 5.0, 19.0])
@pytest.mark.parametrize("h", [1e-1, 1e-2, 1e-3, 1e-4, 1e-5])
def test_report_forward_difference_error_is_3xh_plus_h2(x: float, h: float) -> None:
    """(f(x+h) - f(x)) / h = 3x² + 3xh + h² for x³: the report's formula, h used as given."""
    error = numeric.derivative(lambda t: t**3, x, "forward", h=h) - 3 * x * x
    # Only round-off separates them: f(x+h) and f(x) are each rounded (eps·|f|), and so is
    # the step x + h, which moves f(x+h) by up to eps·|x|·3x².
    roundoff = 2 * EPS * (x + h) ** 3 / h + EPS * x * 3 * x * x / h
    assert abs(error - (3 * x * h + h * h)) <= roundoff


def test_report_errors_of_all_three_difference_formulas_for_cube() -> None:
    """Backward: 3x² - 3xh + h²; central: 3x² + h² (exact in exact arithmetic)."""
    x, h = 2.0, 1e-2
    cube = lambda t: t**3
    roundoff = 4 * EPS * 8 / h
    assert abs(numeric.derivative(cube, x, "backward", h=h) - (12 - 3 * x * h + h * h)) < roundoff
    assert abs(numeric.derivative(cube, x, "central", h=h) - (12 + h * h)) < roundoff


def test_step_study_of_cube_shows_the_report_formula_where_truncation_dominates() -> None:
    study = numeric.step_study(lambda t: t**3, 2.0)
    assert study.exact == 12.0  # from forward-mode AD, exact
    forward = study.values["forward"] - 12.0
    for h, err in zip(study.hs, forward, strict=True):
        if h >= 1e-5:
            assert err == pytest.approx(3 * 2 * h + h * h, rel=1e-5)


@pytest.mark.parametrize("method, lo, hi", [("forward", 1e-10, 1e-6), ("central", 1e-7, 1e-3)])
@pytest.mark.parametrize("f, x", [(np.sin, 1.0), (np.exp, 0.5), (lambda t: t**3, 2.0)])
def test_the_error_against_h_is_a_v(f: object, x: float, method: str, lo: float, hi: float) -> None:
    """Truncation falls with h, round-off rises: the minimum is inside, near eps**(1/(p+1))."""
    study = numeric.step_study(f, x, methods=(method,))  # type: ignore[arg-type]
    err = study.errors[method]
    best_h, best = study.best(method)
    assert lo <= best_h <= hi
    assert best <= 1e-3 * err[0] and best <= 1e-3 * err[-1]
    i = int(np.argmin(err))
    assert np.all(np.diff(err[: i + 1]) < 0)  # truncation: strictly falling to the best h


@pytest.mark.parametrize(
    "f, df, x", [(np.sin, np.cos, 1.0), (np.exp, np.exp, 0.5), (np.log, lambda t: 1 / t, 2.0)]
)
def test_richardson_beats_central_by_orders_of_magnitude(f: object, df: object, x: float) -> None:
    # the decade grid of the report's table: 1e-1 ... 1e-16
    study = numeric.step_study(f, x, exact=df(x), methods=("central", "richardson"))  # type: ignore[arg-type, operator]
    assert study.best("richardson")[1] <= 1e-2 * study.best("central")[1]
    # at the default steps too, though by less: neither sits exactly at its best h
    r = abs(numeric.derivative(f, x, "richardson") - df(x))  # type: ignore[arg-type, operator]
    c = abs(numeric.derivative(f, x, "central") - df(x))  # type: ignore[arg-type, operator]
    assert r < c


@pytest.mark.parametrize("order, bound", [(2, 1e-9), (4, 1e-12), (6, 1e-13), (8, 1e-13)])
def test_richardson_order_is_selectable(order: int, bound: float) -> None:
    value = numeric.derivative(np.exp, 1.0, "richardson", order=order)
    assert abs(value - math.e) <= bound * math.e
    assert numeric.scheme("richardson", order).order == order


def test_richardson_weights_cancel_the_even_powers() -> None:
    """sum w_j s_j^k = 1 for k = 1 and 0 for the other powers up to the order (a stencil check)."""
    sch = numeric.scheme("richardson", 6)
    s, w = np.array(sch.offsets), np.array(sch.weights)
    moments = [float(np.sum(w * s**k)) for k in range(7)]
    assert moments == pytest.approx([0, 1, 0, 0, 0, 0, 0], abs=1e-12)
    assert float(np.sum(w * s**7)) != pytest.approx(0, abs=1e-6)  # the first term left


# --- steps ------------------------------------------------------------------------------


def test_default_steps_follow_precision_and_scale() -> None:
    assert numeric.default_step(0.5, "forward") == pytest.approx(math.sqrt(EPS), rel=1e-6)
    assert numeric.default_step(100.0, "central") == pytest.approx(100 * EPS ** (1 / 3), rel=1e-6)
    assert numeric.default_step(-3.0, "complex") == 3 * EPS
    assert numeric.default_step(1.0, "richardson", order=4) == pytest.approx(EPS**0.2, rel=1e-6)
    assert numeric.default_step(2.0, "central", nth=2) == pytest.approx(2 * EPS**0.25, rel=1e-6)
    eps32 = float(np.finfo(np.float32).eps)
    assert numeric.default_step(np.float32(1.0), "forward") == pytest.approx(eps32**0.5, rel=1e-3)
    steps = numeric.default_step(np.array([0.1, 10.0, -1e4]), "central")
    assert steps == pytest.approx(EPS ** (1 / 3) * np.array([1.0, 10.0, 1e4]), rel=1e-6)


def test_default_step_is_exactly_representable() -> None:
    x = 0.1
    h = numeric.default_step(x, "forward")
    assert (x + h) - x == h


def test_explicit_h_is_used_exactly() -> None:
    seen: list[float] = []

    def f(t: float) -> float:
        seen.append(t)
        return t * t

    numeric.derivative(f, 2.0, "forward", h=1e-3)
    assert seen[-2:] == [2.0, 2.0 + 1e-3]
    seen.clear()
    numeric.derivative(f, 2.0, "central", h=0.3)
    assert sorted(seen[-2:]) == [2.0 - 0.3, 2.0 + 0.3]


# --- shapes -------------------------------------------------------------------------------


def test_derivative_on_an_array_is_elementwise_for_an_elementwise_f() -> None:
    x = np.linspace(-2, 2, 7)
    assert numeric.derivative(np.sin, x, "richardson") == pytest.approx(np.cos(x), abs=1e-12)


def test_jacobian_is_shaped_out_by_in() -> None:
    a = np.arange(24.0).reshape(4, 2, 3) / 10

    def f(x: np.ndarray) -> np.ndarray:
        return np.tensordot(a, np.sin(x), axes=2)

    x = np.array([[0.1, 0.2, 0.3], [-0.4, 0.5, 0.6]])
    jac = numeric.jacobian(f, x, "complex")
    assert jac.shape == (4, 2, 3)
    assert jac == pytest.approx(a * np.cos(x), abs=1e-15)


def test_gradient_and_hessian_against_closed_forms() -> None:
    def f(x: np.ndarray) -> float:
        return float(x[0] ** 2 * x[1] + np.sin(x[1]))

    x = np.array([1.5, -0.5])
    grad = np.array([2 * x[0] * x[1], x[0] ** 2 + np.cos(x[1])])
    hess = np.array([[2 * x[1], 2 * x[0]], [2 * x[0], -np.sin(x[1])]])
    assert numeric.gradient(f, x, "richardson") == pytest.approx(grad, abs=1e-12)
    # nested central: about eps**(1/2) (round-off eps|f| over h² with h = eps**(1/4))
    assert numeric.hessian(f, x) == pytest.approx(hess, abs=1e-7)
    assert numeric.hessian(f, x, "richardson") == pytest.approx(hess, abs=1e-10)


def test_hessian_by_complex_step_then_richardson() -> None:
    def f(x: np.ndarray) -> np.ndarray:
        return np.exp(x[0]) * np.sin(x[1])

    x = np.array([0.3, 1.1])
    exact = np.exp(x[0]) * np.array([[np.sin(x[1]), np.cos(x[1])], [np.cos(x[1]), -np.sin(x[1])]])
    est = numeric.hessian(f, x, "complex", full_output=True)
    assert est.value.shape == (2, 2)
    assert np.all(np.abs(est.value - exact) <= est.error)
    assert np.max(np.abs(est.value - exact)) <= 1e-12


def test_hessian_of_a_vector_function_and_explicit_pair_of_steps() -> None:
    def f(x: np.ndarray) -> np.ndarray:
        return np.array([x[0] * x[1] ** 2, np.sum(x**3)])

    x = np.array([0.5, 2.0])
    hess = numeric.hessian(f, x, "central", h=(1e-4, 1e-3))
    assert hess.shape == (2, 2, 2)
    expected = np.array([[[0, 2 * x[1]], [2 * x[1], 2 * x[0]]], [[6 * x[0], 0], [0, 6 * x[1]]]])
    assert hess == pytest.approx(expected, abs=1e-6)


def test_float32_input_uses_float32_precision() -> None:
    x = np.float32(1.0)
    value = numeric.derivative(np.sin, x)
    assert type(value) is float
    assert abs(value - math.cos(1.0)) <= 1e-4  # eps32**(2/3) ~ 2e-5 times |f'''| ~ 1
    assert abs(value - math.cos(1.0)) > 1e-9  # and not float64 accuracy: it ran in float32
    assert numeric.jacobian(np.sin, np.array([1.0], np.float32)).dtype == np.float32


# --- the error estimate and the noise of f ------------------------------------------------


def test_noise_level_sees_cancellation() -> None:
    k = np.arange(1.0, 200.0)

    def wiggly(x: float) -> float:  # terms of size 1 summing to a small value
        return float(np.sum(np.sin(x * k)))

    x = 1.3
    assert numeric.noise_level(np.sin, x) == pytest.approx(EPS * np.sin(x))
    assert numeric.noise_level(wiggly, x) > 100 * EPS * abs(wiggly(x))
    # the estimate stays an upper bound of the actual error even so
    value, error = numeric.derivative(wiggly, x, "central", full_output=True)
    exact = float(np.sum(k * np.cos(x * k)))
    assert abs(value - exact) <= error


def test_estimate_catches_a_step_too_large() -> None:
    value, error = numeric.derivative(np.sin, 1.0, "central", h=0.5, full_output=True)
    actual = abs(value - math.cos(1.0))  # truncation ~ h²/6 cos 1 ~ 0.02
    assert 0.5 * actual <= error <= 2 * actual  # the estimate is the change at step √2·h


# --- step_study ---------------------------------------------------------------------------


def test_step_study_prints_a_table_and_marks_the_best_steps() -> None:
    study = numeric.step_study(np.sin, 1.0)
    text = str(study)
    lines = text.splitlines()
    assert "f'(1)" in lines[0]
    assert lines[1].split() == ["h", *numeric.METHODS]
    assert len(lines) == 2 + len(study.hs)
    assert text.count("*") == len(numeric.METHODS)
    assert study.exact == pytest.approx(math.cos(1.0), abs=1e-16)


def test_step_study_plot(tmp_path: object) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = numeric.step_study(np.sin, 1.0, methods=("forward", "central")).plot()
    assert [line.get_label() for line in ax.get_lines()] == ["forward", "central"]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: numeric.derivative(np.sin, 1.0, "secant"), ValueError, "choose one of"),
        (lambda: numeric.derivative(np.sin, 1.0, "central", order=4), ValueError, "richardson"),
        (lambda: numeric.derivative(np.sin, 1.0, "richardson", order=3), ValueError, "even"),
        (lambda: numeric.derivative(np.sin, 1.0, h=-1e-3), ValueError, "positive"),
        (lambda: numeric.derivative(np.sin, 1.0, h=np.ones(2)), ValueError, "shape"),
        (lambda: numeric.jacobian(np.sin, np.ones(3), h=np.ones(2)), ValueError, "(3,)"),
        (lambda: numeric.derivative(np.sin, 1j), TypeError, "real"),
        (lambda: numeric.derivative(np.sin, [1.0, 2.0]), TypeError, "np.asarray"),
        (lambda: numeric.derivative(lambda t: "a", 1.0), TypeError, "numeric array"),
        (lambda: numeric.derivative(math.sin, 1.0, "complex"), TypeError, "method='central'"),
        (lambda: numeric.gradient(np.sin, np.ones(2)), ValueError, "jacobian"),
        (lambda: numeric.jacobian(np.sin, np.zeros((0, 2))), ValueError, "empty"),
        (lambda: numeric.hessian(np.sin, 1.0, "complex", outer="complex"), ValueError, "outer="),
        (lambda: numeric.step_study(np.sin, np.ones(2)), ValueError, "scalar"),
        (lambda: numeric.step_study(math.sin, 1.0), TypeError, "exact="),
    ],
)
def test_bad_input_is_named(call: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()  # type: ignore[operator]


def test_dd_numeric_is_public() -> None:
    assert dd.numeric is numeric
    assert "numeric" in dd.__all__
