"""The transforms against SymPy, against closed forms, and against each other.

Each test function is written once as ``fn(m, ...)`` over a namespace ``m``:
``dualdiff`` itself, or ``SYM`` (SymPy under dualdiff's names). SymPy's
symbolic derivatives, evaluated in float64, are the oracle. Both sides are
exact formulas evaluated in floating point in different orders, so they agree
to rounding: ``rtol=1e-10`` leaves room for a few hundred ulps of cancellation.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import sympy as sp

import dualdiff as dd

RTOL, ATOL = 1e-10, 1e-12

SYM = SimpleNamespace(
    sin=sp.sin,
    cos=sp.cos,
    exp=sp.exp,
    log=sp.log,
    tanh=sp.tanh,
    sqrt=sp.sqrt,
    cosh=sp.cosh,
    arctan=sp.atan,
    stack=lambda xs: sp.Matrix(xs),
)

# f(m, x, y) -> scalar, for x, y in [0.5, 2]
SCALAR2: dict[str, Callable[..., Any]] = {
    "report": lambda m, x, y: m.log(x) + x * y - m.sin(y),
    "exp_ratio": lambda m, x, y: m.exp(x * y / 4) + x**2 / y,
    "tanh_norm": lambda m, x, y: m.tanh(x - y) * m.sqrt(x**2 + y**2),
    "atan_cosh": lambda m, x, y: m.arctan(x * y) + m.cosh(x) * y**3,
}

# g(m, v) -> scalar, for v in [0.5, 2]^3
VECTOR: dict[str, Callable[..., Any]] = {
    "product_sin_exp": lambda m, v: v[0] * v[1] * v[2] + m.sin(v[0]) * m.exp(v[2]),
    "log_cos_quartic": lambda m, v: m.log(1 + v[0] ** 2 + v[1] ** 2) * m.cos(v[2]) + v[1] ** 4,
}

# F(m, v) -> vector, and the input size n
VECVAL: dict[str, tuple[Callable[..., Any], int]] = {
    "R3_to_R2": (
        lambda m, v: m.stack([v[0] * v[1] * m.exp(v[2]), m.log(1 + v[0] ** 2) - v[1] * v[2]]),
        3,
    ),
    "R2_to_R3": (
        lambda m, v: m.stack([m.sin(v[0] * v[1]), v[0] ** 2 - v[1], m.exp(v[0]) * m.tanh(v[1])]),
        2,
    ),
}

POINTS = range(3)


def point(key: str, i: int, n: int) -> np.ndarray:
    """A reproducible random point in [0.5, 2]^n for test ``key``."""
    rng = np.random.default_rng([i, *key.encode()])
    return rng.uniform(0.5, 2.0, n)


def close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=RTOL, atol=ATOL)


# --- the SymPy oracle -------------------------------------------------------------


@functools.cache
def scalar_oracle(table: str, name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(gradient, Hessian) of a scalar test function, as numeric functions of its inputs."""
    if table == "SCALAR2":
        syms = sp.symbols("x y")
        expr = SCALAR2[name](SYM, *syms)
    else:
        syms = sp.symbols("v0:3")
        expr = VECTOR[name](SYM, list(syms))
    grad = [sp.diff(expr, s) for s in syms]
    hess = [[sp.diff(g, s) for s in syms] for g in grad]
    return sp.lambdify(syms, grad, "math"), sp.lambdify(syms, hess, "math")


@functools.cache
def jacobian_oracle(name: str) -> Callable[..., Any]:
    fn, n = VECVAL[name]
    syms = sp.symbols(f"v0:{n}")
    return sp.lambdify(syms, fn(SYM, list(syms)).jacobian(syms).tolist(), "math")


def sym_grad(table: str, name: str, p: np.ndarray) -> np.ndarray:
    return np.array(scalar_oracle(table, name)[0](*p), dtype=float)


def sym_hess(table: str, name: str, p: np.ndarray) -> np.ndarray:
    return np.array(scalar_oracle(table, name)[1](*p), dtype=float)


def sym_jac(name: str, p: np.ndarray) -> np.ndarray:
    return np.array(jacobian_oracle(name)(*p), dtype=float)


def dd_scalar2(name: str) -> Callable[..., Any]:
    return functools.partial(SCALAR2[name], dd)


