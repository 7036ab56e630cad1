"""dd.hvp against SymPy's Hessian: tangents on every argument, and the W5 problem.

``hvp(f, primals, tangents)`` differentiates with respect to the first argument
and perturbs every argument along its tangent, so it is the first block row of
the full Hessian times the stacked tangents: H₀₀ v₀ + H₀₁ v₁. Both sides are
exact formulas evaluated in float64 in different orders: ``rtol=1e-10``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import dualdiff as dd


def _mixed(a: list[sp.Symbol], b: list[sp.Symbol], expr: sp.Expr, at: dict) -> np.ndarray:
    """The block d²expr / da db of SymPy's Hessian, evaluated at ``at``."""
    return np.array([[float(sp.diff(expr, p, q).subs(at)) for q in b] for p in a])


def test_hvp_with_tangents_on_two_arguments_is_a_block_row_of_the_hessian() -> None:
    x0, x1, y = sp.symbols("x0 x1 y")
    expr = x0**2 * y + sp.sin(x0 * x1) * y**3 + sp.exp(x1 - y)

    def f(x: object, y: object) -> object:
        return x[0] ** 2 * y + dd.sin(x[0] * x[1]) * y**3 + dd.exp(x[1] - y)

    x, yv = np.array([0.7, -1.3]), 0.4
    u, w = np.array([1.5, -0.25]), 2.0
    at = {x0: x[0], x1: x[1], y: yv}
    expected = _mixed([x0, x1], [x0, x1], expr, at) @ u + _mixed([x0, x1], [y], expr, at)[:, 0] * w
    np.testing.assert_allclose(dd.hvp(f, (x, yv), (u, w)), expected, rtol=1e-10, atol=1e-12)


def test_hvp_of_softplus_sum_is_the_closed_form() -> None:
    # f(x) = Σ log(1 + exp(A x)): H = Aᵀ diag(s (1 - s)) A with s = sigmoid(A x)
    rng = np.random.default_rng(3)
    a, x, v = rng.standard_normal((7, 5)), rng.standard_normal(5), rng.standard_normal(5)
    hv = dd.hvp(lambda z: dd.sum(dd.log(1.0 + dd.exp(a @ z))), (x,), (v,))
    s = 1.0 / (1.0 + np.exp(-(a @ x)))
    np.testing.assert_allclose(hv, a.T @ (s * (1.0 - s) * (a @ v)), rtol=1e-10, atol=1e-12)


def test_hvp_of_a_scalar_function_of_a_float() -> None:
    # f(x) = x³ sin x: f'' = 6x sin x + 6x² cos x - x³ sin x; H v for v = 0.5
    x = 1.2
    f2 = 6 * x * np.sin(x) + 6 * x**2 * np.cos(x) - x**3 * np.sin(x)
    hv = dd.hvp(lambda z: z**3 * dd.sin(z), (x,), (0.5,))
    assert type(hv) is float
    np.testing.assert_allclose(hv, f2 * 0.5, rtol=1e-12)
