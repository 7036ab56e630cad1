"""Numerical differentiation of plain NumPy functions: the report's first chapter.

A finite difference such as ``(f(x + h) - f(x)) / h`` has two errors that pull
the step h in opposite directions:

* **truncation**: the Taylor terms the formula drops. It falls like ``h**p``
  for a method of order p (for x³ the forward difference is exactly
  ``3x² + 3xh + h²``: an error of ``3xh + h²``);
* **round-off**: f is only known to about ``eps·|f|``, and dividing a
  difference of such values by h magnifies that to about ``eps·|f| / h``.

Their sum is smallest where they balance, at ``h ≈ eps**(1/(p+1))`` (times the
scale of x), which is the default step of each method:

============  ====================================================  =====  =====================
method        approximation of f'(x)                                order  default step / scale
============  ====================================================  =====  =====================
forward       (f(x+h) - f(x)) / h                                   1      eps**(1/2)
backward      (f(x) - f(x-h)) / h                                   1      eps**(1/2)
central       (f(x+h) - f(x-h)) / 2h                                2      eps**(1/3)
complex       Im f(x + ih) / h   (f analytic, accepts complex x)    2      eps
richardson    central differences at h, h/2, ... h/2**(p/2-1),      p      eps**(1/(p+1))
              extrapolated to h = 0 (``order=p``, even, default 6)
============  ====================================================  =====  =====================

The complex step subtracts nothing, so it has no round-off amplification and
any tiny h works: it is exact to a few ulps, for functions that are analytic
and written to accept complex input. ``scale`` is ``max(1, |x|)``, taken per
entry; ``eps`` is the machine epsilon of x's float type. An explicit ``h`` is
used exactly as given.

``full_output=True`` also returns an error estimate, the sum of

* the change ``|D(r·h) - D(h)|`` at ``r = 2**(1/p)``: there the truncation
  error doubles and the round-off is drawn afresh, so the change measures
  both (for the complex step, ``|D(2h) - D(h)| / 3``);
* modelled round-off: the noise of f (:func:`noise_level`: an ulp of f, or
  more where f cancels), weighted by the formula's coefficients, over h; for
  the complex step, that noise per unit step of x.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from ._namespace import asarray_like, namespace, to_numpy

__all__ = [
    "METHODS",
    "Estimate",
    "Scheme",
    "StepStudy",
    "default_step",
    "derivative",
    "gradient",
    "hessian",
    "jacobian",
    "noise_level",
    "scheme",
    "step_study",
]

METHODS = ("forward", "backward", "central", "complex", "richardson")
RICHARDSON_ORDER = 6

# A function of a flat input vector returning (flat output, round-off level of each output).
FlatFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
# Which error estimate a difference computes: none, the round-off only (free), or all of it.
Want = Literal["none", "noise", "full"]


class Estimate(NamedTuple):
    """A numerical derivative and an estimate of its absolute error, of the same shape."""

    value: Any
    error: Any


# --- difference schemes ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scheme:
    """A derivative formula ``D(h) = sum_j weights[j] * f(x + offsets[j] * h) / h``.

    ``order`` is p in ``D(h) - f'(x) = O(h**p)``. The complex step has no
    stencil: ``D(h) = Im f(x + i h) / h``.
    """

    method: str
    order: int
    offsets: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    def relative_step(self, eps: float, nth: int = 1) -> float:
        """The default step for ``|x| <= 1``: truncation h**p against round-off eps/h**nth."""
        if self.method == "complex":
            return eps
        return float(eps ** (1.0 / (self.order + nth)))


_FIXED = {
    "forward": Scheme("forward", 1, (0.0, 1.0), (-1.0, 1.0)),
    "backward": Scheme("backward", 1, (-1.0, 0.0), (-1.0, 1.0)),
    "central": Scheme("central", 2, (-1.0, 1.0), (-0.5, 0.5)),
    "complex": Scheme("complex", 2),
}


def _richardson(order: Any) -> Scheme:
    """Central differences at h / 2**k, k < order/2, combined to cancel h², h⁴, ...

    The central difference is ``f' + a1 h² + a2 h⁴ + ...``; the weights are the
    Lagrange basis at z = 0 of the nodes ``z_k = (h_k / h)² = 4**-k``.
    """
    if (
        isinstance(order, bool)
        or not isinstance(order, (int, np.integer))
        or order < 2
        or order % 2
    ):
        raise ValueError(
            f"numeric: order={order!r} for method='richardson'; give an even integer >= 2 "
            f"(the power of h in the truncation error, default {RICHARDSON_ORDER})"
        )
    z = [4.0**-k for k in range(int(order) // 2)]
    offsets: list[float] = []
    weights: list[float] = []
    for k, zk in enumerate(z):
        w = math.prod(zj / (zj - zk) for j, zj in enumerate(z) if j != k)
        offsets += [-(2.0**-k), 2.0**-k]
        weights += [-w * 2.0 ** (k - 1), w * 2.0 ** (k - 1)]
    return Scheme("richardson", int(order), tuple(offsets), tuple(weights))


def scheme(method: str, order: int | None = None) -> Scheme:
    """The :class:`Scheme` of ``method``; ``order`` selects Richardson's order (even, >= 2)."""
    if method not in METHODS:
        raise ValueError(f"numeric: unknown method {method!r}; choose one of {METHODS}")
    if method == "richardson":
        return _richardson(RICHARDSON_ORDER if order is None else order)
    fixed = _FIXED[method]
    if order is not None and order != fixed.order:
        raise ValueError(
            f"numeric: method {method!r} has order {fixed.order}, not {order!r}; order= "
            "selects the order of method='richardson'"
        )
    return fixed