def dd_vector(name: str) -> Callable[..., Any]:
    return functools.partial(VECTOR[name], dd)


def dd_vecval(name: str) -> Callable[..., Any]:
    return functools.partial(VECVAL[name][0], dd)


# --- each transform against SymPy ---------------------------------------------------


@pytest.mark.parametrize("i", POINTS)
@pytest.mark.parametrize("name", SCALAR2)
def test_grad_and_value_of_two_scalars(name: str, i: int) -> None:
    x, y = point(name, i, 2)
    f = dd_scalar2(name)
    expected = sym_grad("SCALAR2", name, np.array([x, y]))
    gx, gy = dd.grad(f, argnums=(0, 1))(x, y)
    close([gx, gy], expected)
    assert isinstance(gx, float) and isinstance(gy, float)
    close(dd.grad(f)(x, y), expected[0])
    close(dd.grad(f, argnums=1)(x, y), expected[1])
    close(dd.grad(f, argnums=-1)(x, y), expected[1])
    value, g = dd.value_and_grad(f, argnums=(0, 1))(x, y)
    close(value, float(SCALAR2[name](SYM, sp.Float(x), sp.Float(y))))
    close(g, expected)


@pytest.mark.parametrize("i", POINTS)
@pytest.mark.parametrize("name", SCALAR2)
def test_derivative_jvp_and_vjp_of_two_scalars(name: str, i: int) -> None:
    x, y = point(name, i, 2)
    f = dd_scalar2(name)
    gx, gy = sym_grad("SCALAR2", name, np.array([x, y]))
    close(dd.derivative(lambda x: f(x, y))(x), gx)
    close(dd.derivative(f)(x, y), gx)  # further arguments pass through
    out, tangent = dd.jvp(f, (x, y), (0.3, -0.7))
    close(tangent, 0.3 * gx - 0.7 * gy)
    close(out, f(x, y))
    out, pullback = dd.vjp(f, x, y)
    cts = pullback(2.0)
    assert isinstance(cts, tuple) and len(cts) == 2
    close(cts, [2.0 * gx, 2.0 * gy])


@pytest.mark.parametrize("i", POINTS)
@pytest.mark.parametrize("name", SCALAR2)
def test_hessian_of_two_scalars(name: str, i: int) -> None:
    x, y = point(name, i, 2)
    expected = sym_hess("SCALAR2", name, np.array([x, y]))
    h = dd.hessian(dd_scalar2(name), argnums=(0, 1))(x, y)
    # JAX's layout for a tuple argnums: h[i][j] = d2 f / d arg_i d arg_j
    assert isinstance(h, tuple) and all(isinstance(row, tuple) for row in h)
    close([[h[0][0], h[0][1]], [h[1][0], h[1][1]]], expected)
    close(dd.hessian(dd_scalar2(name))(x, y), expected[0, 0])


@pytest.mark.parametrize("i", POINTS)
@pytest.mark.parametrize("name", VECTOR)
def test_grad_hessian_and_hvp_of_a_vector(name: str, i: int) -> None:
    v = point(name, i, 3)
    g = dd_vector(name)
    close(dd.grad(g)(v), sym_grad("VECTOR", name, v))
    hess = sym_hess("VECTOR", name, v)
    close(dd.hessian(g)(v), hess)
    t = point(name + "t", i, 3) - 1.0
    close(dd.hvp(g, (v,), (t,)), hess @ t)


@pytest.mark.parametrize("i", POINTS)
@pytest.mark.parametrize("name", VECVAL)
def test_jacobians_of_vector_functions(name: str, i: int) -> None:
    n = VECVAL[name][1]
    v = point(name, i, n)
    F = dd_vecval(name)
    expected = sym_jac(name, v)
    for jac in (dd.jacfwd, dd.jacrev, dd.jacobian):
        close(jac(F)(v), expected)
    for mode in ("fwd", "rev", "auto"):
        close(dd.jacobian(F, mode=mode)(v), expected)


@pytest.mark.parametrize("i", POINTS)
@pytest.mark.parametrize("name", VECVAL)
def test_jvp_and_vjp_of_vector_functions(name: str, i: int) -> None:
    n = VECVAL[name][1]
    v = point(name, i, n)
    F = dd_vecval(name)
    J = sym_jac(name, v)
    t = point(name + "t", i, n) - 1.0
    u = point(name + "u", i, J.shape[0]) - 1.0
    out, jt = dd.jvp(F, (v,), (t,))
    close(jt, J @ t)
    out2, pullback = dd.vjp(F, v)
    close(out2, out)
    (ct,) = pullback(u)
    close(ct, u @ J)


