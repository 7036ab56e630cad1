"""Catalog entries of the complex-number ops: each is met through a complex value built from
real inputs, and returns (or is followed by) a real one, so that checks see real functions."""

from __future__ import annotations

from ... import ops
from .base import Example, grid, signed

_X, _Y = grid(-1.5, 1.3), signed(0.3, 1.8)  # y off 0: no point on angle's branch cut

EXAMPLES: dict[str, Example] = {
    "real": Example(lambda x: ops.real(ops.exp(1j * x)), (_X,)),
    "imag": Example(lambda x: ops.imag(ops.exp(1j * x) * x), (_X,)),
    "conj": Example(lambda x, y: ops.real(ops.conj(x + 1j * y) * (0.5 + 2j)), (_X, _Y)),
    "angle": Example(lambda x, y: ops.angle(x + 1j * y), (_X, _Y)),
}
