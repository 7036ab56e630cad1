"""Function transforms over both modes, with JAX's names and signatures.

Reverse mode (``grad``, ``value_and_grad``, ``vjp``, ``jacrev``) records the
function on a fresh tape; forward mode (``jvp``, ``derivative``, ``jacfwd``)
pushes ``Dual``s through it. Each call opens a new nesting level, so the
transforms compose (``hessian`` is ``jacfwd`` of ``grad``) without
perturbation confusion. Arguments and outputs may be pytrees; Jacobians of
pytrees put the output structure outside and the input structure inside.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops
from ._namespace import asarray_like, dtype_kind, namespace
from ._util import (
    as_float,
    eye_like,
    is_complex,
    ones_like_shape,
    primal_of,
    reshaped,
    shape_of,
    zeros_like_shape,
)
from .core import Tracer, list_hint, new_level
from .forward import Dual
from .pytree import TreeDef, tree_flatten, tree_unflatten
from .reverse import Tape, Var, backprop, ones_like, plain, zeros_like

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
# How many argument-shape signatures one ``jacobian(mode="auto")`` remembers its choice for.
_MODE_CACHE = 64

# The differentiated arguments, flattened: per argument, its float leaves and structure.
Inputs = list[tuple[list[Any], TreeDef]]
_LEAF = tree_flatten(0.0)[1]


# --- arguments and outputs --------------------------------------------------------


def _check_callable(f: Any, name: str) -> None:
    if not callable(f):
        raise TypeError(
            f"{name}: the first argument must be the function to differentiate, got "
            f"{type(f).__name__}; pass the function itself (dd.{name}(f)), not its value f(x)"
        )


def _argnums(argnums: Any, nargs: int, name: str) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple of distinct valid indices, and whether it was a single int."""
    if type(argnums) is int and 0 <= argnums < nargs:
        return (argnums,), True
    if type(argnums) is tuple and all(type(i) is int for i in argnums):
        return _tuple_argnums(argnums, nargs, name)
    return _check_argnums(argnums, nargs, name)


@functools.lru_cache(maxsize=256)
def _tuple_argnums(argnums: tuple[int, ...], nargs: int, name: str) -> tuple[tuple[int, ...], bool]:
    return _check_argnums(argnums, nargs, name)  # a transform sees the same few on every call


def _check_argnums(argnums: Any, nargs: int, name: str) -> tuple[tuple[int, ...], bool]:
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not all(
        isinstance(i, (int, np.integer)) for i in nums
    ):
        raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r}")
    if not nums:
        raise ValueError(f"{name}: argnums=() selects no argument to differentiate")
    out = []
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(
                f"{name}: argnums={argnums!r} but the function was called with {nargs} "
                f"positional argument(s); argnums counts positional arguments from 0"
            )
        out.append(int(i) % nargs)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: argnums={argnums!r} names an argument twice; list each once")
    return tuple(out), single


# Which dtypes a transform accepts for its inputs or outputs, as in JAX: "any" (real or
# complex), "real", or "complex" (holomorphic=True).
ANY, REAL, COMPLEX = "any", "real", "complex"


def _dtype_name(x: Any) -> str:
    p = primal_of(x)
    if type(p) is float:
        return "float"
    return str(p.dtype) if hasattr(p, "dtype") else str(np.result_type(p))


def _holomorphic_error(name: str, what: str, x: Any) -> TypeError:
    return TypeError(
        f"{name} with holomorphic=True requires complex {what}, but got {_dtype_name(x)}; "
        "make it complex (x + 0j), or leave holomorphic=False"
    )


def _input_leaf(x: Any, name: str, argnum: int, dtypes: str = ANY) -> Any:
    """A leaf of a differentiated argument, promoted to float (ints become float64), of the
    kind ``dtypes`` allows."""
    if type(x) is float and dtypes != COMPLEX:
        return x
    try:
        x = as_float(x)
    except TypeError:
        raise TypeError(
            f"{name}: argument {argnum} holds a leaf of type {type(x).__name__}; only numbers "
            "and numeric arrays can be differentiated. Pass other values in an argument "
            "that argnums does not select, or close over them"
        ) from None
    if dtypes == COMPLEX and not is_complex(x):
        raise _holomorphic_error(name, f"inputs (argument {argnum})", x)
    if dtypes == REAL and is_complex(x):
        raise TypeError(
            f"{name} requires real inputs, but argument {argnum} is {_dtype_name(x)}. For "
            "the derivative of a holomorphic function pass holomorphic=True; for a "
            "non-holomorphic function of complex inputs use dd.jacrev (real outputs) or "
            "dd.jvp directly"
        )
    return x


