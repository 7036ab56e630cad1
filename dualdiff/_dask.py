"""Dask's array namespace, completed with what Dask can compute chunk by chunk.

dualdiff's ops call the array API's functions of their inputs' namespace; for Dask that
is ``array_api_compat.dask.array``. Some functions are missing there (``take_along_axis``,
``linalg.det``, ``slogdet``, ``eigh``, ``pinv`` ...), and Dask's own linear algebra wants
particular chunks (square blocks; one column chunk for QR and SVD). Here each of them
runs NumPy's function with ``dask.array.apply_gufunc``: the core axes (a matrix's two,
the axis of ``take_along_axis``) become one chunk and the batch axes keep theirs, so a
stack of matrices is computed chunk by chunk in parallel and the graph stays lazy. A
single matrix is one task. The FFTs are Dask's, after joining the transformed axes
into one chunk; SciPy's special functions are ufuncs, which Dask maps over the chunks.
A scatter-add (``add.at``, the VJP of integer indexing) is one task: an index may reach
any chunk.

This module sits on the lowest floor, below :mod:`dualdiff._namespace`; it imports
Dask only when a dask array is met.
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["dask_namespace"]


def dask_namespace(arrays: Any = (), op: str | None = None) -> types.ModuleType:
    """Dask's namespace (see :func:`_completed`), after checking that every dask array
    among ``arrays`` has a known shape (``op`` names the op in the error)."""
    for a in arrays:
        if any(math.isnan(n) for n in a.shape):
            where = f"dualdiff op '{op}'" if op else "dualdiff"
            raise ValueError(
                f"{where} got a dask array of unknown shape {a.shape} (its chunk sizes are "
                "unknown, as after indexing with a lazy mask): call x.compute_chunk_sizes() "
                "on it first"
            )
    return _completed()


@functools.cache
def _completed() -> types.ModuleType:
    """``array_api_compat.dask.array`` with ``take_along_axis``, ``add.at``, a chunk-free
    ``linalg`` and ``fft``, SciPy's ``special`` (named ``dask.array``, as array_api_compat
    names its own)."""
    import array_api_compat.dask.array as compat

    xp = types.ModuleType("dask.array", compat.__doc__)
    xp.__dict__.update({k: v for k, v in vars(compat).items() if not k.startswith("__")})
    xp.take_along_axis = _take_along_axis  # type: ignore[attr-defined]
    xp.add = _Add(compat.add)  # type: ignore[attr-defined]
    xp.reshape = functools.partial(_reshape, compat.reshape)  # type: ignore[attr-defined]
    xp.pad = _pad  # type: ignore[attr-defined]
    xp.linalg = _module("dask.array.linalg", compat.linalg, _LINALG)  # type: ignore[attr-defined]
    xp.fft = _module("dask.array.fft", compat.fft, _fft_functions(compat.fft))  # type: ignore[attr-defined]
    special = _special()
    if special is not None:
        xp.special = special  # type: ignore[attr-defined]
        xp.expm = _expm  # type: ignore[attr-defined]
    return xp


def _module(name: str, base: types.ModuleType, extra: dict[str, Any]) -> types.ModuleType:
    module = types.ModuleType(name, base.__doc__)
    module.__dict__.update({k: v for k, v in vars(base).items() if not k.startswith("__")})
    module.__dict__.update(extra)
    return module


def gufunc(fn: Callable[..., Any], signature: str, *arrays: Any, **sizes: int) -> Any:
    """``fn`` (a NumPy function of whole core arrays) over the batch chunks of ``arrays``;
    ``signature`` as NumPy's gufuncs write it, ``sizes`` for output-only core axes."""
    import dask.array as da

    samples = [np.eye(2, dtype=a.dtype) if "," in core else np.ones(2, a.dtype) for a, core in
               zip(arrays, _cores(signature.split("->")[0]), strict=True)]  # fmt: skip
    out = fn(*samples)
    many = isinstance(out, tuple)
    dtypes = [o.dtype for o in out] if many else np.asarray(out).dtype
    return da.apply_gufunc(
        fn,
        signature,
        *arrays,
        output_dtypes=dtypes,
        output_sizes=sizes or None,
        allow_rechunk=True,
    )


