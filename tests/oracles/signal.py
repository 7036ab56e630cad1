"""Oracles of the signal ops: the full convolution and interpolation (cases), and the
modes of convolve and correlate (composites: slices of the full convolution)."""

from __future__ import annotations

import numpy as np

import dualdiff as dd

from .domains import Case

# knots inside the domain [-2, 2] of x, so that cases land on both sides of them
_XP = np.array([-1.5, -0.4, 0.3, 1.2])

STRUCTURAL: dict[str, list[Case]] = {
    "convolve": [
        Case("full", lambda a, v: dd.convolve(a, v), ((5,), (3,))),
        Case("v-longer", lambda a, v: dd.convolve(a, v), ((2,), (4,))),
        Case("length-1", lambda a, v: dd.convolve(a, v), ((1,), (3,))),
    ],
    "interp": [
        Case("x-and-fp", lambda x, fp: dd.interp(x, _XP, fp), ((2, 3), (4,))),
        Case("left-right", lambda x, fp: dd.interp(x, _XP, fp, left=-3.0, right=2.0), ((6,), (4,))),
        Case("period", lambda x, fp: dd.interp(x, _XP, fp, period=4.0), ((5,), (4,))),
        # knots moved by at most 0.2, so they stay increasing
        Case("knots", lambda x, d, fp: dd.interp(x, _XP + 0.1 * d, fp), ((5,), (4,), (4,))),
        Case("scalar-x", lambda x, fp: dd.interp(x, _XP, fp), ((), (4,))),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "convolve-modes": [
        Case("same", lambda a, v: dd.convolve(a, v, "same"), ((5,), (2,))),
        Case("valid", lambda a, v: dd.convolve(a, v, mode="valid"), ((3,), (5,))),
    ],
    "correlate": [
        Case("valid", lambda a, v: dd.correlate(a, v), ((5,), (3,))),
        Case("same-v-longer", lambda a, v: dd.correlate(a, v, "same"), ((4,), (6,))),
        Case("full", lambda a, v: dd.correlate(a, v, "full"), ((3,), (2,))),
    ],
}
