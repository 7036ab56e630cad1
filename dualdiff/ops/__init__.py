"""The table of ops, grouped as NumPy groups them.

Importing this package fills :data:`dualdiff.core.REGISTRY`.
"""

from .elementwise import (
    abs,
    add,
    arccos,
    arcsin,
    arctan,
    arctan2,
    clip,
    cos,
    cosh,
    divide,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    reciprocal,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    square,
    stop_gradient,
    subtract,
    tan,
    tanh,
    where,
)
from .linalg import dot, matmul, norm
from .reductions import log_softmax, logsumexp, max, mean, min, prod, softmax, sum
from .shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    moveaxis,
    reshape,
    scatter_add,
    squeeze,
    stack,
    sum_to_shape,
    swapaxes,
    transpose,
)

__all__ = [
    "abs", "add", "arccos", "arcsin", "arctan", "arctan2", "broadcast_to", "clip",
    "concatenate", "cos", "cosh", "divide", "dot", "exp", "expand_dims", "expm1", "getitem",
    "log", "log1p", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min",
    "minimum", "moveaxis", "multiply", "negative", "norm", "power", "prod", "reciprocal", "relu",
    "reshape", "scatter_add", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "sqrt",
    "square", "squeeze", "stack", "stop_gradient", "subtract", "sum", "sum_to_shape",
    "swapaxes", "tan", "tanh", "transpose", "where",
]  # fmt: skip
