"""NumPy's dispatch protocols for traced values.

``np.sin(x)``, ``np.dot(A, x)``, ``ndarray * x`` on a ``Dual`` or ``Var`` arrive
here (``__array_ufunc__`` / ``__array_function__``) and are sent to the
registry. A NumPy function with no rule raises a ``TypeError`` that names it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops
from ._util import compare, primal_of, shape_of
from .core import REGISTRY, make_op

# NumPy callables (ufuncs and functions) with a derivative rule, as each group of ops
# declares them next to its rules
_HANDLERS: dict[Any, Callable[..., Any]] = {
    fn: op for module in ops.MODULES for fn, op in module.NUMPY.items()
}

# ufuncs that only read primals (comparisons and tests): plain boolean results
_ON_PRIMALS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.floor, np.ceil, np.round, np.rint, np.trunc,
}  # fmt: skip


# functions with structural results, answered from the primals
_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.shape: shape_of,
    np.ndim: lambda a: len(shape_of(a)),
    np.size: lambda a: int(np.prod(shape_of(a))),
    np.result_type: lambda *a: np.result_type(*(primal_of(x) for x in a)),
}


def _user_op(func: Any) -> Callable[..., Any] | None:
    """A user-registered op whose primal *is* this NumPy callable, if there is one."""
    for rule in REGISTRY.values():
        if rule.primal is func and rule.kind == "custom":
            return make_op(rule)
    return None


def _no_rule(what: str) -> TypeError:
    return TypeError(
        f"dualdiff has no derivative rule for {what}. Use a dualdiff op, or register one "
        f"with dd.register_op(name, primal, jvp=..., vjp=...) (see docs/custom-ops.md)"
    )


def _ufunc_name(ufunc: Any) -> str:
    """The ufunc as its caller spells it: ``np.sin``, or ``scipy.special.erf`` for SciPy's."""
    name: str = ufunc.__name__
    scipy_special = sys.modules.get("scipy.special")
    if scipy_special is not None and getattr(scipy_special, name, None) is ufunc:
        return f"scipy.special.{name}"
    return f"np.{name}"


def apply_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Handle ``ufunc(*inputs, **kwargs)`` where an input is a Dual or Var."""
    if method != "__call__":
        raise _no_rule(f"{_ufunc_name(ufunc)}.{method}")
    if ufunc in _ON_PRIMALS and not kwargs:
        return compare(ufunc, *inputs)  # on primals; dd.compile keeps it as a guard
    if kwargs:
        raise TypeError(
            f"np.{ufunc.__name__} on a dualdiff value does not support the keyword(s) "
            f"{sorted(kwargs)}: out= would write into an array and drop the derivative"
        )
    fn = _HANDLERS.get(ufunc) or _user_op(ufunc)
    if fn is None:
        raise _no_rule(_ufunc_name(ufunc))
    return fn(*inputs)


def apply_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Handle a NumPy function called on a Dual or Var."""
    fn = _HANDLERS.get(func) or _FUNCTIONS.get(func) or _user_op(func)
    if fn is None:
        module = str(getattr(func, "__module__", None) or "numpy").replace("numpy", "np", 1)
        raise _no_rule(f"{module}.{getattr(func, '__name__', func)}")
    try:
        return fn(*args, **kwargs)
    except TypeError as err:
        if "argument" not in str(err):
            raise
        raise TypeError(
            f"np.{func.__name__} on a dualdiff value supports only its array arguments and "
            f"axis/keepdims-style parameters: {err}"
        ) from err