# --- inputs, outputs and steps ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Point:
    """The point x of a numerical derivative: its flat float values, shape and kind. An x of
    another array namespace (CuPy, Dask) is copied to NumPy here, and ``f`` is called with
    arrays moved back there (``like``): the differences are taken on the host."""

    flat: np.ndarray
    shape: tuple[int, ...]
    python_scalar: bool
    like: Any = None

    @property
    def eps(self) -> float:
        return float(np.finfo(self.flat.dtype).eps)

    def restore(self, y: np.ndarray) -> Any:
        """``y`` (flat, maybe complex) in the form of x: a Python number or an array."""
        if self.python_scalar:
            return y[0].item()
        y = y.reshape(self.shape)
        return y if self.like is None else asarray_like(y, self.like)


def _point(x: Any, name: str) -> _Point:
    if isinstance(x, (list, tuple, dict)):
        raise TypeError(
            f"numeric.{name}: x must be a number or an array, got a {type(x).__name__}; "
            "convert it with np.asarray(x, dtype=float)"
        )
    like = None if namespace(x) is np else x
    arr = np.asarray(to_numpy(x))
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        hint = (
            " (for the complex step, use method='complex' on real x)"
            if arr.dtype.kind == "c"
            else ""
        )
        raise TypeError(
            f"numeric.{name}: x must be real (float, int or a real array), got dtype "
            f"{arr.dtype}{hint}"
        )
    if arr.size == 0:
        raise ValueError(
            f"numeric.{name}: x is empty (shape {arr.shape}): nothing to differentiate"
        )
    return _Point(arr.ravel().copy(), arr.shape, isinstance(x, (int, float)), like)


def _flat_output(out: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(out if namespace(out) is np else to_numpy(out))
    except TypeError as err:
        raise TypeError(
            f"numeric.{name}: f returned a {type(out).__name__}, which is not a number or "
            f"array: {err}"
        ) from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"numeric.{name}: f must return a number or a numeric array, got "
            f"{type(out).__name__} of dtype {arr.dtype}"
        )
    return arr.ravel()


