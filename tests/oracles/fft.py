"""Oracles of the Fourier transforms (cases): real inputs (a complex one as x + iy), and
the real and imaginary parts of complex results stacked, so that every coefficient is checked
by central differences and the dot-product identity. Lengths crop and pad, all three norms,
odd and even n. Composites: the transforms built from the four registry ops."""

from __future__ import annotations

from typing import Any

import numpy as np

import dualdiff as dd

from .domains import Case

F = dd.fft


def parts(z: Any) -> Any:
    return dd.stack([dd.real(z), dd.imag(z)])


STRUCTURAL: dict[str, list[Case]] = {
    "fftn": [
        Case("fft", lambda x: parts(F.fft(x)), ((8,),)),
        Case("fft-complex-pad", lambda x, y: parts(F.fft(x + 1j * y, n=7)), ((5,), (5,))),
        Case("fft-crop-forward", lambda x: parts(F.fft(x, 3, 0, "forward")), ((5, 2),)),
        Case("fft2-ortho", lambda x: parts(F.fft2(x, norm="ortho")), ((3, 4),)),
        Case("fftn-s-axes", lambda x: parts(F.fftn(x, s=(3, 5), axes=(0, 2))), ((2, 3, 4),)),
    ],
    "ifftn": [
        Case("ifft", lambda x, y: parts(F.ifft(x + 1j * y)), ((6,), (6,))),
        Case("ifft2-s", lambda x: parts(F.ifft2(x, s=(4, 2))), ((3, 3),)),
        Case("ifftn-ortho", lambda x: parts(F.ifftn(x, norm="ortho")), ((2, 3, 2),)),
    ],
    "rfftn": [
        Case("rfft-even", lambda x: parts(F.rfft(x)), ((8,),)),
        Case("rfft-odd-pad-ortho", lambda x: parts(F.rfft(x, n=7, norm="ortho")), ((5,),)),
        Case("rfft-crop-axis0", lambda x: parts(F.rfft(x, n=4, axis=0)), ((6, 2),)),
        Case("rfftn-forward", lambda x: parts(F.rfftn(x, norm="forward")), ((3, 4),)),
    ],
    "irfftn": [
        Case("irfft-even", lambda x, y: F.irfft(x + 1j * y), ((5,), (5,))),
        Case("irfft-odd-ortho", lambda x, y: F.irfft(x + 1j * y, n=7, norm="ortho"), ((4,), (4,))),
        Case("irfft-crop", lambda x, y: F.irfft(x + 1j * y, n=4), ((5,), (5,))),
        Case("irfft-pad-forward", lambda x: F.irfft(x * (1 - 1j), 11, norm="forward"), ((3,),)),
        Case("irfftn-s", lambda x, y: F.irfftn(x + 1j * y, s=(3, 6)), ((2, 4), (2, 4))),
    ],
    "fftshift": [
        Case("all-axes", lambda x: F.fftshift(x), ((3, 4),)),
        Case("one-axis", lambda x: F.fftshift(x, axes=0), ((5, 2),)),
    ],
    "ifftshift": [
        Case("all-axes", lambda x: F.ifftshift(x), ((5,),)),
        Case("axes", lambda x: F.ifftshift(x, axes=(0, 2)), ((3, 2, 3),)),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "fft.rfft2": [Case("s", lambda x: parts(F.rfft2(x, s=(2, 5))), ((3, 4),))],
    "fft.irfft2": [Case("default", lambda x, y: F.irfft2(x + 1j * y), ((3, 3), (3, 3)))],
    "fft.hfft": [Case("odd", lambda x, y: F.hfft(x + 1j * y, n=5), ((3,), (3,)))],
    "fft.ihfft": [Case("ortho", lambda x: parts(F.ihfft(x, norm="ortho")), ((6,),))],
    "np.fft": [
        Case("fft", lambda x: parts(np.fft.fft(x)), ((4,),)),
        Case("irfft-of-rfft", lambda x: np.fft.irfft(np.fft.rfft(x) * (1 + 1j)), ((6,),)),
    ],
}