def _inputs(args: tuple[Any, ...], nums: tuple[int, ...], name: str, dtypes: str = ANY) -> Inputs:
    """The ``nums`` arguments, flattened and checked (see :func:`_input_leaf`)."""
    inputs = []
    for i in nums:
        a = args[i]
        if type(a) is float and dtypes != COMPLEX:  # the common scalar case, no tree walk
            inputs.append(([a], _LEAF))
            continue
        leaves, td = tree_flatten(a)
        inputs.append(([_input_leaf(x, name, i, dtypes) for x in leaves], td))
    return inputs


def _check_output(value: Any, name: str, dtypes: str = ANY) -> None:
    """An output leaf must be a number or a numeric array, of the kind ``dtypes`` allows."""
    p = primal_of(value)
    if type(p) is float and dtypes != COMPLEX:
        return
    dtype = getattr(p, "dtype", None)
    kind = dtype_kind(dtype) if dtype is not None else np.asarray(p).dtype.kind
    if kind not in "biufc":
        raise TypeError(
            f"{name}: the function returned a {type(p).__name__} where a number or numeric "
            "array was expected; return other values as aux (has_aux=True)"
        )
    if dtypes == COMPLEX and kind != "c":
        raise _holomorphic_error(name, "outputs", p)
    if dtypes == REAL and kind == "c":
        raise TypeError(
            f"{name} requires a real-valued output, but the function returned "
            f"{_dtype_name(p)}. For the derivative f'(z) of a holomorphic f pass "
            "holomorphic=True; otherwise differentiate a real value such as dd.real(y), "
            "dd.imag(y) or dd.abs(y) ** 2 (or use dd.vjp / dd.jvp directly)"
        )


def _split_aux(out: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ValueError(
            f"{name}(has_aux=True): the function must return a pair (output, aux), "
            f"got {type(out).__name__}"
        )
    return out[0], out[1]


def _strip(tree: Any, unwrap: Callable[[Any], Any]) -> Any:
    """``tree`` with this transform's tracers replaced by their values (aux outputs)."""
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [unwrap(x) for x in leaves])


def _size(x: Any) -> int:
    return math.prod(shape_of(x))


def _cast_like(t: Any, x: Any) -> Any:
    """A seed tangent or cotangent ``t`` in ``x``'s dtype (a float for a float ``x``)."""
    t = as_float(t)
    if isinstance(t, Tracer):
        return t
    p = primal_of(x)
    if type(p) is float:
        return float(t) if np.ndim(t) == 0 else t
    dtype = getattr(p, "dtype", None)
    if dtype is None or dtype_kind(dtype) not in "fc":
        return t
    if not isinstance(p, np.ndarray) and namespace(p) is not np:
        return t if getattr(t, "dtype", None) == dtype else asarray_like(t, p, dtype)
    numpy_t = isinstance(t, (np.ndarray, np.generic))  # a Python float has no dtype to compare
    if not numpy_t or t.dtype != dtype:
        t = np.asarray(t, dtype=dtype) if np.ndim(t) else dtype.type(t)
    return t


# --- reverse mode ----------------------------------------------------------------


def _record(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    nums: tuple[int, ...],
    inputs: Inputs,
) -> tuple[Tape, list[list[Var]], Any]:
    """Run ``f`` on a fresh tape with the ``nums`` arguments' leaves as Vars."""
    with new_level() as level:
        tape = Tape._internal(level)
        try:
            new_args = list(args)
            wrapped = []
            for i, (leaves, td) in zip(nums, inputs, strict=True):
                xs = [tape._new_var(x) for x in leaves]
                wrapped.append(xs)
                new_args[i] = xs[0] if td is _LEAF else tree_unflatten(td, xs)
            out = _call(f, new_args, kwargs, args, nums)
        finally:
            tape._release_leaves()
    return tape, wrapped, out


