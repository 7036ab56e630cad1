"""Catalog entries of the first ops: arithmetic to activations, shapes, reductions."""

from __future__ import annotations

import numpy as np

from ... import ops
from .base import Example, elem, grid, signed

_X = grid(-1.5, 1.3)
_POS = grid(0.2, 2.5)
_MASK = np.array([[True, False, True], [False, True, False]])

EXAMPLES: dict[str, Example] = {
    "add": elem("add", lambda sp, x, y: x + y, _X, grid(-0.7, 0.9)),
    "subtract": elem("subtract", lambda sp, x, y: x - y, _X, grid(-0.7, 0.9)),
    "multiply": elem("multiply", lambda sp, x, y: x * y, _X, grid(-0.7, 0.9)),
    "divide": elem("divide", lambda sp, x, y: x / y, _X, signed(0.5, 2.0)),
    "negative": elem("negative", lambda sp, x: -x, _X),
    "power": elem("power", lambda sp, x, y: x**y, _POS, grid(-1.2, 2.1)),
    "square": elem("square", lambda sp, x: x**2, _X),
    "sqrt": elem("sqrt", lambda sp, x: sp.sqrt(x), _POS),
    "reciprocal": elem("reciprocal", lambda sp, x: 1 / x, signed(0.3, 2.0)),
    "abs": elem("abs", lambda sp, x: sp.Abs(x), signed(0.1, 2.0)),
    "sign": elem("sign", lambda sp, x: sp.sign(x), signed(0.1, 2.0)),
    "exp": elem("exp", lambda sp, x: sp.exp(x), _X),
    "expm1": elem("expm1", lambda sp, x: sp.exp(x) - 1, _X),
    "log": elem("log", lambda sp, x: sp.log(x), _POS),
    "log1p": elem("log1p", lambda sp, x: sp.log(1 + x), grid(-0.8, 2.0)),
    "sin": elem("sin", lambda sp, x: sp.sin(x), _X),
    "cos": elem("cos", lambda sp, x: sp.cos(x), _X),
    "tan": elem("tan", lambda sp, x: sp.tan(x), grid(-1.2, 1.2)),
    "arcsin": elem("arcsin", lambda sp, x: sp.asin(x), grid(-0.9, 0.9)),
    "arccos": elem("arccos", lambda sp, x: sp.acos(x), grid(-0.9, 0.9)),
    "arctan": elem("arctan", lambda sp, x: sp.atan(x), _X),
    "arctan2": elem("arctan2", lambda sp, y, x: sp.atan2(y, x), signed(0.2, 2), grid(0.3, 2)),
    "sinh": elem("sinh", lambda sp, x: sp.sinh(x), _X),
    "cosh": elem("cosh", lambda sp, x: sp.cosh(x), _X),
    "tanh": elem("tanh", lambda sp, x: sp.tanh(x), _X),
    "maximum": elem("maximum", lambda sp, x, y: sp.Max(x, y), _X, grid(-0.6, 0.8)),
    "minimum": elem("minimum", lambda sp, x, y: sp.Min(x, y), _X, grid(-0.6, 0.8)),
    "where": Example(lambda x, y: ops.where(_MASK, x, y), (_X, grid(-0.7, 0.9))),
    "clip": Example(lambda x, lo, hi: ops.clip(x, lo, hi), (grid(-1.5, 1.4), -0.9, 0.8)),
    "relu": elem("relu", lambda sp, x: sp.Max(x, 0), signed(0.1, 2.0)),
    "sigmoid": elem("sigmoid", lambda sp, x: 1 / (1 + sp.exp(-x)), grid(-4.0, 4.0)),
    "softplus": elem("softplus", lambda sp, x: sp.log(1 + sp.exp(x)), grid(-4.0, 4.0)),
    "stop_gradient": Example(ops.stop_gradient, (_X,), constant=True),
    "reshape": Example(lambda x: ops.reshape(x, (3, 2)), (_X,)),
    "expand_dims": Example(lambda x: ops.expand_dims(x, 0), (_X,)),
    "squeeze": Example(lambda x: ops.squeeze(x, 1), (grid(-1, 1, (2, 1, 3)),)),
    "transpose": Example(lambda x: ops.transpose(x), (_X,)),
    "broadcast_to": Example(lambda x: ops.broadcast_to(x, (4, 3)), (grid(-1, 1, (3,)),)),
    "concatenate": Example(lambda a, b: ops.concatenate([a, b], axis=0), (_X, grid(0, 1, (1, 3)))),
    "stack": Example(lambda a, b: ops.stack([a, b], axis=1), (_X, grid(-0.7, 0.9))),
    "getitem": Example(lambda x: x[1, ::2], (_X,)),
    "scatter_add": Example(lambda g: ops.scatter_add(g, np.array([0, 2, 0]), (4,)), (_X[0],)),
    "matmul": Example(ops.matmul, (_X, grid(-1, 1, (3, 2)))),
    "sum": Example(lambda x: ops.sum(x, axis=1), (_X,)),
    "mean": Example(lambda x: ops.mean(x, axis=0), (_X,)),
    "prod": Example(lambda x: ops.prod(x, axis=1), (grid(0.5, 1.5),)),
    "max": Example(lambda x: ops.max(x, axis=1), (_X,)),
    "min": Example(lambda x: ops.min(x, axis=0), (_X,)),
    "logsumexp": Example(lambda x: ops.logsumexp(x, axis=-1), (_X,)),
}
