"""Forward mode: ``Dual`` numbers, a primal and a tangent carried through each op.

A tangent may carry leading batch axes (shape ``(k, *primal.shape)``): ``k``
directions pushed through one pass, which is how ``jacfwd`` gets a whole
Jacobian at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._namespace import NUMPY_TYPES, asarray_like, dtype_kind, namespace
from ._util import as_complex, as_float, is_complex, ndim_of, primal_of, shape_of, zeros_like_shape
from .core import Rule, Tracer, bind, current_level
from .ops import broadcast_to, reshape
from .ops.complex import real_valued_jvp
from .ops.shape import per_direction
from .tracer import ArrayOps


class Dual(ArrayOps):
    """A value ``primal`` with a directional derivative ``tangent`` (forward mode).

    ``Dual(2.0, 1.0)`` seeds d/dx at x = 2; every op then carries the tangent
    along: ``(dd.log(x) + x * 5.0).tangent == 5.5``. The tangent defaults to 0
    and has the primal's shape, or ``(k, *shape)`` for ``k`` directions at once.
    """

    __slots__ = ("_level", "primal", "tangent")

    def __init__(self, primal: Any, tangent: Any = None) -> None:
        primal = as_float(primal)
        shape = shape_of(primal)
        if tangent is None:
            zero = shape or is_complex(primal)  # a real scalar's zero is a Python float
            tangent = _zero_tangent(shape, primal) if zero else 0.0
        else:
            tangent = _cast_like(as_float(tangent), primal)
            tshape = shape_of(tangent)
            if tshape[len(tshape) - len(shape) :] != shape or len(tshape) < len(shape):
                try:
                    tangent = _broadcast_copy(tangent, shape)
                except ValueError:
                    raise ValueError(
                        f"Dual: tangent of shape {tshape} does not fit primal of shape {shape}; "
                        f"give a tangent shaped {shape} (or (k, *{shape}) for k directions)"
                    ) from None
        self.primal = primal
        self.tangent = tangent
        self._level = current_level() + 1

    @classmethod
    def _make(cls, primal: Any, tangent: Any, level: int) -> Dual:
        d = object.__new__(cls)
        d.primal = primal
        d.tangent = tangent
        d._level = level
        return d

    @property
    def value(self) -> Any:
        """The primal value (the same as ``.primal``)."""
        return self.primal

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"

    def _process(self, rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
        level = self._level
        prims = list(args)
        tans: list[Any] = [None] * len(args)
        for i, a in enumerate(args):
            if type(a) is Dual and a._level == level:
                prims[i] = a.primal
                tans[i] = a.tangent
        ans = bind(rule, prims, params)
        if rule.joint_jvp is not None:
            tangent = rule.joint_jvp(tans, ans, *prims, **params)
        else:
            tangent = _sum_contributions(rule, tans, ans, prims, params)
        return Dual._make(ans, _fit_tangent(tangent, ans, tans, prims), level)


def _sum_contributions(
    rule: Rule, tans: list[Any], ans: Any, prims: list[Any], params: dict[str, Any]
) -> Any:
    """The output tangent: the sum over inputs of each input's JVP rule."""
    tangent = None
    for i, t in enumerate(tans):
        jvp = rule.jvp[i] if t is not None else None
        if jvp is None:
            continue
        if type(t) is not float:
            nb = ndim_of(t) - ndim_of(prims[i])
            if nb and not rule.batched:
                c = per_direction(jvp, t, nb, ans, prims, params)
            else:
                if nb and rule.derivs is not None:  # elementwise: align broadcast inputs
                    t = _align(t, nb, prims[i], ans)
                if rule.derivs is not None and is_complex(prims[i]) and not is_complex(ans):
                    c = real_valued_jvp(rule, i, t, ans, prims)
                else:
                    c = jvp(t, ans, *prims, **params)
        else:
            c = jvp(t, ans, *prims, **params)
        tangent = c if tangent is None else tangent + c
    return tangent


def _align(t: Any, nb: int, x: Any, ans: Any) -> Any:
    """Give a batched tangent of a broadcast input as many axes as the output."""
    missing = ndim_of(ans) - ndim_of(x)
    if missing <= 0:
        return t
    tshape = shape_of(t)
    return reshape(t, tshape[:nb] + (1,) * missing + tshape[nb:])


def _batch_of(tans: list[Any], prims: list[Any]) -> tuple[int, ...]:
    for t, p in zip(tans, prims, strict=True):
        if t is not None:
            return shape_of(t)[: ndim_of(t) - ndim_of(p)]
    return ()


def _fit_tangent(tangent: Any, ans: Any, tans: list[Any], prims: list[Any]) -> Any:
    """Make the tangent exactly ``batch + ans.shape`` (zeros when no rule contributed), and
    complex when ``ans`` is (a real input's tangent may reach a complex output unchanged)."""
    if type(tangent) is float and type(ans) is float:
        return tangent
    expected = _batch_of(tans, prims) + shape_of(ans)
    if tangent is None:
        return _zero_tangent(expected, ans, scalar_float=True)
    if shape_of(tangent) != expected:
        tangent = broadcast_to(tangent, expected)
    if is_complex(ans) and not is_complex(tangent):
        tangent = as_complex(tangent)
    return tangent


def _zero_tangent(shape: tuple[int, ...], x: Any, scalar_float: bool = False) -> Any:
    """Zeros of ``shape`` in ``x``'s float dtype and namespace: a NumPy scalar for shape ()
    (a float32 scalar stays float32), a Python float there if ``scalar_float`` and float64."""
    p = primal_of(x)
    if type(p) not in NUMPY_TYPES and not isinstance(p, np.ndarray):
        return zeros_like_shape(shape, p)
    dtype = getattr(p, "dtype", None)
    dtype = dtype if dtype is not None and dtype.kind in "fc" else np.dtype(np.float64)
    if scalar_float and not shape and dtype == np.float64:
        return 0.0
    return np.zeros(shape, dtype=dtype)[()]


def _broadcast_copy(t: Any, shape: tuple[int, ...]) -> Any:
    """``t`` broadcast to ``shape``, as an array of its own (not a view)."""
    if isinstance(t, (np.ndarray, np.generic, float, complex)):
        return np.broadcast_to(t, shape).copy()
    xp = namespace(t)
    return xp.asarray(xp.broadcast_to(t, shape), copy=True)


def _cast_like(tangent: Any, primal: Any) -> Any:
    """The tangent in the primal's dtype (a Python float seed too: float32 stays float32, a
    complex primal gets a complex tangent); a complex tangent of a real primal is refused."""
    if is_complex(tangent) and not is_complex(primal):
        raise TypeError(
            f"Dual: a complex tangent ({tangent!r}) for a real primal ({primal!r}); a real "
            "value moves in real directions only: make the primal complex (x + 0j) to "
            "differentiate along an imaginary direction"
        )
    dtype = getattr(primal, "dtype", None)
    if dtype is None or dtype_kind(dtype) not in "fc" or getattr(tangent, "dtype", None) == dtype:
        return tangent
    if isinstance(tangent, Tracer):
        return tangent
    if not isinstance(primal, np.ndarray) and namespace(primal) is not np:
        return asarray_like(tangent, primal, dtype)
    return np.asarray(tangent, dtype=dtype)[()]