def _call(
    f: Callable[..., Any],
    new_args: list[Any],
    kwargs: dict[str, Any],
    args: tuple[Any, ...],
    nums: tuple[int, ...],
) -> Any:
    """``f(*new_args, **kwargs)``; a TypeError where an argument at ``nums`` was a list
    (meant as an array) says so."""
    try:
        return f(*new_args, **kwargs)
    except TypeError as err:
        hint = _list_hint(args, nums)
        if hint is None:
            raise
        raise TypeError(f"{err}; {hint}") from err


def _list_hint(args: tuple[Any, ...], nums: tuple[int, ...]) -> str | None:
    """The hint for an argument at ``nums`` that is a list or tuple (on error paths)."""
    return list_hint([a if i in nums else None for i, a in enumerate(args)])


def _unwrap(out: Any, tape: Tape) -> Any:
    """The value of an output leaf: a Var of ``tape`` is replaced by its value."""
    return out.value if isinstance(out, Var) and tape.node_of(out) is not None else out


def _grads(cts: dict[int, Any], wrapped: list[list[Var]], inputs: Inputs) -> list[Any]:
    """The gradient of each argument from the leaves' cotangents (zeros where none arrived)."""
    grads = []
    for xs, (_, td) in zip(wrapped, inputs, strict=True):
        leaves = [_leaf_grad(cts, v) for v in xs]
        grads.append(leaves[0] if td is _LEAF else tree_unflatten(td, leaves))
    return grads


def _leaf_grad(cts: dict[int, Any], v: Var) -> Any:
    """The gradient of input leaf ``v``: its cotangent as the user gets it, or zeros."""
    g = cts.get(v._node)
    if g is None:
        return zeros_like(v.value)
    if type(g) is float and type(v.value) is float:  # scalar code: nothing to check
        return g
    return plain(g, v.value)


def _scalar_value(out: Any, tape: Tape, holomorphic: bool) -> Any:
    """The value of ``grad``'s output, which must be one real number (complex: holomorphic)."""
    if type(out) is Var and out._tape is tape and type(out.value) is float and not holomorphic:
        return out.value  # the common scalar case: nothing to check
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(
            f"grad requires a scalar output, but the function returned a {type(out).__name__}; "
            "use dd.jacrev or dd.jacobian for a Jacobian, dd.vjp for u^T J, or has_aux=True "
            "to return extra values"
        )
    value = _unwrap(out, tape)
    _check_output(value, "grad", COMPLEX if holomorphic else REAL)
    if shape_of(value) != ():
        raise ValueError(
            f"grad requires a scalar output, but the function returned shape "
            f"{shape_of(value)}; use dd.jacrev or dd.jacobian for a Jacobian, or dd.vjp for "
            "u^T J (grad of sum(f) if you want the sum of the rows)"
        )
    return value