def _cores(side: str) -> list[str]:
    """The core parts of one side of a signature: ``"(n,n),(n)"`` -> ``["n,n", "n"]``."""
    return [part.rstrip(")").lstrip("(") for part in side.split("),")]


def _take_along_axis(x: Any, indices: Any, /, *, axis: int = -1) -> Any:
    """``np.take_along_axis`` with the axis whole, batch axes broadcast and chunked."""
    import dask.array as da

    x, indices = da.moveaxis(x, axis, -1), da.moveaxis(da.asarray(indices), axis, -1)
    picked = gufunc(functools.partial(np.take_along_axis, axis=-1), "(n),(m)->(m)", x, indices)
    return da.moveaxis(picked, -1, axis)


def _reshape(reshape: Callable[..., Any], x: Any, /, shape: Any, **kwargs: Any) -> Any:
    """Dask's reshape, which only merges or splits whole chunks; other reshapes take the
    array as one chunk first (and an empty array is made anew)."""
    import dask.array as da

    if not x.size:  # Dask's reshape fails on empty arrays; NumPy's tells the new shape
        return da.zeros(np.empty(x.shape).reshape(shape).shape, dtype=x.dtype)
    try:
        return reshape(x, shape, **kwargs)
    except NotImplementedError:
        return reshape(x.rechunk(-1), shape, **kwargs)


