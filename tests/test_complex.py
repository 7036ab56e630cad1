"""Complex numbers in both modes, against JAX's conventions and independent oracles.

JAX defines a VJP as the transpose of the (R-linear) JVP under the pairing
<u, v> = Re(u v), without conjugation. Then a holomorphic op's JVP and VJP both
multiply by f'(z), and the gradient of a real f(z = x + iy) is ∂f/∂x - i ∂f/∂y:
``jax.grad(lambda z: jnp.abs(z) ** 2)(3 + 4j) == 6 - 8j`` and
``jax.grad(lambda z: z ** 2, holomorphic=True)(3 + 4j) == 6 + 8j``.

The oracles: closed-form derivatives of holomorphic ops (``oracles.complex.HOLOMORPHIC``),
central differences along the real and the imaginary direction, the Cauchy-Riemann
equations (the derivative along i is i times the derivative along 1), and the
pairing identity Re(<vjp(u), t>) = Re(<u, jvp(t)>), which holds for every op.
A walk over the registry's elementwise ops checks each one that accepts complex input.
Last, JAX's own JVPs, VJPs and transforms (``tests/jax_reference``) on complex and
Fourier computations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jax_reference.cases import Z3
from jax_reference.cases import cases as jax_cases
from jax_reference.cases import cotangent as jax_cotangent
from jax_reference.cases import tangent as jax_tangent
from oracles.complex import HOLOMORPHIC, Holo

import dualdiff as dd
from dualdiff.core import make_op

# points off both axes (away from every branch cut of the ops tested) and off 0
Z = np.array([0.6 + 0.4j, -0.45 + 0.7j, 0.3 - 0.8j, -0.7 - 0.35j])
H = 1e-6
# central differences: truncation h^2 |f'''| / 6 ~ 1e-12, rounding eps |f| / h ~ 1e-10
FD = {"rtol": 1e-7, "atol": 1e-8}
EXACT = {"rtol": 1e-12, "atol": 1e-14}


def along(f: Callable[[Any], Any], z: Any, direction: complex) -> np.ndarray:
    """The derivative of f at z along ``direction`` by central differences."""
    return (np.asarray(f(z + H * direction)) - np.asarray(f(z - H * direction))) / (2 * H)


def pairing(a: Any, b: Any) -> float:
    """JAX's pairing of cotangents with tangents: Re(sum a b), no conjugation."""
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


# --- JAX's documented values ---------------------------------------------------------------


def test_gradient_of_a_real_function_of_z_is_df_dx_minus_i_df_dy() -> None:
    assert dd.grad(lambda z: dd.abs(z) ** 2)(3 + 4j) == pytest.approx(6 - 8j, rel=1e-15)
    value, g = dd.value_and_grad(lambda z: dd.real(z * dd.conj(z)))(3 + 4j)
    assert (value, g) == (25.0, 6 - 8j)


def test_holomorphic_gradient_is_the_complex_derivative() -> None:
    assert dd.grad(lambda z: z**2, holomorphic=True)(3 + 4j) == 6 + 8j
    assert dd.grad(lambda z: z * z, holomorphic=True)(3 + 4j) == 6 + 8j
    _, pullback = dd.vjp(lambda z: z**2, 3 + 4j)
    assert pullback(1.0 + 0j) == (6 + 8j,)  # vjp of a holomorphic f: g f'(z)
    assert pullback(1j) == (1j * (6 + 8j),)


@pytest.mark.parametrize(
    "f, expected",
    [
        (dd.real, 1.0),  # Re z = x
        (dd.imag, -1j),  # Im z = y: 0 - i 1
        (dd.abs, (3 - 4j) / 5),  # conj(z) / |z|
        (dd.angle, -1j / (3 + 4j)),  # arg z = atan2(y, x): -y/r^2 - i x/r^2 = -i / z
        (lambda z: dd.real(dd.conj(z) * z), 6 - 8j),
    ],
    ids=["real", "imag", "abs", "angle", "conj"],
)
def test_gradients_of_the_parts_of_z(f: Callable[[Any], Any], expected: complex) -> None:
    z = 3 + 4j
    for g in (dd.grad(f)(z), dd.jacrev(f)(z)):
        np.testing.assert_allclose(g, expected, **EXACT)
    fx, fy = along(f, z, 1.0), along(f, z, 1j)  # the definition, by central differences
    np.testing.assert_allclose(expected, fx - 1j * fy, **FD)


# --- holomorphic ops: the oracle table ------------------------------------------------------


