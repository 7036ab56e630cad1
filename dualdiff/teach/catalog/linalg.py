"""Catalog entries of np.linalg: solves, inverses, determinants and factorizations, each
at a small well-conditioned matrix (symmetric positive definite where the op needs it,
distinct eigenvalues and singular values where the factors must be unique)."""

from __future__ import annotations

import numpy as np

from ...ops import decompositions as dec
from ...ops import linalg, norms
from .base import Example, grid

_A = np.array([[2.0, -0.5, 0.3], [0.4, 1.5, -0.2], [-0.3, 0.6, 1.8]])  # well conditioned
_SPD = np.array([[2.0, 0.4, -0.2], [0.4, 1.4, 0.3], [-0.2, 0.3, 0.9]])  # eigenvalues distinct
_TALL = grid(-1.0, 1.2, (3, 2)) + np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
_B = grid(-0.7, 0.9, (3, 2))

EXAMPLES: dict[str, Example] = {
    "solve": Example(linalg.solve, (_A, _B)),
    "solve_triangular": Example(lambda a, b: linalg.solve_triangular(a, b, lower=True), (_A, _B)),
    "inv": Example(linalg.inv, (_A,)),
    "pinv": Example(linalg.pinv, (_TALL,)),
    "det": Example(norms.det, (_A,)),
    "slogdet": Example(lambda a: norms.slogdet(a).logabsdet, (_A,)),
    "cholesky": Example(dec.cholesky, (_SPD,)),
    "qr": Example(lambda a: dec.qr(a).R, (_TALL,)),
    "eigh": Example(lambda a: dec.eigh(a).eigenvectors, (_SPD,)),
    "eigvalsh": Example(dec.eigvalsh, (_SPD,)),
    "svd": Example(lambda a: dec.svd(a, full_matrices=False).U, (_TALL,)),
    "svdvals": Example(dec.svdvals, (_TALL,)),
}
