"""``scipy.linalg`` on traced values: cholesky, cho_factor, cho_solve, solve_triangular, expm.

SciPy's conventions, which differ from NumPy's: ``cholesky`` returns the upper factor U
(a = UᵀU, reading the upper triangle of a) unless ``lower=True``. Each function takes
SciPy's arguments and returns SciPy's values, differentiable in both modes and to any
order; ``overwrite_*`` flags are accepted and ignored (nothing is overwritten).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._lazy import is_lazy
from .._util import primal_of
from ..ops.decompositions import cholesky as _np_cholesky
from ..ops.linalg import solve_triangular
from ..ops.scipy_linalg import expm


def _finite(name: str, check_finite: bool, *arrays: Any) -> None:
    """SciPy's ``check_finite``: refuse inf and nan (LAPACK would return garbage); lazy
    values are not read (a nan spreads into the result)."""
    values = [primal_of(a) for a in arrays]
    if check_finite and not all(is_lazy(v) or np.isfinite(v).all() for v in values):
        raise ValueError(f"{name}: array must not contain infs or NaNs (check_finite=True)")


def cholesky(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Any:
    """The Cholesky factor of symmetric positive-definite ``(..., M, M)`` a: upper U with
    a = UᵀU (the default, reading a's upper triangle), or lower L with a = L Lᵀ."""
    _finite("cholesky", check_finite, a)
    return _np_cholesky(a, upper=not lower)


def cho_factor(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, bool]:
    """``(c, lower)`` for :func:`cho_solve`: c holds the Cholesky factor in its lower or
    upper triangle (here the other triangle is zero; SciPy leaves arbitrary values there)."""
    return cholesky(a, lower=lower, check_finite=check_finite), bool(lower)


def cho_solve(
    c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    """x with a x = b, from ``(c, lower) = cho_factor(a)``: two triangular solves, reading only
    c's factor triangle; b is ``(M,)`` or ``(M, K)``."""
    c, lower = c_and_lower
    _finite("cho_solve", check_finite, c, b)
    first, second = (0, 1) if lower else (1, 0)  # L (Lᵀ x) = b, or Uᵀ (U x) = b
    y = solve_triangular(c, b, trans=first, lower=lower, check_finite=False)
    return solve_triangular(c, y, trans=second, lower=lower, check_finite=False)


__all__ = ["cho_factor", "cho_solve", "cholesky", "expm", "solve_triangular"]
