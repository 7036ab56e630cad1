"""Oracles of sorting and selection: sort and take_along_axis (registry ops); take,
choose, select and piecewise (built from indexing and where)."""

from __future__ import annotations

import numpy as np

import dualdiff as dd
from dualdiff._util import primal_of

from .domains import Case, signed

_ORDER = np.array([[2, 0, 1], [1, 1, 0]])  # a repeated index: the gradient adds up
_COLUMN = np.array([[0], [2], [2]])  # broadcast along the other axis
_PICK = np.array([[0, 1, 2], [2, 2, 0]])
_SMALL = np.array([[True, False, False], [False, True, False]])
_BIG = np.array([[False, False, True], [True, True, False]])
_POSITIVE = np.array([True, False, True, True, False])

STRUCTURAL: dict[str, list[Case]] = {
    "sort": [
        Case("vector", lambda x: dd.sort(x), ((6,),)),
        Case("axis0", lambda x: dd.sort(x, axis=0), ((4, 3),)),
        Case("flattened", lambda x: np.sort(x, axis=None), ((2, 3),)),
        Case("middle-axis", lambda x: dd.sort(x, axis=1), ((2, 4, 2),)),
    ],
    "take_along_axis": [
        Case("rows", lambda x: dd.take_along_axis(x, _ORDER, axis=1), ((2, 3),)),
        Case("broadcast", lambda x: np.take_along_axis(x, _COLUMN, axis=0), ((3, 4),)),
        Case("argsort", lambda x: dd.take_along_axis(x, np.argsort(primal_of(x)), -1), ((4,),)),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "take": [
        Case("flat", lambda x: dd.take(x, [5, 0, 0, 3]), ((2, 3),)),
        Case("axis1", lambda x: np.take(x, [2, -1, 0], axis=1), ((2, 3, 2),)),
        Case("scalar-index", lambda x: dd.take(x, 1, axis=0), ((3, 2),)),
        Case("wrap", lambda x: dd.take(x, [4, -5], mode="wrap"), ((3,),)),
    ],
    "choose": [
        Case("three", lambda a, b, c: dd.choose(_PICK, [a, b, c]), ((2, 3), (2, 3), (3,))),
        Case("numpy", lambda a, b: np.choose(_PICK % 2, (a, b)), ((2, 3), (2, 3))),
    ],
    "select": [
        Case("default", lambda x, y: dd.select([_SMALL, _BIG], [x, y * x], 0.5), ((2, 3), (3,))),
        Case("traced-default", lambda x, d: np.select([_SMALL], [x], d), ((2, 3), ())),
    ],
    "piecewise": [
        Case(
            "functions",
            lambda x: dd.piecewise(x, [_POSITIVE, ~_POSITIVE], [lambda v: v**2, dd.sin]),
            ((5,),),
        ),
        # log is only ever evaluated where x > 0, so no nan reaches the gradient
        Case(
            "otherwise", lambda x: np.piecewise(x, [x > 0], [dd.log, -1.0]), ((5,),), signed(0.5, 2)
        ),
        Case("scalar", lambda x: dd.piecewise(x, [True, False], [dd.exp, 0.0]) * x, ((),)),
    ],
}
