"""Catalog entries of the Fourier transforms: real inputs, and the real and imaginary parts
of complex results stacked, so that checks see real functions."""

from __future__ import annotations

from typing import Any

from ... import ops
from ...ops import fft
from .base import Example, grid


def _parts(z: Any) -> Any:
    return ops.stack([ops.real(z), ops.imag(z)])


_X = grid(-1.5, 1.3, (6,))

EXAMPLES: dict[str, Example] = {
    "fftn": Example(lambda x: _parts(fft.fft(x)), (_X,)),
    "ifftn": Example(lambda x, y: _parts(fft.ifft(x + 1j * y, n=4)), (_X, grid(-1, 1, (6,)))),
    "rfftn": Example(lambda x: _parts(fft.rfft(x)), (_X,)),
    "irfftn": Example(lambda x, y: fft.irfft(x + 1j * y), (grid(-1, 1, (4,)), grid(0, 1, (4,)))),
    "fftshift": Example(lambda x: fft.fftshift(x), (grid(-1, 1),)),
    "ifftshift": Example(lambda x: fft.ifftshift(x, axes=1), (grid(-1, 1),)),
}