def test_jacobian_of_tanh_matmul_times_sin_against_its_closed_form() -> None:
    """f(x) = tanh(Ax) sin(x): J = diag(sin x) diag(1 - tanh^2(Ax)) A + diag(tanh(Ax) cos x)."""
    rng = np.random.default_rng(4)
    n = 7
    A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    th = np.tanh(A @ x)
    expected = (np.sin(x) * (1 - th**2))[:, None] * A + np.diag(th * np.cos(x))
    f = lambda x: dd.tanh(A @ x) * dd.sin(x)
    for jac in (dd.jacfwd(f), dd.jacrev(f), dd.jacobian(f), dd.jacfwd(f, chunk_size=3)):
        close(jac(x), expected)


def test_derivative_is_elementwise_on_an_array_of_points() -> None:
    xs = np.linspace(-2, 2, 9)
    close(dd.derivative(lambda x: dd.tanh(x) * x)(xs), np.tanh(xs) + xs / np.cosh(xs) ** 2)


def test_stop_gradient_blocks_both_modes() -> None:
    f = lambda x: x * dd.stop_gradient(x * x)  # d/dx = x^2, not 3x^2
    assert dd.grad(f)(3.0) == pytest.approx(9.0)
    assert dd.derivative(f)(3.0) == pytest.approx(9.0)


# --- the transforms against each other -----------------------------------------------

SHAPED: dict[str, tuple[Callable[[Any], Any], tuple[int, ...]]] = {
    "matrix_in_vector_out": (lambda X: dd.sum(dd.sin(X) * X[0], axis=0), (2, 3)),
    "vector_in_matrix_out": (lambda v: dd.exp(v[:, None] * v[None, :2]) - v[:, None], (4,)),
    "broadcast_reduce": (lambda v: dd.logsumexp(v * v[::-1]) * dd.tanh(v), (5,)),
    "scalar_in_vector_out": (lambda s: dd.stack([dd.sin(s), s**3, dd.exp(-s)]), ()),
}


def random_input(name: str, shape: tuple[int, ...]) -> Any:
    x = np.random.default_rng([7, *name.encode()]).uniform(-1.0, 1.0, shape)
    return float(x) if shape == () else x


@pytest.mark.parametrize("name", SHAPED)
def test_jacfwd_equals_jacrev_equals_jacobian(name: str) -> None:
    f, shape = SHAPED[name]
    x = random_input(name, shape)
    Jf = dd.jacfwd(f)(x)
    assert np.shape(Jf) == np.shape(f(x)) + shape
    close(dd.jacrev(f)(x), Jf)
    close(dd.jacobian(f)(x), Jf)
    close(dd.jacfwd(f, chunk_size=2)(x), Jf)


@pytest.mark.parametrize("name", SHAPED)
def test_vjp_and_jvp_are_adjoint(name: str) -> None:
    """<vjp(u), v> = <u, jvp(v)> for random u, v."""
    f, shape = SHAPED[name]
    x = random_input(name, shape)
    rng = np.random.default_rng(11)
    v = rng.standard_normal(shape)
    out, jv = dd.jvp(f, (x,), (float(v) if shape == () else v,))
    u = rng.standard_normal(np.shape(out))
    (vj,) = dd.vjp(f, x)[1](u)
    close(np.sum(vj * v), np.sum(u * jv))


@pytest.mark.parametrize("name", VECTOR)
def test_hvp_equals_hessian_times_v(name: str) -> None:
    g = dd_vector(name)
    v = point(name, 5, 3)
    t = np.array([0.3, -1.2, 0.8])
    close(dd.hvp(g, (v,), (t,)), dd.hessian(g)(v) @ t)
    close(dd.hvp(g, (v,), (t,)), dd.jacrev(dd.grad(g))(v) @ t)


def test_derivative_equals_jacfwd_for_scalar_input() -> None:
    f, _ = SHAPED["scalar_in_vector_out"]
    for s in (-0.7, 0.2, 1.5):
        close(dd.derivative(f)(s), dd.jacfwd(f)(s))
        close(dd.derivative(f)(s), dd.jacrev(f)(s))


