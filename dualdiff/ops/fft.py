"""Discrete Fourier transforms, as ``np.fft`` has them (public as ``dd.fft.NAME``).

Four registry ops carry every transform, each over ``axes`` (negative ints) with
lengths ``s`` (the input cropped or zero-padded to them) and a ``norm``:
``fftn``, ``ifftn`` (complex to complex), ``rfftn`` (real to the half spectrum,
the last axis keeping n // 2 + 1 entries) and ``irfftn`` (half spectrum to
real). ``fft``, ``fft2``, ``rfft`` ... are these ops on one or two axes.

All are linear: the JVP is the transform of the tangent. The VJP is the
transpose under JAX's pairing Re(u v) (see :mod:`dualdiff.ops.complex`). The
DFT matrix is symmetric, so the transpose of ``fftn`` is ``fftn`` itself, then
the crop or padding undone. ``rfftn`` is the fft of a real input, cut to half
the last axis: its transpose pads g back with zeros, transforms, and keeps the
real part. ``irfftn`` reads each entry of the half spectrum once (the zero
frequency, and Nyquist for an even n) or twice (the others, which stand for
their conjugates too): its transpose is ``c * ifftn(g)`` on the half spectrum,
c = 1 or 2 accordingly. The norm's scale is a real number, its own transpose.
``fftshift`` and ``ifftshift`` roll each axis by half its length: each is the
other's transpose.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._namespace import device_of, dtype_kind, namespace, numpy_dtype, require
from .._util import in_namespace_of, is_foreign, ndim_of, primal_of, shape_of
from ..core import Tracer, defop
from .complex import conj, real
from .shape import concatenate, getitem

_NORMS = ("backward", "ortho", "forward")
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}

# --- cropping and padding ---------------------------------------------------------------


def _fit(x: Any, axes: tuple[int, ...], sizes: Sequence[int]) -> Any:
    """``x`` cropped or zero-padded at the end of each (negative) axis to ``sizes``."""
    for axis, n in zip(axes, sizes, strict=True):
        have = shape_of(x)[axis]
        if have > n:
            x = getitem(x, (Ellipsis, slice(0, n)) + (slice(None),) * (-axis - 1))
        elif have < n:
            shape = list(shape_of(x))
            shape[axis] = n - have
            p = primal_of(x)
            zeros = _zeros_in(p, shape) if is_foreign(p) else np.zeros(shape, np.result_type(p))
            x = concatenate([x, zeros], axis=axis)
    return x


def _zeros_in(like: Any, shape: list[int]) -> Any:
    """Zeros of ``shape`` in the dtype, namespace and device of ``like``."""
    return namespace(like).zeros(tuple(shape), dtype=like.dtype, device=device_of(like))


def _complex_in(xp: Any, transform: str) -> Any:
    """``xp.fft.<transform>`` on complex values: the array API's complex transforms take no
    real input (NumPy's promote it)."""

    def run(a: Any, *, s: Any, axes: Any, norm: str) -> Any:
        if dtype_kind(a.dtype) != "c":
            a = xp.astype(a, xp.complex64 if a.dtype == xp.float32 else xp.complex128)
        return require(xp, f"fft.{transform}", transform)(a, s=s, axes=axes, norm=norm)

    return run


def _sizes(x: Any, axes: tuple[int, ...]) -> tuple[int, ...]:
    shape = shape_of(x)
    return tuple(shape[a] for a in axes)


def _half(n: int) -> int:
    """The length of the half spectrum of n real points."""
    return n // 2 + 1


def _hermitian_weights(n: int, dtype: np.dtype, axis: int) -> np.ndarray:
    """How often irfft reads each entry of the half spectrum of n points: 1 for the zero
    frequency (and Nyquist, for an even n), 2 for the others; shaped to broadcast on ``axis``."""
    c = np.full(_half(n), 2.0, dtype=np.finfo(dtype).dtype)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    return c.reshape((-1,) + (1,) * (-axis - 1))


# --- the registry ops ---------------------------------------------------------------------


def _c2c_vjp(g: Any, ans: Any, a: Any, *, s: Any, axes: Any, norm: str, op: Any) -> Any:
    return _fit(op(g, s=s, axes=axes, norm=norm), axes, _sizes(a, axes))


_fftn = defop(
    "fftn",
    lambda a, *, s, axes, norm: np.fft.fftn(a, s, axes, norm),
    api=lambda xp, a, **params: _complex_in(xp, "fftn")(a, **params),
    jvp=lambda t, ans, a, **p: _fftn(t, **p),
    vjp=lambda g, ans, a, **p: _c2c_vjp(g, ans, a, op=_fftn, **p),
    doc="The DFT over ``axes``: X_k = Σ_j x_j exp(-2πi jk / n), scaled by ``norm``.",
    vjp_batched=True,
)
_ifftn = defop(
    "ifftn",
    lambda a, *, s, axes, norm: np.fft.ifftn(a, s, axes, norm),
    api=lambda xp, a, **params: _complex_in(xp, "ifftn")(a, **params),
    jvp=lambda t, ans, a, **p: _ifftn(t, **p),
    vjp=lambda g, ans, a, **p: _c2c_vjp(g, ans, a, op=_ifftn, **p),
    doc="The inverse DFT over ``axes``: x_j = Σ_k X_k exp(2πi jk / n) / n (``norm``).",
    vjp_batched=True,
)


def _rfftn_vjp(g: Any, ans: Any, a: Any, *, s: Any, axes: Any, norm: str) -> Any:
    full = _fit(g, axes[-1:], s[-1:])  # the half spectrum padded with zeros to n entries
    return _fit(real(_fftn(full, s=s, axes=axes, norm=norm)), axes, _sizes(a, axes))


_rfftn = defop(
    "rfftn",
    lambda a, *, s, axes, norm: np.fft.rfftn(a, s, axes, norm),
    api="fft.rfftn",
    jvp=lambda t, ans, a, **p: _rfftn(t, **p),
    vjp=_rfftn_vjp,
    doc="The DFT of real x over ``axes``, the last axis cut to its n // 2 + 1 entries.",
    vjp_batched=True,
)


def _irfftn_vjp(g: Any, ans: Any, a: Any, *, s: Any, axes: Any, norm: str) -> Any:
    half = _fit(_ifftn(g, s=s, axes=axes, norm=norm), axes[-1:], (_half(s[-1]),))
    p = primal_of(ans)
    dtype = numpy_dtype(p.dtype) if is_foreign(p) else np.result_type(p)
    weights = _hermitian_weights(s[-1], dtype, axes[-1])
    return _fit(half * in_namespace_of(weights, ans), axes, _sizes(a, axes))


_irfftn = defop(
    "irfftn",
    lambda a, *, s, axes, norm: np.fft.irfftn(a, s, axes, norm),
    api="fft.irfftn",
    jvp=lambda t, ans, a, **p: _irfftn(t, **p),
    vjp=_irfftn_vjp,
    doc="The real inverse DFT over ``axes`` of a half spectrum (n points on the last axis).",
    vjp_batched=True,
)

_fftshift = defop(
    "fftshift",
    lambda x, *, axes: np.fft.fftshift(x, axes),
    api="fft.fftshift",
    jvp=lambda t, ans, x, *, axes: _fftshift(t, axes=axes),
    vjp=lambda g, ans, x, *, axes: _ifftshift(g, axes=axes),
    doc="x rolled by n // 2 along each of ``axes``: the zero frequency to the centre.",
    vjp_batched=True,
)
_ifftshift = defop(
    "ifftshift",
    lambda x, *, axes: np.fft.ifftshift(x, axes),
    api="fft.ifftshift",
    jvp=lambda t, ans, x, *, axes: _ifftshift(t, axes=axes),
    vjp=lambda g, ans, x, *, axes: _fftshift(g, axes=axes),
    doc="The inverse of fftshift: x rolled by -(n // 2) along each of ``axes``.",
    vjp_batched=True,
)

# --- parameters as NumPy takes them -------------------------------------------------------


def _array(a: Any) -> Any:
    return a if isinstance(a, (Tracer, np.ndarray)) or is_foreign(a) else np.asarray(a)


def _norm(norm: str | None, op: str) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f"{op}: norm must be None, 'backward', 'ortho' or 'forward', got {norm!r}")
    return norm


