"""Products: ``einsum`` (a registry op), and tensordot, outer, inner, vdot, vecdot,
matvec, vecmat, kron, cross, matrix_power and linalg.multi_dot, composites of einsum,
matmul, multiply and reshapes whose rules give their derivatives.

einsum is linear in each operand. The JVP of operand k is the same einsum with operand
k replaced by its tangent (the tangent's batch axes ride on fresh index letters). The
VJP of operand k is an einsum of the cotangent with the other operands that produces
operand k's subscripts: an identity matrix embeds a diagonal where operand k repeats an
index (``'ii->i'``), a vector of ones broadcasts an index that only operand k has and
that is summed away (``'ij->i'``), and axes where operand k had length 1 and broadcast
are summed back.
"""

from __future__ import annotations

import functools
import math
import operator
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._namespace import require
from .._util import is_complex, is_foreign, ndim_of, primal_of, shape_of
from ..core import PerInput, Tracer, defop
from .complex import conj
from .elementwise import multiply, negative, subtract
from .linalg import dot, inv, matmul
from .shape import broadcast_to, getitem, moveaxis, reshape, stack, sum_to_shape, transpose

_LETTERS = string.ascii_letters  # the 52 index letters NumPy's einsum accepts

# --- einsum: subscripts -----------------------------------------------------------------
# The registry op takes *canonical* subscripts: every term explicit, no spaces and no
# ellipsis ('...' is replaced by letters of its own), so that rules only add letters.


@functools.lru_cache(maxsize=4096)
def _terms(subscripts: str) -> tuple[tuple[str, ...], str]:
    """Canonical ``'ab,bc->ac'`` as ``(('ab', 'bc'), 'ac')``."""
    lhs, out = subscripts.split("->")
    return tuple(lhs.split(",")), out


def _join(inputs: Sequence[str], out: str) -> str:
    return ",".join(inputs) + "->" + out


def _fresh(used: str, n: int) -> str:
    """``n`` index letters that ``used`` does not contain."""
    if n == 0:
        return ""
    free = [c for c in _LETTERS if c not in used]
    if len(free) < n:
        raise ValueError(
            f"einsum: {used!r} leaves {len(free)} of the 52 index letters free, but {n} are "
            "needed (for '...' axes, batched tangents or repeated indices); split the "
            "contraction into several einsums"
        )
    return "".join(free[:n])


def _ellipsis_span(term: str, ndim: int, k: int, subscripts: str) -> int:
    """How many axes of operand ``k`` its ``'...'`` covers (0 without one)."""
    letters = term.replace("...", "", 1)
    if "." in letters:
        raise ValueError(f"einsum: invalid ellipsis in {term!r} of {subscripts!r}: write '...'")
    span = ndim - len(letters)
    if span < 0 or ("..." not in term and span != 0):
        raise ValueError(
            f"einsum: operand {k} has {ndim} axes but its subscripts {term!r} in "
            f"{subscripts!r} name {len(letters)}; give one letter per axis (or '...')"
        )
    return span


def _check_subscripts(text: str, subscripts: str) -> None:
    bad = sorted(set(text) - set(_LETTERS) - set(".,->"))
    if bad:
        raise ValueError(
            f"einsum: subscripts {subscripts!r} contain {bad}; use the letters a-z and A-Z, "
            "',' between operands, '->' before the output and '...' for broadcast axes"
        )
    arrows = text.count("->")
    if arrows > 1 or text.count("-") != arrows or text.count(">") != arrows:
        raise ValueError(f"einsum: subscripts {subscripts!r} may hold one '->' at most")


def _output(text: str | None, inputs: Sequence[str], ell: str, subscripts: str) -> str:
    """The output term: explicit (``'...'`` replaced by ``ell``) or NumPy's implicit one:
    the broadcast axes, then the letters used once, in alphabetical order."""
    if text is not None:
        _ellipsis_span(text, len(text.replace("...", "", 1)), 0, subscripts)
        out = text.replace("...", ell)
    else:
        counts = Counter("".join(inputs))
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    for c in out:
        if out.count(c) > 1 or not any(c in t for t in inputs):
            raise ValueError(
                f"einsum: output index {c!r} of {subscripts!r} must appear once in the output "
                "and in at least one operand"
            )
    return out