def test_value_and_grad_equals_function_and_grad() -> None:
    g = dd_vector("product_sin_exp")
    v = point("vg", 0, 3)
    value, grad = dd.value_and_grad(g)(v)
    close(value, g(v))
    close(grad, dd.grad(g)(v))


# --- how jacobian(mode="auto") chooses ------------------------------------------------


def counting(f: Callable[[Any], Any]) -> tuple[Callable[[Any], Any], list[str]]:
    """``f`` that logs the kind of value it was called with: 'Var' or 'Dual'."""
    calls: list[str] = []

    def wrapped(x: Any) -> Any:
        calls.append(type(x).__name__)
        return f(x)

    return wrapped, calls


def test_auto_picks_reverse_for_more_inputs_and_evaluates_once() -> None:
    f, calls = counting(lambda v: dd.sum(v**2))  # n = 4 > m = 1
    v = np.arange(4.0)
    close(dd.jacobian(f)(v), 2 * v)
    assert calls == ["Var"]  # the recording that measured m is the one differentiated


def test_auto_picks_forward_for_more_outputs_and_remembers_the_choice() -> None:
    f, calls = counting(lambda v: dd.concatenate([v, v**2]))  # n = 3 <= m = 6
    jac = dd.jacobian(f)
    v = np.array([1.0, 2.0, 3.0])
    expected = np.vstack([np.eye(3), np.diag(2 * v)])
    close(jac(v), expected)
    assert calls == ["Var", "Dual"]
    calls.clear()
    close(jac(v + 1), np.vstack([np.eye(3), np.diag(2 * (v + 1))]))
    assert calls == ["Dual"]  # same shapes: straight to forward mode
    calls.clear()
    jac(np.ones(5))  # new shapes: measure again
    assert calls == ["Var", "Dual"]


def test_jacfwd_pushes_all_directions_in_one_pass_and_jacrev_records_once() -> None:
    n = 100
    A = np.random.default_rng(2).standard_normal((n, n))
    tangent_shapes: list[tuple[int, ...]] = []

    def f(x: Any) -> Any:
        tangent_shapes.append(np.shape(getattr(x, "tangent", None)))
        return dd.tanh(A @ x) * dd.sin(x)

    x = np.linspace(-1.0, 1.0, n)
    J = dd.jacfwd(f)(x)
    assert tangent_shapes == [(n, n)]  # one call of f: n directions in one batched tangent
    tangent_shapes.clear()
    close(dd.jacfwd(f, chunk_size=30)(x), J)
    assert tangent_shapes == [(30, n), (30, n), (30, n), (10, n)]
    tangent_shapes.clear()
    close(dd.jacrev(f)(x), J)
    assert tangent_shapes == [()]  # recorded once (a Var has no tangent), then n reverse passes


def test_square_jacobian_uses_forward_mode() -> None:
    f, calls = counting(dd.sin)
    dd.jacobian(f)(np.ones(3))
    assert calls[-1] == "Dual"


# --- has_aux ------------------------------------------------------------------------


def with_aux(x: Any) -> tuple[Any, Any]:
    y = dd.sum(dd.sin(x) * x)
    return y, {"y": y, "x2": x * 2, "label": "ok", "n": 3}


def check_aux(aux: Any, x: np.ndarray) -> None:
    assert type(aux["y"]) in (float, np.float64) and aux["label"] == "ok" and aux["n"] == 3
    assert type(aux["x2"]) is np.ndarray  # values, not tracers
    close(aux["y"], np.sum(np.sin(x) * x))
    close(aux["x2"], 2 * x)


