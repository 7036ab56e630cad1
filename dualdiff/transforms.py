"""Function transforms over both modes, with JAX's names and signatures.

Reverse mode (``grad``, ``value_and_grad``, ``vjp``, ``jacrev``) records the
function on a fresh tape; forward mode (``jvp``, ``derivative``, ``jacfwd``)
pushes ``Dual``s through it. Each call opens a new nesting level, so the
transforms compose (``hessian`` is ``jacfwd`` of ``grad``) without
perturbation confusion. Arguments and outputs may be pytrees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops
from ._util import as_float, primal_of, shape_of
from .core import new_level
from .forward import Dual
from .pytree import TreeDef, tree_flatten, tree_unflatten
from .reverse import Tape, Var, backprop, plain, zeros_like

__all__ = [
    "derivative",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]

# Upper bound on the elements of one batched tangent in jacfwd (k directions x n inputs).
_CHUNK_ELEMENTS = 1 << 22


# --- argument handling ----------------------------------------------------------


def _argnums(argnums: Any, nargs: int, name: str) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple of valid indices, and whether it was a single int."""
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not all(
        isinstance(i, (int, np.integer)) for i in nums
    ):
        raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r}")
    out = []
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(
                f"{name}: argnums={argnums!r} but the function was called with {nargs} "
                f"positional argument(s); argnums counts positional arguments from 0"
            )
        out.append(int(i) % nargs)
    return tuple(out), single


def _float_leaf(x: Any, name: str) -> Any:
    x = as_float(x)
    if np.iscomplexobj(primal_of(x)):
        raise TypeError(
            f"{name}: complex inputs are not supported (dualdiff differentiates real "
            "functions); split into real and imaginary parts, or use "
            "dd.numeric.derivative(f, x, method='complex') for the complex-step derivative"
        )
    return x


def _split_aux(out: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ValueError(f"{name}(has_aux=True): the function must return a pair (output, aux)")
    return out[0], out[1]


def _strip(tree: Any, unwrap: Callable[[Any], Any]) -> Any:
    """``tree`` with this transform's tracers replaced by their values (aux outputs)."""
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [unwrap(x) for x in leaves])


# --- reverse mode ----------------------------------------------------------------


def _record(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    nums: tuple[int, ...],
    name: str,
) -> tuple[Tape, list[tuple[list[Var], TreeDef]], Any]:
    """Run ``f`` on a fresh tape with the ``nums`` arguments' leaves as Vars."""
    with new_level() as level:
        tape = Tape._internal(level)
        try:
            new_args = list(args)
            wrapped = []
            for i in nums:
                leaves, td = tree_flatten(args[i])
                xs = [tape._new_var(_float_leaf(x, name)) for x in leaves]
                wrapped.append((xs, td))
                new_args[i] = tree_unflatten(td, xs)
            out = f(*new_args, **kwargs)
        finally:
            tape._release_leaves()
    return tape, wrapped, out


def _unwrap(out: Any, tape: Tape) -> Any:
    """The value of an output leaf: a Var of ``tape`` is replaced by its value."""
    return out.value if isinstance(out, Var) and tape.node_of(out) is not None else out


def _grads(cts: dict[int, Any], wrapped: list[tuple[list[Var], TreeDef]]) -> list[Any]:
    return [
        tree_unflatten(
            td,
            [plain(cts[v._node], v.value) if v._node in cts else zeros_like(v.value) for v in xs],
        )
        for xs, td in wrapped
    ]


