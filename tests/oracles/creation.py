"""Oracles of array creation: ``astype`` (a cast, linear) and ``dd.array`` of nested
lists of traced values (built from ``stack``)."""

from __future__ import annotations

import numpy as np

import dualdiff as dd

from .domains import Case

STRUCTURAL: dict[str, list[Case]] = {
    "astype": [
        # a cast to the input's own dtype, and float32 -> float64 -> float32 in the f32 run
        Case("same", lambda x: dd.astype(x, np.result_type(x)), ((2, 3),)),
        Case("round-trip", lambda x: (x.astype(np.float64) * 2.0).astype(x.dtype), ((3,),)),
        Case("scalar", lambda x: dd.astype(x, np.result_type(x)) * x, ((),)),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "array": [
        Case("scalars", lambda x, y: dd.array([[x, 1.0], [y, x * y]]), ((), ())),
        Case("vectors", lambda x, y: dd.array([x, y, 2 * x]), ((3,), (3,))),
        Case("mixed-depth", lambda x: dd.array([x[0], [1.0, -2.0], x[1] * x[0]]), ((2, 2),)),
        Case("tuples", lambda x: dd.array(((x, x), (x * x, 0.5))), ((),)),
    ],
    "asarray": [Case("rows", lambda x: dd.asarray([x[1], x[0]]), ((2, 3),))],
}