def _complex_fn(f: Callable[..., Any], pt: _Point, name: str) -> Callable[[np.ndarray], np.ndarray]:
    """``f`` on complex flat input, raising a clear error when f cannot take complex values."""

    def fn(z: np.ndarray) -> np.ndarray:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                return _flat_output(f(pt.restore(z)), name)
        except (TypeError, ValueError, np.exceptions.ComplexWarning) as err:
            raise TypeError(
                f"numeric.{name}: method='complex' needs f to accept complex input, but f "
                f"raised {type(err).__name__}: {err}. Use method='central' or 'richardson'"
            ) from err

    return fn


def default_step(
    x: Any, method: str = "central", order: int | None = None, nth: int = 1
) -> np.ndarray:
    """The default step per entry of x: ``relative_step * max(1, |x|)`` (see the module doc).

    Finite-difference steps are rounded so that ``x + h`` is exactly
    representable (the step taken is then the step divided by). ``nth=2``
    gives the steps for second derivatives.
    """
    pt = _point(x, "default_step")
    return _default_steps(pt.flat, pt.eps, scheme(method, order), nth).reshape(pt.shape)


def _default_steps(xs: np.ndarray, eps: float, sch: Scheme, nth: int) -> np.ndarray:
    h = sch.relative_step(eps, nth) * np.maximum(1.0, np.abs(xs))
    if sch.method == "complex":
        return h
    return (xs + h) - xs


def _given_steps(h: Any, pt: _Point, name: str, per_entry: bool) -> np.ndarray:
    arr = np.asarray(h, dtype=float)
    allowed = "a positive number" + (f" or an array of x's shape {pt.shape}" if per_entry else "")
    if arr.shape not in ((), pt.shape) or (arr.shape != () and not per_entry):
        raise ValueError(f"numeric.{name}: h has shape {arr.shape}; give {allowed}")
    if not np.all(np.isfinite(arr) & (arr > 0)):
        raise ValueError(f"numeric.{name}: h={h!r}; give {allowed} (finite, > 0)")
    return np.broadcast_to(arr, (pt.flat.size,)).astype(float) if per_entry else arr.reshape(1)


# --- one directional difference ----------------------------------------------------


def _difference(
    fn: FlatFn, x: np.ndarray, v: np.ndarray, h: float, sch: Scheme, want: Want
) -> tuple[np.ndarray, np.ndarray | None]:
    """``D(h)`` of ``fn`` at ``x`` along ``v`` and, if asked, its error estimate.

    The estimate has a leading axis of two: truncation, then round-off (which,
    unlike truncation, is noise from point to point).
    """
    cache: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def at(s: float) -> tuple[np.ndarray, np.ndarray]:
        if s not in cache:
            cache[s] = fn(x + s * v)
        return cache[s]

    def d(step: float) -> np.ndarray:
        values = np.stack([at(o * step)[0] for o in sch.offsets])
        return np.tensordot(np.asarray(sch.weights), values, axes=1) / step

    value = d(h)
    if want == "none":
        return value, None
    noise = np.stack([at(o * h)[1] for o in sch.offsets])
    roundoff = np.tensordot(np.abs(sch.weights), noise, axes=1) / h
    if want == "noise":
        return value, np.stack([np.zeros_like(roundoff), roundoff])
    # At a step 2**(1/p) times longer the truncation error doubles and the round-off is
    # drawn afresh, so the change in D estimates both, even round-off the model misses.
    change = np.abs(d(h * 2.0 ** (1.0 / sch.order)) - value)
    return value, np.stack([change, roundoff])


