"""dualdiff: automatic differentiation of NumPy code, forward mode and reverse mode.

Both modes read one registry of derivative rules (``dualdiff.REGISTRY``):
``Dual`` numbers carry tangents forward, a ``Tape`` of ``Var``s is swept
backward. The transforms (``grad``, ``jacfwd``, ``hessian`` ...) follow JAX.
"""

from importlib import import_module
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from . import _heap, data, linalg, nn, numeric, ops, optim, teach
from . import fft as fft
from .anomaly import detect_anomaly
from .check import GradientCheckError, check_grad
from .core import REGISTRY, register_elementwise, register_op
from .forward import Dual
from .ops import *  # noqa: F403
from .pytree import tree_flatten, tree_map, tree_unflatten
from .recording import RecordingWarning
from .replay import BranchChanged, Compiled, compile
from .reverse import Tape, TapeError, Var
from .source.export import export_source
from .teach import evaluation_trace
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

_heap.keep_freed_memory()  # arrays freed by one step are reused by the next

if find_spec("scipy") is not None:  # dd.scipy: SciPy's API (the optional `scipy` extra)
    from . import scipy as scipy
elif not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name == "scipy":  # raises an ImportError that names the `scipy` extra
            return import_module(f"{__name__}.scipy")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"

# the ops (dd.sin, dd.matmul ...) are listed by their modules: dualdiff.ops.__all__
__all__ = [
    "REGISTRY", "BranchChanged", "Compiled", "Dual", "GradientCheckError", "RecordingWarning",
    "Tape", "TapeError",
    "Var", "check_grad", "compile", "data", "derivative", "detect_anomaly", "evaluation_trace",
    "export_source",
    "grad", "hessian", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "nn", "numeric", "optim",
    "linalg", "register_elementwise", "register_op", "teach", "tree_flatten", "tree_map",
    "tree_unflatten", "value_and_grad", "vjp",
    "fft",
    *ops.__all__,
]  # fmt: skip
