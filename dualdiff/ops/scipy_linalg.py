"""SciPy's linear algebra beyond NumPy's: the matrix exponential (with the ``scipy`` extra).

``scipy.linalg`` converts its inputs with ``np.asarray`` before anything could dispatch
on them, so these ops are reached as ``dd.scipy.linalg.NAME``, not through NumPy's
protocols. The JVP of ``expm`` is its Fréchet derivative L(A, E), the upper-right
block of ``expm([[A, E], [0, A]])`` (Najfeld and Havel's block identity); the VJP is
its adjoint L(Aᵀ, G). Both call ``expm`` itself, so they differentiate again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._util import shape_of
from ..core import defop
from .shape import broadcast_to, concatenate, swapaxes


def _expm_primal(a: Any) -> Any:
    import scipy.linalg  # here, not at import: dualdiff's import stays free of scipy.linalg

    return scipy.linalg.expm(a)


def _frechet(a: Any, e: Any) -> Any:
    """L(a, e) = d/dt expm(a + t e) at t = 0, for square (..., n, n) matrices; ``e`` may
    carry leading batch axes (several directions at once)."""
    shape = np.broadcast_shapes(shape_of(a), shape_of(e))
    a, e = broadcast_to(a, shape), broadcast_to(e, shape)
    zeros = e * 0  # in e's dtype, and traced, so the printed rule shows its shape
    block = concatenate([concatenate([a, e], axis=-1), concatenate([zeros, a], axis=-1)], axis=-2)
    n = shape[-1]
    return expm(block)[..., :n, n : 2 * n]


expm = defop(
    "expm",
    _expm_primal,
    jvp=lambda t, ans, a: _frechet(a, t),
    vjp=lambda g, ans, a: _frechet(swapaxes(a, -1, -2), g),
    kind="linalg",
    doc="The matrix exponential e^A of square (..., n, n) matrices (scipy.linalg.expm); "
    "derivative L(A, E), the upper-right block of e^[[A, E], [0, A]].",
    vjp_batched=True,
)

# scipy.linalg functions cannot be intercepted (they call np.asarray first)
NUMPY: dict[Any, Any] = {}

# reached as dd.scipy.linalg.expm (NumPy has no expm, so dualdiff's top level has none)
__all__: list[str] = []
