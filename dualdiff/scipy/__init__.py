"""SciPy's functions on traced values, as ``jax.scipy`` mirrors them.

``dd.scipy.special`` (erf, gamma, logsumexp ...), ``dd.scipy.linalg`` (cholesky,
cho_solve, solve_triangular, expm) and ``dd.scipy.stats.norm`` take SciPy's
arguments and differentiate in both modes. SciPy's special functions are ufuncs,
so ``scipy.special.erf(x)`` on a traced value works as well; ``scipy.linalg`` and
``scipy.stats`` convert their inputs to NumPy arrays first, so call these instead.
Needs SciPy: ``pip install 'dualdiff-ad[scipy]'``.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("scipy") is None:
    raise ImportError(
        "dualdiff.scipy needs SciPy, which is not installed: "
        "pip install 'dualdiff-ad[scipy]' (or pip install scipy)"
    )

from . import linalg, special, stats

__all__ = ["linalg", "special", "stats"]
