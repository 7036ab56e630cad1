"""Transforms nested in every combination, perturbation confusion, and exception safety.

Higher derivatives are checked against SymPy; the perturbation-confusion
cases against their values worked by hand (naive dual numbers get them wrong).
After an exception inside a differentiated function no nesting level and no
tape may be left behind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp

import dualdiff as dd
from dualdiff.core import current_level
from dualdiff.reverse import active_tape

RTOL = 1e-10  # exact formulas in float64, evaluated in different orders

X = sp.Symbol("x")
F_SYM = sp.sin(X) * sp.exp(X / 2) + X**3 / (1 + X**2)


def f(x: Any) -> Any:
    return dd.sin(x) * dd.exp(x / 2) + x**3 / (1 + x**2)


@functools.cache
def f_derivative(order: int) -> Callable[[float], float]:
    return sp.lambdify(X, sp.diff(F_SYM, X, order), "math")


POINTS = (-1.3, 0.4, 2.2)


def close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=RTOL, atol=1e-12)


@pytest.fixture(autouse=True)
def no_leftover_state(unchanged_global_state: None) -> None:
    """Every test here must leave no level, no active tape and the registry as it was."""


# --- second and third derivatives of a scalar function, every composition ---------------

SECOND: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "grad of grad": lambda f: dd.grad(dd.grad(f)),
    "derivative of derivative": lambda f: dd.derivative(dd.derivative(f)),
    "grad of derivative": lambda f: dd.grad(dd.derivative(f)),
    "derivative of grad": lambda f: dd.derivative(dd.grad(f)),
    "jacfwd of grad": lambda f: dd.jacfwd(dd.grad(f)),
    "jacrev of grad": lambda f: dd.jacrev(dd.grad(f)),
    "jacfwd of jacfwd": lambda f: dd.jacfwd(dd.jacfwd(f)),
    "jacrev of jacrev": lambda f: dd.jacrev(dd.jacrev(f)),
    "jacrev of jacfwd": lambda f: dd.jacrev(dd.jacfwd(f)),
    "hessian": dd.hessian,
    "grad inside jvp": lambda f: lambda x: dd.jvp(dd.grad(f), (x,), (1.0,))[1],
    "jvp inside grad": lambda f: dd.grad(lambda x: dd.jvp(f, (x,), (1.0,))[1]),
    "vjp inside derivative": lambda f: dd.derivative(lambda x: dd.vjp(f, x)[1](1.0)[0]),
    "hvp": lambda f: lambda x: dd.hvp(f, (x,), (1.0,)),
}


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("name", SECOND)
def test_second_derivative_by_every_composition(name: str, x: float) -> None:
    close(SECOND[name](f)(x), f_derivative(2)(x))


THIRD: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "grad^3": lambda f: dd.grad(dd.grad(dd.grad(f))),
    "derivative^3": lambda f: dd.derivative(dd.derivative(dd.derivative(f))),
    "derivative of grad of derivative": lambda f: dd.derivative(dd.grad(dd.derivative(f))),
    "grad of hessian": lambda f: dd.grad(dd.hessian(f)),
    "jacfwd of hvp": lambda f: dd.jacfwd(lambda x: dd.hvp(f, (x,), (1.0,))),
}


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("name", THIRD)
def test_third_derivative_by_every_composition(name: str, x: float) -> None:
    close(THIRD[name](f)(x), f_derivative(3)(x))


def test_fourth_derivative() -> None:
    d4 = dd.grad(dd.derivative(dd.grad(dd.derivative(f))))
    close(d4(0.7), f_derivative(4)(0.7))


def test_hessians_of_a_vector_function_by_every_pairing() -> None:
    v = sp.symbols("v0:3")
    expr = v[0] * sp.exp(v[1]) * sp.cos(v[2]) + v[1] ** 2 * v[2] ** 3
    hess = sp.lambdify(v, sp.hessian(expr, v).tolist(), "math")
    g = lambda v: v[0] * dd.exp(v[1]) * dd.cos(v[2]) + v[1] ** 2 * v[2] ** 3
    x = np.array([0.7, -0.3, 1.1])
    expected = np.array(hess(*x))
    for H in (
        dd.hessian(g),
        dd.jacfwd(dd.grad(g)),
        dd.jacrev(dd.grad(g)),
        dd.jacfwd(dd.jacrev(g)),
        dd.jacrev(dd.jacfwd(g)),
        dd.jacfwd(dd.jacfwd(g)),
        dd.jacobian(dd.jacobian(g)),
    ):
        close(H(x), expected)
    for k in range(3):
        e = np.eye(3)[k]
        close(dd.hvp(g, (x,), (e,)), expected[:, k])


# --- a transform inside the function being differentiated ---------------------------------


def test_jacobian_inside_a_gradient() -> None:
    """d/dx sum_ij J_ij for f(x) = sin(x) * x0: J = diag(cos x) x0 + sin(x) e0^T."""
    x = np.array([0.3, -0.8, 1.4])

    def total(x: Any) -> Any:
        return dd.sum(dd.jacfwd(lambda y: dd.sin(y) * y[0])(x))

    # sum J = x0 sum(cos x) + sum(sin x); its gradient: e0 sum(cos x) - x0 sin x + cos x
    expected = -x[0] * np.sin(x) + np.cos(x)
    expected[0] += np.cos(x).sum()
    close(dd.grad(total)(x), expected)
    close(dd.jacfwd(total)(x), expected)
    close(dd.grad(lambda x: dd.sum(dd.jacrev(lambda y: dd.sin(y) * y[0])(x)))(x), expected)


@pytest.mark.parametrize("jac", [dd.jacfwd, dd.jacrev, dd.jacobian])
@pytest.mark.parametrize("outer", [dd.grad, dd.jacfwd])
def test_pytree_jacobian_inside_a_gradient(jac: Any, outer: Any) -> None:
    """g(p) = a sin(b): J_a = diag(sin b), J_b = diag(a cos b); the sum of both blocks has
    gradient cos b in a and cos b - a sin b in b."""
    p = {"a": np.array([0.5, 1.0]), "b": np.array([0.3, -0.2])}

    def total(p: Any) -> Any:
        J = jac(lambda p: p["a"] * dd.sin(p["b"]))(p)
        return dd.sum(J["a"]) + dd.sum(J["b"])

    g = outer(total)(p)
    close(g["a"], np.cos(p["b"]))
    close(g["b"], np.cos(p["b"]) - p["a"] * np.sin(p["b"]))


def test_gradient_of_an_inner_minimisation_step() -> None:
    """One gradient step inside a loss: L(a) = (x1(a))^2 with x1 = x0 - lr d/dx (x - a)^2."""
    lr, x0 = 0.1, 2.0

    def loss(a: Any) -> Any:
        x1 = x0 - lr * dd.grad(lambda x: (x - a) ** 2)(x0)
        return x1**2

    # x1 = x0 - 2 lr (x0 - a) = 1.6 + 0.2 a, so dL/da = 2 x1 * 0.2
    for a in (-1.0, 0.5, 3.0):
        assert dd.grad(loss)(a) == pytest.approx(2 * (1.6 + 0.2 * a) * 0.2, rel=1e-14)
        assert dd.derivative(loss)(a) == pytest.approx(2 * (1.6 + 0.2 * a) * 0.2, rel=1e-14)


def test_a_user_tape_inside_a_transform() -> None:
    def cube_slope(x: Any) -> Any:
        with dd.Tape() as tape:
            z = dd.Var(x)
            w = z**3
        return tape.gradient(w, z)  # 3 x^2, itself differentiable in x

    assert cube_slope(2.0) == pytest.approx(12.0)
    assert dd.grad(cube_slope)(2.0) == pytest.approx(12.0)
    assert dd.derivative(cube_slope)(2.0) == pytest.approx(12.0)
    assert dd.grad(dd.grad(cube_slope))(2.0) == pytest.approx(6.0)


# --- perturbation confusion --------------------------------------------------------------


D = {"derivative": dd.derivative, "grad": dd.grad}


@pytest.mark.parametrize("outer", D)
@pytest.mark.parametrize("inner", D)
def test_perturbation_confusion(outer: str, inner: str) -> None:
    """d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1; confusing the two perturbations gives 2."""
    result = D[outer](lambda x: x * D[inner](lambda y: x + y)(1.0))(1.0)
    assert result == 1.0


def test_the_canonical_cases_verbatim() -> None:
    assert dd.derivative(lambda x: x * dd.derivative(lambda y: x + y)(1.0))(1.0) == 1.0
    assert dd.grad(lambda x: x * dd.grad(lambda y: x + y)(1.0))(1.0) == 1.0


@pytest.mark.parametrize("outer", D)
@pytest.mark.parametrize("inner", D)
def test_inner_derivative_that_depends_on_the_outer_variable(outer: str, inner: str) -> None:
    """d/dx [x * d/dy (x y^2)|_{y=1}] = d/dx [2 x^2] = 4x."""
    g = D[outer](lambda x: x * D[inner](lambda y: x * y**2)(1.0))
    assert g(3.0) == pytest.approx(12.0, rel=1e-15)
    # and the inner derivative of a product with the outer variable: d/dx d/dy (x y) = 1
    assert D[outer](lambda x: D[inner](lambda y: x * y)(2.0))(5.0) == pytest.approx(1.0)


def test_confusion_with_jvp_vjp_and_jacobians() -> None:
    inner_jvp = lambda x: dd.jvp(lambda y: x + y, (1.0,), (1.0,))[1]
    inner_vjp = lambda x: dd.vjp(lambda y: x + y, 1.0)[1](1.0)[0]
    for inner in (inner_jvp, inner_vjp):
        for outer in (dd.derivative, dd.grad, dd.jacfwd, dd.jacrev):
            assert outer(lambda x, inner=inner: x * inner(x))(1.0) == 1.0
    x = np.array([1.0, 2.0])
    J = dd.jacfwd(lambda x: x * dd.jacrev(lambda y: dd.sum(x + y))(np.ones(2)))(x)
    close(J, np.eye(2))


# --- exception safety ----------------------------------------------------------------------


class Boom(Exception):
    pass


def boom(*args: Any) -> Any:
    raise Boom


def boom_after_work(x: Any) -> Any:
    y = dd.sin(x) * x
    if y is not None:
        raise Boom
    return y


RAISING: dict[str, Callable[[Callable[..., Any]], Any]] = {
    "grad": lambda f: dd.grad(f)(1.0),
    "value_and_grad": lambda f: dd.value_and_grad(f)(1.0),
    "derivative": lambda f: dd.derivative(f)(1.0),
    "jvp": lambda f: dd.jvp(f, (1.0,), (1.0,)),
    "vjp": lambda f: dd.vjp(f, 1.0),
    "jacfwd": lambda f: dd.jacfwd(f)(np.ones(2)),
    "jacfwd chunked": lambda f: dd.jacfwd(f, chunk_size=1)(np.ones(2)),
    "jacrev": lambda f: dd.jacrev(f)(np.ones(2)),
    "jacobian": lambda f: dd.jacobian(f)(np.ones(2)),
    "hessian": lambda f: dd.hessian(f)(np.ones(2)),
    "hvp": lambda f: dd.hvp(f, (1.0,), (1.0,)),
    "grad in jacfwd": lambda f: dd.jacfwd(dd.grad(f))(1.0),
    "jvp in grad": lambda f: dd.grad(lambda x: dd.jvp(f, (x,), (1.0,))[1])(1.0),
}


def in_user_tape(x: Any) -> Any:
    with dd.Tape():
        dd.Var(2.0) * x
        raise Boom


@pytest.mark.parametrize("body", [boom, boom_after_work, in_user_tape])
@pytest.mark.parametrize("name", RAISING)
def test_an_exception_inside_f_leaves_no_level_and_no_tape(
    name: str, body: Callable[..., Any]
) -> None:
    with pytest.raises(Boom):
        RAISING[name](body)
    assert current_level() == 0
    assert active_tape() is None
    # and the next derivative is unaffected
    assert dd.derivative(lambda x: x * dd.derivative(lambda y: x + y)(1.0))(1.0) == 1.0


def test_an_exception_in_an_inner_transform_caught_by_the_function() -> None:
    def f(x: Any) -> Any:
        with pytest.raises(Boom):
            dd.grad(boom)(x)
        assert current_level() == 1  # back at the outer transform's level
        return x**2

    assert dd.grad(f)(3.0) == 6.0
    assert dd.derivative(f)(3.0) == 6.0


def test_errors_after_recording_leave_nothing_behind() -> None:
    with pytest.raises(ValueError, match="scalar output"):
        dd.grad(dd.sin)(np.ones(2))
    assert current_level() == 0 and active_tape() is None
    _, pullback = dd.vjp(dd.sin, np.ones(2))
    with pytest.raises(ValueError, match="cotangent"):
        pullback(np.ones(3))
    assert current_level() == 0 and active_tape() is None
