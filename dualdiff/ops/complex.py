"""Complex numbers: real and imaginary parts, the conjugate and the angle.

Derivatives of complex values follow JAX's convention. A JVP is the op's
R-linear map applied to the tangent; a VJP is the transpose of that map under
the pairing <u, v> = Re(u v), without conjugation. So a holomorphic op's rules
both multiply by f'(z), and the gradient of a real f(z), z = x + iy, is
∂f/∂x - i ∂f/∂y: ``grad(lambda z: abs(z) ** 2)(3 + 4j) == 6 - 8j``. A real
input's cotangent is the real part of what reaches it.

An elementwise op whose output is real for a complex input (``abs``) has the
partial d = ∂f/∂x + i ∂f/∂y there (for |z|, z / |z|): the engines then use the
JVP Re(conj(d) t) and the VJP g conj(d) (:func:`real_valued_jvp`,
:func:`real_valued_vjp`). Built-in ops list d in ``REAL_VALUED``; an op a user
registers with ``dd.register_elementwise`` states it as its partial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._namespace import dtype_kind
from .._util import mask, primal_of
from ..core import Rule, defop
from .elementwise import divide, reciprocal, where

# --- the parts of a complex number ------------------------------------------------

_MINUS_I = complex(0.0, -1.0)  # -1j itself has a real part of -0.0, which prints as "-0"

real = defop(
    "real",
    np.real,
    api=lambda xp, z: xp.real(z) if dtype_kind(z.dtype) == "c" else z,
    jvp=lambda t, ans, z: real(t),
    vjp=lambda g, ans, z: g,  # complex(g, 0): the engine keeps it real until it meets z
    doc="Re z, elementwise (x itself for a real x).",
    vjp_batched=True,
)
imag = defop(
    "imag",
    np.imag,
    api=lambda xp, z: xp.imag(z) if dtype_kind(z.dtype) == "c" else xp.zeros_like(z),
    jvp=lambda t, ans, z: imag(t),
    vjp=lambda g, ans, z: g * _MINUS_I,  # Re(-i g t) = g Im t
    doc="Im z, elementwise (0 for a real x).",
    vjp_batched=True,
)


def _conj_primal(z: Any) -> Any:
    return z.conjugate()  # a Python float stays a float, an array keeps its dtype


conj = defop(
    "conj",
    _conj_primal,
    jvp=lambda t, ans, z: conj(t),
    vjp=lambda g, ans, z: conj(g),
    doc="The complex conjugate x - iy of z = x + iy, elementwise.",
    vjp_batched=True,
)
conjugate = conj


def _inverse_square(z: Any) -> Any:
    """1 / |z|^2, and 0 where z = 0 (the angle's derivative there is taken as 0, as |z|'s is)."""
    nonzero = primal_of(z) != 0
    return reciprocal(where(nonzero, real(z * conj(z)), 1.0)) * mask(nonzero, z)


_angle = defop(
    "angle",
    np.angle,
    jvp=lambda t, ans, z: imag(t * conj(z)) * _inverse_square(z),
    vjp=lambda g, ans, z: g * _MINUS_I * conj(z) * _inverse_square(z),
    doc="arg z in (-π, π], elementwise: d arg z = Im(dz / z).",
    vjp_batched=True,
)


def angle(z: Any, deg: bool = False) -> Any:
    """``np.angle``: the argument of z in radians (degrees with ``deg=True``)."""
    a = _angle(z)
    return a * (180.0 / np.pi) if deg else a


# --- the engines' side of the convention ---------------------------------------------


def _abs_partial(ans: Any, z: Any) -> Any:
    """∂|z|/∂x + i ∂|z|/∂y = z / |z|, and 0 at z = 0 (as for a real x). Not sign(z): its
    derivative is 0 by definition, and this partial must differentiate again."""
    nonzero = primal_of(ans) != 0
    return divide(z, where(nonzero, ans, 1.0)) * mask(nonzero, ans)


# Built-in elementwise ops that are real for a complex input, and their partial for it as
# ∂f/∂x + i ∂f/∂y. Any other built-in elementwise op that returns a real value for a
# complex input is not defined there (sigmoid, say, compares its input with 0).
REAL_VALUED = {"abs": _abs_partial}


def _complex_partial(rule: Rule, i: int, ans: Any, args: Sequence[Any]) -> Any:
    """Input i's partial ∂f/∂x + i ∂f/∂y of an elementwise op with real output."""
    partial = REAL_VALUED.get(rule.name)
    if partial is not None:
        return partial(ans, *args)
    if rule.kind != "custom":
        raise TypeError(
            f"dualdiff op '{rule.name}' does not support complex input: it returned a real "
            "value for a complex argument, and its derivative is defined for real inputs only. "
            "Apply it to dd.real(z), dd.imag(z) or dd.abs(z) instead"
        )
    d = rule.derivs[i]  # type: ignore[index]  # a user's op states it by this convention
    return d if not callable(d) else d(ans, *args)


def real_valued_jvp(rule: Rule, i: int, t: Any, ans: Any, args: Sequence[Any]) -> Any:
    """The JVP Re(conj(d) t) of an elementwise op with real output and complex input i."""
    return real(t * conj(_complex_partial(rule, i, ans, args)))


def real_valued_vjp(rule: Rule, i: int, g: Any, ans: Any, args: Sequence[Any]) -> Any:
    """The VJP g conj(d) of an elementwise op with real output (so a real g) and complex
    input i."""
    return g * conj(_complex_partial(rule, i, ans, args))


NUMPY: dict[Any, Any] = {
    np.real: real,
    np.imag: imag,
    np.conjugate: conj,
    np.angle: angle,
    # answered from the values: these say what a value is, they have no derivative
    np.iscomplexobj: lambda x: np.iscomplexobj(primal_of(x)),
    np.isrealobj: lambda x: np.isrealobj(primal_of(x)),
    np.iscomplex: lambda x: np.iscomplex(primal_of(x)),
    np.isreal: lambda x: np.isreal(primal_of(x)),
}

__all__ = ["angle", "conj", "conjugate", "imag", "real"]
