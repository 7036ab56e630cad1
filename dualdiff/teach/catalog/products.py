"""Catalog entries of the products: einsum (the other products are composites of
matmul, multiply and reshapes)."""

from __future__ import annotations

from ... import ops
from .base import Example, grid

EXAMPLES: dict[str, Example] = {
    "einsum": Example(
        lambda a, b: ops.einsum("ij,jk->ik", a, b), (grid(-1.5, 1.3), grid(-1, 1, (3, 2)))
    ),
}
