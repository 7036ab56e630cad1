"""Catalog entries of sorting and selection: sort and take_along_axis."""

from __future__ import annotations

import numpy as np

from ... import ops
from .base import Example, grid

_SHUFFLED = grid(-1.5, 1.3)[:, [2, 0, 1]]  # unsorted rows, no ties

EXAMPLES: dict[str, Example] = {
    "sort": Example(lambda x: ops.sort(x, axis=-1), (_SHUFFLED,)),
    # 1-D: the index arrays print without length-1 rows (which read like Iverson brackets)
    "take_along_axis": Example(
        lambda x: ops.take_along_axis(x, np.array([3, 0, 0, 4, 1]), axis=0), (grid(-1, 1, (5,)),)
    ),
}
