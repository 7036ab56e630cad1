"""``dd.linalg``: NumPy's ``np.linalg`` for traced values, in both modes.

The same names, signatures and results as ``np.linalg`` (named tuples included), for
stacks of matrices ``(..., M, N)``; ``np.linalg.NAME(x)`` on a ``Dual`` or ``Var`` comes
here too. ``solve_triangular`` (SciPy's semantics) is an addition. ``docs/linalg.md``
gives the derivative of each and the conventions at repeated eigenvalues.
"""

from __future__ import annotations

import numpy as np

from .ops.decompositions import (
    EighResult,
    QRResult,
    SVDResult,
    cholesky,
    eigh,
    eigvalsh,
    lstsq,
    qr,
    svd,
    svdvals,
)
from .ops.linalg import (
    diagonal,
    inv,
    matmul,
    matrix_transpose,
    pinv,
    solve,
    solve_triangular,
    trace,
)
from .ops.norms import (
    SlogdetResult,
    cond,
    det,
    matrix_norm,
    matrix_rank,
    norm,
    slogdet,
    vector_norm,
)
from .ops.products import cross, matrix_power, multi_dot, outer, tensordot

LinAlgError = np.linalg.LinAlgError

__all__ = [
    "EighResult", "LinAlgError", "QRResult", "SVDResult", "SlogdetResult", "cholesky", "cond",
    "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm",
    "matrix_power", "matrix_rank", "matrix_transpose", "multi_dot", "norm", "outer", "pinv",
    "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "tensordot", "trace",
    "vector_norm",
]  # fmt: skip
