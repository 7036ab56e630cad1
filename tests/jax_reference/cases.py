"""The computations compared with JAX, written once for any NumPy-like namespace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_rng = np.random.default_rng(0)
Z = _rng.standard_normal(6) + 1j * _rng.standard_normal(6)
X = _rng.standard_normal(6)
U = _rng.standard_normal(6) + 1j * _rng.standard_normal(6)
Z2 = _rng.standard_normal((3, 4)) + 1j * _rng.standard_normal((3, 4))
X2 = _rng.standard_normal((3, 4))
Z3 = np.array([0.1 + 1j, -0.5 + 0.2j, 2 - 1j])


def cases(xp: Any) -> dict[str, tuple[Callable[[Any], Any], np.ndarray]]:
    """name -> (function of one array, its input); ``xp`` is numpy (or jax.numpy)."""
    fft = xp.fft
    return {
        "exp": (xp.exp, Z),
        "sqrt": (xp.sqrt, Z),
        "log": (xp.log, Z),
        "tanh": (xp.tanh, Z),
        "arcsin": (xp.arcsin, Z),
        "power": (lambda z: z ** (1.5 - 0.5j), Z),
        "abs": (xp.abs, Z),
        "angle": (xp.angle, Z),
        "real": (xp.real, Z),
        "imag": (xp.imag, Z),
        "conj": (xp.conj, Z),
        "abs-exp": (lambda z: xp.abs(xp.exp(z) - 0.3j), Z),
        "real-times-complex": (lambda x: x * (1 + 2j) + xp.exp(1j * x), X),
        "maximum": (lambda z: xp.maximum(z, 0.1 + 0.2j), Z),
        "fft": (lambda z: fft.fft(z), Z),
        "fft-crop-ortho": (lambda z: fft.fft(z, n=4, norm="ortho"), Z),
        "fft-pad-real": (lambda x: fft.fft(x, n=9), X),
        "ifft-pad-forward": (lambda z: fft.ifft(z, n=8, norm="forward"), Z),
        "rfft": (lambda x: fft.rfft(x), X),
        "rfft-odd-ortho": (lambda x: fft.rfft(x, n=7, norm="ortho"), X),
        "rfft-crop": (lambda x: fft.rfft(x, n=4), X),
        "irfft": (lambda z: fft.irfft(z), Z),
        "irfft-odd": (lambda z: fft.irfft(z, n=7), Z),
        "irfft-crop-forward": (lambda z: fft.irfft(z, n=4, norm="forward"), Z),
        "fft2": (lambda z: fft.fft2(z), Z2),
        "ifftn-s": (lambda z: fft.ifftn(z, s=(2, 5)), Z2),
        "rfft2": (lambda x: fft.rfft2(x), X2),
        "rfftn-s": (lambda x: fft.rfftn(x, s=(4, 6)), X2),
        "irfft2": (lambda z: fft.irfft2(z), Z2),
        "irfftn-s": (lambda z: fft.irfftn(z, s=(3, 5)), Z2),
        "fftshift": (lambda z: fft.fftshift(z), Z2),
    }


def cotangent(y: np.ndarray) -> np.ndarray:
    """The cotangent paired with output y: U repeated to its shape, real for a real y."""
    u = np.resize(U, np.shape(y))
    return u if np.iscomplexobj(y) else u.real


def tangent(x: np.ndarray) -> np.ndarray:
    return np.full_like(x, 0.3 - 0.7j if np.iscomplexobj(x) else 0.3)
