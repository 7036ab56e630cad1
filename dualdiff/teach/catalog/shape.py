"""Catalog entries of NumPy's array-manipulation ops: padding, flips and rolls, triangles
and diagonals."""

from __future__ import annotations

from ... import ops
from .base import Example, grid

_X = grid(-1.5, 1.3)  # (2, 3)
_SQUARE = grid(-1.0, 1.6, (3, 3))

EXAMPLES: dict[str, Example] = {
    "pad": Example(lambda x: ops.pad(x, ((1, 0), (0, 2)), mode="edge"), (_X,)),
    "flip": Example(lambda x: ops.flip(x, 1), (_X,)),
    "roll": Example(lambda x: ops.roll(x, 1, axis=1), (_X,)),
    "tril": Example(ops.tril, (_SQUARE,)),
    "triu": Example(lambda x: ops.triu(x, 1), (_SQUARE,)),
    "diagonal": Example(ops.diagonal, (_SQUARE,)),
    "trace": Example(ops.trace, (_SQUARE,)),
}