def _present(h: Holo) -> Holo:
    if h.op not in dd.REGISTRY:
        pytest.skip(f"no op {h.op!r} in this build")
    return h


HOLO_CHECKS = ["closed-form", "jvp", "vjp", "cauchy-riemann", "jacobians", "grad", "second"]


@pytest.mark.parametrize("check", HOLO_CHECKS)
@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_op(name: str, check: str) -> None:
    h = _present(HOLOMORPHIC[name])
    d = h.deriv(Z)
    if check == "closed-form":  # the table itself, along both directions
        np.testing.assert_allclose(along(h.fn, Z, 1.0), d, **FD)
        np.testing.assert_allclose(along(h.fn, Z, 1j), 1j * d, **FD)
    elif check == "jvp":
        for t in (np.ones_like(Z), 1j * np.ones_like(Z), Z[::-1]):
            out, tangent = dd.jvp(h.fn, (Z,), (t,))
            np.testing.assert_allclose(out, h.fn(Z), **EXACT)
            np.testing.assert_allclose(tangent, d * t, **EXACT)
    elif check == "vjp":
        u = np.array([1.0, 1j, -0.5 + 2j, 0.25j - 1])
        (w,) = dd.vjp(h.fn, Z)[1](u)
        np.testing.assert_allclose(w, u * d, **EXACT)
    elif check == "cauchy-riemann":  # d/dy = i d/dx, in both modes
        fwd_x = dd.jvp(h.fn, (Z,), (np.ones_like(Z),))[1]
        fwd_y = dd.jvp(h.fn, (Z,), (1j * np.ones_like(Z),))[1]
        np.testing.assert_allclose(fwd_y, 1j * fwd_x, **EXACT)
        _, pullback = dd.vjp(h.fn, Z)
        rev_x = np.real(pullback(np.ones_like(Z))[0])  # Re(g f') = d Re(f) / dx at g = 1
        rev_y = np.real(pullback(-1j * np.ones_like(Z))[0])  # = d Im(f) / dx
        np.testing.assert_allclose(rev_x + 1j * rev_y, fwd_x, **EXACT)
    elif check == "jacobians":
        for jac in (dd.jacfwd, dd.jacrev, dd.jacobian):
            np.testing.assert_allclose(jac(h.fn, holomorphic=True)(Z), np.diag(d), **EXACT)
    elif check == "grad":
        for k, z in enumerate(Z):
            np.testing.assert_allclose(dd.grad(h.fn, holomorphic=True)(complex(z)), d[k], **EXACT)
    else:  # f''(z): central differences of the closed-form f'
        second = along(h.deriv, Z, 1.0)
        for k, z in enumerate(Z):
            f2 = dd.grad(dd.grad(h.fn, holomorphic=True), holomorphic=True)(complex(z))
            np.testing.assert_allclose(f2, second[k], **FD)
            np.testing.assert_allclose(dd.hessian(h.fn, holomorphic=True)(complex(z)), f2, **EXACT)


def test_complex64_stays_complex64() -> None:
    z = Z.astype(np.complex64)
    jac = dd.jacfwd(dd.exp, holomorphic=True)(z)
    assert jac.dtype == np.complex64
    g = dd.grad(lambda z: dd.sum(dd.abs(z) ** 2))(z)
    assert g.dtype == np.complex64
    np.testing.assert_allclose(g, 2 * np.conj(z), rtol=1e-6)


# --- the registry walk: every elementwise op on complex input ---------------------------------

_OTHER = 1.2 - 0.7j  # the value of the inputs not differentiated
# ops whose derivative is zero by definition, as in JAX, though on complex input they vary:
# sign(z) = z / |z|
ZERO_BY_DEFINITION = {"sign", "stop_gradient"}


def _elementwise_ops() -> list[str]:
    return sorted(n for n, r in dd.REGISTRY.items() if r.kind == "elementwise")


def _one_input(name: str) -> list[Callable[[Any], Any]]:
    """The op as a function of each of its complex inputs in turn, the others fixed."""
    op, n = make_op(dd.REGISTRY[name]), dd.REGISTRY[name].nargs
    if name == "where":
        mask = np.array([True, False, True, False])
        return [lambda z: op(mask, z, _OTHER), lambda z: op(mask, _OTHER, z)]
    fns = []
    for i in range(n):

        def fn(z: Any, i: int = i) -> Any:
            return op(*[z if j == i else _OTHER for j in range(n)])

        fns.append(fn)
    return fns


