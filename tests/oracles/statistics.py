"""Oracles of running sums and products (cumsum, cumprod: registry ops, zeros included) and
of the statistics built from registry ops: var, std, average, diff, ptp, median, quantile,
percentile, nanmean, nansum and logsumexp with weights."""

from __future__ import annotations

import numpy as np

import dualdiff as dd

from .domains import Case, uniform, with_zeros

_NAN_ROW = np.full((1, 3), np.nan, dtype=np.float32)  # float32: the f32 run stays float32
_QS = np.array([0.0, 0.25, 0.9], dtype=np.float32)
_SPARSE_B = np.array([0.0, 1.5, 0.0, 0.5], dtype=np.float32)  # weights with zeros

STRUCTURAL: dict[str, list[Case]] = {
    "cumsum": [
        Case("vector", lambda x: dd.cumsum(x), ((5,),)),
        Case("axis0", lambda x: dd.cumsum(x, axis=0), ((3, 2),)),
        Case("flattened", lambda x: dd.cumsum(x), ((2, 3),)),
        Case("axis-negative", lambda x: np.cumsum(x, axis=-2), ((2, 3, 2),)),
        Case("scalar", lambda x: dd.cumsum(x), ((),)),
    ],
    "cumprod": [
        Case("vector", lambda x: dd.cumprod(x), ((5,),), uniform(0.5, 1.5)),
        Case("axis1", lambda x: dd.cumprod(x, axis=1), ((2, 4),)),
        Case("zeros", lambda x: dd.cumprod(x, axis=-1), ((3, 4),), with_zeros),
        Case("zeros-axis0", lambda x: np.cumprod(x, axis=0), ((4, 2, 3),), with_zeros),
        Case("length-1", lambda x: dd.cumprod(x, axis=1), ((3, 1),), with_zeros),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "var": [
        Case("all", lambda x: dd.var(x), ((2, 3),)),
        Case("axis-ddof", lambda x: dd.var(x, axis=0, ddof=1), ((4, 3),)),
        Case("keepdims", lambda x: np.var(x, axis=(0, 2), keepdims=True), ((2, 3, 2),)),
    ],
    "std": [
        Case("all", lambda x: dd.std(x), ((5,),)),
        Case("axis-ddof", lambda x: np.std(x, axis=-1, ddof=1, keepdims=True), ((3, 4),)),
    ],
    "average": [
        Case("unweighted", lambda x: dd.average(x, axis=1), ((2, 3),)),
        Case("weights-1d", lambda x, w: dd.average(x, axis=0, weights=w), ((4, 2), (4,))),
        Case("weights-full", lambda x, w: np.average(x, weights=w), ((2, 3), (2, 3))),
        Case(
            "returned",
            lambda x, w: dd.stack(dd.average(x, axis=-1, weights=w, returned=True)),
            ((2, 3), (3,)),
        ),
    ],
    "diff": [
        Case("first", lambda x: dd.diff(x), ((5,),)),
        Case("second-axis0", lambda x: np.diff(x, n=2, axis=0), ((4, 3),)),
        Case(
            "prepend-append",
            lambda x, p: dd.diff(x, prepend=p, append=np.float32(2)),
            ((2, 3), (2, 1)),
        ),
    ],
    "ptp": [
        Case("all", lambda x: dd.ptp(x), ((2, 3),)),
        Case("axis", lambda x: np.ptp(x, axis=1, keepdims=True), ((3, 4),)),
    ],
    "median": [
        Case("odd", lambda x: dd.median(x), ((5,),)),
        Case("even", lambda x: dd.median(x), ((2, 3),)),
        Case("axis", lambda x: np.median(x, axis=0), ((4, 3),)),
        Case("axes-keepdims", lambda x: dd.median(x, axis=(0, 2), keepdims=True), ((2, 3, 3),)),
    ],
    "quantile": [
        Case("scalar-q", lambda x: dd.quantile(x, 0.3), ((6,),)),
        Case("q-array-axis", lambda x: np.quantile(x, _QS, axis=1), ((2, 5),)),
        Case("q-traced", lambda x, q: dd.quantile(x, q), ((5,), ()), uniform(0.05, 0.95)),
    ],
    "percentile": [
        Case("keepdims", lambda x: np.percentile(x, 40, axis=-1, keepdims=True), ((3, 4),)),
    ],
    "nanmean": [
        Case("rows", lambda x: dd.nanmean(dd.concatenate([x, _NAN_ROW]), axis=0), ((2, 3),)),
        Case("all", lambda x: np.nanmean(x), ((4,),)),
    ],
    "nansum": [
        Case("rows", lambda x: dd.nansum(dd.concatenate([_NAN_ROW, x]), axis=1), ((2, 3),)),
        Case("all", lambda x: np.nansum(x), ((3, 2),)),
    ],
    "logsumexp-b": [
        Case(
            "weights", lambda x, b: dd.logsumexp(x, axis=-1, b=b), ((2, 3), (3,)), uniform(0.5, 2)
        ),
        Case("zero-weights", lambda x: dd.logsumexp(x, b=_SPARSE_B), ((4,),)),
        Case(
            "keepdims",
            lambda x, b: dd.logsumexp(x + 300.0, axis=0, keepdims=True, b=b),
            ((3, 2), (3, 1)),
            uniform(0.5, 2),
        ),
    ],
}
