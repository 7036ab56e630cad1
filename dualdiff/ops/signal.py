"""Signal processing: ``convolve`` and ``correlate`` (slices of one registry op, the full
convolution) and ``interp`` (a registry op: piecewise-linear interpolation).

The full convolution is bilinear: the JVP of each input convolves its tangent with the
other input, and the VJP correlates the cotangent with the other input (a convolution
with it reversed, cut to the input's length). The op convolves along the last axis and
broadcasts the leading ones, so tangents with batch axes pass through it unchanged.

``interp`` on the segment [xp[j], xp[j+1]] is fp[j] + w (fp[j+1] - fp[j]) with
w = (x - xp[j]) / (xp[j+1] - xp[j]): its derivative in x is the segment's slope s, in
fp the weights 1 - w and w, in xp -(1 - w) s and -w s. Outside [xp[0], xp[-1]] the
value is a constant (``left``/``right``) or fp[0]/fp[-1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._util import is_complex, is_foreign, ndim_of, primal_of, shape_of
from ..core import Tracer, defop
from .complex import conj
from .elementwise import where
from .shape import batched_scatter, getitem, reshape

# --- convolution --------------------------------------------------------------------------


def _full_convolution(a: Any, v: Any) -> Any:
    """(..., n) and (..., m) -> (..., n + m - 1): out[k] = sum_i a[i] v[k - i]."""
    a, v = np.asarray(a), np.asarray(v)
    if a.ndim == 1 and v.ndim == 1:
        return np.convolve(a, v)
    n, m = a.shape[-1], v.shape[-1]
    padded = np.zeros((*a.shape[:-1], n + 2 * (m - 1)), dtype=np.result_type(a, v))
    padded[..., m - 1 : m - 1 + n] = a
    windows = sliding_window_view(padded, m, axis=-1)  # (..., n + m - 1, m)
    return np.einsum("...ij,...j->...i", windows, v[..., ::-1])


def _correlation_vjp(g: Any, other: Any, n: int) -> Any:
    """sum_k g[k] other[k - i] for i < n: the transpose of convolving with ``other``."""
    m = shape_of(other)[-1]
    return getitem(
        _convolve(g, getitem(other, (Ellipsis, slice(None, None, -1)))),
        (
            Ellipsis,
            slice(m - 1, m - 1 + n),
        ),
    )


def _aligned(t: Any, x: Any, other: Any) -> Any:
    """x's tangent with length-1 axes after its batch axes, so that they stay in front of
    the other operand's leading axes (which broadcast with x's)."""
    nb, missing = ndim_of(t) - ndim_of(x), ndim_of(other) - ndim_of(x)
    if nb == 0 or missing <= 0:
        return t
    shape = shape_of(t)
    return reshape(t, shape[:nb] + (1,) * missing + shape[nb:])


_convolve = defop(
    "convolve",
    _full_convolution,
    jvp=(
        lambda t, ans, a, v: _convolve(_aligned(t, a, v), v),
        lambda t, ans, a, v: _convolve(a, _aligned(t, v, a)),
    ),
    vjp=(
        lambda g, ans, a, v: _correlation_vjp(g, v, shape_of(a)[-1]),
        lambda g, ans, a, v: _correlation_vjp(g, a, shape_of(v)[-1]),
    ),
    doc="The full discrete convolution (n,), (m,) -> (n + m - 1,): out[k] = sum_i a[i] v[k - i].",
    vjp_batched=True,
)


def _vector(x: Any, op: str, name: str) -> Any:
    if not isinstance(x, (Tracer, np.ndarray)) and not is_foreign(x):
        x = np.asarray(x)
    if ndim_of(x) != 1 or shape_of(x)[0] == 0:
        raise ValueError(f"{op}: {name} must be a non-empty 1-D array, got shape {shape_of(x)}")
    return x


def _mode_window(n: int, m: int, mode: str, op: str, centre: int) -> slice:
    """Which part of the full result (length n + m - 1) a mode keeps."""
    if mode == "full":
        return slice(None)
    short, long = min(n, m), max(n, m)
    if mode == "valid":
        return slice(short - 1, long)
    if mode == "same":
        return slice(centre, centre + long)
    raise ValueError(f"{op}: mode must be 'full', 'same' or 'valid', got {mode!r}")


def _cut(full: Any, window: slice) -> Any:
    return full if window == slice(None) else getitem(full, window)


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """``np.convolve``: the discrete convolution of two 1-D arrays, 'full' (n + m - 1),
    'same' (max(n, m), centred) or 'valid' (max - min + 1)."""
    a, v = _vector(a, "convolve", "a"), _vector(v, "convolve", "v")
    n, m = shape_of(a)[0], shape_of(v)[0]
    window = _mode_window(n, m, mode, "convolve", (min(n, m) - 1) // 2)
    return _cut(_convolve(a, v), window)


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """``np.correlate``: c[k] = sum_n a[n + k] conj(v[n]) of two 1-D arrays (the
    convolution of a with v reversed), cut to 'valid' (the default), 'same' or 'full'
    as NumPy cuts it, whichever operand is longer."""
    a, v = _vector(a, "correlate", "a"), _vector(v, "correlate", "v")
    n, m = shape_of(a)[0], shape_of(v)[0]
    # NumPy swaps a shorter a with v and reverses the result: 'same' centres from the end
    centre = (m - 1) // 2 if n >= m else n - 1 - (n - 1) // 2
    window = _mode_window(n, m, mode, "correlate", centre)
    if is_complex(v):
        v = conj(v)
    flipped = getitem(v, slice(None, None, -1))
    return _cut(_convolve(a, flipped), window)


# --- interpolation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Segments:
    """Where each x falls, from the primals: the segment [xp[j], xp[j+1]] of the knots
    (extended by one period at each end for periodic data), as indices into fp and xp.

    ``lo``/``hi``: the fp and xp index of each segment's ends; ``inside``: x is within
    the knots (the slope applies); ``w_out``: the weight of ``hi`` elsewhere (0 below,
    1 above); ``keep``: the value comes from fp (not from ``left``/``right``). Periodic
    data also has ``off_lo``/``off_hi``, what the extension adds to those knots, and
    ``shift``, the multiple of the period taken off x."""

    lo: np.ndarray
    hi: np.ndarray
    inside: np.ndarray
    w_out: np.ndarray
    keep: np.ndarray
    off_lo: np.ndarray | None = None
    off_hi: np.ndarray | None = None
    shift: np.ndarray | None = None


def _periodic_knots(xp: np.ndarray, period: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NumPy's knots for periodic data: xp mod period, sorted, with the last knot one
    period earlier in front and the first one period later at the end; their indices
    into xp, and what was added to each."""
    order = np.argsort(xp % period, kind="stable")
    src = np.concatenate([order[-1:], order, order[:1]])
    ends = np.concatenate([[-period], np.zeros(order.shape[0]), [period]])
    off = (xp % period - xp)[src] + ends
    return xp[src] + off, src, off


