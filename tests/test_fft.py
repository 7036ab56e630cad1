"""``dd.fft`` against independent oracles: the DFT matrix written out, central differences,
JAX's pairing identity Re(<vjp(u), v>) = Re(<u, jvp(v)>) over lengths that crop and pad, the
three norms, odd and even n and several axes, Parseval's theorem, and NumPy's dispatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

F = dd.fft
EXACT = {"rtol": 1e-12, "atol": 1e-12}
H = 1e-6
FD = {"rtol": 1e-7, "atol": 1e-8}
SCALE = {"backward": lambda n: 1.0, "ortho": lambda n: n**-0.5, "forward": lambda n: 1.0 / n}


def rng_for(*key: object) -> np.random.Generator:
    return np.random.default_rng(abs(hash(repr(key))) % 2**32)


def sample(rng: np.random.Generator, shape: tuple[int, ...], complex_: bool) -> np.ndarray:
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else x


def pairing(a: Any, b: Any) -> float:
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def dft_matrix(n: int, m: int, sign: float = -1.0) -> np.ndarray:
    """The m x n map of n inputs (cropped or zero-padded to m) to m DFT coefficients."""
    k = np.arange(m)[:, None]
    j = np.arange(min(n, m))[None, :]
    full = np.zeros((m, n), complex)
    full[:, : min(n, m)] = np.exp(sign * 2j * np.pi * k * j / m)
    return full


# --- the derivative is the DFT matrix ----------------------------------------------------------


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("n, m", [(6, 6), (5, 8), (8, 5)])
def test_jacobian_of_fft_is_the_dft_matrix(n: int, m: int, norm: str) -> None:
    x = rng_for(n, m).standard_normal(n)
    expected = SCALE[norm](m) * dft_matrix(n, m)
    np.testing.assert_allclose(dd.jacfwd(lambda x: F.fft(x, m, norm=norm))(x), expected, **EXACT)
    z = x + 0.5j
    jac = dd.jacrev(lambda z: F.fft(z, m, norm=norm), holomorphic=True)(z)
    np.testing.assert_allclose(jac, expected, **EXACT)
    inverse = SCALE[{"backward": "forward", "forward": "backward", "ortho": "ortho"}[norm]](m)
    jac = dd.jacfwd(lambda z: F.ifft(z, m, norm=norm), holomorphic=True)(z)
    np.testing.assert_allclose(jac, inverse * dft_matrix(n, m, +1.0), **EXACT)


@pytest.mark.parametrize("n, length", [(8, 8), (7, 7), (6, 9), (9, 4)])
def test_jacobian_of_rfft_is_the_first_half_of_the_dft_matrix(n: int, length: int) -> None:
    x = rng_for(n, length).standard_normal(n)
    expected = dft_matrix(n, length)[: length // 2 + 1]
    for jac in (dd.jacfwd, dd.jacrev):
        # jacrev of a complex output is not defined (JAX); its real and imaginary parts are
        parts = jac(lambda x: dd.stack([dd.real(F.rfft(x, length)), dd.imag(F.rfft(x, length))]))(x)
        np.testing.assert_allclose(parts[0] + 1j * parts[1], expected, **EXACT)


@pytest.mark.parametrize("n", [8, 7])
def test_irfft_reads_each_coefficient_once_or_twice(n: int) -> None:
    # irfft(X)_k = (1/n) Re(sum_j c_j X_j e^{2 pi i jk/n}), c_j = 1 at 0 (and n/2), else 2
    m = n // 2 + 1
    c = np.full(m, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    w = np.exp(2j * np.pi * np.arange(n)[:, None] * np.arange(m)[None, :] / n) * c / n
    re = dd.jacfwd(lambda a: F.irfft(a + 0j, n))(np.zeros(m))  # d / d Re X
    im = dd.jacfwd(lambda b: F.irfft(1j * b, n))(np.zeros(m))  # d / d Im X
    np.testing.assert_allclose(re, np.real(w), **EXACT)
    np.testing.assert_allclose(im, -np.imag(w), **EXACT)
    # the reverse mode: grad of <g, irfft(X)> is conj(d/dRe - i d/dIm) in JAX's convention
    g = rng_for(n).standard_normal(n)
    grad = dd.grad(lambda X: dd.sum(g * F.irfft(X, n)))(np.ones(m) + 0j)
    np.testing.assert_allclose(grad, g @ np.real(w) + 1j * (g @ np.imag(w)), **EXACT)


# --- every transform: JVP by differences, VJP by the pairing identity -------------------------

CASES: list[tuple[str, Callable[..., Any], tuple[int, ...], bool]] = [
    ("fft", lambda x: F.fft(x), (8,), True),
    ("fft-crop", lambda x: F.fft(x, n=5), (8,), True),
    ("fft-pad-real", lambda x: F.fft(x, n=11, norm="ortho"), (8,), False),
    ("ifft-axis0", lambda x: F.ifft(x, axis=0, norm="ortho"), (6, 3), True),
    ("rfft-even", lambda x: F.rfft(x), (8,), False),
    ("rfft-odd", lambda x: F.rfft(x), (7,), False),
    ("rfft-pad-forward", lambda x: F.rfft(x, n=12, norm="forward"), (7,), False),
    ("rfft-crop", lambda x: F.rfft(x, n=4), (7,), False),
    ("irfft", lambda x: F.irfft(x), (5,), True),
    ("irfft-odd", lambda x: F.irfft(x, n=9), (5,), True),
    ("irfft-crop-ortho", lambda x: F.irfft(x, n=4, norm="ortho"), (5,), True),
    ("irfft-pad-forward", lambda x: F.irfft(x, n=13, norm="forward"), (5,), True),
    ("fft2", lambda x: F.fft2(x), (4, 6), True),
    ("ifft2-s", lambda x: F.ifft2(x, s=(3, 8)), (4, 6), True),
    ("fftn", lambda x: F.fftn(x), (3, 4, 2), True),
    ("ifftn-axes", lambda x: F.ifftn(x, axes=(0, 2), norm="forward"), (3, 4, 2), True),
    ("rfftn", lambda x: F.rfftn(x), (3, 4, 6), False),
    ("rfftn-s", lambda x: F.rfftn(x, s=(5, 7)), (3, 4, 6), False),
    ("irfftn", lambda x: F.irfftn(x), (3, 4, 4), True),
    ("irfftn-s-ortho", lambda x: F.irfftn(x, s=(2, 5, 7), norm="ortho"), (3, 4, 4), True),
    ("irfft2-axes", lambda x: F.irfft2(x, axes=(0, 1)), (3, 4, 2), True),
    ("rfft2", lambda x: F.rfft2(x), (4, 5), False),
    ("hfft", lambda x: F.hfft(x), (5,), True),
    ("ihfft", lambda x: F.ihfft(x), (6,), False),
    ("fftshift", lambda x: F.fftshift(x), (5, 4), True),
    ("ifftshift-axis", lambda x: F.ifftshift(x, axes=1), (5, 3), False),
    ("np.fft.fft", lambda x: np.fft.fft(x), (6,), False),
    ("np.fft.irfftn", lambda x: np.fft.irfftn(x, norm="ortho"), (2, 3), True),
]


@pytest.mark.parametrize("label, f, shape, complex_", CASES, ids=[c[0] for c in CASES])
def test_transform_in_both_modes(
    label: str, f: Callable[..., Any], shape: tuple[int, ...], complex_: bool
) -> None:
    rng = rng_for(label)
    x, v = sample(rng, shape, complex_), sample(rng, shape, complex_)
    y, jv = dd.jvp(f, (x,), (v,))
    np.testing.assert_allclose(y, f(x), **EXACT)
    np.testing.assert_allclose(jv, (f(x + H * v) - f(x - H * v)) / (2 * H), **FD)
    np.testing.assert_allclose(jv, f(v), **EXACT)  # linear: the JVP is the map itself
    u = sample(rng, np.shape(y), np.iscomplexobj(y))
    (w,) = dd.vjp(f, x)[1](u)
    assert np.shape(w) == shape and np.iscomplexobj(w) == complex_
    np.testing.assert_allclose(pairing(w, v), pairing(u, jv), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("label, f, shape, complex_", CASES[:12], ids=[c[0] for c in CASES[:12]])
def test_batched_tangents_and_float32(
    label: str, f: Callable[..., Any], shape: tuple[int, ...], complex_: bool
) -> None:
    rng = rng_for(label, "batched")
    x = sample(rng, shape, complex_)
    vs = sample(rng, (3, *shape), complex_)
    together = f(dd.Dual(x, vs)).tangent
    for k in range(3):
        np.testing.assert_allclose(together[k], f(dd.Dual(x, vs[k])).tangent, **EXACT)
    x32 = x.astype(np.complex64 if complex_ else np.float32)
    y = f(dd.Dual(x32, np.ones_like(x32)))
    assert np.result_type(y.primal) in (np.float32, np.complex64)
    assert np.result_type(y.tangent) == np.result_type(y.primal)


# --- closed forms ------------------------------------------------------------------------------


def test_parseval_gradient_of_the_power_spectrum() -> None:
    # sum |fft(x, norm="ortho")|^2 = sum x^2: gradient 2x
    x = rng_for("parseval").standard_normal(10)
    g = dd.grad(lambda x: dd.sum(dd.abs(F.fft(x, norm="ortho")) ** 2))(x)
    np.testing.assert_allclose(g, 2 * x, **EXACT)
    z = x + 1j * x[::-1]
    g = dd.grad(lambda z: dd.sum(dd.abs(F.fftn(z, norm="ortho")) ** 2))(z)
    np.testing.assert_allclose(g, 2 * np.conj(z), **EXACT)  # as grad |z|^2 = 2 conj(z)


def test_round_trips_are_the_identity_map() -> None:
    x = rng_for("round trip").standard_normal((4, 6))
    w = rng_for("weights").standard_normal((4, 6))
    for f in (
        lambda x: F.irfft(F.rfft(x)),
        lambda x: F.irfftn(F.rfftn(x), s=(4, 6)),
        lambda x: dd.real(F.ifft2(F.fft2(x))),
        lambda x: F.ifftshift(F.fftshift(x)),
        lambda x: F.hfft(F.ihfft(x, axis=0), n=4, axis=0),
    ):
        np.testing.assert_allclose(dd.grad(lambda x: dd.sum(w * f(x)))(x), w, **EXACT)  # noqa: B023


def test_hessian_of_a_spectral_loss() -> None:
    # L = sum c_k |rfft(x)_k|^2 = x^T (R^H C R) x with R the rfft matrix: Hessian 2 Re(R^H C R)
    n = 7
    x = rng_for("hessian").standard_normal(n)
    c = np.linspace(0.5, 2.0, n // 2 + 1)
    r = dft_matrix(n, n)[: n // 2 + 1]
    expected = 2 * np.real(r.conj().T @ np.diag(c) @ r)
    hessian = dd.hessian(lambda x: dd.sum(c * dd.abs(F.rfft(x)) ** 2))(x)
    np.testing.assert_allclose(hessian, expected, **EXACT)


def test_fftshift_moves_the_zero_frequency_to_the_centre() -> None:
    x = np.arange(5.0)
    np.testing.assert_array_equal(F.fftshift(x), [3, 4, 0, 1, 2])
    jac = dd.jacrev(F.fftshift)(x)
    np.testing.assert_array_equal(jac, np.eye(5)[[3, 4, 0, 1, 2]])
    np.testing.assert_array_equal(dd.jacfwd(F.ifftshift)(x), np.linalg.inv(jac))
    assert F.fftfreq(4, 0.5).tolist() == [0.0, 0.5, -1.0, -0.5]


# --- NumPy's dispatch, the tape, errors ------------------------------------------------------


def test_numpy_calls_reach_the_transforms() -> None:
    x = np.array([1.0, 2.0, -1.0, 0.5])
    with dd.Tape() as tape:
        v = dd.Var(x)
        y = np.sum(np.abs(np.fft.rfft(v)) ** 2)
    assert tape.entries[0][0].name == "rfftn"
    via_dd = dd.grad(lambda x: dd.sum(dd.abs(F.rfft(x)) ** 2))(x)
    np.testing.assert_allclose(tape.gradient(y, v), via_dd, **EXACT)
    d = np.fft.fftshift(np.fft.ifft(dd.Dual(x, np.ones(4))))
    np.testing.assert_allclose(d.tangent, np.fft.fftshift(np.fft.ifft(np.ones(4))), **EXACT)


def test_the_public_namespace_mirrors_numpy() -> None:
    for name in dd.fft.__all__:
        assert hasattr(np.fft, name), name
    assert "fft" in dd.__all__ and dd.fft.rfftn.__doc__


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.fft(np.ones(4), norm="unitary"), ValueError, r"fft: norm must be.*'ortho'"),
        (lambda: F.rfft(np.ones(4), axis=2), ValueError, r"rfft: axis 2 is out of bounds"),
        (lambda: F.irfft(np.ones(4), n=0), ValueError, r"irfft: every transform length"),
        (lambda: F.fftn(np.ones((2, 2)), (2, 2), axes=0), ValueError, r"fftn: s=.*one length per"),
        (lambda: F.fft2(np.ones((2, 2)), axes=(0, 0)), ValueError, r"fftn: axes must name.*"),
        (lambda: F.rfft(np.ones(4) + 1j), TypeError, r"'rfftn' failed on .*complex128"),
    ],
)
def test_bad_arguments_name_the_transform(
    call: Callable[[], Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        call()