def _pad(x: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """Dask's pad; NumPy's on the array as one chunk where a copying mode pads an axis by
    as much as its length or more (Dask's pad gets the shape wrong there)."""
    import dask.array as da

    widths = np.broadcast_to(np.asarray(pad_width, dtype=int).reshape(-1, 2), (x.ndim, 2))
    if mode == "constant" or all(
        b < n and a < n for (b, a), n in zip(widths, x.shape, strict=True)
    ):
        return da.pad(x, pad_width, mode=mode, **kwargs)
    shape = tuple(int(n + b + a) for (b, a), n in zip(widths, x.shape, strict=True))
    pad = functools.partial(np.pad, pad_width=widths.tolist(), mode=mode, **kwargs)
    return x.rechunk(-1).map_blocks(pad, chunks=tuple((n,) for n in shape), dtype=x.dtype)


def _expm(a: Any, /) -> Any:
    """SciPy's matrix exponential over the batch chunks of ``(..., n, n)`` a."""
    from scipy.linalg import expm

    return gufunc(expm, "(n,n)->(n,n)", a)


class _Add:
    """Dask's ``add``, with NumPy's ``add.at`` (an unbuffered scatter-add) beside it."""

    def __init__(self, add: Callable[..., Any]) -> None:
        self._add = add

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._add(*args, **kwargs)

    @staticmethod
    def at(out: Any, index: Any, values: Any) -> None:
        """``np.add.at(out, index, values)`` into the dask array ``out``, lazily: one task,
        since an index may reach any chunk (dask arrays in ``index`` are computed first)."""
        import dask
        import dask.array as da

        added = dask.delayed(_added_at)(out, index, values)
        out[...] = da.from_delayed(added, shape=out.shape, dtype=out.dtype)


def _added_at(out: np.ndarray, index: Any, values: Any) -> np.ndarray:
    out = out.copy()
    np.add.at(out, index, values)
    return out


def _min_side(a: Any) -> int:
    return min(a.shape[-2:])


def _solve(a: Any, b: Any) -> Any:
    """The array API's solve: ``b`` a vector when 1-d, else a stack of matrices."""
    signature = "(n,n),(n)->(n)" if b.ndim == 1 else "(n,n),(n,k)->(n,k)"
    return gufunc(np.linalg.solve, signature, a, b)


def _cholesky(a: Any, /, *, upper: bool = False) -> Any:
    factor = gufunc(np.linalg.cholesky, "(n,n)->(n,n)", a)
    return factor.swapaxes(-1, -2).conj() if upper else factor


def _qr(a: Any, /, mode: str = "reduced") -> Any:
    qr = functools.partial(np.linalg.qr, mode=mode)
    if mode == "complete":
        return gufunc(qr, "(m,n)->(m,m),(m,n)", a)
    return gufunc(qr, "(m,n)->(m,k),(k,n)", a, k=_min_side(a))


def _svd(a: Any, /, *, full_matrices: bool = True) -> Any:
    svd = functools.partial(np.linalg.svd, full_matrices=full_matrices)
    outer = "(m,m),(k),(n,n)" if full_matrices else "(m,k),(k),(k,n)"
    return gufunc(svd, f"(m,n)->{outer}", a, k=_min_side(a))


def _svdvals(a: Any, /) -> Any:
    svd = functools.partial(np.linalg.svd, compute_uv=False)
    return gufunc(svd, "(m,n)->(k)", a, k=_min_side(a))


def _pinv(a: Any, /, *, rtol: Any = None) -> Any:
    rcond = 1e-15 if rtol is None else rtol  # NumPy's default (the array API's differs)
    return gufunc(functools.partial(np.linalg.pinv, rcond=rcond), "(m,n)->(n,m)", a)


# NumPy's functions themselves (and partials of them) go into the graph: the workers of a
# cluster need NumPy and Dask, not dualdiff
_LINALG: dict[str, Any] = {
    "det": lambda a, /: gufunc(np.linalg.det, "(n,n)->()", a),
    "slogdet": lambda a, /: gufunc(np.linalg.slogdet, "(n,n)->(),()", a),
    "inv": lambda a, /: gufunc(np.linalg.inv, "(n,n)->(n,n)", a),
    "solve": _solve,
    "cholesky": _cholesky,
    "eigh": lambda a, /: gufunc(np.linalg.eigh, "(n,n)->(n),(n,n)", a),
    "eigvalsh": lambda a, /: gufunc(np.linalg.eigvalsh, "(n,n)->(n)", a),
    "qr": _qr,
    "svd": _svd,
    "svdvals": _svdvals,
    "pinv": _pinv,
}


def _fft_functions(fft: types.ModuleType) -> dict[str, Any]:
    """Dask's FFTs want each transformed axis in one chunk: join it first."""
    names = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
    out: dict[str, Any] = {n: _whole_axis(getattr(fft, n)) for n in names}
    for n in ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]:
        out[n] = _whole_axes(getattr(fft, n))
    return out


def _whole_axis(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def one_axis(x: Any, /, *args: Any, axis: int = -1, **kwargs: Any) -> Any:
        return fn(x.rechunk({axis % x.ndim: -1}), *args, axis=axis, **kwargs)

    return one_axis


def _whole_axes(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def some_axes(x: Any, /, *args: Any, axes: Any = None, **kwargs: Any) -> Any:
        if axes is None:  # every axis (fewer for the 2-d FFTs: joined all the same)
            return fn(x.rechunk(-1), *args, **kwargs)
        return fn(x.rechunk({a % x.ndim: -1 for a in axes}), *args, axes=axes, **kwargs)

    return some_axes


def _special() -> types.ModuleType | None:
    """SciPy's special functions for dask arrays (None without SciPy): its ufuncs map over
    the chunks as they are; polygamma, a Python function that reads its arguments, is
    rebuilt from the ufuncs psi, gamma and zeta."""
    try:
        import scipy.special
    except ImportError:
        return None
    return _module("dask.array.special", scipy.special, {"polygamma": _polygamma})


def _polygamma(n: Any, x: Any) -> Any:
    """psi(x) for n = 0, (-1)^(n+1) n! zeta(n + 1, x) for n >= 1 (as SciPy computes it)."""
    import dask.array as da
    from scipy.special import gamma, psi, zeta

    n = da.asarray(n)
    return da.where(n == 0, psi(x), (-1.0) ** (n + 1) * gamma(n + 1) * zeta(n + 1, x))
