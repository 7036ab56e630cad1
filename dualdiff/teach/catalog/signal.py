"""Catalog entries of the signal ops: the full convolution and interpolation."""

from __future__ import annotations

import numpy as np

from ... import ops
from .base import Example, grid

_XP = np.array([-1.0, 0.0, 0.5, 2.0])

EXAMPLES: dict[str, Example] = {
    "convolve": Example(ops.convolve, (grid(-1.5, 1.3, (5,)), grid(-1, 1, (3,)))),
    # x away from the knots, where the interpolant has kinks
    "interp": Example(
        lambda x, fp: ops.interp(x, _XP, fp), (np.array([-0.6, 0.2, 1.1]), grid(0.5, 2.0, (4,)))
    ),
}