def test_has_aux_in_every_transform() -> None:
    x = np.array([0.4, -1.1, 0.9])
    grad = np.sin(x) + x * np.cos(x)
    hess = np.diag(2 * np.cos(x) - x * np.sin(x))
    g, aux = dd.grad(with_aux, has_aux=True)(x)
    close(g, grad)
    check_aux(aux, x)
    (value, aux), g = dd.value_and_grad(with_aux, has_aux=True)(x)
    close(value, np.sum(np.sin(x) * x))
    check_aux(aux, x)
    out, pullback, aux = dd.vjp(with_aux, x, has_aux=True)
    close(out, np.sum(np.sin(x) * x))
    close(pullback(1.0)[0], grad)
    check_aux(aux, x)
    _, tangent, aux = dd.jvp(with_aux, (x,), (np.ones(3),), has_aux=True)
    close(tangent, grad.sum())
    check_aux(aux, x)
    for jac in (dd.jacfwd, dd.jacrev, dd.jacobian):
        J, aux = jac(with_aux, has_aux=True)(x)
        close(J, grad)
        check_aux(aux, x)
    H, aux = dd.hessian(with_aux, has_aux=True)(x)
    close(H, hess)
    check_aux(aux, x)


def test_has_aux_requires_a_pair() -> None:
    for transform in (dd.grad, dd.jacfwd, dd.jacrev):
        with pytest.raises(ValueError, match=r"has_aux=True.*pair \(output, aux\)"):
            transform(lambda x: x * 2, has_aux=True)(1.0)


# --- argnums ------------------------------------------------------------------------


def test_argnums_tuples_pick_and_order_the_gradients() -> None:
    f = lambda a, b, c: a * b**2 * dd.exp(c)
    a, b, c = 1.5, -0.5, 0.3
    da, db, dc = b**2 * math.exp(c), 2 * a * b * math.exp(c), a * b**2 * math.exp(c)
    close(dd.grad(f, argnums=(0, 2))(a, b, c), [da, dc])
    close(dd.grad(f, argnums=(2, 0))(a, b, c), [dc, da])
    close(dd.grad(f, argnums=(1,))(a, b, c), [db])
    assert isinstance(dd.grad(f, argnums=(1,))(a, b, c), tuple)
    close(dd.grad(f, argnums=(-1, -3))(a, b, c), [dc, da])
    close(dd.grad(f, argnums=np.int64(1))(a, b, c), db)
    J = dd.jacfwd(f, argnums=(0, 1))(a, b, c)
    assert isinstance(J, tuple)
    close(J, [da, db])
    close(dd.jacrev(f, argnums=(0, 1))(a, b, c), [da, db])


def test_keyword_arguments_pass_through_undifferentiated() -> None:
    f = lambda x, *, scale: scale * x**2
    assert dd.grad(f)(3.0, scale=2.0) == pytest.approx(12.0)
    close(dd.jacfwd(f)(np.ones(2), scale=3.0), 6 * np.eye(2))
    close(dd.jacrev(f)(np.ones(2), scale=3.0), 6 * np.eye(2))
    close(dd.jacobian(f)(np.ones(2), scale=3.0), 6 * np.eye(2))
    assert dd.derivative(f)(1.0, scale=5.0) == pytest.approx(10.0)


def test_outputs_that_do_not_depend_on_the_input_have_zero_derivatives() -> None:
    const = lambda x: np.array([1.0, 2.0])
    for jac in (dd.jacfwd, dd.jacrev, dd.jacobian):
        close(jac(const)(np.ones(3)), np.zeros((2, 3)))
    assert dd.grad(lambda x: 3.0)(1.0) == 0.0
    close(dd.grad(lambda x, y: dd.sum(y), argnums=0)(np.ones(2), np.ones(2)), np.zeros(2))
    out, t = dd.jvp(lambda x: (x, 7.0), (2.0,), (1.0,))
    assert out == (2.0, 7.0) and t == (1.0, 0.0)


# --- dtypes -------------------------------------------------------------------------


def f32_cases() -> list[tuple[str, Callable[[np.ndarray], Any]]]:
    s = lambda x: dd.sum(dd.sin(x) * x)
    v = lambda x: dd.tanh(x) * 2.0
    one = np.ones(3, dtype=np.float32)
    return [
        ("grad", dd.grad(s)),
        ("value_and_grad", lambda x: dd.value_and_grad(s)(x)[1]),
        ("jacfwd", dd.jacfwd(v)),
        ("jacrev", dd.jacrev(v)),
        ("jacobian", dd.jacobian(v)),
        ("hessian", dd.hessian(s)),
        ("jvp", lambda x: dd.jvp(v, (x,), (one,))[1]),
        ("jvp float64 tangent", lambda x: dd.jvp(v, (x,), (np.ones(3),))[1]),
        ("vjp", lambda x: dd.vjp(v, x)[1](one)[0]),
        ("vjp float64 cotangent", lambda x: dd.vjp(v, x)[1](np.ones(3))[0]),
        ("hvp", lambda x: dd.hvp(s, (x,), (one,))),
        ("derivative", dd.derivative(v)),
    ]


