"""One example call per registry op, for ``python -m dualdiff rules`` and ``check``.

An example is a function that uses the op and a point inside the op's domain
(away from kinks, poles and branch cuts); elementwise ops also name a SymPy
twin, so that ``check`` can compare with symbolic derivatives. An op with no
entry here (one a user registered) is tried at a default point: inputs in
(0.2, 0.9), shape (3,).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from ..core import REGISTRY, Rule, make_op

__all__ = ["EXAMPLES", "Example", "example_for"]


@dataclass(frozen=True, slots=True)
class Example:
    """``fn(*args)`` uses the op; ``twin(sympy, *symbols)`` is its SymPy expression, if any.

    ``constant`` marks an op whose derivative is zero by definition
    (``stop_gradient``): numbers cannot check it, so its zeros are checked.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    twin: Callable[..., Any] | None = None
    constant: bool = False


def _grid(lo: float, hi: float, shape: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """Distinct values spread over [lo, hi] (no ties, so max/min rules are smooth)."""
    n = int(np.prod(shape))
    return np.linspace(lo, hi, n).reshape(shape)[..., ::-1].copy()


def _signed(lo: float, hi: float) -> np.ndarray:
    """Values with |x| in [lo, hi] and both signs."""
    x = _grid(lo, hi)
    x[0] *= -1
    return x


def _elem(name: str, twin: Callable[..., Any], *args: Any) -> Example:
    op = getattr(ops, name)
    return Example(op, args, twin)


_X = _grid(-1.5, 1.3)
_POS = _grid(0.2, 2.5)
_MASK = np.array([[True, False, True], [False, True, False]])

EXAMPLES: dict[str, Example] = {
    "add": _elem("add", lambda sp, x, y: x + y, _X, _grid(-0.7, 0.9)),
    "subtract": _elem("subtract", lambda sp, x, y: x - y, _X, _grid(-0.7, 0.9)),
    "multiply": _elem("multiply", lambda sp, x, y: x * y, _X, _grid(-0.7, 0.9)),
    "divide": _elem("divide", lambda sp, x, y: x / y, _X, _signed(0.5, 2.0)),
    "negative": _elem("negative", lambda sp, x: -x, _X),
    "power": _elem("power", lambda sp, x, y: x**y, _POS, _grid(-1.2, 2.1)),
    "square": _elem("square", lambda sp, x: x**2, _X),
    "sqrt": _elem("sqrt", lambda sp, x: sp.sqrt(x), _POS),
    "reciprocal": _elem("reciprocal", lambda sp, x: 1 / x, _signed(0.3, 2.0)),
    "abs": _elem("abs", lambda sp, x: sp.Abs(x), _signed(0.1, 2.0)),
    "sign": _elem("sign", lambda sp, x: sp.sign(x), _signed(0.1, 2.0)),
    "exp": _elem("exp", lambda sp, x: sp.exp(x), _X),
    "expm1": _elem("expm1", lambda sp, x: sp.exp(x) - 1, _X),
    "log": _elem("log", lambda sp, x: sp.log(x), _POS),
    "log1p": _elem("log1p", lambda sp, x: sp.log(1 + x), _grid(-0.8, 2.0)),
    "sin": _elem("sin", lambda sp, x: sp.sin(x), _X),
    "cos": _elem("cos", lambda sp, x: sp.cos(x), _X),
    "tan": _elem("tan", lambda sp, x: sp.tan(x), _grid(-1.2, 1.2)),
    "arcsin": _elem("arcsin", lambda sp, x: sp.asin(x), _grid(-0.9, 0.9)),
    "arccos": _elem("arccos", lambda sp, x: sp.acos(x), _grid(-0.9, 0.9)),
    "arctan": _elem("arctan", lambda sp, x: sp.atan(x), _X),
    "arctan2": _elem("arctan2", lambda sp, y, x: sp.atan2(y, x), _signed(0.2, 2), _grid(0.3, 2)),
    "sinh": _elem("sinh", lambda sp, x: sp.sinh(x), _X),
    "cosh": _elem("cosh", lambda sp, x: sp.cosh(x), _X),
    "tanh": _elem("tanh", lambda sp, x: sp.tanh(x), _X),
    "maximum": _elem("maximum", lambda sp, x, y: sp.Max(x, y), _X, _grid(-0.6, 0.8)),
    "minimum": _elem("minimum", lambda sp, x, y: sp.Min(x, y), _X, _grid(-0.6, 0.8)),
    "where": Example(lambda x, y: ops.where(_MASK, x, y), (_X, _grid(-0.7, 0.9))),
    "clip": Example(lambda x, lo, hi: ops.clip(x, lo, hi), (_grid(-1.5, 1.4), -0.9, 0.8)),
    "relu": _elem("relu", lambda sp, x: sp.Max(x, 0), _signed(0.1, 2.0)),
    "sigmoid": _elem("sigmoid", lambda sp, x: 1 / (1 + sp.exp(-x)), _grid(-4.0, 4.0)),
    "softplus": _elem("softplus", lambda sp, x: sp.log(1 + sp.exp(x)), _grid(-4.0, 4.0)),
    "stop_gradient": Example(ops.stop_gradient, (_X,), constant=True),
    "reshape": Example(lambda x: ops.reshape(x, (3, 2)), (_X,)),
    "expand_dims": Example(lambda x: ops.expand_dims(x, 0), (_X,)),
    "squeeze": Example(lambda x: ops.squeeze(x, 1), (_grid(-1, 1, (2, 1, 3)),)),
    "transpose": Example(lambda x: ops.transpose(x), (_X,)),
    "broadcast_to": Example(lambda x: ops.broadcast_to(x, (4, 3)), (_grid(-1, 1, (3,)),)),
    "concatenate": Example(lambda a, b: ops.concatenate([a, b], axis=0), (_X, _grid(0, 1, (1, 3)))),
    "stack": Example(lambda a, b: ops.stack([a, b], axis=1), (_X, _grid(-0.7, 0.9))),
    "getitem": Example(lambda x: x[1, ::2], (_X,)),
    "scatter_add": Example(lambda g: ops.scatter_add(g, np.array([0, 2, 0]), (4,)), (_X[0],)),
    "matmul": Example(ops.matmul, (_X, _grid(-1, 1, (3, 2)))),
    "sum": Example(lambda x: ops.sum(x, axis=1), (_X,)),
    "mean": Example(lambda x: ops.mean(x, axis=0), (_X,)),
    "prod": Example(lambda x: ops.prod(x, axis=1), (_grid(0.5, 1.5),)),
    "max": Example(lambda x: ops.max(x, axis=1), (_X,)),
    "min": Example(lambda x: ops.min(x, axis=0), (_X,)),
    "logsumexp": Example(lambda x: ops.logsumexp(x, axis=-1), (_X,)),
}


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