def _complex_difference(
    fz: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    v: np.ndarray,
    h: float,
    reference: tuple[np.ndarray, np.ndarray] | None,
    want: Want,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The complex step ``Im f(x + i h v) / h``: nothing is subtracted, so no cancellation.

    The error estimate needs ``reference = (f(x), noise of f)``. The round-off
    is that of any computed derivative: f's noise per unit step of x (see
    :func:`noise_level`) plus an ulp of the value; truncation is
    ``|D(2h) - D(h)| / 3``.
    """
    z = x.astype(np.result_type(x.dtype, np.complex64)) + 1j * h * v
    fvals = fz(z)
    value = np.imag(fvals) / h
    if want == "none" or reference is None:
        return value, None
    fx, noise = reference
    truncation = np.zeros_like(value)
    if want == "full":
        truncation = np.abs(np.imag(fz(z + 1j * h * v)) / (2 * h) - value) / 3
    # Complex arithmetic can be less accurate than real (NumPy's complex log1p near 0):
    # how far Re f(x + ih) strays from f(x) counts as noise of f.
    noise = np.fmax(noise, np.abs(np.real(fvals) - fx))
    scale = max(1.0, float(np.max(np.abs(x[v != 0]), initial=0.0)))
    eps = np.finfo(x.dtype).eps
    return value, np.stack([truncation, noise / scale + eps * np.abs(value)])


# --- the noise of f ----------------------------------------------------------------------


def _ecnoise(fvals: np.ndarray) -> np.ndarray:
    """Moré and Wild's noise estimate for each column of ``fvals``, nan where undetermined.

    ``fvals`` holds f at m + 1 equally spaced, very close points. The k-th
    differences of the smooth part of f vanish there, leaving the noise: its
    level is ``sqrt(gamma_k mean((Δ^k f)²))`` with ``gamma_k = (k!)² / (2k)!``,
    accepted at the first k where three consecutive levels agree within a
    factor 4 and the differences change sign.
    """
    diffs = fvals
    gamma = 1.0
    levels, mixed = [], []
    for k in range(1, fvals.shape[0]):
        diffs = np.diff(diffs, axis=0)
        gamma *= 0.5 * k / (2 * k - 1)
        levels.append(np.sqrt(gamma * np.mean(diffs**2, axis=0)))
        mixed.append((diffs.min(axis=0) < 0) & (diffs.max(axis=0) > 0))
    noise = np.full(fvals.shape[1], np.nan)
    for k in range(len(levels) - 2):
        trio = np.stack(levels[k : k + 3])
        ok = (trio.max(axis=0) <= 4 * trio.min(axis=0)) & mixed[k] & np.isnan(noise)
        noise[ok] = levels[k][ok]
    return noise


def _noise_flat(values: Callable[[np.ndarray], np.ndarray], pt: _Point) -> np.ndarray:
    """The noise of each output near x: at least an ulp, more where f cancels."""
    # Not a power of two: dyadic steps can make every rounding exact and hide the noise.
    step = np.sqrt(pt.eps / 2) * np.maximum(1.0, np.abs(pt.flat))
    fvals = np.stack([values(pt.flat + k * step) for k in range(-3, 4)]).astype(float)
    ulp = pt.eps * np.abs(fvals[3])
    return np.fmax(ulp, _ecnoise(fvals))


def noise_level(f: Callable[..., Any], x: Any) -> Any:
    """The round-off noise of f's values near x, shaped like f's output.

    f is computed to about ``eps·|f|`` when nothing cancels, and to much
    less when it does (a sum of large terms of both signs). This measures it
    from f at 7 points ``x + k·sqrt(eps/2)·max(1, |x|)``, by Moré and Wild's
    difference table (ECnoise), and never reports less than an ulp of f. The
    error estimates of this module and of ``dd.check_grad`` start from it: a
    derivative computed in floating point (complex step or AD) is taken to be
    good to about ``noise / max(1, |x|)``: an f-ulp per unit step of x.
    """
    pt = _point(x, "noise_level")
    out_shape = np.shape(f(pt.restore(pt.flat)))
    noise = _noise_flat(lambda y: _flat_output(f(pt.restore(y)), "noise_level"), pt)
    return noise.reshape(out_shape) if out_shape else float(noise[0])


# --- Jacobians -------------------------------------------------------------------------


@dataclass(slots=True)
class _Problem:
    """A function to differentiate at a point, in flat form, with the chosen method.

    ``noise`` (measured only when an error estimate is wanted) is the round-off
    level of each output near x; see :func:`noise_level`.
    """

    f: Callable[..., Any]
    pt: _Point
    sch: Scheme
    name: str
    want_error: bool
    out_shape: tuple[int, ...] = field(init=False)
    noise: np.ndarray = field(init=False)
    fz: Callable[[np.ndarray], np.ndarray] = field(init=False)
    base: tuple[bytes, np.ndarray] = field(init=False)  # f at the last point asked for

    def __post_init__(self) -> None:
        self.out_shape = np.shape(self.f(self.pt.restore(self.pt.flat)))
        self.noise = _noise_flat(self.values, self.pt) if self.want_error else np.zeros(1)
        self.fz = _complex_fn(self.f, self.pt, self.name)
        self.base = (b"", np.zeros(0))

    def values(self, y: np.ndarray) -> np.ndarray:
        return _flat_output(self.f(self.pt.restore(y)), self.name)

    def fn(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.values(y)
        return out, np.fmax(self.noise, self.pt.eps * np.abs(out))

    def value_at(self, x: np.ndarray) -> np.ndarray:
        """f(x), remembered for the columns of one Jacobian, which share x."""
        key = x.tobytes()
        if self.base[0] != key:
            self.base = (key, self.values(x))
        return self.base[1]

    def column(
        self, x: np.ndarray, v: np.ndarray, h: float, want: Want
    ) -> tuple[np.ndarray, np.ndarray | None]:
        if self.sch.method != "complex":
            return _difference(self.fn, x, v, h, self.sch, want)
        reference = None if want == "none" else (self.value_at(x), self.noise)
        return _complex_difference(self.fz, x, v, h, reference, want)


def _jacobian_flat(
    column: Callable[..., tuple[np.ndarray, np.ndarray | None]],
    x: np.ndarray,
    steps: np.ndarray,
    want: Want,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(m, n)`` Jacobian, one column per input entry, and its ``(2, m, n)`` error estimate."""
    cols, errs = [], []
    for j in range(x.size):
        v = np.zeros_like(x)
        v[j] = 1
        c, e = column(x, v, float(steps[j]), want)
        cols.append(c)
        errs.append(e)
    value = np.stack(cols, axis=-1)
    return value, (None if want == "none" else np.stack(errs, axis=-1))  # type: ignore[arg-type]


