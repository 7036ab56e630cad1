"""Reverse mode: a ``Tape`` (Wengert list) of ops on ``Var``s, and backpropagation.

The tape records ops in execution order, which is already a topological
order: backpropagation is one loop over the tape in reverse, with no
recursion and no sort, so a chain of a million ops is no harder than ten.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from ._namespace import NUMPY_TYPES, asarray_like, dtype_kind, namespace
from ._util import as_float, is_complex, ones_like_shape, primal_of, shape_of, zeros_like_shape
from .core import Rule, Tracer, _op_error, bind, call_primal, current_level, new_level
from .ops import sum_to_shape
from .ops.complex import real, real_valued_vjp
from .ops.shape import per_direction
from .tracer import _EMPTY, ArrayOps

_ACTIVE: contextvars.ContextVar[Tape | None] = contextvars.ContextVar("dualdiff_tape", default=None)


def active_tape() -> Tape | None:
    """The innermost tape recording in this thread or async context (None outside all)."""
    return _ACTIVE.get()


# A tape entry: (rule, output node, input values, ((position, node), ...), params, output value)
Entry = tuple[Rule, int, tuple[Any, ...], tuple[tuple[int, int], ...], dict[str, Any], Any]


class TapeError(RuntimeError):
    """Misuse of a tape: backward without one, or a value from a finished tape."""


class Tape:
    """Records every op on ``Var``s inside ``with dd.Tape() as tape:``.

    ``Var``s created before the block are watched too (model parameters):
    they become leaves of the tape the first time an op uses them. After the
    block, ``tape.gradient(y, sources)`` and ``y.backward()`` read the record;
    ``print(tape)`` shows it as a Wengert list. Tapes nest: an inner tape
    watches the outer tape's values, which is how reverse-over-reverse works.
    """

    __slots__ = (
        "__weakref__",
        "_created",
        "_exit",
        "_leaf_nodes",
        "_nodes",
        "_outer",
        "_recording",
        "_user",
        "entries",
        "leaves",
        "level",
    )

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.leaves: list[tuple[int, Var, Any]] = []  # (node, var, value seen by the tape)
        self.level = 0
        self._nodes = 0
        self._outer: Tape | None = None  # the user tape that was active when this one began
        self._leaf_nodes: dict[int, int] = {}
        self._created: list[Var] = []
        self._recording = False
        self._user = True
        self._exit: Any = None

    # --- recording ----------------------------------------------------------

    def __enter__(self) -> Tape:
        if self._recording or self.level:  # level is set by the first __enter__
            raise TapeError("a Tape records once: create a new dd.Tape() for each block")
        levels = new_level()
        self.level = levels.__enter__()
        self._outer = _ACTIVE.get()
        token = _ACTIVE.set(self)
        self._recording = True

        def close() -> None:
            self._recording = False
            _ACTIVE.reset(token)
            levels.__exit__(None, None, None)

        self._exit = close
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exit()
        self._exit = None
        self._release_leaves()

    def _release_leaves(self) -> None:
        """End recording; leaves made on this tape forget it. They stay usable by later
        tapes, and no cycle (tape -> leaf -> tape) keeps a finished tape alive."""
        self._recording = False
        for var in self._created:
            var._tape = None
            var._level = 0
        self._created.clear()

    @classmethod
    def _internal(cls, level: int) -> Tape:
        """A tape owned by a transform: it records at ``level`` and adopts no free Vars."""
        tape = cls()
        tape.level = level
        tape._recording = True
        tape._user = False
        return tape

    def _leaf(self, var: Var, value: Any) -> int:
        """The node of ``var`` as a leaf of this tape (registered on first use)."""
        key = id(var)
        node = self._leaf_nodes.get(key)
        if node is None:
            node = self._nodes
            self._nodes = node + 1
            self._leaf_nodes[key] = node
            self.leaves.append((node, var, value))
        return node

    def _new_var(self, value: Any) -> Var:
        """A fresh leaf Var recorded by this tape (used by the transforms)."""
        var = Var._make(value, self, -1)
        var._node = self._leaf(var, value)
        self._created.append(var)
        return var

    def _record(
        self,
        rule: Rule,
        vals: tuple[Any, ...],
        inputs: tuple[tuple[int, int], ...],
        params: dict[str, Any],
        ans: Any,
    ) -> Var:
        node = self._nodes
        self._nodes = node + 1
        self.entries.append((rule, node, vals, inputs, params, ans))
        return Var._make(ans, self, node)

    def node_of(self, var: Any) -> int | None:
        """The node index of ``var`` on this tape, or None if the tape never saw it."""
        if not isinstance(var, Var):
            return None
        if var._tape is self:
            return var._node
        return self._leaf_nodes.get(id(var))

    # --- reading ------------------------------------------------------------

    def gradient(self, target: Any, sources: Any, output_gradient: Any = None) -> Any:
        """d target / d sources, shaped like ``sources`` (a Var, or a list/tuple/dict of Vars).

        ``target`` must be a scalar unless ``output_gradient`` (the cotangent
        ``u`` of a vector-Jacobian product ``u^T J``) is given. Sources the
        target does not depend on get zeros. ``.grad`` is not touched.
        """
        from .pytree import tree_flatten, tree_unflatten

        flat, tree = tree_flatten(sources)
        for s in flat:
            if not isinstance(s, Var):
                raise TypeError(
                    f"tape.gradient: sources must be Vars, got {type(s).__name__}; "
                    "wrap inputs in dd.Var(...) inside the tape"
                )
        nodes = [self.node_of(s) for s in flat]
        cts = self.backprop(target, output_gradient, keep={n for n in nodes if n is not None})
        grads = [
            plain(cts[n], s.value) if n is not None and n in cts else zeros_like(s.value)
            for n, s in zip(nodes, flat, strict=True)
        ]
        return tree_unflatten(tree, grads)

    def backprop(
        self,
        target: Any,
        output_gradient: Any = None,
        *,
        keep: set[int] | None = None,
        free: bool = False,
    ) -> dict[int, Any]:
        """Run the reverse pass from ``target``; return the cotangent of every reached leaf
        (and of the nodes in ``keep``), keyed by node."""
        node = self.node_of(target)
        if node is None:
            return {}
        seed = _seed(target, output_gradient)
        return backprop(self.entries, {node: seed}, keep or set(), free)

    @property
    def nbytes(self) -> int:
        """Bytes of the values this tape keeps alive: its leaves' values and each op's saved
        inputs and output, each buffer counted once (a view counts as the array it views;
        a number as 8 bytes). Python's bookkeeping, some 300 bytes per op, comes on top."""
        held: dict[int, int] = {}
        for _, _, value in self.leaves:
            _hold(held, value)
        for entry in self.entries:
            if entry is not None:  # None: released by a freeing reverse pass
                for v in entry[2]:
                    _hold(held, v)
                _hold(held, entry[5])
        return sum(held.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        state = "recording" if self._recording else "finished"
        return f"<dd.Tape: {len(self.leaves)} inputs, {len(self.entries)} ops, {state}>"

    def __str__(self) -> str:
        """The Wengert list: ``v1 = x1``, then one line ``v_i = op(...)`` per op."""
        return _view("str")(self)

    def to_dot(self, target: Any = None) -> str:
        """The recorded graph as Graphviz DOT; gradients of ``target`` (default: the last
        value recorded, if scalar). See :mod:`dualdiff.teach.graph`."""
        return _view("to_dot")(self, target)

    def to_mermaid(self, target: Any = None) -> str:
        """The recorded graph as a Mermaid flowchart (see :meth:`to_dot`)."""
        return _view("to_mermaid")(self, target)


# How a tape shows itself (the Wengert list, DOT, Mermaid). The views read the tape's
# ``leaves`` and ``entries`` and live above this module, in dualdiff.teach, which fills
# this table when it is imported: the engine never imports its views.
TAPE_VIEWS: dict[str, Callable[..., str]] = {}


def _view(name: str) -> Callable[..., str]:
    view = TAPE_VIEWS.get(name)
    if view is None:
        raise RuntimeError(f"Tape: the '{name}' view is registered by dualdiff.teach; import it")
    return view


def _hold(held: dict[int, int], value: Any) -> None:
    """Note the buffer under ``value`` (the array that owns the memory) and its size."""
    value = primal_of(value)
    while isinstance(getattr(value, "base", None), np.ndarray):
        value = value.base
    held[id(value)] = int(getattr(value, "nbytes", 8))


def _seed(target: Any, output_gradient: Any) -> Any:
    value = target.value
    if output_gradient is not None:
        gshape, vshape = shape_of(output_gradient), shape_of(value)
        if gshape != vshape:
            raise ValueError(
                f"output_gradient has shape {gshape} but the target has shape {vshape}"
            )
        seed = as_float(output_gradient)
        if is_complex(seed) and not is_complex(value):
            raise TypeError(
                "output_gradient is complex but the target is real: a real value's cotangent "
                "is real (take dd.real / dd.imag of a complex target instead)"
            )
        return seed
    if shape_of(value) != ():
        raise ValueError(
            f"the gradient of a non-scalar output (shape {shape_of(value)}) is a Jacobian: "
            "use dd.jacrev / dd.vjp, or pass output_gradient= (the vector u of u^T J)"
        )
    if is_complex(value):
        raise TypeError(
            "the gradient of a complex target is not defined by itself: differentiate a real "
            "value (dd.real(y), dd.abs(y) ** 2), or pass output_gradient=1.0 for the "
            "derivative f'(z) of a holomorphic f (dd.grad(f, holomorphic=True))"
        )
    return ones_like(value)


def backprop(
    entries: Sequence[Entry], seeds: dict[int, Any], keep: set[int], free: bool, batch: int = 0
) -> dict[int, Any]:
    """The reverse sweep: one loop over ``entries`` from the end, from the ``seeds``
    (output node -> its cotangent).

    Each entry's output cotangent ``g`` is pulled back through its VJP rules,
    summed to each input's shape (broadcasting undone here, once) and added
    into that input's cotangent. Returns the cotangents left at the leaves and
    at the ``keep`` nodes. With ``free``, each entry's saved values are
    released as soon as it has been used. With ``batch``, every cotangent
    carries that many leading batch axes (several cotangents in one sweep).
    """
    cts: dict[int, Any] = dict(seeds)
    out_node = max(seeds)
    kept: dict[int, Any] = {}
    owned: set[int] = set()  # nodes whose cotangent is a sum this loop made: safe to add into
    pop = cts.pop
    for k in range(len(entries) - 1, -1, -1):
        rule, node, vals, inputs, params, ans = entries[k]
        if node > out_node:
            continue
        g = pop(node, None)
        if free:
            entries[k] = None  # type: ignore[index, call-overload]
        if g is None:
            continue
        if node in keep:
            kept[node] = g
        for pos, inode in inputs:
            vjp = rule.vjp[pos]
            if vjp is None:
                continue
            if batch:
                c = _batched_cotangent(rule, pos, vjp, g, ans, vals, params, batch)
            elif type(c := vjp(g, ans, *vals, **params)) is not float:
                x = vals[pos]
                if not (  # real arrays (the common case, checked inline): nothing to adjust
                    type(x) is np.ndarray
                    and type(c) is np.ndarray
                    and x.dtype.kind != "c"
                    and c.dtype.kind != "c"
                ):
                    c = _complex_cotangent(rule, pos, c, g, ans, vals)
                xshape = shape_of(x)
                if shape_of(c) != xshape:
                    c = sum_to_shape(c, xshape)
            prev = cts.get(inode)
            if prev is None:
                cts[inode] = c  # may be shared (an add passes g on): never written into
            elif type(prev) is float:
                cts[inode] = prev + c
            elif inode in owned and _adds_in_place(prev, c):
                prev += c
            else:
                cts[inode] = prev + c
                owned.add(inode)
    cts.update(kept)
    return cts


def _batched_cotangent(
    rule: Rule, pos: int, vjp: Any, g: Any, ans: Any, vals: tuple[Any, ...], params: Any, nb: int
) -> Any:
    """Input ``pos``'s cotangent, ``batch + x.shape``, from ``g`` with ``nb`` leading batch
    axes: whole through a rule that takes them, one row at a time through one that does not."""
    if rule.vjp_batched:
        c = vjp(g, ans, *vals, **params)
    else:
        c = per_direction(vjp, g, nb, ans, vals, params)
    if is_complex(c) or is_complex(vals[pos]):
        c = _complex_cotangent(rule, pos, c, g, ans, vals)
    return sum_to_shape(c, shape_of(vals[pos]), nb)


def _complex_cotangent(
    rule: Rule, pos: int, c: Any, g: Any, ans: Any, vals: tuple[Any, ...]
) -> Any:
    """Cotangent ``c`` for input ``pos`` under JAX's convention: a real input takes its real
    part; a complex input of an elementwise op with real output takes g conj(d) (see
    :mod:`dualdiff.ops.complex`)."""
    if is_complex(vals[pos]):
        if rule.derivs is not None and not is_complex(ans):
            return real_valued_vjp(rule, pos, g, ans, vals)
        return c
    return real(c) if is_complex(c) else c


def _adds_in_place(total: Any, c: Any) -> bool:
    """Whether ``total += c`` gives the same array as ``total + c`` (shape and dtype kept)."""
    return (
        type(total) is np.ndarray
        and type(c) is np.ndarray
        and total.shape == c.shape
        and total.dtype == np.result_type(total, c)
    )


class Var(ArrayOps):
    """A value recorded by a tape (reverse mode), with ``.grad`` filled by ``backward()``.

    ``Var(2.0)`` made inside ``with dd.Tape():`` is a leaf of that tape; one
    made outside is watched by the next tape that uses it (like a model
    parameter). ``.value`` (alias ``.primal``, ``.data``) is the number or array.
    """

    __slots__ = ("__weakref__", "_level", "_node", "_tape", "grad", "name", "value")

    def __init__(self, value: Any, *, name: str | None = None) -> None:
        self.value = as_float(value)
        self.grad: Any = None
        self.name = name
        tape = _ACTIVE.get()
        if tape is None:
            self._tape: Tape | None = None
            self._node = -1
            self._level = 0
        else:
            self._tape = tape
            self._level = tape.level
            self._node = tape._leaf(self, self.value)
            tape._created.append(self)

    @classmethod
    def _make(cls, value: Any, tape: Tape | None, node: int) -> Var:
        v = object.__new__(cls)
        v.value = value
        v.grad = None
        v.name = None
        v._tape = tape
        v._node = node
        v._level = tape.level if tape is not None else 0
        return v

    @property
    def primal(self) -> Any:
        """The value (the same as ``.value``)."""
        return self.value

    @property
    def data(self) -> Any:
        """The value, micrograd's name for it; assignable on leaves (gradient descent)."""
        return self.value

    @data.setter
    def data(self, value: Any) -> None:
        if self._tape is not None and self._tape._recording:
            raise TapeError(
                "cannot assign .data of a Var while its tape records: update parameters "
                "after the `with dd.Tape():` block"
            )
        self.value = as_float(value)

    def __repr__(self) -> str:
        grad = "" if self.grad is None else f", grad={self.grad!r}"
        return f"Var({self.value!r}{grad})"

    def backward(self, gradient: Any = None) -> None:
        """Backpropagate from this value; add d self / d leaf into each leaf's ``.grad``.

        Called more than once, it adds again (zero ``.grad`` between steps, e.g.
        with ``opt.zero_grad()``). A non-scalar value needs ``gradient`` (the
        cotangent), like ``torch.Tensor.backward``.
        """
        tape = self._tape
        if tape is None:
            raise TapeError(
                "backward() on a Var that no tape recorded: compute it inside "
                "`with dd.Tape():` (or use dd.grad(f)(x))"
            )
        cts = tape.backprop(self, gradient)
        for node, var, value in tape.leaves:
            ct = cts.get(node)
            if ct is not None:
                ct = plain(ct, value)
                var.grad = ct if var.grad is None else var.grad + ct

    def _apply2(self, rule: Rule, a: Any, b: Any) -> Any:
        """A two-input operator (``x * y``, ``x + 1.0`` ...), recorded straight away when
        its traced inputs are Vars of the recording tape holding plain values: the same
        entry as :func:`bind` would record, without the generic dispatch."""
        tape, active = self._tape, _ACTIVE.get()
        if tape is None or not tape._recording or active not in (None, tape):
            tape = _hot_tape(tape)  # the commonest case (tape records alone) tested inline
        elif active is tape and tape.level >= _HANDLING.get():
            tape = _hot_tape(tape)
        if tape is not None:
            out = _record2(tape, rule, a, b)
            if out is not None:
                return out
        return bind(rule, (a, b), _EMPTY)

    def _process(self, rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
        hot = _hot_tape(self._tape)
        if hot is not None:
            out = _record_plain(hot, rule, args, params)
            if out is not None:
                return out
        tape = self._tape
        active = _ACTIVE.get()
        if active is not None and active.level >= _HANDLING.get():
            active = _recorder(active)  # inside a nested tape's op: hand it to an outer tape
        if tape is None or not tape._recording:
            if tape is not None and active is not None:
                raise _stale(rule)
            if active is None:
                return _unrecorded(rule, args, params)
            tape = active
        elif active is not None and active.level > tape.level:
            tape = active  # an inner tape watches values of outer ones
        vals = list(args)
        inputs = []
        for i, a in enumerate(args):
            if isinstance(a, Var):
                at = a._tape
                if at is tape:
                    vals[i] = a.value
                    inputs.append((i, a._node))
                elif at is None or (at._recording and at.level < tape.level):
                    if tape._user:  # watch it: a leaf of this tape
                        # under an outer tape, pass the Var on so the outer one records too
                        value = a.value if at is None and tape._outer is None else a
                        vals[i] = value
                        inputs.append((i, tape._leaf(a, value)))
                    elif at is None:  # a free Var inside a transform's function: a constant
                        vals[i] = a.value
                elif not at._recording:
                    raise _stale(rule)
        if any(isinstance(v, Var) for v in vals):
            ans = _bind_below(tape.level, rule, vals, params)
        else:
            ans = bind(rule, vals, params)
        return tape._record(rule, tuple(vals), tuple(inputs), params, ans)


def _hot_tape(tape: Tape | None) -> Tape | None:
    """The tape that records an op of a Var of ``tape`` on the hot path: ``tape`` itself
    when it records and no other tape takes the op, the active tape for a free Var (a
    parameter it watches); None for the general path."""
    active = _ACTIVE.get()
    if active is not None and active.level >= _HANDLING.get():
        active = _recorder(active)  # inside a nested tape's op: hand it to an outer tape
    if tape is None:
        return active
    return tape if tape._recording and (active is None or active is tape) else None


def _record2(tape: Tape, rule: Rule, a: Any, b: Any) -> Var | None:
    """:func:`_record_plain` for an operator's two inputs, NumPy values only (numbers,
    arrays), with the commonest inputs (Vars of ``tape``, constants) read inline."""
    own_a = type(a) is Var and a._tape is tape
    own_b = type(b) is Var and b._tape is tape
    inputs: tuple[tuple[int, int], ...]
    if own_a and own_b:
        x, y, inputs = a.value, b.value, ((0, a._node), (1, b._node))
    elif own_a and type(b) in NUMPY_TYPES:
        x, y, inputs = a.value, b, ((0, a._node),)
    elif own_b and type(a) in NUMPY_TYPES:
        x, y, inputs = a, b.value, ((1, b._node),)
    else:
        found: list[tuple[int, int]] = []
        x, y = _plain_input(tape, a, 0, found), _plain_input(tape, b, 1, found)
        inputs = tuple(found)
    if type(x) not in NUMPY_TYPES or type(y) not in NUMPY_TYPES:
        return None
    try:
        ans = rule.primal(x, y)
    except (ValueError, TypeError, IndexError) as err:
        raise _op_error(rule, (x, y), _EMPTY, err) from err
    return tape._record(rule, (x, y), inputs, _EMPTY, ans)


def _record_plain(tape: Tape, rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """The hot path of recording: every traced input is a Var of ``tape`` (no nesting,
    nothing to watch), whose value may be a Dual of an outer transform (``hvp``).
    Returns the output Var, or None to take the general path."""
    vals = list(args)
    inputs: list[tuple[int, int]] = []
    duals = False
    for i, a in enumerate(args):
        if type(a) is Var and a._tape is tape:  # the commonest input, read inline
            vals[i] = v = a.value
            inputs.append((i, a._node))
        elif isinstance(a, Tracer):
            vals[i] = v = _plain_input(tape, a, i, inputs)
        else:
            continue
        if isinstance(v, Tracer):
            if isinstance(v, Var):
                return None  # a Var of an outer tape inside: outer tapes must record it too
            duals = True
    # no Var is left among the values: the primal, or the Duals' op, is all there is to run
    ans = bind(rule, vals, params) if duals else call_primal(rule, vals, params)
    return tape._record(rule, tuple(vals), tuple(inputs), params, ans)


def _plain_input(tape: Tape, a: Any, pos: int, inputs: list[tuple[int, int]]) -> Any:
    """The value of input ``a`` as ``tape`` records it, its node noted in ``inputs``; or
    ``a`` itself when it is not a Var that the hot path can take."""
    if type(a) is Var:
        if a._tape is tape:
            inputs.append((pos, a._node))
            return a.value
        if a._tape is None and not tape._user:  # e.g. a model's parameter inside dd.grad(f)
            return a.value  # a constant of f
        if a._tape is None and tape._outer is None:  # a parameter the user's tape watches
            node = tape._leaf_nodes.get(id(a))  # seen before: read inline
            inputs.append((pos, tape._leaf(a, a.value) if node is None else node))
            return a.value
    return a


# The level of the tape computing the primal of an op it records. Tapes at that level
# or above have seen the op; the Vars of outer tapes in its inputs go to outer tapes.
_HANDLING: contextvars.ContextVar[int] = contextvars.ContextVar(
    "dualdiff_handling", default=1 << 62
)


def _recorder(active: Tape | None) -> Tape | None:
    """The innermost user tape, from ``active`` outwards, that has not seen the op yet."""
    handling = _HANDLING.get()
    while active is not None and active.level >= handling:
        active = active._outer
    return active


def _bind_below(level: int, rule: Rule, vals: list[Any], params: dict[str, Any]) -> Any:
    """The primal of an op whose inputs include Vars of outer tapes, recorded by those."""
    token = _HANDLING.set(level)
    try:
        return bind(rule, vals, params)
    finally:
        _HANDLING.reset(token)


def _stale(rule: Rule) -> TapeError:
    return TapeError(
        f"op '{rule.name}' got a Var recorded by a tape that has finished; its history "
        "cannot join a new tape. Recompute it inside the new `with dd.Tape():` block, "
        "or use dd.stop_gradient(x) / x.value to treat it as a constant"
    )


def _unrecorded(rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """An op on Vars with no tape active: computed, not recorded.

    At top level the result is a Var with no history. Inside a transform
    (``dd.grad(f)``, ``dd.jacfwd(f)`` ...) such Vars, e.g. a model's
    parameters, are constants of ``f``: the plain value is returned, so the
    transform's results hold no Vars.
    """
    vals = [a.value if isinstance(a, Var) else a for a in args]
    ans = bind(rule, vals, params)
    return ans if current_level() > 0 else Var._make(ans, None, -1)


def ones_like(value: Any) -> Any:
    p = primal_of(value)
    if type(p) is float or not hasattr(p, "dtype"):
        return 1.0
    return ones_like_shape(shape_of(p), p)


def zeros_like(value: Any) -> Any:
    p = primal_of(value)
    if type(p) is float or not hasattr(p, "dtype"):
        return 0.0
    return zeros_like_shape(shape_of(p), p)


def plain(g: Any, like: Any) -> Any:
    """A gradient as the user gets it: a float for a float input, otherwise a writable array
    (or NumPy scalar) of the input's dtype, even where a float64 value met a float32 one (a
    complex input's gradient is complex even where only real cotangents reached it)."""
    if type(g) is float and type(like) is float:  # scalar code: nothing to convert
        return g
    if type(like) is float and isinstance(g, (float, np.floating, np.ndarray)) and np.ndim(g) == 0:
        return float(g)  # a 0-d array arrives when a broadcast cotangent was summed back
    p = primal_of(like)
    if type(p) not in NUMPY_TYPES and not isinstance(p, np.ndarray):
        return g if isinstance(g, Tracer) else _plain_in(g, p)
    if isinstance(g, np.ndarray):
        if not g.flags.writeable:
            g = g.copy()
        if g.shape != np.shape(p):
            g = np.broadcast_to(g, np.shape(p)).copy()
    elif isinstance(g, (np.floating, np.complexfloating)) and isinstance(p, np.ndarray):
        g = np.asarray(g)
    dtype = getattr(p, "dtype", None)
    if dtype is None or dtype.kind not in "fc":
        return g
    if isinstance(g, (np.ndarray, np.floating, np.complexfloating)):
        g = g.astype(dtype, copy=False)
    elif dtype.kind == "c" and isinstance(g, (float, complex)):
        g = dtype.type(g)
    return g


def _plain_in(g: Any, p: Any) -> Any:
    """:func:`plain` for an input ``p`` of another namespace: ``g`` there, shaped and typed
    like ``p`` (a cotangent that broadcast, or a number, becomes a full array)."""
    if not hasattr(g, "shape") or namespace(g) is not namespace(p):
        g = asarray_like(g, p)
    xp = namespace(p)
    if shape_of(g) != shape_of(p):
        g = xp.broadcast_to(g, shape_of(p))
    if dtype_kind(p.dtype) in "fc" and g.dtype != p.dtype:
        g = xp.astype(g, p.dtype)
    return g