def _axes(a: Any, axes: Any, ndim_s: int | None, op: str) -> tuple[int, ...]:
    """``axes`` as distinct negative ints; by default the last ``ndim_s`` axes, or all."""
    nd = ndim_of(a)
    if axes is None:
        axes = range(-(nd if ndim_s is None else ndim_s), 0)
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    out = []
    for ax in axes:
        ax = operator.index(ax)
        if not -nd <= ax < nd:
            raise ValueError(
                f"{op}: axis {ax} is out of bounds for an array of dimension {nd}; the input "
                f"has shape {shape_of(a)}"
            )
        out.append(ax - nd if ax >= 0 else ax)
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{op}: axes must name one or more distinct axes, got {axes!r}")
    return tuple(out)


def _lengths(s: Any, default: tuple[int, ...], op: str) -> tuple[int, ...]:
    """The transform lengths ``s`` (one per axis, each >= 1), or ``default``."""
    if s is None:
        return default
    s = (s,) if isinstance(s, (int, np.integer)) else tuple(s)
    if len(s) != len(default):
        raise ValueError(f"{op}: s={s!r} must give one length per axis ({len(default)} axes)")
    if not all(isinstance(n, (int, np.integer)) and n >= 1 for n in s):
        raise ValueError(f"{op}: every transform length must be an int >= 1, got s={s!r}")
    return tuple(int(n) for n in s)