def value_and_grad(
    f: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """``f`` and its gradient with respect to ``argnums``, in one reverse pass.

    ``f`` must return a real scalar (with ``has_aux``, a pair ``(scalar, aux)``).
    Returns ``(value, grad)`` or ``((value, aux), grad)``; ``grad`` is shaped
    like the argument (a tuple of those for a tuple ``argnums``). ``holomorphic``
    as in :func:`grad`.
    """
    _check_callable(f, "grad")

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, aux, g = _value_and_grad(f, argnums, has_aux, args, kwargs, holomorphic)
        return ((value, aux), g) if has_aux else (value, g)

    return wrapped


def grad(
    f: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """The gradient of real scalar-valued ``f`` with respect to ``argnums`` (reverse mode).

    ``dd.grad(f)(x)`` has the shape of ``x`` (a pytree of them for a pytree x);
    with ``has_aux`` it returns ``(grad, aux)``. For a complex input z = x + iy
    the gradient is ∂f/∂x - i ∂f/∂y, as in JAX. ``holomorphic=True`` takes
    complex inputs and a complex output, and returns f'(z).
    """
    _check_callable(f, "grad")

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _, aux, g = _value_and_grad(f, argnums, has_aux, args, kwargs, holomorphic)
        return (g, aux) if has_aux else g

    return wrapped


def _value_and_grad(
    f: Callable[..., Any],
    argnums: Any,
    has_aux: bool,
    args: tuple[Any, ...],
    kwargs: Any,
    holomorphic: bool = False,
) -> tuple[Any, Any, Any]:
    """One call of ``value_and_grad(f)``: (value, aux's values or None, gradient)."""
    nums, single = _argnums(argnums, len(args), "grad")
    inputs = _inputs(args, nums, "grad", COMPLEX if holomorphic else ANY)
    tape, xs, out = _record(f, args, kwargs, nums, inputs)
    out, aux = _split_aux(out, has_aux, "grad")
    value = _scalar_value(out, tape, holomorphic)
    node = tape.node_of(out)
    cts = {} if node is None else backprop(tape.entries, {node: ones_like(value)}, set(), True)
    grads = _grads(cts, xs, inputs)
    if has_aux:
        aux = _strip(aux, lambda x: _unwrap(x, tape))
    return value, aux, grads[0] if single else tuple(grads)


def _seeds(
    cotangent: Any, out_leaves: list[Any], values: list[Any], out_td: TreeDef, tape: Tape
) -> dict[int, Any]:
    """The reverse pass's seeds (output node -> cotangent), checked against the outputs."""
    ct_leaves, ct_td = tree_flatten(cotangent)
    if ct_td != out_td:
        raise ValueError(
            f"vjp_fn: the cotangent has structure {ct_td}, but the output has {out_td}; "
            "give one cotangent per output leaf, shaped like it"
        )
    seeds: dict[int, Any] = {}
    for k, (o, v, u) in enumerate(zip(out_leaves, values, ct_leaves, strict=True)):
        if shape_of(u) != shape_of(v):
            raise ValueError(
                f"vjp_fn: cotangent leaf {k} has shape {shape_of(u)}, but output leaf {k} has "
                f"shape {shape_of(v)}"
            )
        if is_complex(u) and not is_complex(v):
            raise TypeError(
                f"vjp_fn: cotangent leaf {k} is complex but output leaf {k} is real; a real "
                "output's cotangent is real"
            )
        node = tape.node_of(o)
        if node is not None:
            u = _cast_like(u, v)
            seeds[node] = u if node not in seeds else seeds[node] + u
    return seeds


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(out, vjp_fn)``: ``vjp_fn(u)`` is ``u^T J`` as a tuple, one entry per primal.

    ``u`` has the output's structure and shapes. ``f`` is recorded once;
    ``vjp_fn`` may be called many times (one reverse pass each). With
    ``has_aux``: ``(out, vjp_fn, aux)``.
    """
    _check_callable(f, "vjp")
    nums = tuple(range(len(primals)))
    inputs = _inputs(primals, nums, "vjp")
    tape, xs, out = _record(f, primals, {}, nums, inputs)
    out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_td = tree_flatten(out)
    values = [_unwrap(o, tape) for o in out_leaves]
    for v in values:
        _check_output(v, "vjp")

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        seeds = _seeds(cotangent, out_leaves, values, out_td, tape)
        cts = backprop(tape.entries, seeds, set(), False) if seeds else {}
        return tuple(_grads(cts, xs, inputs))

    result = tree_unflatten(out_td, values)
    if has_aux:
        return result, vjp_fn, _strip(aux, lambda x: _unwrap(x, tape))
    return result, vjp_fn


# --- forward mode -----------------------------------------------------------------


def _check_tangents(primals: Any, tangents: Any, name: str) -> list[Any]:
    """The tangents' leaves, in order, after checking them against the primals."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"{name}: primals and tangents must be tuples (one entry per argument), e.g. "
            f"dd.{name}(f, (x,), (v,)); got {type(primals).__name__} and "
            f"{type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"{name}: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one "
            "tangent per argument"
        )
    seeds = []
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        pl, ptd = tree_flatten(p)
        tl, ttd = tree_flatten(t)
        if ptd != ttd:
            raise ValueError(f"{name}: tangent {i} has structure {ttd}, but primal {i} has {ptd}")
        for a, b in zip(pl, tl, strict=True):
            if shape_of(a) != shape_of(b):
                raise ValueError(
                    f"{name}: tangent {i} has a leaf of shape {shape_of(b)} where primal {i} "
                    f"has shape {shape_of(a)}"
                )
            if is_complex(b) and not is_complex(a):
                raise TypeError(
                    f"{name}: tangent {i} is complex but primal {i} is real; a real input "
                    "moves in real directions only (make the primal complex, x + 0j)"
                )
        seeds.extend(tl)
    return seeds


def _push(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    nums: tuple[int, ...],
    inputs: Inputs,
    seeds: list[Any],
    batch: tuple[int, ...],
    has_aux: bool,
    name: str,
    out_dtypes: str = ANY,
) -> tuple[TreeDef, list[Any], list[Any], Any]:
    """Run ``f`` with the inputs' leaves as Duals carrying ``seeds`` (leading axes ``batch``).

    Returns (output structure, primal leaves, tangent leaves, aux); an output
    leaf that does not depend on the inputs gets a zero tangent.
    """
    with new_level() as level:
        new_args = list(args)
        it = iter(seeds)
        for i, (leaves, td) in zip(nums, inputs, strict=True):
            duals = [Dual._make(x, _cast_like(next(it), x), level) for x in leaves]
            new_args[i] = tree_unflatten(td, duals)
        out = _call(f, new_args, kwargs, args, nums)

    def unwrap(o: Any) -> Any:
        return o.primal if isinstance(o, Dual) and o._level == level else o

    out, aux = _split_aux(out, has_aux, name)
    leaves, td = tree_flatten(out)
    prims, tans = [], []
    for o in leaves:
        p = unwrap(o)
        _check_output(p, name, out_dtypes)
        prims.append(p)
        if p is o:
            tans.append(zeros_like_shape(batch + shape_of(p), p))
        else:
            tans.append(o.tangent)
    return td, prims, tans, _strip(aux, unwrap) if has_aux else None


def _jvp(
    f: Callable[..., Any], primals: Any, tangents: Any, has_aux: bool, name: str
) -> tuple[Any, ...]:
    _check_callable(f, name)
    seeds = _check_tangents(primals, tangents, name)
    nums = tuple(range(len(primals)))
    inputs = _inputs(tuple(primals), nums, name)
    td, prims, tans, aux = _push(f, tuple(primals), {}, nums, inputs, seeds, (), has_aux, name)
    out = (tree_unflatten(td, prims), tree_unflatten(td, tans))
    return (*out, aux) if has_aux else out


def jvp(f: Callable[..., Any], primals: Any, tangents: Any, has_aux: bool = False) -> Any:
    """``(f(*primals), J v)``: the output and its directional derivative along ``tangents``.

    One forward pass. ``primals`` and ``tangents`` are tuples with one entry
    (a pytree) per argument, of matching structure and shapes. With
    ``has_aux``: ``(out, out_tangent, aux)``.
    """
    return _jvp(f, primals, tangents, has_aux, "jvp")


def derivative(f: Callable[..., Any]) -> Callable[..., Any]:
    """f'(x) for a function of one number x (forward mode); the output may be any pytree.

    Further arguments are passed through undifferentiated. On an array ``x``
    the seed is all ones, which for an elementwise ``f`` gives f' at every
    point at once (handy for plotting). For a complex ``x`` it is the derivative
    along the real direction, which is f'(z) for a holomorphic ``f``.
    """
    _check_callable(f, "derivative")

    @functools.wraps(f)
    def wrapped(x: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, (list, tuple, dict)) or x is None:
            raise TypeError(
                f"derivative: x must be a number (or an array of points), got "
                f"{type(x).__name__}; use dd.jvp or dd.jacfwd for pytree inputs"
            )
        x = _input_leaf(x, "derivative", 0)
        one = ones_like_shape(shape_of(x), x) if shape_of(x) else 1.0
        inputs = [([x], tree_flatten(x)[1])]
        td, _, tans, _ = _push(f, (x, *args), kwargs, (0,), inputs, [one], (), False, "derivative")
        return tree_unflatten(td, tans)

    return wrapped


# --- Jacobians and Hessians ---------------------------------------------------------


def _finish(block: Any, x: Any) -> Any:
    """A Jacobian block as the user gets it: a float for float in and out, a writable array."""
    if isinstance(block, np.ndarray):
        if type(x) is float and block.shape == () and block.dtype.kind == "f":
            return float(block)
        return block if block.flags.writeable else block.copy()
    if type(x) is float and isinstance(block, np.floating):
        return float(block)
    return block


def _assemble(
    out_td: TreeDef, cols: list[Any], values: list[Any], inputs: Inputs, single: bool
) -> Any:
    """Jacobian blocks in JAX's layout: output structure outside, input structure inside.

    ``cols[j]`` is output leaf j's derivative with the flattened input index
    last: shape ``(*out_shape, N)``; block (j, x) is shaped ``out_shape + x.shape``.
    """
    in_leaves = [x for leaves, _ in inputs for x in leaves]
    blocks = []
    for c, v in zip(cols, values, strict=True):
        oshape, start, per_leaf = shape_of(v), 0, []
        for x in in_leaves:
            part = c if len(in_leaves) == 1 else c[..., start : start + _size(x)]
            shape = oshape + shape_of(x)
            per_leaf.append(
                _finish(part if _is_array_of(part, shape) else ops.reshape(part, shape), x)
            )
            start += _size(x)
        it = iter(per_leaf)
        per_arg = [tree_unflatten(td, [next(it) for _ in leaves]) for leaves, td in inputs]
        blocks.append(per_arg[0] if single else tuple(per_arg))
    return tree_unflatten(out_td, blocks)


def _is_array_of(x: Any, shape: tuple[int, ...]) -> bool:
    return type(x) is np.ndarray and x.shape == shape


def _basis(leaves: list[Any], start: int, k: int) -> list[Any]:
    """Tangents for directions ``start .. start+k`` of the flattened inputs, one per leaf,
    each shaped ``(k, *leaf.shape)``."""
    seeds, offset = [], 0
    for x in leaves:
        size = _size(x)
        # direction start + r is this leaf's element start + r - offset: a shifted identity
        t = eye_like(k, size, start - offset, x)
        seeds.append(reshaped(t, (k, *shape_of(x))))
        offset += size
    return seeds


def _columns(parts: list[list[Any]], j: int) -> Any:
    """Output leaf j's tangents from every chunk, ``(N, *out_shape)`` -> ``(*out_shape, N)``."""
    ts = [p[j] for p in parts]
    t = ts[0] if len(ts) == 1 else ops.concatenate(ts)
    ndim = len(shape_of(t))
    if ndim == 2:
        return t.T  # a vector output's Jacobian: moveaxis(t, 0, -1) is the transpose
    return ops.moveaxis(t, 0, -1) if ndim > 2 else t


def jacfwd(
    f: Callable[..., Any],
    argnums: Any = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """The Jacobian of ``f`` by forward mode, shaped ``out.shape + in.shape``.

    All basis directions ride in one batched tangent (``chunk_size`` at a
    time; by default as many as keep a seed under 4M elements), so an
    n-input Jacobian costs one vectorized pass rather than n. With
    ``has_aux``: ``(jacobian, aux)``. Inputs are real (outputs may be complex)
    unless ``holomorphic=True``: then inputs and outputs are complex and the
    entries are the complex derivatives ∂f_i/∂z_j.
    """
    _check_callable(f, "jacfwd")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"jacfwd: chunk_size must be a positive int, got {chunk_size!r}")

    out_dtype = COMPLEX if holomorphic else ANY

    @functools.wraps(f)
    def jac(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "jacfwd")
        inputs = _inputs(args, nums, "jacfwd", COMPLEX if holomorphic else REAL)
        leaves = [x for xs, _ in inputs for x in xs]
        n = sum(_size(x) for x in leaves)
        chunk = chunk_size or max(1, min(n, _CHUNK_ELEMENTS // max(n, 1)))
        parts = []
        for start in range(0, max(n, 1), chunk):
            k = min(chunk, n - start)
            seeds = _basis(leaves, start, k)
            td, prims, tans, aux = _push(
                f, args, kwargs, nums, inputs, seeds, (k,), has_aux, "jacfwd", out_dtype
            )
            parts.append(tans)
        cols = [_columns(parts, j) for j in range(len(prims))]
        result = _assemble(td, cols, prims, inputs, single)
        return (result, aux) if has_aux else result

    return jac


def _reverse_columns(tape: Tape, out: Any, value: Any, xs: list[Var]) -> Any:
    """``(*out_shape, N)``: d out / d inputs, its rows swept back together (see :func:`_rows`)."""
    oshape, m = shape_of(value), _size(value)
    n = sum(_size(v.value) for v in xs)
    node = tape.node_of(out)
    if node is None or m == 0:  # a constant or empty output: nothing to sweep
        return zeros_like_shape((*oshape, n), value)
    chunk = max(1, min(m, _CHUNK_ELEMENTS // _widest(tape, n)))
    parts = [
        _rows(tape, node, oshape, xs, start, min(chunk, m - start), value)
        for start in range(0, m, chunk)
    ]
    return ops.reshape(parts[0] if len(parts) == 1 else ops.concatenate(parts), (*oshape, n))


def _widest(tape: Tape, n: int) -> int:
    """The most elements of one value on ``tape`` (or ``n``): what each row adds to a sweep."""
    return max([n, *(_size(entry[5]) for entry in tape.entries)])


def _rows(
    tape: Tape, node: int, oshape: tuple[int, ...], xs: list[Var], start: int, k: int, like: Any
) -> Any:
    """Rows ``start .. start+k`` of the Jacobian, ``(k, N)``: one reverse pass whose
    cotangents carry a leading batch axis of k output directions (the basis seeds), in
    the float dtype and namespace of the output value ``like``."""
    seed = reshaped(eye_like(k, math.prod(oshape), start, like), (k, *oshape))
    cts = backprop(tape.entries, {node: seed}, set(), False, batch=1)
    grads = [
        ops.reshape(cts[v._node], (k, -1))
        if v._node in cts
        else zeros_like_shape((k, _size(v.value)), like)
        for v in xs
    ]
    return grads[0] if len(grads) == 1 else ops.concatenate(grads, axis=1)


def _reverse_jacobian(
    tape: Tape,
    xs: list[list[Var]],
    inputs: Inputs,
    out: Any,
    aux: Any,
    single: bool,
    has_aux: bool,
    name: str,
    holomorphic: bool,
) -> Any:
    """The Jacobian of ``out`` (recorded on ``tape``) with respect to the Vars ``xs``,
    paired with ``aux``'s values when ``has_aux``."""
    out_leaves, out_td = tree_flatten(out)
    flat_xs = [v for vs in xs for v in vs]
    values, cols = [], []
    for o in out_leaves:
        value = _unwrap(o, tape)
        _check_output(value, name, COMPLEX if holomorphic else REAL)
        values.append(value)
        cols.append(_reverse_columns(tape, o, value, flat_xs))
    result = _assemble(out_td, cols, values, inputs, single)
    return (result, _strip(aux, lambda x: _unwrap(x, tape))) if has_aux else result


def jacrev(
    f: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """The Jacobian of ``f`` by reverse mode, shaped ``out.shape + in.shape``.

    ``f`` is recorded once; then one reverse pass carries every output row at once (a
    batch of cotangents; rows in chunks when that batch would be very large). With
    ``has_aux``: ``(jacobian, aux)``. Outputs are real (inputs may be complex:
    rows are gradients as in :func:`grad`) unless ``holomorphic=True``: then
    inputs and outputs are complex and the entries are ∂f_i/∂z_j.
    """
    _check_callable(f, "jacrev")

    @functools.wraps(f)
    def jac(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), "jacrev")
        inputs = _inputs(args, nums, "jacrev", COMPLEX if holomorphic else ANY)
        tape, xs, out = _record(f, args, kwargs, nums, inputs)
        out, aux = _split_aux(out, has_aux, "jacrev")
        return _reverse_jacobian(tape, xs, inputs, out, aux, single, has_aux, "jacrev", holomorphic)

    return jac


def _shape_key(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """What the output's size usually depends on: the arguments' structures and shapes."""
    key: list[Any] = []
    for a in args:
        leaves, td = tree_flatten(a)
        key.append(td)
        key.extend(shape_of(x) for x in leaves)
    return tuple(key)


def jacobian(
    f: Callable[..., Any],
    argnums: Any = 0,
    mode: str = "auto",
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The Jacobian of ``f``, shaped ``out.shape + in.shape``.

    ``mode="fwd"`` is :func:`jacfwd`, ``"rev"`` is :func:`jacrev`. ``"auto"``
    uses forward mode when the inputs have no more elements than the outputs
    (n passes forward are then no dearer than m backward) and reverse mode
    otherwise. To learn the output size it records ``f`` once, and keeps that
    record when reverse mode wins; the choice is remembered per argument
    shapes, so later calls run the chosen mode directly. Complex inputs without
    ``holomorphic`` take reverse mode, the one that defines them (see :func:`jacrev`).
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    fwd = jacfwd(f, argnums, has_aux, holomorphic)
    rev = jacrev(f, argnums, has_aux, holomorphic)
    if mode != "auto":
        return fwd if mode == "fwd" else rev
    modes: dict[tuple[Any, ...], Callable[..., Any]] = {}

    @functools.wraps(f)
    def jac(*args: Any, **kwargs: Any) -> Any:
        key = _shape_key(args)
        chosen = modes.get(key)
        if chosen is not None:
            return chosen(*args, **kwargs)
        nums, single = _argnums(argnums, len(args), "jacobian")
        inputs = _inputs(args, nums, "jacobian", COMPLEX if holomorphic else ANY)
        tape, xs, out = _record(f, args, kwargs, nums, inputs)
        out, aux = _split_aux(out, has_aux, "jacobian")
        leaves = [x for xs_, _ in inputs for x in xs_]
        n = sum(_size(x) for x in leaves)
        m = sum(_size(_unwrap(o, tape)) for o in tree_flatten(out)[0])
        forward = n <= m and (holomorphic or not any(is_complex(x) for x in leaves))
        if len(modes) >= _MODE_CACHE:
            modes.clear()
        modes[key] = fwd if forward else rev
        if forward:
            return fwd(*args, **kwargs)
        return _reverse_jacobian(
            tape, xs, inputs, out, aux, single, has_aux, "jacobian", holomorphic
        )

    return jac


def hessian(
    f: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, holomorphic: bool = False
) -> Callable[..., Any]:
    """The Hessian of real scalar ``f``, shaped ``in.shape + in.shape``: forward over reverse
    (``jacfwd(grad(f))``). With ``has_aux``: ``(hessian, aux)``; ``holomorphic`` as in
    :func:`jacfwd` (the second complex derivative of a holomorphic ``f``)."""
    inner = grad(f, argnums, has_aux, holomorphic)

    def gradient(*args: Any, **kwargs: Any) -> Any:
        try:
            return inner(*args, **kwargs)
        except ValueError as err:  # grad's message, said of the hessian
            if "scalar output" not in str(err):
                raise
            got = str(err).split("but ", 1)[-1].split(";")[0]  # "the function returned ..."
            raise ValueError(
                f"hessian requires a scalar output, but {got}; for the second derivatives of "
                "a vector-valued f use dd.jacfwd(dd.jacrev(f)) (shaped out.shape + in.shape "
                "+ in.shape)"
            ) from err

    return jacfwd(gradient, argnums, has_aux, holomorphic)


def hvp(f: Callable[..., Any], primals: Any, tangents: Any) -> Any:
    """The Hessian-vector product H v of real scalar ``f`` (gradient with respect to the
    first argument) without building H, shaped like the first argument.

    H is symmetric, so H v is the gradient of the directional derivative
    ``grad f . v`` (reverse over forward): one pass with tangents, recorded, and one
    reverse pass. Forward over reverse (``jvp(grad(f))``) gives the same H v but also
    computes the gradient itself, which H v discards: for ``f(x) = g(A x)`` that is a
    fourth product with A where H v needs three.
    """
    _check_callable(f, "hvp")
    _check_tangents(primals, tangents, "hvp")
    _inputs(tuple(primals), tuple(range(len(primals))), "hvp")

    def slope(*xs: Any) -> Any:
        return _jvp(f, xs, tangents, False, "hvp")[1]

    return _value_and_grad(slope, 0, False, tuple(primals), {})[2]  # grad(slope)(*primals)
