"""One example call per registry op, for ``python -m dualdiff rules`` and ``check``.

An example is a function that uses the op and a point inside the op's domain
(away from kinks, poles and branch cuts); elementwise ops also name a SymPy
twin, so that ``check`` can compare with symbolic derivatives. An op with no
entry here (one a user registered) is tried at a default point: inputs in
(0.2, 0.9), shape (3,).
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np

from ...core import REGISTRY, Rule, make_op
from .base import Example

__all__ = ["EXAMPLES", "Example", "example_for"]


def _merged() -> dict[str, Example]:
    """The ``EXAMPLES`` of every module of this package (one per group of ops)."""
    merged: dict[str, Example] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, example in getattr(module, "EXAMPLES", {}).items():
            if name in merged:
                raise RuntimeError(f"catalog example {name!r} is given twice ({info.name})")
            merged[name] = example
    return merged


EXAMPLES: dict[str, Example] = _merged()


def _default(rule: Rule) -> Example:
    """A user-registered op tried at a generic point: one (3,) array per input."""
    n = rule.nargs if rule.nargs > 0 else 2
    args = tuple(np.linspace(0.2, 0.9, 3) + 0.05 * k for k in range(n))

    return Example(make_op(rule), args)


def example_for(name: str) -> Example:
    """The catalog's example for op ``name``, or a default one for ops not in it."""
    if name not in REGISTRY:
        raise KeyError(f"no op named {name!r} in dd.REGISTRY (see `python -m dualdiff rules`)")
    return EXAMPLES.get(name) or _default(REGISTRY[name])