def _plan(a: Any, s: Any, axes: Any, norm: Any, op: str, inverse_real: bool = False) -> Any:
    """The normalized (input, params) of a transform; ``inverse_real``: irfft's default n."""
    a = _array(a)
    axes = _axes(a, axes, None if s is None else len(np.atleast_1d(s)), op)
    default = _sizes(a, axes)
    if inverse_real:
        default = (*default[:-1], 2 * (default[-1] - 1))
    return a, {"s": _lengths(s, default, op), "axes": axes, "norm": _norm(norm, op)}


def _one_axis(n: Any) -> Any:
    return None if n is None else (n,)


# --- the public transforms ------------------------------------------------------------------


def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """``np.fft.fft``: the DFT along ``axis`` (length ``n``: cropped or zero-padded)."""
    a, p = _plan(a, _one_axis(n), (axis,), norm, "fft")
    return _fftn(a, **p)


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """``np.fft.ifft``: the inverse DFT along ``axis``."""
    a, p = _plan(a, _one_axis(n), (axis,), norm, "ifft")
    return _ifftn(a, **p)


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """``np.fft.rfft``: the DFT of real input along ``axis``, n // 2 + 1 entries."""
    a, p = _plan(a, _one_axis(n), (axis,), norm, "rfft")
    return _rfftn(a, **p)


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """``np.fft.irfft``: n real points (default 2 (m - 1)) from a half spectrum of m."""
    a, p = _plan(a, _one_axis(n), (axis,), norm, "irfft", inverse_real=True)
    return _irfftn(a, **p)


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """``np.fft.hfft``: the real DFT of a Hermitian signal given by its first half."""
    return irfft(conj(_array(a)), n, axis, _SWAPPED[_norm(norm, "hfft")])


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """``np.fft.ihfft``: the inverse of hfft, a half spectrum from real input."""
    return conj(rfft(a, n, axis, _SWAPPED[_norm(norm, "ihfft")]))


def fftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """``np.fft.fftn``: the DFT over ``axes`` (default: all, or the last len(s))."""
    a, p = _plan(a, s, axes, norm, "fftn")
    return _fftn(a, **p)


def ifftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """``np.fft.ifftn``: the inverse DFT over ``axes``."""
    a, p = _plan(a, s, axes, norm, "ifftn")
    return _ifftn(a, **p)


def rfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """``np.fft.rfftn``: the DFT of real input over ``axes``, the last one halved."""
    a, p = _plan(a, s, axes, norm, "rfftn")
    return _rfftn(a, **p)


def irfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """``np.fft.irfftn``: real output over ``axes`` from a half spectrum on the last one."""
    a, p = _plan(a, s, axes, norm, "irfftn", inverse_real=True)
    return _irfftn(a, **p)


def fft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None) -> Any:
    """``np.fft.fft2``: the DFT over the last two axes."""
    return fftn(a, s, axes, norm)


def ifft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None) -> Any:
    """``np.fft.ifft2``: the inverse DFT over the last two axes."""
    return ifftn(a, s, axes, norm)


def rfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None) -> Any:
    """``np.fft.rfft2``: rfftn over the last two axes."""
    return rfftn(a, s, axes, norm)


def irfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None) -> Any:
    """``np.fft.irfft2``: irfftn over the last two axes."""
    return irfftn(a, s, axes, norm)


def _shift(op: Any, x: Any, axes: Any, name: str) -> Any:
    x = _array(x)
    return op(x, axes=_axes(x, axes, None, name)) if ndim_of(x) else x


def fftshift(x: Any, axes: Any = None) -> Any:
    """``np.fft.fftshift``: the zero frequency moved to the centre of ``axes`` (default all)."""
    return _shift(_fftshift, x, axes, "fftshift")


def ifftshift(x: Any, axes: Any = None) -> Any:
    """``np.fft.ifftshift``: the inverse of fftshift."""
    return _shift(_ifftshift, x, axes, "ifftshift")


# ``np.fft.fft(x)`` on a tracer arrives here through ``__array_function__``
NUMPY: dict[Any, Any] = {
    np.fft.fft: fft,
    np.fft.ifft: ifft,
    np.fft.rfft: rfft,
    np.fft.irfft: irfft,
    np.fft.hfft: hfft,
    np.fft.ihfft: ihfft,
    np.fft.fft2: fft2,
    np.fft.ifft2: ifft2,
    np.fft.rfft2: rfft2,
    np.fft.irfft2: irfft2,
    np.fft.fftn: fftn,
    np.fft.ifftn: ifftn,
    np.fft.rfftn: rfftn,
    np.fft.irfftn: irfftn,
    np.fft.fftshift: fftshift,
    np.fft.ifftshift: ifftshift,
}

# the transforms are public as dd.fft.NAME (see dualdiff/fft.py), as NumPy's are np.fft.NAME
__all__: list[str] = []
