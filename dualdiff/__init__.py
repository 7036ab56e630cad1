"""dualdiff: automatic differentiation of NumPy code, forward mode and reverse mode.

Both modes read one registry of derivative rules (``dualdiff.REGISTRY``):
``Dual`` numbers carry tangents forward, a ``Tape`` of ``Var``s is swept
backward. The transforms (``grad``, ``jacfwd``, ``hessian`` ...) follow JAX.
"""

from . import data, nn, numeric, optim, teach
from .anomaly import detect_anomaly
from .check import GradientCheckError, check_grad
from .core import REGISTRY, register_elementwise, register_op
from .forward import Dual
from .ops import (
    abs,
    add,
    arccos,
    arcsin,
    arctan,
    arctan2,
    broadcast_to,
    clip,
    concatenate,
    cos,
    cosh,
    divide,
    dot,
    exp,
    expand_dims,
    expm1,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    moveaxis,
    multiply,
    negative,
    norm,
    power,
    prod,
    reciprocal,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    softplus,
    sqrt,
    square,
    squeeze,
    stack,
    stop_gradient,
    subtract,
    sum,
    swapaxes,
    tan,
    tanh,
    transpose,
    where,
)
from .pytree import tree_flatten, tree_map, tree_unflatten
from .replay import BranchChanged, Compiled, compile
from .reverse import Tape, TapeError, Var
from .teach import trace
from .transforms import (
    derivative,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)

__version__ = "0.1.0"

__all__ = [
    "REGISTRY", "BranchChanged", "Compiled", "Dual", "GradientCheckError", "Tape", "TapeError",
    "Var", "abs", "add", "arccos", "arcsin", "arctan", "arctan2", "broadcast_to", "check_grad",
    "clip", "compile", "concatenate", "cos", "cosh", "data", "derivative", "detect_anomaly",
    "divide", "dot", "exp", "expand_dims", "expm1", "grad", "hessian", "hvp", "jacfwd", "jacobian",
    "jacrev", "jvp", "log", "log1p", "log_softmax", "logsumexp", "matmul", "max", "maximum",
    "mean", "min", "minimum", "moveaxis", "multiply", "negative", "nn", "norm", "numeric", "optim",
    "power", "prod", "reciprocal", "register_elementwise", "register_op", "relu", "reshape",
    "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "sqrt", "square", "squeeze", "stack",
    "stop_gradient", "subtract", "sum", "swapaxes", "tan", "tanh", "teach", "trace", "transpose",
    "tree_flatten", "tree_map", "tree_unflatten", "value_and_grad", "vjp", "where",
]  # fmt: skip