def _finish(value: np.ndarray, error: np.ndarray | None, shape: tuple[int, ...], full: bool) -> Any:
    def shaped(a: np.ndarray) -> Any:
        a = a.reshape(shape)
        return float(a) if shape == () else a

    if full:
        assert error is not None
        return Estimate(shaped(value), shaped(error.sum(axis=0)))
    return shaped(value)


def _real_dtype(value: np.ndarray, pt: _Point) -> np.ndarray:
    return value.astype(np.result_type(pt.flat.dtype, np.float32), copy=False)


def jacobian(
    f: Callable[..., Any],
    x: Any,
    method: str = "central",
    h: Any = None,
    order: int | None = None,
    full_output: bool = False,
) -> Any:
    """The Jacobian of ``f`` at ``x`` by finite differences, shaped ``out.shape + x.shape``.

    One column per entry of x, each stepped by its own h (default: see the
    module doc; a scalar or an x-shaped ``h`` is used exactly as given). With
    ``full_output=True``, returns ``Estimate(value, error)``.
    """
    pt = _point(x, "jacobian")
    prob = _Problem(f, pt, scheme(method, order), "jacobian", full_output)
    steps = (
        _default_steps(pt.flat, pt.eps, prob.sch, 1)
        if h is None
        else _given_steps(h, pt, "jacobian", True)
    )
    value, error = _jacobian_flat(prob.column, pt.flat, steps, _want(full_output))
    shape = prob.out_shape + pt.shape
    return _finish(_real_dtype(value, pt), error, shape, full_output)


def gradient(
    f: Callable[..., Any],
    x: Any,
    method: str = "central",
    h: Any = None,
    order: int | None = None,
    full_output: bool = False,
) -> Any:
    """The gradient of scalar-valued ``f`` at ``x``, shaped like x (see :func:`jacobian`)."""
    out_shape = np.shape(f(x))
    if out_shape != ():
        raise ValueError(
            f"numeric.gradient: f must return a scalar, but it returned shape {out_shape}; "
            "use dd.numeric.jacobian for a Jacobian"
        )
    return jacobian(f, x, method, h, order, full_output)