@pytest.mark.parametrize("name", [c[0] for c in f32_cases()])
def test_float32_in_gives_float32_out(name: str) -> None:
    fn = dict(f32_cases())[name]
    x = np.array([0.1, -0.4, 0.7], dtype=np.float32)
    out = fn(x)
    assert out.dtype == np.float32, name
    # a few float32 operations, each rounding by at most eps32 / 2 = 6e-8: a 1e-6 bound
    np.testing.assert_allclose(out, fn(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


def test_integer_inputs_are_promoted_to_float64() -> None:
    g = dd.grad(lambda x: dd.sum(x**2) / 2)(np.arange(3))
    assert g.dtype == np.float64
    close(g, [0.0, 1.0, 2.0])
    assert dd.grad(lambda x: x**2)(3) == 6.0 and isinstance(dd.grad(lambda x: x**2)(3), float)
    assert dd.jacfwd(lambda x: x * 2)(np.arange(2)).dtype == np.float64
    assert dd.derivative(lambda x: x**3)(2) == 12.0
    assert dd.jvp(lambda x: x**2, (np.arange(2),), (np.ones(2, dtype=int),))[1].dtype == np.float64


def test_scalar_float_in_gives_float_out() -> None:
    for transform in (dd.grad, dd.derivative, dd.jacfwd, dd.jacrev, dd.jacobian, dd.hessian):
        out = transform(lambda x: x**3)(2.0)
        assert type(out) is float, transform.__name__


# --- errors -------------------------------------------------------------------------


def test_grad_of_a_non_scalar_output_points_at_jacrev_and_vjp() -> None:
    with pytest.raises(ValueError, match=r"shape \(3,\).*jacrev.*vjp"):
        dd.grad(dd.sin)(np.ones(3))
    with pytest.raises(ValueError, match=r"scalar output.*tuple.*jacrev"):
        dd.grad(lambda x: (x, x))(1.0)
    with pytest.raises(ValueError, match=r"shape \(1,\)"):
        dd.grad(lambda x: x * np.ones(1))(1.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dd.grad(lambda x: x**2)(1.0 + 2.0j), "real-valued output.*holomorphic=True"),
        (lambda: dd.grad(lambda x: dd.sum(x))(np.ones(2, dtype=complex)), "real-valued output"),
        (lambda: dd.jvp(lambda x: x, (1.0,), (1j,)), "tangent 0 is complex but primal 0 is real"),
        (lambda: dd.vjp(lambda x: x, 1.0)[1](1j), "cotangent leaf 0 is complex"),
        (lambda: dd.jacfwd(dd.sin)(np.ones(2) * 1j), "jacfwd requires real inputs.*holomorphic"),
        (lambda: dd.jacrev(dd.sin)(np.ones(2) * 1j), "jacrev requires a real-valued output"),
        (lambda: dd.hessian(lambda x: x**2)(1j), "jacfwd requires real inputs"),
        (lambda: dd.grad(dd.sin, holomorphic=True)(1.0), "holomorphic=True requires complex"),
    ],
)
def test_complex_misuse_raises_a_clear_error(call: Callable[[], Any], message: str) -> None:
    # JAX's rules: grad and jacrev need real outputs, jacfwd real inputs, unless holomorphic
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    "transform",
    [dd.grad, dd.derivative, dd.jacfwd, dd.jacrev, lambda f: lambda x: dd.jvp(f, (x,), (1.0,))[1]],
)
def test_complex_values_inside_the_function_give_the_real_derivative(
    transform: Callable[..., Any],
) -> None:
    # |x i| = |x| has derivative 1 at x = 1, through a complex intermediate value
    assert transform(lambda x: dd.abs(x * 1j))(1.0) == pytest.approx(1.0, rel=1e-15)


