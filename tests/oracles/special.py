"""Oracles of SciPy's group (the ``scipy`` extra): special functions against SymPy twins
(SciPy-only functions composed from SymPy's: ndtr from erf, i0e from besseli), and
the ``dd.scipy`` functions (``scipy.linalg``, ``scipy.stats.norm``, ``logsumexp``) by
cases. Without SciPy the group is not registered and these tables are empty.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import sympy as sp

import dualdiff as dd

from .domains import REAL, Case, Elem, signed, uniform

HAVE_SCIPY = importlib.util.find_spec("scipy") is not None


def orders(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """polygamma's order n: integers 0 to 3 (as floats: the walk samples floats)."""
    return np.asarray(rng.integers(0, 4, shape), dtype=np.float64)


def _ndtr(x: Any) -> Any:
    # SymPy rewrites erfc(-z) as 2 - erfc(z), which cancels in the left tail: its
    # relative error is about 1e-16 / ndtr(x), so log_ndtr's domain stops at -4
    # (ndtr(-4) = 3e-5); test_scipy.py checks the far tail against mpmath
    return sp.erfc(-x / sp.sqrt(2)) / 2


ELEMENTWISE: dict[str, Elem] = {
    "erf": Elem(sp.erf, (REAL,)),
    "erfc": Elem(sp.erfc, (REAL,)),
    "erfinv": Elem(sp.erfinv, (uniform(-0.9, 0.9),)),
    "erfcinv": Elem(sp.erfcinv, (uniform(0.1, 1.9),)),
    "gamma": Elem(sp.gamma, (uniform(0.5, 3.0),)),
    "gammaln": Elem(sp.loggamma, (uniform(0.3, 4.0),)),
    "digamma": Elem(sp.digamma, (uniform(0.3, 4.0),)),
    "polygamma": Elem(sp.polygamma, (orders, uniform(0.5, 3.0)), frozen=(0,)),
    "beta": Elem(sp.beta, (uniform(0.5, 3.0), uniform(0.5, 3.0))),
    "betaln": Elem(lambda a, b: sp.log(sp.beta(a, b)), (uniform(0.5, 3.0), uniform(0.5, 3.0))),
    "logit": Elem(lambda x: sp.log(x / (1 - x)), (uniform(0.1, 0.9),)),
    "xlogy": Elem(lambda x, y: x * sp.log(y), (REAL, uniform(0.2, 3.0))),
    "xlog1py": Elem(lambda x, y: x * sp.log(1 + y), (REAL, uniform(-0.8, 2.0))),
    "ndtr": Elem(_ndtr, (uniform(-3.0, 3.0),)),
    "ndtri": Elem(lambda p: sp.sqrt(2) * sp.erfinv(2 * p - 1), (uniform(0.05, 0.95),)),
    "log_ndtr": Elem(lambda x: sp.log(_ndtr(x)), (uniform(-4.0, 3.0),)),
    "i0": Elem(lambda x: sp.besseli(0, x), (REAL,)),
    "i1": Elem(lambda x: sp.besseli(1, x), (REAL,)),
    "i0e": Elem(lambda x: sp.exp(-sp.Abs(x)) * sp.besseli(0, x), (signed(0.1, 3.0),)),
    "i1e": Elem(lambda x: sp.exp(-sp.Abs(x)) * sp.besseli(1, x), (signed(0.1, 3.0),)),
    "j0": Elem(lambda x: sp.besselj(0, x), (uniform(-4.0, 4.0),)),
    "j1": Elem(lambda x: sp.besselj(1, x), (uniform(-4.0, 4.0),)),
    "y0": Elem(lambda x: sp.bessely(0, x), (uniform(0.3, 4.0),)),
    "y1": Elem(lambda x: sp.bessely(1, x), (uniform(0.3, 4.0),)),
}

# float32 constants keep float32 cases float32
_EYE3 = 3 * np.eye(3, dtype=np.float32)
_SIGNS = np.array([[1.0, -2.0, 0.5], [-1.0, 1.5, 0.5]], dtype=np.float32)
POSITIVE = uniform(0.3, 2.0)
PROBABILITY = uniform(0.1, 0.9)


def _spd(m: Any) -> Any:
    """A symmetric positive-definite matrix from any square m."""
    return m @ m.T + _EYE3


def _tables() -> tuple[dict[str, list[Case]], dict[str, list[Case]]]:
    """The cases of ``expm`` (a registry op) and of the ``dd.scipy`` functions."""
    special, linalg, norm = dd.scipy.special, dd.scipy.linalg, dd.scipy.stats.norm
    structural = {
        "expm": [
            Case("3x3", lambda a: linalg.expm(a), ((3, 3),)),
            Case("stack", lambda a: linalg.expm(a), ((2, 3, 3),)),
            Case("1x1", lambda a: linalg.expm(a), ((1, 1),)),
        ]
    }
    composites = {
        "scipy.special.logsumexp": [
            Case(
                "weights",
                lambda a, b: special.logsumexp(a, axis=1, b=b),
                ((2, 3), (2, 3)),
                POSITIVE,
            ),
            Case(
                "weights-broadcast",
                lambda a, b: special.logsumexp(a, axis=0, b=b, keepdims=True),
                ((3, 2), (2,)),
                POSITIVE,
            ),
            Case("sign", lambda a: special.logsumexp(a, b=_SIGNS, return_sign=True)[0], ((2, 3),)),
            Case(
                "sign-axis",
                lambda a: special.logsumexp(a, axis=-1, b=_SIGNS, return_sign=True)[0],
                ((2, 3),),
            ),
        ],
        "scipy.special.softmax": [
            Case("all", lambda x: special.softmax(x), ((2, 3),)),
            Case("axis", lambda x: special.softmax(x, axis=0), ((3, 2),)),
        ],
        "scipy.special.log_softmax": [Case("all", lambda x: special.log_softmax(x), ((2, 3),))],
        "scipy.linalg.cholesky": [
            Case("upper", lambda m: linalg.cholesky(_spd(m)), ((3, 3),)),
            Case("lower", lambda m: linalg.cholesky(_spd(m), lower=True), ((3, 3),)),
        ],
        "scipy.linalg.cho_solve": [
            Case(
                "upper",
                lambda m, b: linalg.cho_solve(linalg.cho_factor(_spd(m)), b),
                ((3, 3), (3,)),
            ),
            Case(
                "lower",
                lambda m, b: linalg.cho_solve(linalg.cho_factor(_spd(m), lower=True), b),
                ((3, 3), (3, 2)),
            ),
        ],
        **{
            f"scipy.stats.norm.{name}": [
                Case(
                    "x-loc-scale", lambda x, loc, s, f=fn: f(x, loc, s), ((3,), (), (3,)), POSITIVE
                ),
                Case("x", lambda x, f=fn: f(x), ((2, 3),)),
            ]
            for name, fn in (
                ("logpdf", norm.logpdf),
                ("pdf", norm.pdf),
                ("cdf", norm.cdf),
                ("logcdf", norm.logcdf),
                ("sf", norm.sf),
                ("logsf", norm.logsf),
            )
        },
        **{
            f"scipy.stats.norm.{name}": [
                Case(
                    "q-loc-scale",
                    lambda q, loc, s, f=fn: f(q, loc, s),
                    ((3,), (3,), ()),
                    PROBABILITY,
                )
            ]
            for name, fn in (("ppf", norm.ppf), ("isf", norm.isf))
        },
    }
    return structural, composites


if HAVE_SCIPY:
    STRUCTURAL, COMPOSITES = _tables()
else:
    ELEMENTWISE, STRUCTURAL, COMPOSITES = {}, {}, {}