@functools.lru_cache(maxsize=4096)
def _canonical_subscripts(subscripts: str, ndims: tuple[int, ...]) -> str:
    """``subscripts`` for operands of ``ndims`` axes, made explicit and without ``'...'``."""
    text = subscripts.replace(" ", "")
    _check_subscripts(text, subscripts)
    lhs, arrow, out = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(
            f"einsum: {subscripts!r} has {len(terms)} operand term(s) but {len(ndims)} "
            "operand(s) were given"
        )
    spans = [
        _ellipsis_span(t, n, k, subscripts)
        for k, (t, n) in enumerate(zip(terms, ndims, strict=True))
    ]
    longest = max(spans, default=0)
    ell = _fresh(text, longest)  # broadcast axes align on the right, as in NumPy
    inputs = [t.replace("...", ell[longest - s :]) for t, s in zip(terms, spans, strict=True)]
    return _join(inputs, _output(out if arrow else None, inputs, ell, subscripts))


def _sublist_text(sublist: Any) -> str:
    """An interleaved-form sublist (ints 0-51 and Ellipsis) as letters, mapped as NumPy
    maps them (0-25 to A-Z, 26-51 to a-z, so the implicit output keeps the ints' order)."""
    out = []
    for s in sublist:
        if s is Ellipsis:
            out.append("...")
            continue
        i = operator.index(s)
        if not 0 <= i < 52:
            raise ValueError(f"einsum: subscript {i} in a sublist must be in [0, 52)")
        out.append(chr(ord("A") + i) if i < 26 else chr(ord("a") + i - 26))
    return "".join(out)


