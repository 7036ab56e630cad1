"""NumPy code differentiated unchanged: ``np.*`` on a Dual or Var goes through the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

X = np.array([[0.6, 1.3, 0.9], [1.7, 0.8, 1.1]])  # positive, no ties, away from 1.0
T = np.array([[1.0, -0.5, 2.0], [0.25, 3.0, -1.0]])
M = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
W = np.array([[2.0, 0.5, -1.0], [1.0, 1.0, 3.0]])

# (NumPy call, registry ops it must reach, its directional derivative along T in closed form)
CALLS: list[tuple[str, Callable[[Any], Any], set[str], Callable[[], np.ndarray]]] = [
    ("np.sin", np.sin, {"sin"}, lambda: np.cos(X) * T),
    ("np.exp", np.exp, {"exp"}, lambda: np.exp(X) * T),
    ("np.log", np.log, {"log"}, lambda: T / X),
    ("np.tanh", np.tanh, {"tanh"}, lambda: (1 - np.tanh(X) ** 2) * T),
    ("np.sqrt", np.sqrt, {"sqrt"}, lambda: 0.5 * T / np.sqrt(X)),
    ("np.power", lambda x: np.power(x, 3), {"power"}, lambda: 3 * X**2 * T),
    ("np.dot", lambda x: np.dot(x, M), {"matmul"}, lambda: T @ M),
    ("np.matmul", lambda x: np.matmul(M.T, x.T), {"matmul"}, lambda: M.T @ T.T),
    ("@", lambda x: M.T @ x.T, {"matmul"}, lambda: M.T @ T.T),
    ("np.sum", lambda x: np.sum(x, axis=0), {"sum"}, lambda: T.sum(axis=0)),
    ("np.mean", np.mean, {"mean"}, lambda: np.asarray(T.mean())),
    ("np.max", lambda x: np.max(x, axis=1), {"max"}, lambda: T[[0, 1], [1, 0]]),
    ("np.maximum", lambda x: np.maximum(x, 1.0), {"maximum"}, lambda: np.where(X > 1, T, 0.0)),
    (
        "np.where",
        lambda x: np.where(X > 1.0, x, x**2),
        {"where"},
        lambda: np.where(X > 1, T, 2 * X * T),
    ),
    (
        "np.concatenate",
        lambda x: np.concatenate([x, W], axis=1),
        {"concatenate"},
        lambda: np.concatenate([T, np.zeros_like(W)], axis=1),
    ),
    ("ndarray * x", lambda x: W * x, {"multiply"}, lambda: W * T),
    ("ndarray - x", lambda x: W - x, {"subtract"}, lambda: -T),
    ("np.transpose", np.transpose, {"transpose"}, lambda: T.T),
    ("np.reshape", lambda x: np.reshape(x, (3, 2)), {"reshape"}, lambda: T.reshape(3, 2)),
    (
        "np.clip",
        lambda x: np.clip(x, 0.7, 1.5),
        {"clip"},
        lambda: np.where((X > 0.7) & (X < 1.5), T, 0.0),
    ),
]
IDS = [c[0] for c in CALLS]


@pytest.mark.parametrize("call, slope", [(c[1], c[3]) for c in CALLS], ids=IDS)
def test_numpy_call_on_a_dual(call: Callable[[Any], Any], slope: Callable[[], np.ndarray]) -> None:
    y = call(dd.Dual(X, T))
    assert isinstance(y, dd.Dual)
    np.testing.assert_allclose(y.primal, call(X), rtol=1e-15)
    np.testing.assert_allclose(y.tangent, slope(), rtol=1e-14)


@pytest.mark.parametrize("call, ops, slope", [(c[1], c[2], c[3]) for c in CALLS], ids=IDS)
def test_numpy_call_on_a_var(call: Callable[[Any], Any], ops: set[str], slope: Any) -> None:
    u = np.linspace(-1.0, 1.0, np.size(call(X))).reshape(np.shape(call(X)))
    with dd.Tape() as tape:
        x = dd.Var(X)
        y = call(x)
    assert isinstance(y, dd.Var)
    assert ops <= {entry[0].name for entry in tape.entries}  # recorded as registry ops
    (g,) = tape.gradient(y, [x], output_gradient=u)
    # <u^T J, T> = <u, J T>, with J T known in closed form
    assert np.vdot(g, T) == pytest.approx(np.vdot(u, slope()), rel=1e-13)


def test_unchanged_numpy_function_gets_its_gradient() -> None:
    def energy(q):  # plain NumPy code, written without dualdiff in mind
        r = np.sqrt(np.sum(q * q, axis=1))
        return np.sum(np.exp(-r) + np.log(r))

    q = np.array([[1.0, 2.0], [0.5, -1.5]])
    r = np.sqrt((q * q).sum(axis=1))
    expected = ((-np.exp(-r) + 1 / r) / r)[:, None] * q
    np.testing.assert_allclose(dd.grad(energy)(q), expected, rtol=1e-14)
    np.testing.assert_allclose(dd.jacfwd(energy)(q), expected, rtol=1e-14)


# --- what has no rule ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: dd.Dual(X, T), lambda: dd.Var(X)], ids=["Dual", "Var"])
@pytest.mark.parametrize(
    "call, name",
    [
        (np.nancumsum, "np.nancumsum"),
        (np.spacing, "np.spacing"),
        (lambda x: np.add.reduce(x), "np.add.reduce"),
        (lambda x: np.linalg.eig(x), "np.linalg.eig"),  # (np.linalg.eigh has a rule)
    ],
    ids=["function", "ufunc", "ufunc-method", "linalg"],
)
def test_numpy_function_without_a_rule_names_itself(make: Any, call: Any, name: str) -> None:
    with pytest.raises(TypeError, match=rf"({name}).*dd\.register_op"):
        call(make())


def test_out_argument_is_refused() -> None:
    with pytest.raises(TypeError, match=r"np\.sin.*out"):
        np.sin(dd.Dual(X, T), out=np.empty_like(X))


# --- a user op is reachable from NumPy too --------------------------------------------------------


@pytest.fixture
def spacing() -> Iterator[Callable[[Any], Any]]:
    """np.spacing (a ufunc with no built-in rule), with a made-up rule: d/dx = spacing(x) / x."""
    name = "test_numpy_protocol_spacing"
    try:
        yield dd.register_elementwise(name, np.spacing, derivs=lambda ans, x: ans / x)
    finally:
        del dd.REGISTRY[name]  # tests leave the registry as they found it


def test_registered_op_answers_its_numpy_function(spacing: Callable[[Any], Any]) -> None:
    y = np.spacing(dd.Dual(X, T))
    np.testing.assert_allclose(y.tangent, T * np.spacing(X) / X, rtol=1e-14)
    with dd.Tape() as tape:
        x = dd.Var(X)
        z = np.sum(np.spacing(x))
    assert "test_numpy_protocol_spacing" in {entry[0].name for entry in tape.entries}
    np.testing.assert_allclose(tape.gradient(z, x), np.spacing(X) / X, rtol=1e-14)
    assert spacing(1.0) == np.spacing(1.0)
