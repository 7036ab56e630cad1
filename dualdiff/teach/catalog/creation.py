"""Catalog entries of array creation: the cast ``astype``."""

from __future__ import annotations

import numpy as np

from ... import ops
from .base import Example, grid

EXAMPLES: dict[str, Example] = {
    "astype": Example(lambda x: ops.astype(x, np.float64), (grid(-1.5, 1.3),)),
}
