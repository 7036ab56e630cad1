"""Catalog entries of SciPy's group: special functions and expm (none without the ``scipy``
extra)."""

from __future__ import annotations

from typing import Any

from ... import ops
from .base import Example, elem, grid, signed

_X = grid(-1.5, 1.3)
_POS = grid(0.4, 2.5)


def _ndtr(sp: Any, x: Any) -> Any:
    return sp.erfc(-x / sp.sqrt(2)) / 2


def _examples() -> dict[str, Example]:
    return {
        "erf": elem("erf", lambda sp, x: sp.erf(x), _X),
        "erfc": elem("erfc", lambda sp, x: sp.erfc(x), _X),
        "erfinv": elem("erfinv", lambda sp, x: sp.erfinv(x), grid(-0.9, 0.9)),
        "erfcinv": elem("erfcinv", lambda sp, x: sp.erfinv(1 - x), grid(0.1, 1.9)),
        "gamma": elem("gamma", lambda sp, x: sp.gamma(x), _POS),
        "gammaln": elem("gammaln", lambda sp, x: sp.loggamma(x), _POS),
        "digamma": elem("digamma", lambda sp, x: sp.digamma(x), _POS),
        "polygamma": Example(
            lambda x: ops.polygamma(2, x), (_POS,), lambda sp, x: sp.polygamma(2, x)
        ),
        "beta": elem("beta", lambda sp, a, b: sp.beta(a, b), _POS, grid(0.6, 1.9)),
        "betaln": elem("betaln", lambda sp, a, b: sp.log(sp.beta(a, b)), _POS, grid(0.6, 1.9)),
        "logit": elem("logit", lambda sp, x: sp.log(x / (1 - x)), grid(0.1, 0.9)),
        "xlogy": elem("xlogy", lambda sp, x, y: x * sp.log(y), _X, _POS),
        "xlog1py": elem("xlog1py", lambda sp, x, y: x * sp.log(1 + y), _X, _POS),
        "ndtr": elem("ndtr", _ndtr, _X),
        "ndtri": elem("ndtri", lambda sp, p: sp.sqrt(2) * sp.erfinv(2 * p - 1), grid(0.05, 0.95)),
        "log_ndtr": elem("log_ndtr", lambda sp, x: sp.log(_ndtr(sp, x)), _X),
        "i0": elem("i0", lambda sp, x: sp.besseli(0, x), _X),
        "i1": elem("i1", lambda sp, x: sp.besseli(1, x), _X),
        "i0e": elem("i0e", lambda sp, x: sp.exp(-sp.Abs(x)) * sp.besseli(0, x), signed(0.2, 2.0)),
        "i1e": elem("i1e", lambda sp, x: sp.exp(-sp.Abs(x)) * sp.besseli(1, x), signed(0.2, 2.0)),
        "j0": elem("j0", lambda sp, x: sp.besselj(0, x), _X),
        "j1": elem("j1", lambda sp, x: sp.besselj(1, x), _X),
        "y0": elem("y0", lambda sp, x: sp.bessely(0, x), _POS),
        "y1": elem("y1", lambda sp, x: sp.bessely(1, x), _POS),
        "expm": Example(ops.scipy_linalg.expm, (grid(-0.8, 0.9, (3, 3)),)),
    }


EXAMPLES: dict[str, Example] = _examples() if hasattr(ops, "special") else {}