def derivative(
    f: Callable[..., Any],
    x: Any,
    method: str = "central",
    h: Any = None,
    order: int | None = None,
    full_output: bool = False,
) -> Any:
    """``d/dt f(x + t)`` at t = 0, shaped like f's output: f'(x) for a scalar x.

    On an array x every entry moves together (the seed is all ones, as in
    ``dd.derivative``), which for an elementwise f gives f' at every point; the
    default step then uses the largest ``|x|``. ``h`` is one positive number.
    """
    pt = _point(x, "derivative")
    prob = _Problem(f, pt, scheme(method, order), "derivative", full_output)
    if h is None:
        largest = np.max(np.abs(pt.flat), initial=0.0, keepdims=True)
        step = float(_default_steps(largest, pt.eps, prob.sch, 1)[0])
    else:
        step = float(_given_steps(h, pt, "derivative", False)[0])
    value, error = prob.column(pt.flat, np.ones_like(pt.flat), step, _want(full_output))
    return _finish(_real_dtype(value, pt), error, prob.out_shape, full_output)


def hessian(
    f: Callable[..., Any],
    x: Any,
    method: str = "central",
    h: Any = None,
    order: int | None = None,
    full_output: bool = False,
    outer: str | None = None,
) -> Any:
    """Second derivatives of ``f`` at ``x``, shaped ``out.shape + x.shape + x.shape``.

    The Jacobian of the numerical Jacobian: ``method`` differentiates f, and
    ``outer`` (by default the same method; after the complex step, which
    cannot be nested, Richardson extrapolation) differentiates the result
    again; ``order`` is Richardson's. Default steps balance truncation against
    round-off for second derivatives (``eps**(1/(p+2))``). ``h`` is one step
    for both differentiations, or a pair ``(inner, outer)``, each a number or
    x-shaped.
    """
    pt = _point(x, "hessian")
    inner = _Problem(f, pt, scheme(method, order), "hessian", full_output)
    outer_sch = _outer_scheme(method, outer, order)
    h_in, h_out = _hessian_steps(h, pt, inner.sch, outer_sch)
    m = math.prod(inner.out_shape)

    # Only the inner round-off is noise to the outer difference: it is all the outer needs.
    inner_want: Want = "noise" if full_output else "none"

    def grad_fn(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        value, error = _jacobian_flat(inner.column, y, h_in, inner_want)
        return value.ravel(), (error[1].ravel() if error is not None else np.zeros(m * y.size))

    value, error = _jacobian_flat(
        lambda y, v, step, want: _difference(grad_fn, y, v, step, outer_sch, want),
        pt.flat,
        h_out,
        _want(full_output),
    )
    if error is not None:
        error[0] += _inner_truncation(inner, h_in).reshape(-1, 1)
    shape = inner.out_shape + pt.shape + pt.shape
    return _finish(_real_dtype(value, pt), error, shape, full_output)


def _outer_scheme(method: str, outer: str | None, order: int | None) -> Scheme:
    if outer is None:
        outer = "richardson" if method == "complex" else method
    if outer == "complex":
        raise ValueError(
            "numeric.hessian: outer='complex' is not possible (the complex step cannot "
            "differentiate a complex-step derivative); use method='complex' with outer "
            "'central' or 'richardson'"
        )
    return scheme(outer, order if outer == "richardson" else None)


def _inner_truncation(inner: _Problem, h_in: np.ndarray) -> np.ndarray:
    """The inner Jacobian's truncation error at x, ``(m, n)``.

    It varies smoothly with x, so the outer difference does not see it as
    noise; its rate of change, taken to be of its own size over a unit step,
    is the part it adds to the Hessian's error.
    """
    _, error = _jacobian_flat(inner.column, inner.pt.flat, h_in, "full")
    assert error is not None
    return error[0]


def _want(full_output: bool) -> Want:
    return "full" if full_output else "none"


def _hessian_steps(
    h: Any, pt: _Point, inner: Scheme, outer: Scheme
) -> tuple[np.ndarray, np.ndarray]:
    if h is None:
        nth = 1 if inner.method == "complex" else 2
        return (
            _default_steps(pt.flat, pt.eps, inner, nth),
            _default_steps(pt.flat, pt.eps, outer, nth),
        )
    pair = h if isinstance(h, tuple) and len(h) == 2 else (h, h)
    return _given_steps(pair[0], pt, "hessian", True), _given_steps(pair[1], pt, "hessian", True)


# --- the error-versus-h study ------------------------------------------------------------


@dataclass
class StepStudy:
    """Errors of each method over a range of steps h, for one f at one x.

    ``values[method][i]`` is the approximation with step ``hs[i]``;
    ``errors[method][i]`` its distance to ``exact``. Printing gives the table,
    with the smallest error of each column marked ``*``.
    """

    x: float
    exact: float
    hs: np.ndarray
    values: dict[str, np.ndarray]

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(self.values)

    @property
    def errors(self) -> dict[str, np.ndarray]:
        return {m: np.abs(v - self.exact) for m, v in self.values.items()}

    def best(self, method: str) -> tuple[float, float]:
        """``(h, error)`` at the smallest error of ``method``."""
        err = self.errors[method]
        i = int(np.nanargmin(err))
        return float(self.hs[i]), float(err[i])

    def __str__(self) -> str:
        errors = self.errors
        best = {m: int(np.nanargmin(e)) for m, e in errors.items()}
        head = f"{'h':>8} " + "".join(f"{m:>12}" for m in self.methods)
        lines = [f"error of f'({self.x:g}) = {self.exact:.12g} against h", head]
        for i, h in enumerate(self.hs):
            cells = (f"{errors[m][i]:10.1e}{'*' if best[m] == i else ' ':2}" for m in self.methods)
            lines.append((f"{h:8.0e} " + "".join(cells)).rstrip())
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Error against h on log-log axes (the V shape); needs matplotlib (extra ``plot``)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError(
                "StepStudy.plot needs matplotlib: pip install 'dualdiff-ad[plot]'"
            ) from None
        if ax is None:
            ax = plt.figure().add_subplot()
        for m, e in self.errors.items():
            ax.loglog(self.hs, np.where(e > 0, e, np.nan), marker="o", label=m)
        ax.set_xlabel("step h")
        ax.set_ylabel(f"|error| of f'({self.x:g})")
        ax.legend()
        return ax


def step_study(
    f: Callable[..., Any],
    x: float,
    exact: float | None = None,
    hs: Sequence[float] | np.ndarray | None = None,
    methods: Sequence[str] = METHODS,
    order: int | None = None,
) -> StepStudy:
    """The error of each method at each step h in ``hs`` (default 1e-1 ... 1e-16).

    ``exact`` defaults to forward-mode AD (``dd.derivative(f)(x)``), so f
    should then be written with NumPy or dualdiff ops. ``order`` is
    Richardson's order.
    """
    if np.ndim(x) != 0:
        raise ValueError(f"numeric.step_study: x must be a scalar, got shape {np.shape(x)}")
    x = float(x)
    if exact is None:
        exact = _exact_derivative(f, x)
    steps = 10.0 ** -np.arange(1, 17) if hs is None else np.asarray(hs, dtype=float)
    values = {
        m: np.array([derivative(f, x, m, h=h, order=_order_for(m, order)) for h in steps])
        for m in methods
    }
    return StepStudy(x, float(exact), steps, values)


def _order_for(method: str, order: int | None) -> int | None:
    return order if method == "richardson" else None


def _exact_derivative(f: Callable[..., Any], x: float) -> float:
    from .transforms import derivative as ad_derivative

    try:
        return float(ad_derivative(f)(x))
    except TypeError as err:
        raise TypeError(
            f"numeric.step_study: could not differentiate f exactly with dd.derivative ({err}); "
            "pass the exact derivative as exact="
        ) from err