def _accepts_complex(fn: Callable[[Any], Any]) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(Z)
    except (TypeError, ValueError):
        return None


@pytest.mark.parametrize("name", _elementwise_ops())
def test_elementwise_op_on_complex_input(name: str) -> None:
    """An op NumPy runs on complex input differentiates consistently in both modes: the JVP
    matches central differences along 1 and i (real-valued ops: along both directions too),
    the VJP is its transpose under Re(u v); an op NumPy refuses raises an error naming it."""
    for fn in _one_input(name):
        y = _accepts_complex(fn)
        if y is None:
            with pytest.raises((TypeError, ValueError), match=rf"'{name}'|complex"):
                dd.jvp(fn, (Z,), (np.ones_like(Z),))
            continue
        if not np.iscomplexobj(y) and name not in ("abs",):
            with pytest.raises(TypeError, match=rf"'{name}' does not support complex input"):
                dd.grad(lambda z: dd.sum(fn(z)))(Z)  # noqa: B023
            continue
        _check_both_modes(name, fn)


def _check_both_modes(name: str, fn: Callable[[Any], Any]) -> None:
    u = np.array([1.0, 1j, -0.5 + 2j, 0.25j - 1])
    if not np.iscomplexobj(fn(Z)):
        u = np.real(u)  # a real output's cotangent is real
    try:
        (w,) = dd.vjp(fn, Z)[1](u)
    except (TypeError, ValueError) as err:  # a rule with no complex form (polygamma's, say)
        assert "complex" in str(err), err
        return
    for t in (np.ones_like(Z), 1j * np.ones_like(Z)):
        tangent = dd.jvp(fn, (Z,), (t,))[1]
        np.testing.assert_allclose(pairing(w, t), pairing(u, tangent), rtol=1e-12, atol=1e-12)
        expected = 0 * tangent if name in ZERO_BY_DEFINITION else along(fn, Z, t[0])
        np.testing.assert_allclose(tangent, expected, **FD)


# --- real-valued functions of complex inputs (not holomorphic) --------------------------------

REAL_VALUED: dict[str, Callable[[Any], Any]] = {
    "abs-squared": lambda z: dd.abs(z) ** 2,
    "abs": dd.abs,
    "angle": dd.angle,
    "re-times-im": lambda z: dd.real(z) * dd.imag(z),
    "log-modulus": lambda z: dd.real(dd.log(z)),
    "im-cube": lambda z: dd.imag(z**3),
    "abs-exp-shift": lambda z: dd.abs(dd.exp(z) - 0.3j),
    "methods": lambda z: (z.conj() * z).real + z.imag,
    "numpy": lambda z: np.real(np.conj(z) * np.exp(z)) + np.angle(z) + np.abs(z),
}


@pytest.mark.parametrize("name", sorted(REAL_VALUED))
def test_real_function_of_complex_input(name: str) -> None:
    f = REAL_VALUED[name]
    fx, fy = along(f, Z, 1.0), along(f, Z, 1j)
    g = dd.grad(lambda z: dd.sum(f(z)))(Z)  # reverse mode
    np.testing.assert_allclose(g, fx - 1j * fy, **FD)
    np.testing.assert_allclose(np.diag(dd.jacrev(f)(Z)), g, **EXACT)
    np.testing.assert_allclose(dd.jvp(f, (Z,), (np.ones_like(Z),))[1], fx, **FD)  # forward
    np.testing.assert_allclose(dd.jvp(f, (Z,), (1j * np.ones_like(Z),))[1], fy, **FD)


@pytest.mark.parametrize("name", sorted(REAL_VALUED))
def test_second_order_through_complex_values(name: str) -> None:
    # as a function of (x, y): forward over reverse, against differences of the gradient
    f = REAL_VALUED[name]

    def g(x: Any, y: Any) -> Any:
        return dd.sum(f(x + 1j * y))

    x, y = np.real(Z), np.imag(Z)
    hess = dd.hessian(g, argnums=(0, 1))(x, y)
    grad = dd.grad(g, argnums=(0, 1))
    for j, (dx, dy) in enumerate(((1.0, 0.0), (0.0, 1.0))):
        plus, minus = grad(x + H * dx, y + H * dy), grad(x - H * dx, y - H * dy)
        for i in range(2):
            np.testing.assert_allclose(np.diag(hess[i][j]), (plus[i] - minus[i]) / (2 * H), **FD)


# --- engines: real inputs through complex values, dtypes, tapes ---------------------------------