def _interleaved(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as ``('AB,BC->AC', [a, b])``."""
    n = len(args) // 2
    text = ",".join(_sublist_text(args[2 * i + 1]) for i in range(n))
    if len(args) % 2:
        text += "->" + _sublist_text(args[-1])
    return text, [args[2 * i] for i in range(n)]


# --- einsum: the op ---------------------------------------------------------------------


def _numpy_optimize(optimize: Any) -> Any:
    return list(optimize) if isinstance(optimize, tuple) else optimize


def _rule_optimize(optimize: Any) -> Any:
    """A rule's einsums have other operands than the primal: an explicit path does not
    fit them, so they find their own."""
    return optimize if isinstance(optimize, (bool, str)) else "greedy"


def _einsum_primal(*operands: Any, subscripts: str, optimize: Any) -> Any:
    return np.einsum(subscripts, *operands, optimize=_numpy_optimize(optimize))


def _einsum_in(xp: Any, *operands: Any, subscripts: str, optimize: Any) -> Any:
    """The einsum of namespace ``xp`` (not in the array API standard: Dask's, CuPy's)."""
    return require(xp, "einsum", "einsum")(subscripts, *operands)


def _einsum_jvp(k: int, t: Any, ans: Any, *operands: Any, subscripts: str, optimize: Any) -> Any:
    """The einsum with operand k replaced by its tangent (batch axes in front)."""
    inputs, out = _terms(subscripts)
    batch = _fresh(subscripts, ndim_of(t) - ndim_of(operands[k]))
    terms, args = list(inputs), list(operands)
    terms[k], args[k] = batch + inputs[k], t
    return _einsum(*args, subscripts=_join(terms, batch + out), optimize=_rule_optimize(optimize))


def _constant_dtype(g: Any) -> Any:
    dtype = getattr(primal_of(g), "dtype", None)
    return dtype if dtype is not None and dtype.kind in "fc" else np.float64


def _embedding(
    term: str, shape: tuple[int, ...], elsewhere: set[str], fresh: str, dtype: Any
) -> tuple[str, list[str], list[Any]]:
    """How an einsum that yields ``term``'s axes gets them: the output letters (a fresh
    one for each repeat of an index), and constant operands with their subscripts, an
    identity matrix per repeat (the diagonal) and ones per index only this operand has."""
    letters, terms, args = iter(fresh), [], []
    target = ""
    for i, (c, n) in enumerate(zip(term, shape, strict=True)):
        if c in term[:i]:  # a repeated index: this axis is the diagonal of the first one
            target += next(letters)
            terms.append(c + target[-1])
            args.append(np.eye(n, dtype=dtype))
            continue
        target += c
        if c not in elsewhere and term.count(c) == 1:  # summed away, operand k's alone
            terms.append(c)
            args.append(np.ones(n, dtype=dtype))
    return target, terms, args


def _einsum_vjp(k: int, g: Any, ans: Any, *operands: Any, subscripts: str, optimize: Any) -> Any:
    """The cotangent of operand k: an einsum of g with the other operands (and the
    constants of :func:`_embedding`) that yields operand k's axes, behind g's batch axes
    (fresh letters in front of both g's and the result's subscripts)."""
    inputs, out = _terms(subscripts)
    term, shape = inputs[k], shape_of(operands[k])
    others = [j for j in range(len(inputs)) if j != k]
    elsewhere = set(out).union(*(inputs[j] for j in others))
    nb = ndim_of(g) - ndim_of(ans)
    fresh = _fresh(subscripts, nb + len(term) - len(set(term)))
    batch, fresh = fresh[:nb], fresh[nb:]
    target, terms, args = _embedding(term, shape, elsewhere, fresh, _constant_dtype(g))
    grad = _einsum(
        g,
        *(operands[j] for j in others),
        *args,
        subscripts=_join([batch + out, *(inputs[j] for j in others), *terms], batch + target),
        optimize=_rule_optimize(optimize),
    )
    return _fit(grad, shape, nb)


def _fit(grad: Any, shape: tuple[int, ...], nb: int) -> Any:
    """``grad`` (``nb`` batch axes, then the axes of ``shape``) summed over the axes where
    the operand had length 1 and broadcast, and broadcast where only it had the full length."""
    batch = shape_of(grad)[:nb]
    kept = tuple(1 if n == 1 else m for n, m in zip(shape, shape_of(grad)[nb:], strict=True))
    return broadcast_to(sum_to_shape(grad, kept, nb), batch + shape)


_einsum = defop(
    "einsum",
    _einsum_primal,
    jvp=PerInput(_einsum_jvp),
    vjp=PerInput(_einsum_vjp),
    kind="linalg",
    vjp_batched=True,
    doc="Einstein summation of any number of operands (canonical subscripts 'ij,jk->ik').",
    api=_einsum_in,
)


def _as_operand(x: Any) -> Any:
    return x if isinstance(x, (Tracer, np.ndarray, float)) or is_foreign(x) else np.asarray(x)


def einsum(*operands: Any, optimize: Any = False) -> Any:
    """``np.einsum``: ``einsum('ij,jk->ik', a, b)`` or the interleaved form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``; implicit output, repeated indices, '...'
    and broadcasting as in NumPy. ``optimize`` (False, True, 'greedy', 'optimal' or a
    path from ``np.einsum_path``) is passed to NumPy."""
    if not operands:
        raise TypeError("einsum: give the subscripts and the operands, e.g. einsum('ii', a)")
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], [_as_operand(a) for a in operands[1:]]
    else:
        subscripts, arrays = _interleaved(operands)
        arrays = [_as_operand(a) for a in arrays]
    canon = _canonical_subscripts(subscripts, tuple(ndim_of(a) for a in arrays))
    opt = tuple(optimize) if isinstance(optimize, list) else optimize
    return _einsum(*arrays, subscripts=canon, optimize=opt)


def _einsum_path(*operands: Any, **kwargs: Any) -> Any:
    """``np.einsum_path`` on the primals (a contraction order has no derivative)."""
    return np.einsum_path(*(primal_of(a) for a in operands), **kwargs)


# --- products built on matmul and multiply ----------------------------------------------


def _permuted(x: Any, order: Sequence[int]) -> Any:
    return x if list(order) == sorted(order) else transpose(x, order)


def _axes_list(axes: Any, ndim: int, what: str) -> list[int]:
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"tensordot: axis {a} is out of bounds for {what} of {ndim} axes")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"tensordot: repeated axis in {axes!r} for {what}")
    return out


def _tensordot_axes(axes: Any, na: int, nb: int) -> tuple[list[int], list[int]]:
    """The contracted axes of a and of b, as lists of non-negative ints."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if not 0 <= n <= min(na, nb):
            raise ValueError(
                f"tensordot: axes={n} must be in [0, {min(na, nb)}] for operands of "
                f"{na} and {nb} axes"
            )
        return list(range(na - n, na)), list(range(n))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise TypeError(
            f"tensordot: axes must be an int or a pair of sequences of axes, got {axes!r}"
        ) from None
    out_a, out_b = _axes_list(axes_a, na, "a"), _axes_list(axes_b, nb, "b")
    if len(out_a) != len(out_b):
        raise ValueError(f"tensordot: axes {axes!r} name different numbers of axes of a and b")
    return out_a, out_b


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """``np.tensordot``: the sum over ``axes`` of a (..., K) times b (K, ...), the last
    ``axes`` axes of a with the first of b, or the two given lists: one matrix product."""
    a, b = _as_operand(a), _as_operand(b)
    sa, sb = shape_of(a), shape_of(b)
    axes_a, axes_b = _tensordot_axes(axes, len(sa), len(sb))
    if [sa[i] for i in axes_a] != [sb[i] for i in axes_b]:
        raise ValueError(
            f"tensordot: shape mismatch for sum: a {sa} over axes {axes_a}, b {sb} over "
            f"axes {axes_b}; the contracted lengths must be equal"
        )
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [i for i in range(len(sb)) if i not in axes_b]
    k = math.prod(sa[i] for i in axes_a)
    rows = reshape(_permuted(a, free_a + axes_a), (math.prod(sa[i] for i in free_a), k))
    cols = reshape(_permuted(b, axes_b + free_b), (k, math.prod(sb[i] for i in free_b)))
    return reshape(matmul(rows, cols), tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


def outer(a: Any, b: Any) -> Any:
    """``np.outer``: out[i, j] = a.flat[i] * b.flat[j]."""
    return multiply(reshape(_as_operand(a), (-1, 1)), reshape(_as_operand(b), (1, -1)))


def inner(a: Any, b: Any) -> Any:
    """``np.inner``: the sum over the last axes, out[i..., j...] = sum_k a[i..., k] b[j..., k]."""
    a, b = _as_operand(a), _as_operand(b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def _conjugated(x: Any) -> Any:
    """conj(x) for a complex x; a real x as it is (no op to record)."""
    return conj(x) if is_complex(x) else x


def vdot(a: Any, b: Any) -> Any:
    """``np.vdot``: sum(conj(a.flat) * b.flat), the dot product of the flattened arrays."""
    a, b = _as_operand(a), _as_operand(b)
    if math.prod(shape_of(a)) != math.prod(shape_of(b)):
        raise ValueError(
            f"vdot: a {shape_of(a)} and b {shape_of(b)} must have the same number of elements"
        )
    return matmul(reshape(_conjugated(a), (-1,)), reshape(b, (-1,)))


def vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """``np.vecdot`` / ``np.linalg.vecdot``: sum over ``axis`` of conj(x1) * x2, the other
    axes broadcast: (..., n), (..., n) -> (...)."""
    x1, x2 = _as_operand(x1), _as_operand(x2)
    x1, x2 = moveaxis(_conjugated(x1), axis, -1), moveaxis(x2, axis, -1)
    return einsum("...i,...i->...", x1, x2)


def matvec(x1: Any, x2: Any) -> Any:
    """``np.matvec``: matrix-vector products (..., m, n), (..., n) -> (..., m)."""
    return einsum("...ij,...j->...i", _as_operand(x1), _as_operand(x2))


def vecmat(x1: Any, x2: Any) -> Any:
    """``np.vecmat``: vector-matrix products conj(x1) (..., n), (..., n, m) -> (..., m)."""
    return einsum("...j,...ji->...i", _conjugated(_as_operand(x1)), _as_operand(x2))


def kron(a: Any, b: Any) -> Any:
    """``np.kron``: blocks a[i, j] * b; the operand with fewer axes gets leading 1s."""
    a, b = _as_operand(a), _as_operand(b)
    nd = max(ndim_of(a), ndim_of(b))
    sa = (1,) * (nd - ndim_of(a)) + shape_of(a)
    sb = (1,) * (nd - ndim_of(b)) + shape_of(b)
    spread_a = reshape(a, tuple(x for n in sa for x in (n, 1)))  # (a0, 1, a1, 1, ...)
    spread_b = reshape(b, tuple(x for n in sb for x in (1, n)))  # (1, b0, 1, b1, ...)
    return reshape(multiply(spread_a, spread_b), tuple(m * n for m, n in zip(sa, sb, strict=True)))


def _components(x: Any, which: str) -> list[Any]:
    """The components of vectors along the last axis; None for the z of 2-vectors."""
    n = shape_of(x)[-1] if ndim_of(x) else 0
    if n not in (2, 3):
        raise ValueError(
            f"cross: vectors of {which} have length {n} (shape {shape_of(x)}); the cross "
            "product takes vectors of length 2 or 3 along axisa/axisb"
        )
    parts = [getitem(x, (Ellipsis, i)) for i in range(n)]
    return [*parts, None] if n == 2 else parts


def _minor(p: Any, q: Any, r: Any, s: Any) -> Any:
    """p s - q r, where a None factor (the z of a 2-vector) drops its product."""
    left = None if p is None or s is None else multiply(p, s)
    right = None if q is None or r is None else multiply(q, r)
    if right is None:
        return left
    return negative(right) if left is None else subtract(left, right)


def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Any:
    """``np.cross``: a x b of 3-vectors (2-vectors have z = 0) along ``axisa``/``axisb``,
    the result's vectors along ``axisc`` (``axis`` sets all three); two 2-vectors give
    the z component a0 b1 - a1 b0."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _as_operand(a), _as_operand(b)
    a = moveaxis(a, axisa, -1) if ndim_of(a) else a
    b = moveaxis(b, axisb, -1) if ndim_of(b) else b
    (a0, a1, a2), (b0, b1, b2) = _components(a, "a"), _components(b, "b")
    z = _minor(a0, a1, b0, b1)
    if a2 is None and b2 is None:
        return z
    c = stack([_minor(a1, a2, b1, b2), _minor(a2, a0, b2, b0), z], axis=-1)
    return moveaxis(c, -1, axisc)


def _square_stack(a: Any, op: str) -> tuple[int, ...]:
    shape = shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError(
            f"{op}: expected a square matrix or a stack of them (..., M, M), got shape {shape}"
        )
    return shape


def matrix_power(a: Any, n: Any) -> Any:
    """``np.linalg.matrix_power``: a @ a @ ... (n factors, by repeated squaring) of square
    (..., M, M) matrices; n = 0 gives the identity, n < 0 powers of the inverse."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}") from None
    a = _as_operand(a)
    shape = _square_stack(a, "matrix_power")
    if n == 0:
        dtype = _constant_dtype(a)
        return np.broadcast_to(np.eye(shape[-1], dtype=dtype), shape).copy()
    if n < 0:  # a^-n = (a^-1)^n; inv raises LinAlgError for a singular matrix, as NumPy
        a, n = inv(a), -n
    result, power = None, a
    while True:
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if not n:
            return result
        power = matmul(power, power)


def _chain_splits(dims: Sequence[int]) -> list[list[int]]:
    """splits[i][j]: where the cheapest product of matrices i..j splits, for matrices of
    shapes (dims[i], dims[i + 1]) (the classic dynamic programme over chain lengths)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    splits = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], splits[i][j] = min(
                (cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1], s)
                for s in range(i, j)
            )
    return splits


def _chain(arrays: Sequence[Any], splits: list[list[int]], i: int, j: int) -> Any:
    if i == j:
        return arrays[i]
    s = splits[i][j]
    return matmul(_chain(arrays, splits, i, s), _chain(arrays, splits, s + 1, j))


def multi_dot(arrays: Sequence[Any], *, out: None = None) -> Any:
    """``np.linalg.multi_dot``: the matrix product of a chain in the cheapest order; the
    first array may be a 1-D row and the last a 1-D column."""
    if out is not None:
        raise TypeError("multi_dot: out= would write into an array and drop the derivative")
    arrays = [_as_operand(a) for a in arrays]
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    if len(arrays) == 2:
        return dot(arrays[0], arrays[1])
    row, col = ndim_of(arrays[0]) == 1, ndim_of(arrays[-1]) == 1
    if row:
        arrays[0] = reshape(arrays[0], (1, -1))
    if col:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for k, a in enumerate(arrays):
        if ndim_of(a) != 2:
            raise ValueError(
                f"multi_dot: array {k} has shape {shape_of(a)}; the arrays must be 2-D "
                "(the first and the last may be 1-D)"
            )
    dims = [shape_of(a)[0] for a in arrays] + [shape_of(arrays[-1])[1]]
    result = _chain(arrays, _chain_splits(dims), 0, len(arrays) - 1)
    if row or col:
        return reshape(result, shape_of(result)[int(row) : 2 - int(col)])
    return result


def _numpy_callable(name: str) -> Any:
    """``np.NAME`` (dotted), or None where this NumPy lacks it (the array-API names are 2.x)."""
    obj: Any = np
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj


# The NumPy callables these ops stand for (see :mod:`dualdiff.numpy_api`).
NUMPY: dict[Any, Any] = {
    np.einsum: einsum,
    np.einsum_path: _einsum_path,
    np.tensordot: tensordot,
    np.outer: outer,
    np.inner: inner,
    np.vdot: vdot,
    np.kron: kron,
    np.cross: cross,
    np.linalg.matrix_power: matrix_power,
    np.linalg.multi_dot: multi_dot,
}
_SINCE_NUMPY_2: dict[str, Any] = {
    "vecdot": vecdot,
    "matvec": matvec,
    "vecmat": vecmat,
    "linalg.vecdot": vecdot,
    "linalg.outer": outer,
    "linalg.tensordot": tensordot,
    "linalg.cross": lambda x1, x2, axis=-1: cross(x1, x2, axis=axis),
}
NUMPY.update({_numpy_callable(k): op for k, op in _SINCE_NUMPY_2.items() if _numpy_callable(k)})

__all__ = [
    "cross", "einsum", "inner", "kron", "matrix_power", "matvec", "multi_dot", "outer",
    "tensordot", "vdot", "vecdot", "vecmat",
]  # fmt: skip