def _segments(x: Any, xp: Any, left: Any, right: Any, period: float | None) -> _Segments:
    x, xp = np.asarray(primal_of(x), dtype=float), np.asarray(primal_of(xp), dtype=float)
    knots, src, off, shift = xp, np.arange(xp.shape[0]), None, None
    if period is not None:
        shift = x - x % abs(period)
        x = x - shift
        knots, src, off = _periodic_knots(xp, abs(period))
    last = knots.shape[0] - 1
    j = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, max(last - 1, 0))
    j1 = np.minimum(j + 1, last)
    below, above = x < knots[0], x > knots[-1]
    inside = ~below & ~above & (knots[j1] != knots[j])
    keep = ~((below & (left is not None)) | (above & (right is not None)))
    w_out = np.where(below, 0.0, 1.0)
    if off is None:
        return _Segments(src[j], src[j1], inside, w_out, keep)
    return _Segments(src[j], src[j1], inside, w_out, keep, off[j], off[j1], shift)


def _interp_primal(x: Any, xp: Any, fp: Any, *, left: Any, right: Any, period: Any) -> Any:
    dtype = np.result_type(x, fp, np.float32)
    out = np.interp(x, xp, fp, left=left, right=right, period=period)
    return out.astype(dtype) if isinstance(out, np.ndarray) else dtype.type(out)


def _cast(c: np.ndarray, like: Any) -> np.ndarray:
    """A constant in the float dtype of ``like``, the output (float32 stays float32)."""
    dtype = getattr(primal_of(like), "dtype", np.dtype(np.float64))
    return c.astype(dtype if dtype.kind in "fc" else np.float64)


@dataclass(frozen=True, slots=True)
class _Pieces:
    """The traced quantities of the rules: the weight w of each segment's upper end,
    the slope s (0 outside), and the fp weights (1 - w, w), 0 where left/right apply."""

    seg: _Segments
    w: Any
    slope: Any
    w_lo: Any
    w_hi: Any


def _knot(xp: Any, index: np.ndarray, off: np.ndarray | None, ans: Any) -> Any:
    knot = getitem(xp, index)
    return knot if off is None else knot + _cast(off, ans)