def test_real_input_through_complex_values_gets_a_real_gradient() -> None:
    def f(x: Any) -> Any:
        return dd.abs(dd.exp(1j * x) + 2.0) ** 2  # 5 + 4 cos x

    g = dd.grad(f)(0.3)
    assert type(g) is float
    assert g == pytest.approx(-4 * np.sin(0.3), rel=1e-14)
    assert dd.derivative(f)(0.3) == pytest.approx(g, rel=1e-14)
    x32 = np.array([0.3, 1.1], np.float32)
    g32 = dd.grad(lambda x: dd.sum(f(x)))(x32)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, -4 * np.sin(x32), rtol=1e-5)


def test_real_parameter_of_a_complex_model() -> None:
    z0 = np.array([1 + 1j, 0.5 - 2j])

    def loss(a: Any) -> Any:
        return dd.sum(dd.abs(a * z0 + 1j) ** 2)

    # |a z + i|^2 = a^2 |z|^2 + 2 a Im(z) + 1 elementwise
    expected = np.sum(2 * 0.7 * np.abs(z0) ** 2 + 2 * np.imag(z0))
    assert dd.grad(loss)(0.7) == pytest.approx(expected, rel=1e-14)


def test_jacfwd_of_a_real_to_complex_function() -> None:
    x = np.array([0.2, -0.4, 1.3])
    jac = dd.jacfwd(lambda x: dd.exp(1j * x) * x)(x)
    np.testing.assert_allclose(jac, np.diag(np.exp(1j * x) * (1 + 1j * x)), **EXACT)
    out, tangent = dd.jvp(lambda x: dd.exp(1j * x), (x,), (np.ones(3),))
    assert np.iscomplexobj(tangent)
    np.testing.assert_allclose(tangent, 1j * out, **EXACT)


def test_dual_and_var_carry_complex_values() -> None:
    d = dd.Dual(1 + 2j)
    assert d.tangent == 0 and np.iscomplexobj(d.tangent)
    y = dd.sin(dd.Dual(1 + 2j, 1j))
    assert y.tangent == pytest.approx(1j * np.cos(1 + 2j), rel=1e-15)
    assert dd.Dual(np.ones(2, np.complex64), 1.0).tangent.dtype == np.complex64
    with dd.Tape() as tape:
        z = dd.Var(1 + 2j)
        w = dd.exp(z) * z
    (g,) = tape.gradient(w, [z], output_gradient=1.0)
    assert g == pytest.approx(np.exp(1 + 2j) * (2 + 2j), rel=1e-15)
    with dd.Tape():
        z = dd.Var(np.array([3 + 4j]))
        r = dd.sum(dd.abs(z))
    r.backward()
    np.testing.assert_allclose(z.grad, [(3 - 4j) / 5], **EXACT)


def test_numpy_calls_and_methods_on_tracers() -> None:
    z = 0.5 - 1.5j
    for f in (
        lambda z: np.real(z) + np.imag(z) * np.conj(z).imag + np.angle(z),
        lambda z: z.real + z.imag * z.conjugate().imag + dd.angle(z),
    ):
        g = dd.grad(f)(z)
        np.testing.assert_allclose(g, along(f, z, 1.0) - 1j * along(f, z, 1j), **FD)
    with dd.Tape():
        v = dd.Var(z)
        assert np.iscomplexobj(v) and not np.isrealobj(v)
        assert dd.Dual(2.0).imag.primal == 0.0 and dd.Dual(2.0).conj().primal == 2.0


# --- kinks, conventions and misuse ------------------------------------------------------------


def test_abs_and_angle_at_zero_take_derivative_zero_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = np.array([0j, 1 + 1j])
        np.testing.assert_allclose(dd.grad(lambda z: dd.sum(dd.abs(z)))(z), [0, (1 - 1j) / 2**0.5])
        np.testing.assert_allclose(dd.grad(lambda z: dd.sum(dd.angle(z)))(z), [0, -1j / (1 + 1j)])
        assert dd.jvp(dd.angle, (0j,), (1j,))[1] == 0


def test_sign_has_derivative_zero_and_maximum_selects_lexicographically() -> None:
    assert dd.jvp(dd.sign, (1 + 1j,), (1.0,))[1] == 0  # JAX's convention for sign
    a, b = 1 + 5j, 1 + 2j  # equal real parts: the imaginary parts decide, as in NumPy
    assert dd.grad(lambda a, b: dd.maximum(a, b), argnums=(0, 1), holomorphic=True)(a, b) == (
        1,
        0,
    )


