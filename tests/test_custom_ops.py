"""User-defined ops: ``dd.register_op`` and ``dd.register_elementwise`` in both modes,
in every transform, to second order, and through ``np.*`` when the primal is a NumPy
function. Derivatives are checked against closed forms:

    logaddexp(x, y) = log(e^x + e^y):  d/dx = sigmoid(x - y),  d2/dx2 = s (1 - s)
    erf(x):  erf' = 2/sqrt(pi) exp(-x^2),  erf'' = -2x erf'
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_erf = np.vectorize(math.erf, otypes=[float])


def erf_primal(x: Any) -> Any:
    return math.erf(x) if type(x) is float else _erf(x)


def sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


@pytest.fixture
def user(unchanged_global_state: None) -> Iterator[SimpleNamespace]:
    """The user ops of this file, registered for one test and removed after it."""
    names = ["test_custom_logaddexp", "test_custom_erf", "test_custom_erf_batched"]
    derf = lambda x: TWO_OVER_SQRT_PI * dd.exp(-x * x)
    try:
        yield SimpleNamespace(
            logaddexp=dd.register_elementwise(
                names[0],
                np.logaddexp,
                derivs=(lambda ans, x, y: dd.exp(x - ans), lambda ans, x, y: dd.exp(y - ans)),
            ),
            erf=dd.register_op(
                names[1],
                erf_primal,
                jvp=lambda t, ans, x: t * derf(x),
                vjp=lambda g, ans, x: g * derf(x),
            ),
            erf_batched=dd.register_op(
                names[2],
                erf_primal,
                jvp=lambda t, ans, x: t * derf(x),  # t * (x-shaped) broadcasts over batch axes
                vjp=lambda g, ans, x: g * derf(x),
                batched=True,
            ),
        )
    finally:
        for name in names:
            dd.REGISTRY.pop(name, None)


X = np.array([-1.2, 0.3, 2.0])
Y = np.array([0.5, 0.3, -1.0])


def close(actual: Any, expected: Any, rtol: float = 1e-13) -> None:
    # closed forms against the rules: the same maths in a different order of operations
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rtol, atol=1e-15)


def test_elementwise_user_op_in_both_modes(user: SimpleNamespace) -> None:
    s = sigmoid(X - Y)
    y = user.logaddexp(dd.Dual(X, np.ones(3)), Y)
    close(y.primal, np.logaddexp(X, Y))
    close(y.tangent, s)
    with dd.Tape() as tape:
        x = dd.Var(X)
        out = dd.sum(user.logaddexp(x, Y))
    close(tape.gradient(out, x), s)
    gx, gy = dd.grad(lambda x, y: dd.sum(user.logaddexp(x, y)), argnums=(0, 1))(X, Y)
    close(gx, s)
    close(gy, 1 - s)


def test_elementwise_user_op_broadcasts(user: SimpleNamespace) -> None:
    f = lambda x, c: dd.sum(user.logaddexp(x, c))  # c: a scalar broadcast against x
    gx, gc = dd.grad(f, argnums=(0, 1))(X, 0.7)
    close(gx, sigmoid(X - 0.7))
    close(gc, np.sum(sigmoid(0.7 - X)))
    assert isinstance(gc, float)


@pytest.mark.parametrize("jac", [dd.jacfwd, dd.jacrev, dd.jacobian])
def test_user_ops_in_jacobians(user: SimpleNamespace, jac: Any) -> None:
    close(jac(lambda x: user.logaddexp(x, Y))(X), np.diag(sigmoid(X - Y)))
    derf = TWO_OVER_SQRT_PI * np.exp(-X * X)
    close(jac(user.erf)(X), np.diag(derf))
    close(jac(user.erf_batched)(X), np.diag(derf))


def test_user_ops_to_second_order(user: SimpleNamespace) -> None:
    s = sigmoid(X - Y)
    f = lambda x: dd.sum(user.logaddexp(x, Y))
    close(dd.hessian(f)(X), np.diag(s * (1 - s)))
    close(dd.hvp(f, (X,), (np.ones(3),)), s * (1 - s))
    d2erf = lambda x: -2 * x * TWO_OVER_SQRT_PI * math.exp(-x * x)
    for x in (-0.8, 0.1, 1.7):
        assert dd.grad(dd.grad(user.erf))(x) == pytest.approx(d2erf(x), rel=1e-13)
        assert dd.derivative(dd.derivative(user.erf))(x) == pytest.approx(d2erf(x), rel=1e-13)
        assert dd.derivative(dd.grad(user.erf_batched))(x) == pytest.approx(d2erf(x), rel=1e-13)
    close(
        dd.hessian(lambda x: dd.sum(user.erf(x)))(X),
        np.diag(-2 * X * TWO_OVER_SQRT_PI * np.exp(-X * X)),
    )


def test_numpy_function_reaches_the_user_op(user: SimpleNamespace) -> None:
    """The primal of ``logaddexp`` is ``np.logaddexp``: NumPy code calling it differentiates."""
    s = sigmoid(X - Y)
    f = lambda x: np.sum(np.logaddexp(x, Y))
    close(dd.grad(f)(X), s)
    close(dd.jacfwd(f)(X), s)
    close(dd.derivative(lambda x: np.logaddexp(x, 0.5))(0.3), sigmoid(0.3 - 0.5))
    close(dd.hessian(f)(X), np.diag(s * (1 - s)))
    close(np.logaddexp(dd.Dual(X, np.ones(3)), Y).tangent, s)


def test_user_op_keeps_float32(user: SimpleNamespace) -> None:
    x32 = X.astype(np.float32)
    g = dd.grad(lambda x: dd.sum(user.logaddexp(x, np.float32(0.5))))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, sigmoid(X - 0.5), rtol=1e-6)


def test_input_without_a_rule_is_a_constant(unchanged_global_state: None) -> None:
    """None in a rule tuple: that input is treated as a constant (zero derivative)."""
    try:
        pow_k = dd.register_op(
            "test_custom_pow_k",
            lambda x, k: x**k,
            jvp=(lambda t, ans, x, k: t * k * x ** (k - 1), None),
            vjp=(lambda g, ans, x, k: g * k * x ** (k - 1), None),
        )
        assert dd.grad(lambda x: pow_k(x, 3.0))(2.0) == pytest.approx(12.0)
        assert dd.derivative(lambda x: pow_k(x, 3.0))(2.0) == pytest.approx(12.0)
        assert dd.grad(lambda k: pow_k(2.0, k))(3.0) == 0.0
        assert dd.grad(dd.grad(lambda x: pow_k(x, 3.0)))(2.0) == pytest.approx(12.0)
    finally:
        dd.REGISTRY.pop("test_custom_pow_k", None)


def test_keyword_parameters_reach_the_rules(unchanged_global_state: None) -> None:
    try:
        scale = dd.register_op(
            "test_custom_scale",
            lambda x, *, s: x * s,
            jvp=lambda t, ans, x, *, s: t * s,
            vjp=lambda g, ans, x, *, s: g * s,
        )
        assert dd.grad(lambda x: scale(x, s=3.0))(2.0) == 3.0
        close(dd.jacfwd(lambda x: scale(x, s=-2.0))(np.ones(2)), -2 * np.eye(2))
    finally:
        dd.REGISTRY.pop("test_custom_scale", None)


def test_a_rule_using_the_math_module_fails_clearly_at_second_order(
    unchanged_global_state: None,
) -> None:
    try:
        msin = dd.register_op(
            "test_custom_math_sin",
            np.sin,
            jvp=lambda t, ans, x: t * math.cos(x),
            vjp=lambda g, ans, x: g * math.cos(x),
        )
        assert dd.grad(msin)(1.0) == pytest.approx(math.cos(1.0))  # first order: plain values
        with pytest.raises(TypeError, match=r"drop its derivative.*register_op"):
            dd.grad(dd.grad(msin))(1.0)
    finally:
        dd.REGISTRY.pop("test_custom_math_sin", None)