def _pieces(ans: Any, x: Any, xp: Any, fp: Any, left: Any, right: Any, period: Any) -> _Pieces:
    """The rules' quantities, in the output's dtype (constant knots are cast to it)."""
    seg = _segments(x, xp, left, right, period)
    if not isinstance(xp, Tracer):
        xp = _cast(np.asarray(xp), ans)
    x_lo = _knot(xp, seg.lo, seg.off_lo, ans)
    width = _knot(xp, seg.hi, seg.off_hi, ans) - x_lo
    rise = getitem(fp, seg.hi) - getitem(fp, seg.lo)
    if seg.shift is not None:
        x = x - _cast(seg.shift, ans)
    if np.all(seg.inside):
        w, slope = (x - x_lo) / width, rise / width
    else:  # outside the knots, and on 0-length segments (one knot, ties), no slope
        safe = where(seg.inside, width, 1.0)
        w = where(seg.inside, (x - x_lo) / safe, _cast(seg.w_out, ans))
        slope = _cast(seg.inside, ans) * rise / safe
    if np.all(seg.keep):
        return _Pieces(seg, w, slope, 1.0 - w, w)
    keep = _cast(seg.keep, ans)
    return _Pieces(seg, w, slope, keep * (1.0 - w), keep * w)


def _gathered(t: Any, seg: _Segments, lo_weight: Any, hi_weight: Any) -> Any:
    """lo_weight t[lo] + hi_weight t[hi] for a (possibly batched) tangent t of a knot array."""
    return lo_weight * getitem(t, (Ellipsis, seg.lo)) + hi_weight * getitem(t, (Ellipsis, seg.hi))


def _scattered(g: Any, seg: _Segments, lo_weight: Any, hi_weight: Any, n: int) -> Any:
    """The transpose of :func:`_gathered`: g's weighted values added at lo and hi (each of
    g's leading batch axes, several cotangents, kept in front)."""
    nb = ndim_of(g) - np.ndim(seg.lo)
    lo = batched_scatter(g * lo_weight, nb, (seg.lo,), (n,))
    return lo + batched_scatter(g * hi_weight, nb, (seg.hi,), (n,))


def _interp_jvp_x(t: Any, ans: Any, x: Any, xp: Any, fp: Any, **params: Any) -> Any:
    return t * _pieces(ans, x, xp, fp, **params).slope


def _interp_jvp_xp(t: Any, ans: Any, x: Any, xp: Any, fp: Any, **params: Any) -> Any:
    p = _pieces(ans, x, xp, fp, **params)
    return _gathered(t, p.seg, -p.slope * (1.0 - p.w), -p.slope * p.w)


def _interp_jvp_fp(t: Any, ans: Any, x: Any, xp: Any, fp: Any, **params: Any) -> Any:
    p = _pieces(ans, x, xp, fp, **params)
    return _gathered(t, p.seg, p.w_lo, p.w_hi)


def _interp_vjp_x(g: Any, ans: Any, x: Any, xp: Any, fp: Any, **params: Any) -> Any:
    return g * _pieces(ans, x, xp, fp, **params).slope


def _interp_vjp_xp(g: Any, ans: Any, x: Any, xp: Any, fp: Any, **params: Any) -> Any:
    p = _pieces(ans, x, xp, fp, **params)
    return _scattered(g, p.seg, -p.slope * (1.0 - p.w), -p.slope * p.w, shape_of(xp)[0])


def _interp_vjp_fp(g: Any, ans: Any, x: Any, xp: Any, fp: Any, **params: Any) -> Any:
    p = _pieces(ans, x, xp, fp, **params)
    return _scattered(g, p.seg, p.w_lo, p.w_hi, shape_of(fp)[0])


_interp = defop(
    "interp",
    _interp_primal,
    jvp=(_interp_jvp_x, _interp_jvp_xp, _interp_jvp_fp),
    vjp=(_interp_vjp_x, _interp_vjp_xp, _interp_vjp_fp),
    doc="Piecewise-linear interpolation of knots (xp, fp) at x (any shape), as np.interp.",
    vjp_batched=True,
)


def _constant(value: Any, name: str) -> Any:
    if isinstance(value, Tracer):
        raise TypeError(
            f"interp: {name} is a constant parameter and cannot be traced; pass a number "
            "(for a traced value outside the knots, use dd.where on the result)"
        )
    return value


def interp(
    x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None
) -> Any:
    """``np.interp``: the piecewise-linear interpolant through (xp, fp) (1-D, xp
    increasing) at x, ``left``/``right`` outside (default fp[0]/fp[-1]), or ``period``
    for periodic xp. Differentiable in x, xp and fp; at a knot the derivative in x is
    the slope of the segment to its right (at the last knot, to its left)."""
    if not isinstance(x, (Tracer, np.ndarray, float, int)) and not is_foreign(x):
        x = np.asarray(x)
    xp, fp = _vector(xp, "interp", "xp"), _vector(fp, "interp", "fp")
    if shape_of(xp) != shape_of(fp):
        raise ValueError(f"interp: xp {shape_of(xp)} and fp {shape_of(fp)} must have one length")
    if period is not None:
        if _constant(period, "period") == 0:
            raise ValueError("interp: period must be a non-zero value")
        left = right = None
    params = {"left": _constant(left, "left"), "right": _constant(right, "right")}
    return _interp(x, xp, fp, **params, period=period)


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.convolve: convolve,
    np.correlate: correlate,
    np.interp: interp,
}

__all__ = ["convolve", "correlate", "interp"]