def test_ops_without_a_complex_derivative_say_so() -> None:
    with pytest.raises(TypeError, match="'sigmoid' does not support complex input"):
        dd.grad(lambda z: dd.sigmoid(z))(1 + 1j)
    with pytest.raises(TypeError, match="'sigmoid' does not support complex input"):
        dd.jvp(dd.sigmoid, (1 + 1j,), (1.0,))
    with pytest.raises(TypeError, match=r"'arctan2' failed on .*complex128"):
        dd.grad(lambda z: dd.arctan2(z, 1.0))(1 + 1j)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dd.grad(lambda z: z * z)(1j), "real-valued output.*holomorphic=True.*dd.real"),
        (lambda: dd.jacrev(lambda z: z * z)(1j), "jacrev requires a real-valued output"),
        (lambda: dd.jacfwd(dd.exp)(1j), "jacfwd requires real inputs.*holomorphic=True"),
        (lambda: dd.grad(dd.exp, holomorphic=True)(1.0), "requires complex inputs"),
        (lambda: dd.grad(dd.abs, holomorphic=True)(1j), "requires complex outputs"),
        (lambda: dd.jacfwd(dd.abs, holomorphic=True)(1j), "requires complex outputs"),
        (lambda: dd.Dual(1.0, 1j), "complex tangent .* real primal"),
        (lambda: dd.jvp(dd.exp, (1.0,), (1j,)), "tangent 0 is complex but primal 0 is real"),
    ],
)
def test_misuse_follows_jax_and_explains(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_tape_gradient_of_a_complex_target_needs_a_direction() -> None:
    with dd.Tape() as tape:
        z = dd.Var(1 + 1j)
        w = z * z
    with pytest.raises(TypeError, match=r"complex target.*holomorphic"):
        tape.gradient(w, z)
    with dd.Tape() as tape:
        x = dd.Var(2.0)
        y = x * x
    with pytest.raises(TypeError, match="output_gradient is complex but the target is real"):
        tape.gradient(y, x, output_gradient=1j)


def test_jacobian_takes_reverse_mode_for_complex_inputs() -> None:
    # forward mode refuses complex inputs without holomorphic; reverse mode defines them
    jac = dd.jacobian(lambda z: dd.abs(z) ** 2)(Z)
    np.testing.assert_allclose(jac, np.diag(2 * np.conj(Z)), **EXACT)


def test_check_grad_on_complex_inputs_as_real_and_imaginary_parts() -> None:
    # check_grad takes real arguments: a function of z is checked as one of (x, y)
    for f in (lambda z: dd.abs(z) ** 2, dd.angle, lambda z: dd.real(dd.exp(z) * dd.conj(z))):
        dd.check_grad(lambda x, y: f(x + 1j * y), np.real(Z), np.imag(Z))  # noqa: B023


# --- JAX's own numbers ----------------------------------------------------------------------

JAX = np.load(Path(__file__).with_name("jax_reference") / "values.npz")


@pytest.mark.parametrize("name", sorted(jax_cases(np)))
def test_jvp_and_vjp_equal_jax(name: str) -> None:
    f, x = jax_cases(dd)[name]
    y, pullback = dd.vjp(f, x)
    np.testing.assert_allclose(pullback(jax_cotangent(y))[0], JAX[f"{name}/vjp"], **EXACT)
    np.testing.assert_allclose(dd.jvp(f, (x,), (jax_tangent(x),))[1], JAX[f"{name}/jvp"], **EXACT)


def test_transforms_equal_jax() -> None:
    got = {
        "grad-abs2": dd.grad(lambda z: dd.abs(z) ** 2)(3 + 4j),
        "grad-square-holomorphic": dd.grad(lambda z: z**2, holomorphic=True)(3 + 4j),
        "hessian-holomorphic": dd.hessian(lambda z: dd.sin(z) * z, holomorphic=True)(0.3 + 0.4j),
        "jacrev-holomorphic": dd.jacrev(lambda z: dd.exp(z) * z[::-1], holomorphic=True)(Z3),
        "jacfwd-holomorphic": dd.jacfwd(lambda z: dd.exp(z) * z[::-1], holomorphic=True)(Z3),
        "jacrev-real": dd.jacrev(lambda z: dd.abs(z * z[::-1]))(Z3),
    }
    for key, value in got.items():
        np.testing.assert_allclose(value, JAX[key], **EXACT, err_msg=key)
