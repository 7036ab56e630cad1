"""``scipy.stats`` on traced values: the normal distribution, ``dd.scipy.stats.norm``."""

from __future__ import annotations

from . import norm

__all__ = ["norm"]
