"""dtypes follow NumPy: float32 stays float32 in both modes; integers become float64.

``test_rules.py`` checks every op in float32; these tests follow whole
computations (and the transforms) end to end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dualdiff as dd

F32 = np.float32


def mlp_loss(params: list[Any], x: Any, y: Any) -> Any:
    w1, b1, w2 = params
    h = dd.tanh(x @ w1 + b1)
    logits = h @ w2
    return dd.mean((dd.softplus(logits) - y * logits) ** 2) + 0.5 * dd.sum(w1 * w1)


def problem(dtype: type) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    params = [rng.normal(size=s).astype(dtype) for s in [(4, 5), (5,), (5, 2)]]
    return params, rng.normal(size=(6, 4)).astype(dtype), rng.random((6, 2)).astype(dtype)


def test_float32_gradient_stays_float32_and_matches_float64() -> None:
    params, x, y = problem(F32)
    value, grads = dd.value_and_grad(mlp_loss)(params, x, y)
    assert np.result_type(value) == F32
    assert [g.dtype for g in grads] == [np.dtype(F32)] * 3
    value64, grads64 = dd.value_and_grad(mlp_loss)([p.astype(np.float64) for p in params], x, y)
    # float32 carries ~7 digits; the loss is a few dozen float32 operations deep
    assert value == pytest.approx(value64, rel=1e-5)
    for g, g64 in zip(grads, grads64, strict=True):
        np.testing.assert_allclose(g, g64, rtol=1e-4, atol=1e-5)


def test_float32_tape_backward_and_dual() -> None:
    x32 = np.array([0.5, -1.0, 2.0], dtype=F32)
    with dd.Tape():
        x = dd.Var(x32)
        y = dd.sum(dd.sigmoid(x) * 3.0 + x**2 / 2)
    y.backward()
    assert x.grad.dtype == F32 and np.result_type(y.value) == F32
    d = dd.logsumexp(dd.Dual(x32, np.ones(3, dtype=F32)) * 2.0)
    assert np.result_type(d.primal) == F32 and np.result_type(d.tangent) == F32


@pytest.mark.parametrize(
    "transform",
    [
        lambda f, x: dd.jacfwd(f)(x),
        lambda f, x: dd.jacrev(f)(x),
        lambda f, x: dd.hessian(lambda x: dd.sum(f(x)))(x),
        lambda f, x: dd.hvp(lambda x: dd.sum(f(x)), (x,), (np.ones_like(x),)),
        lambda f, x: dd.jvp(f, (x,), (np.ones_like(x),))[1],
        lambda f, x: dd.vjp(f, x)[1](np.ones(3, dtype=F32))[0],
    ],
    ids=["jacfwd", "jacrev", "hessian", "hvp", "jvp", "vjp"],
)
def test_transforms_keep_float32(transform: Any) -> None:
    x = np.array([0.25, 0.5, -0.75], dtype=F32)
    out = transform(lambda x: dd.sin(x) * dd.exp(x[::-1]), x)
    assert out.dtype == F32


def test_float32_scalars_stay_float32() -> None:
    x = F32(0.5)
    assert type(dd.grad(dd.tanh)(x)) is F32
    assert type(dd.derivative(lambda x: x * x)(x)) is F32
    assert type(dd.Dual(x, 1.0).tangent) is F32


def test_python_float_constants_do_not_promote_float32() -> None:
    # NumPy 2's rule: a Python float is "weak", a float64 array is not
    x = np.ones(2, dtype=F32)
    assert dd.grad(lambda x: dd.sum(x * 2.5 + 1.0))(x).dtype == F32
    assert dd.sum(dd.Dual(x, np.ones(2, dtype=F32)) * 2.5).tangent.dtype == F32
    assert dd.sum(dd.Dual(x, np.ones(2, dtype=F32)) * np.full(2, 2.5)).tangent.dtype == np.float64


def test_gradient_has_the_dtype_of_its_source() -> None:
    # the value is promoted by a float64 constant, the gradient of a float32 input is float32
    x = np.ones(2, dtype=F32)
    value, g = dd.value_and_grad(lambda x: dd.sum(x * np.full(2, 2.5)))(x)
    assert np.result_type(value) == np.float64
    assert g.dtype == F32
    np.testing.assert_array_equal(g, [2.5, 2.5])


@pytest.mark.parametrize(
    "value", [3, np.int64(3), np.array([1, 2, 3]), np.array([True, False])], ids=repr
)
def test_integers_and_booleans_are_promoted_to_float64(value: Any) -> None:
    def f(x):
        return dd.sum(x * x)

    g = dd.grad(f)(value)
    expected = 2 * np.asarray(value, dtype=np.float64)
    np.testing.assert_array_equal(g, expected)
    assert np.result_type(g) == np.float64
    assert np.result_type(dd.Var(value).value) == np.float64
    assert np.result_type(dd.Dual(value).primal) == np.float64
    np.testing.assert_array_equal(dd.jacfwd(f)(value), expected)


def test_integer_python_scalar_gives_python_floats() -> None:
    assert dd.grad(lambda x: x**3)(2) == 12.0
    assert type(dd.grad(lambda x: x**3)(2)) is float
    assert type(dd.Dual(2, 1).tangent) is float


def test_integer_constants_keep_their_exact_derivative() -> None:
    # x / 2 with an integer 2: its derivative 1/2 must not be integer division
    assert dd.grad(lambda x: x / 2)(3.0) == 0.5
    np.testing.assert_array_equal(
        dd.grad(lambda x: dd.sum(x / np.array([2, 4])))(np.ones(2)), [0.5, 0.25]
    )
    assert dd.derivative(lambda x: dd.mean(x * np.ones(4, dtype=int)))(1.0) == 1.0
