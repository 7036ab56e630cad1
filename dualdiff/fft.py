"""``dd.fft``: NumPy's discrete Fourier transforms, differentiable in both modes.

The same names and parameters as ``np.fft`` (``n``/``s``, ``axis``/``axes``,
``norm``); ``np.fft.fft(x)`` on a traced value arrives at the same op. The rules
are in :mod:`dualdiff.ops.fft`. ``fftfreq`` and ``rfftfreq`` are NumPy's own:
sample frequencies, which depend on no input to differentiate.
"""

from numpy.fft import fftfreq, rfftfreq

from .ops.fft import (
    fft,
    fft2,
    fftn,
    fftshift,
    hfft,
    ifft,
    ifft2,
    ifftn,
    ifftshift,
    ihfft,
    irfft,
    irfft2,
    irfftn,
    rfft,
    rfft2,
    rfftn,
)

__all__ = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn", "ifftshift",
    "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn",
]  # fmt: skip