def value_and_grad(
    f: Callable[..., Any], argnums: Any = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``f`` and its gradient with respect to ``argnums``, in one reverse pass.

    ``f`` must return a scalar (with ``has_aux``, a pair ``(scalar, aux)``).
    Returns ``(value, grad)`` or ``((value, aux), grad)``; ``grad`` is shaped
    like the argument (a tuple of those for a tuple ``argnums``).
    """

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "grad")
        tape, inputs, out = _record(f, args, kwargs, nums, "grad")
        out, aux = _split_aux(out, has_aux, "grad")
        aux = _strip(aux, lambda x: _unwrap(x, tape))
        value = _unwrap(out, tape)
        if isinstance(out, (list, tuple, dict)) or shape_of(value) != ():
            what = type(out).__name__ if isinstance(out, (list, tuple, dict)) else shape_of(value)
            raise ValueError(
                f"grad requires a scalar output, but the function returned {what}; "
                "use dd.jacrev or dd.jacobian for a Jacobian, or dd.vjp for u^T J"
            )
        cts = tape.backprop(out, free=True) if tape.node_of(out) is not None else {}
        grads = _grads(cts, inputs)
        g = grads[0] if single else tuple(grads)
        return ((value, aux), g) if has_aux else (value, g)

    return wrapped


def grad(f: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of scalar-valued ``f`` with respect to ``argnums`` (reverse mode).

    ``dd.grad(f)(x)`` has the shape of ``x`` (a pytree of them for a pytree x);
    with ``has_aux`` it returns ``(grad, aux)``.
    """
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(out, vjp_fn)``: ``vjp_fn(u)`` is ``u^T J`` as a tuple, one entry per primal.

    ``f`` is recorded once; ``vjp_fn`` may be called many times (each call is
    one reverse pass). With ``has_aux``: ``(out, vjp_fn, aux)``.
    """
    tape, inputs, out = _record(f, primals, {}, tuple(range(len(primals))), "vjp")
    out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_td = tree_flatten(out)
    values = [_unwrap(o, tape) for o in out_leaves]

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct_leaves, ct_td = tree_flatten(cotangent)
        if ct_td != out_td:
            raise ValueError(
                f"vjp_fn: the cotangent's structure {ct_td} differs from the output's {out_td}"
            )
        seeds: dict[int, Any] = {}
        for o, v, u in zip(out_leaves, values, ct_leaves, strict=True):
            if shape_of(u) != shape_of(v):
                raise ValueError(
                    f"vjp_fn: cotangent of shape {shape_of(u)} for an output of shape {shape_of(v)}"
                )
            node = tape.node_of(o)
            if node is not None:
                seeds[node] = as_float(u) if node not in seeds else seeds[node] + as_float(u)
        cts = backprop(tape.entries, seeds, set(), False) if seeds else {}
        return tuple(_grads(cts, inputs))

    result = tree_unflatten(out_td, values)
    if has_aux:
        return result, vjp_fn, _strip(aux, lambda x: _unwrap(x, tape))
    return result, vjp_fn


# --- forward mode -----------------------------------------------------------------


def _check_tangents(primals: Any, tangents: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples (one entry per argument), e.g. "
            "dd.jvp(f, (x,), (v,))"
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent "
            "per argument"
        )
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        pl, ptd = tree_flatten(p)
        tl, ttd = tree_flatten(t)
        if ptd != ttd:
            raise ValueError(f"jvp: tangent {i} has structure {ttd}, but primal {i} has {ptd}")
        for a, b in zip(pl, tl, strict=True):
            if shape_of(a) != shape_of(b):
                raise ValueError(
                    f"jvp: tangent {i} has a leaf of shape {shape_of(b)} where primal {i} has "
                    f"shape {shape_of(a)}"
                )
    return tuple(primals), tuple(tangents)


def _push(
    f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...], seeds: list[Any], name: str
) -> tuple[Any, TreeDef, list[Any], list[Any]]:
    """Run ``f`` with the leaves of ``args[nums]`` as Duals carrying ``seeds``.

    Returns the output structure's pieces: (output tree def, primal leaves,
    tangent leaves); a leaf that does not depend on the inputs gets zeros.
    """
    with new_level() as level:
        new_args = list(args)
        k = 0
        batch: tuple[int, ...] = ()
        for i in nums:
            leaves, td = tree_flatten(args[i])
            duals = []
            for x in leaves:
                x = _float_leaf(x, name)
                t = seeds[k]
                batch = shape_of(t)[: len(shape_of(t)) - len(shape_of(x))]
                duals.append(Dual._make(x, _tangent_like(t, x), level))
                k += 1
            new_args[i] = tree_unflatten(td, duals)
        out = f(*new_args)
    leaves, td = tree_flatten(out)
    prims, tans = [], []
    for o in leaves:
        if isinstance(o, Dual) and o._level == level:
            prims.append(o.primal)
            tans.append(o.tangent)
        else:
            prims.append(o)
            tans.append(_zeros(batch + shape_of(o), o))
    return out, td, prims, tans


def _tangent_like(t: Any, x: Any) -> Any:
    t = as_float(t)
    dtype = getattr(primal_of(x), "dtype", None)
    if dtype is not None and dtype.kind == "f" and isinstance(t, np.ndarray) and t.dtype != dtype:
        t = t.astype(dtype)
    if type(primal_of(x)) is float and isinstance(t, (np.floating, np.ndarray)) and np.ndim(t) == 0:
        t = float(t)
    return t


def _zeros(shape: tuple[int, ...], like: Any) -> Any:
    return (
        zeros_like(np.zeros(shape, dtype=getattr(primal_of(like), "dtype", np.float64)))
        if shape
        else 0.0
    )


def jvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """``(f(*primals), J v)``: the output and its directional derivative along ``tangents``.

    One forward pass. ``primals`` and ``tangents`` are tuples with one entry
    (a pytree) per argument, of matching structure and shapes.
    """
    primals, tangents = _check_tangents(primals, tangents)
    seeds = [leaf for t in tangents for leaf in tree_flatten(t)[0]]
    _, td, prims, tans = _push(f, primals, tuple(range(len(primals))), seeds, "jvp")
    return tree_unflatten(td, prims), tree_unflatten(td, tans)


def derivative(f: Callable[..., Any]) -> Callable[..., Any]:
    """f' for a function of one scalar (forward mode); the output may be any shape or pytree.

    On an array input the seed is all ones, which for an elementwise ``f``
    gives f' at every point at once (handy for plotting).
    """

    @functools.wraps(f)
    def wrapped(x: Any, *args: Any) -> Any:
        x = as_float(x)
        one = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
        return jvp(lambda x: f(x, *args), (x,), (one,))[1]

    return wrapped


# --- Jacobians and Hessians ---------------------------------------------------------


def _flat_inputs(args: tuple[Any, ...], nums: tuple[int, ...]) -> tuple[list[Any], list[TreeDef]]:
    leaves: list[Any] = []
    tds: list[TreeDef] = []
    for i in nums:
        ls, td = tree_flatten(args[i])
        leaves.extend(as_float(x) for x in ls)
        tds.append(td)
    return leaves, tds


def _assemble(
    out_td: TreeDef,
    rows: list[Any],
    out_prims: list[Any],
    in_leaves: list[Any],
    in_tds: list[TreeDef],
    single: bool,
) -> Any:
    """Jacobian blocks in JAX's layout: output structure outside, input structure inside.

    ``rows[j]`` is the output leaf j's derivative with the flattened input
    index first: shape ``(N, *out_shape)``.
    """
    sizes = [int(np.prod(shape_of(x))) for x in in_leaves]
    offsets = np.cumsum([0, *sizes])
    blocks = []
    for r, o in zip(rows, out_prims, strict=True):
        oshape = shape_of(o)
        per_leaf = []
        for x, a, b in zip(in_leaves, offsets[:-1], offsets[1:], strict=True):
            block = ops.reshape(r[a:b], (b - a, *oshape))
            block = ops.reshape(ops.moveaxis(block, 0, -1), oshape + shape_of(x))
            per_leaf.append(block)
        it = iter(per_leaf)
        per_arg = [tree_unflatten(td, [next(it) for _ in range(td.num_leaves)]) for td in in_tds]
        blocks.append(per_arg[0] if single else tuple(per_arg))
    return tree_unflatten(out_td, blocks)


def jacfwd(
    f: Callable[..., Any], argnums: Any = 0, *, chunk_size: int | None = None
) -> Callable[..., Any]:
    """The Jacobian of ``f`` by forward mode, shaped ``out.shape + in.shape``.

    All basis directions ride in one batched tangent (``chunk_size`` at a
    time; by default as many as keep a tangent under 4M elements), so an
    n-input Jacobian costs one vectorized pass rather than n.
    """

    @functools.wraps(f)
    def jac(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "jacfwd")
        leaves, tds = _flat_inputs(args, nums)
        sizes = [int(np.prod(shape_of(x))) for x in leaves]
        n = int(sum(sizes))
        chunk = chunk_size or max(1, min(n, _CHUNK_ELEMENTS // max(n, 1)))
        parts: list[list[Any]] = []
        out_td: TreeDef | None = None
        prims: list[Any] = []
        for start in range(0, max(n, 1), chunk):
            k = min(chunk, n - start)
            seeds = _basis(leaves, sizes, start, k)
            _, out_td, prims, tans = _push(f, args, nums, seeds, "jacfwd")
            parts.append(tans)
        rows = [
            ops.concatenate([ops.reshape(p[j], (-1, *shape_of(prims[j]))) for p in parts])
            for j in range(len(prims))
        ]
        assert out_td is not None
        return _assemble(out_td, rows, prims, leaves, tds, single)

    return jac


def _basis(leaves: list[Any], sizes: list[int], start: int, k: int) -> list[Any]:
    """Tangents for directions ``start .. start+k`` of the flattened inputs, per leaf."""
    seeds, offset = [], 0
    for x, size in zip(leaves, sizes, strict=True):
        dtype = getattr(primal_of(x), "dtype", np.dtype(np.float64))
        t = np.zeros((k, size), dtype=dtype if dtype.kind == "f" else np.float64)
        lo, hi = max(0, offset - start), min(k, offset + size - start)
        if lo < hi:
            r = np.arange(lo, hi)
            t[r, start + r - offset] = 1
        seeds.append(t.reshape((k, *shape_of(x))))
        offset += size
    return seeds


def jacrev(f: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` by reverse mode, shaped ``out.shape + in.shape``.

    ``f`` is recorded once; then one reverse pass per output element.
    """

    @functools.wraps(f)
    def jac(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "jacrev")
        tape, inputs, out = _record(f, args, {}, nums, "jacrev")
        out_leaves, out_td = tree_flatten(out)
        in_vars = [v for xs, _ in inputs for v in xs]
        in_leaves = [v.value for v in in_vars]
        rows = []
        prims = []
        for o in out_leaves:
            value = _unwrap(o, tape)
            prims.append(value)
            node = tape.node_of(o)
            m = int(np.prod(shape_of(value)))
            rows.append(_reverse_rows(tape, node, value, m, in_vars))
        return _assemble(out_td, rows, prims, in_leaves, [td for _, td in inputs], single)

    return jac


