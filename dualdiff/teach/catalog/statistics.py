"""Catalog entries of the running sums and products (the statistics are built from
registry ops and need none)."""

from __future__ import annotations

from ... import ops
from .base import Example, grid

_WITH_ZERO = grid(-1.5, 1.3)
_WITH_ZERO[0, 1] = 0.0  # cumprod's derivative is exact at a zero too

EXAMPLES: dict[str, Example] = {
    "cumsum": Example(lambda x: ops.cumsum(x, axis=1), (grid(-1.5, 1.3),)),
    "cumprod": Example(lambda x: ops.cumprod(x, axis=1), (_WITH_ZERO,)),
}
