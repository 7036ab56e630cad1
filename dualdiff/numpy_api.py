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
from ._util import compare, primal_of, quiet_primal, shape_of
from .core import REGISTRY, Tracer, make_op
from .pytree import tree_flatten, tree_unflatten

# NumPy callables (ufuncs and functions) with a derivative rule, as each group of ops
# declares them next to its rules
_HANDLERS: dict[Any, Callable[..., Any]] = {
    fn: op for module in ops.MODULES for fn, op in module.NUMPY.items()
}

# ufuncs that only read primals (comparisons and tests): plain boolean results
_ON_PRIMALS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}  # fmt: skip


def _on_primals(func: Callable[..., Any], *, guard: bool) -> Callable[..., Any]:
    """``func`` run on the primals of its arguments (at any depth of lists, tuples, dicts),
    giving a plain value. With ``guard`` the outcome is reported like a comparison, so
    ``dd.compile`` checks it on replay: an index or a test steers what follows. Results
    read from shapes and dtypes alone need no guard (``dd.compile`` keys on those)."""

    def on_primals(*args: Any, **kwargs: Any) -> Any:
        leaves, tree = tree_flatten((args, kwargs))

        def call(*values: Any) -> Any:
            a, k = tree_unflatten(tree, values)
            return func(*a, **k)

        call.__name__ = getattr(func, "__name__", "call")
        if guard:
            return compare(call, *leaves)
        return call(*(quiet_primal(v) for v in leaves))  # shapes and dtypes: no read

    return on_primals


def _nonzero(a: Any) -> tuple[np.ndarray, ...]:
    """``np.nonzero`` as the rows of ``np.argwhere``'s transpose: one array, one guard."""
    return tuple(_on_primals(np.argwhere, guard=True)(a).T)


def _full_like(a: Any, fill_value: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``np.full_like``; a traced fill value is broadcast (and keeps its derivative)."""
    if not isinstance(fill_value, Tracer):
        return _on_primals(np.full_like, guard=False)(a, fill_value, dtype, *args, **kwargs)
    shape = kwargs.get("shape")
    out = ops.broadcast_to(fill_value, shape_of(a) if shape is None else shape)
    wanted = np.dtype(dtype) if dtype is not None else np.result_type(primal_of(a))
    return out if np.result_type(primal_of(out)) == wanted else ops.astype(out, wanted)


# NumPy functions with integer, boolean or structural results: they run on the primals
# and return plain values. Those that read the values are guards under dd.compile.
_GUARDED = (
    np.argmax, np.argmin, np.argsort, np.argpartition, np.argwhere, np.flatnonzero,
    np.searchsorted, np.count_nonzero, np.digitize, np.isclose, np.allclose, np.array_equal,
    np.array_equiv, np.any, np.all, np.iscomplex, np.isreal, np.isposinf, np.isneginf,
    np.isin, np.lexsort,
)  # fmt: skip
_SHAPED = (
    np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj, np.zeros_like,
    np.ones_like, np.empty_like, np.diag_indices_from, np.tril_indices_from,
    np.triu_indices_from, np.shares_memory, np.may_share_memory, np.einsum_path,
)  # fmt: skip
_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    **{fn: _on_primals(fn, guard=True) for fn in _GUARDED},
    **{fn: _on_primals(fn, guard=False) for fn in _SHAPED},
    np.nonzero: _nonzero,
    np.full_like: _full_like,
}


def routing(func: Any) -> tuple[str, Any] | None:
    """How a NumPy callable meets a traced value: ``("differentiable", op)`` (a registry op
    handles it), ``("plain", func)`` (it runs on the primals), or None (no rule; ops that
    users register aside)."""
    if func in _FUNCTIONS or func in _ON_PRIMALS:
        return "plain", func
    if func in _HANDLERS:
        return "differentiable", _HANDLERS[func]
    return None


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


def _scipy_op(ufunc: Any) -> Callable[..., Any] | None:
    """The op of SciPy's special function ``ufunc``, found by name (``ops.special`` does not
    import SciPy) and then kept with the handlers, so the next call finds it at once."""
    name = _ufunc_name(ufunc)
    special = getattr(ops, "special", None)
    if special is None or not name.startswith("scipy.special."):
        return None
    fn: Callable[..., Any] | None = special.SCIPY_UFUNCS.get(name.removeprefix("scipy.special."))
    if fn is not None:
        _HANDLERS[ufunc] = fn
    return fn


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
    fn = _HANDLERS.get(ufunc) or _user_op(ufunc) or _scipy_op(ufunc)
    if fn is None:
        raise _no_rule(_ufunc_name(ufunc))
    return fn(*inputs)


def apply_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Handle a NumPy function called on a Dual or Var."""
    fn = _FUNCTIONS.get(func) or _HANDLERS.get(func) or _user_op(func)
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