def test_non_numeric_inputs_and_outputs_are_named() -> None:
    with pytest.raises(TypeError, match=r"grad: argument 0 holds a leaf of type str"):
        dd.grad(lambda p: p["w"] ** 2)({"w": 1.0, "name": "layer"})
    with pytest.raises(TypeError, match=r"jacfwd: argument 1 holds a leaf of type object"):
        dd.jacfwd(lambda x, y: x, argnums=(0, 1))(1.0, object())
    with pytest.raises(TypeError, match=r"grad: the function returned a NoneType"):
        dd.grad(lambda x: None)(1.0)
    with pytest.raises(TypeError, match=r"jvp: the function returned a str"):
        dd.jvp(lambda x: "x", (1.0,), (1.0,))
    with pytest.raises(TypeError, match=r"derivative: x must be a number"):
        dd.derivative(lambda p: p[0])([1.0])


@pytest.mark.parametrize(
    ("argnums", "error", "message"),
    [
        (2, ValueError, r"argnums=2 but the function was called with 2 positional"),
        (-3, ValueError, r"argnums=-3 but"),
        ((0, 5), ValueError, r"argnums=\(0, 5\) but"),
        ((0, 0), ValueError, r"names an argument twice"),
        ((1, -1), ValueError, r"names an argument twice"),
        ((), ValueError, r"selects no argument"),
        ("x", TypeError, r"argnums must be an int or a tuple of ints, got 'x'"),
        (1.0, TypeError, r"got 1.0"),
        ((0, 1.0), TypeError, r"got \(0, 1.0\)"),
    ],
)
def test_bad_argnums_are_named(argnums: Any, error: type[Exception], message: str) -> None:
    f = lambda x, y: x * y
    for transform in (dd.grad, dd.value_and_grad, dd.jacfwd, dd.jacrev, dd.jacobian, dd.hessian):
        name = "grad" if transform is dd.value_and_grad else transform.__name__
        name = "jacfwd" if transform is dd.hessian else name
        with pytest.raises(error, match=f"{name}: .*{message}"):
            transform(f, argnums=argnums)(1.0, 2.0)


def test_tangent_structure_and_shape_mismatches_are_named() -> None:
    f = lambda a, b: a["w"] * b
    primals = ({"w": np.ones(2)}, 1.0)
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has structure \{'v': \*\}, but primal 0"):
        dd.jvp(f, primals, ({"v": np.ones(2)}, 1.0))
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has a leaf of shape \(3,\) where"):
        dd.jvp(f, primals, ({"w": np.ones(3)}, 1.0))
    with pytest.raises(ValueError, match=r"jvp: tangent 1 has a leaf of shape \(2,\) where primal"):
        dd.jvp(f, primals, ({"w": np.ones(2)}, np.ones(2)))
    with pytest.raises(ValueError, match=r"jvp: 2 primal\(s\) but 1 tangent\(s\)"):
        dd.jvp(f, primals, ({"w": np.ones(2)},))
    with pytest.raises(TypeError, match=r"jvp: primals and tangents must be tuples"):
        dd.jvp(dd.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"hvp: tangent 0 has a leaf of shape \(2,\)"):
        dd.hvp(lambda x: dd.sum(x**3), (np.ones(3),), (np.ones(2),))


def test_cotangent_structure_and_shape_mismatches_are_named() -> None:
    _, pullback = dd.vjp(lambda x: (x, {"s": dd.sum(x)}), np.ones(2))
    close(pullback((np.ones(2), {"s": 2.0}))[0], [3.0, 3.0])
    with pytest.raises(ValueError, match=r"vjp_fn: the cotangent has structure \*, but the output"):
        pullback(np.ones(2))
    with pytest.raises(ValueError, match=r"cotangent leaf 0 has shape \(3,\), but output leaf 0"):
        pullback((np.ones(3), {"s": 1.0}))


def test_bad_jacobian_options() -> None:
    with pytest.raises(ValueError, match=r"jacobian: mode must be 'auto', 'fwd' or 'rev'"):
        dd.jacobian(dd.sin, mode="forward")
    with pytest.raises(ValueError, match=r"jacfwd: chunk_size must be a positive int"):
        dd.jacfwd(dd.sin, chunk_size=0)


def test_vjp_fn_can_be_called_many_times() -> None:
    _, pullback = dd.vjp(lambda x: dd.sin(x) * x, np.array([0.5, 1.0]))
    first = pullback(np.ones(2))[0]
    close(pullback(np.ones(2))[0], first)
    close(pullback(2 * np.ones(2))[0], 2 * first)