def _reverse_rows(tape: Tape, node: int | None, value: Any, m: int, in_vars: list[Var]) -> Any:
    """``(N, *out_shape)``: d out / d inputs, one reverse pass per output element."""
    n = sum(int(np.prod(shape_of(v.value))) for v in in_vars)
    if node is None:
        return np.zeros((n, *shape_of(value)))
    dtype = getattr(primal_of(value), "dtype", np.dtype(np.float64))
    cols = []
    for e in range(m):
        seed = np.zeros(m, dtype=dtype if dtype.kind == "f" else np.float64)
        seed[e] = 1
        seed_v: Any = seed.reshape(shape_of(value)) if shape_of(value) else 1.0
        cts = backprop(tape.entries, {node: seed_v}, set(), False)
        grads = [
            ops.reshape(cts[v._node], (-1,))
            if v._node in cts
            else np.zeros(int(np.prod(shape_of(v.value))))
            for v in in_vars
        ]
        cols.append(ops.concatenate(grads) if len(grads) > 1 else grads[0])
    stacked = ops.stack(cols, axis=-1)  # (N, m)
    return ops.reshape(stacked, (n, *shape_of(value)))


def jacobian(f: Callable[..., Any], argnums: Any = 0, mode: str = "auto") -> Callable[..., Any]:
    """The Jacobian of ``f``, shaped ``out.shape + in.shape``.

    ``mode="auto"`` uses forward mode when the inputs are no larger than the
    output (n <= m passes are cheaper forward) and reverse mode otherwise;
    ``"fwd"`` and ``"rev"`` force one.
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    fwd, rev = jacfwd(f, argnums), jacrev(f, argnums)
    if mode != "auto":
        return fwd if mode == "fwd" else rev

    @functools.wraps(f)
    def jac(*args: Any) -> Any:
        nums, _ = _argnums(argnums, len(args), "jacobian")
        n = sum(int(np.prod(shape_of(x))) for i in nums for x in tree_flatten(args[i])[0])
        out_leaves = tree_flatten(_plain_output(f, args))[0]
        m = sum(int(np.prod(shape_of(o))) for o in out_leaves)
        return fwd(*args) if n <= m else rev(*args)

    return jac


def _plain_output(f: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``f`` evaluated on plain values: its output size decides the Jacobian's mode."""
    return f(*args)


def hessian(f: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    """The Hessian of scalar ``f``, shaped ``in.shape + in.shape``: forward over reverse."""
    return jacfwd(grad(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Any, tangents: Any) -> Any:
    """The Hessian-vector product H v of scalar ``f`` (gradient w.r.t. the first argument),
    by forward over reverse, without building H: ``jvp(grad(f), primals, tangents)[1]``."""
    return jvp(grad(f), primals, tangents)[1]
