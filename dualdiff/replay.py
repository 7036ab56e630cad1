"""Tape replay: record a function once, then rerun its forward and backward passes.

``dd.compile(f)`` is ``dd.value_and_grad(f)`` for code whose graph is the same on
every call (the report's *static graph*). The first call records ``f`` on a tape;
later calls with inputs of the same shapes and dtypes *replay* that tape: the
forward pass calls each op's NumPy primal straight from a flat list, with no
tracers and no dispatch, and the backward pass is the ordinary loop over the
replayed entries.

Branches are guarded. Every comparison made on a traced value while recording
(``if x > 0:``, ``while err > tol:``, ``dd.where(x > 0, ...)``) is kept with its
outcome, and a replay re-evaluates it at the same point on the new values. If an
outcome differs, the graph of this call is another graph: the call is recorded
afresh (``on_branch_change="record"``, the default) or raises
:class:`BranchChanged` (``"raise"``). A replay never returns the derivative of
a graph that the inputs would not have taken.

Integer and boolean arrays of arguments that are not differentiated (class labels,
masks, index arrays) are inputs of the recording too, keyed by shape and dtype: a new
batch of labels replays. Reading their values in Python (``int(labels[0])``,
``if labels.sum() > 3:``) is a guard like a comparison (see :mod:`dualdiff.recording`).
Other arguments that are neither floats nor arrays (Python ints, strings, objects) are
keys: a call with different ones records again.

What cannot be seen is not guarded: a value of a differentiated input read in Python
(``x.value``, ``float(np.sum(x.value))``) is a constant of the recording, like a global
the function reads.

A compiled function counts its ``recordings`` and ``replays``; ``why()`` says what made
the latest call record, and past ``warn_after`` recordings it warns once
(:class:`~dualdiff.recording.RecordingWarning`), naming the same.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ._namespace import namespace, namespace_name
from ._util import COMPARISONS, primal_of, shape_of
from .anomaly import is_detecting_anomalies
from .core import REGISTRY, Rule, Tracer, bind, new_level, primal_in
from .pytree import TreeDef, tree_flatten, tree_map, tree_unflatten
from .recording import (
    DataTape,
    Guard,
    RecordingWarning,
    changed_array,
    describe_change,
    find_param_slots,
    guarding,
    is_input,
    operand,
    params_of,
    signature,
)
from .reverse import Tape, Var, backprop, ones_like, plain, zeros_like
from .transforms import REAL, _argnums, _check_output, _split_aux

__all__ = ["BACKENDS", "NO_RESULT", "Backend", "BranchChanged", "Compiled", "compile"]


class BranchChanged(RuntimeError):
    """A replay's inputs take another branch than the recorded call did; ``reason`` says
    which comparison (or read of a value) came out differently, and where it was made."""

    reason: str = ""


class Backend:
    """A way to run a recorded program other than stepping through it (``dd.compile``'s
    ``backend=``); :mod:`dualdiff.source` registers ``"source"`` in :data:`BACKENDS`."""

    def run(self, compiled: Compiled, program: _Program, args: list[Any], leaves: list[Any]) -> Any:
        """The call's result, or :data:`NO_RESULT` for the replay to make it."""
        raise NotImplementedError

    def text(self, compiled: Compiled, program: _Program) -> str:
        """What the program is run as, to read."""
        raise NotImplementedError


BACKENDS: dict[str, Backend] = {}
NO_RESULT = object()


@dataclass(slots=True)
class _Step:
    """One op of the recorded program: ``env[node] = primal(*vals, **params)``."""

    rule: Rule
    node: int
    template: list[Any]  # the recorded input values; constants stay, traced ones are replaced
    slots: tuple[tuple[int, int], ...]  # (input position, node it reads)
    grad_slots: tuple[tuple[int, int], ...]  # the slots a gradient flows through
    params: dict[str, Any]
    primal: Callable[..., Any]  # the rule's primal for the namespace of the recorded values
    into: Callable[..., Any] | None = None  # the primal as a ufunc that writes to ``out=``
    param_slots: tuple[tuple[tuple[Any, ...], int], ...] = ()  # (where in params, node)


# Ops whose primal on arrays is exactly this NumPy function, which can write its result
# into a buffer: a replay that knows every shape allocates each output once.
_WRITERS: dict[str, Callable[..., Any]] = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "negative": np.negative,
    "square": np.square,
    "sqrt": np.sqrt,
    "exp": np.exp,
    "expm1": np.expm1,
    "log": np.log,
    "log1p": np.log1p,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "matmul": np.matmul,
    "relu": lambda x, out: np.maximum(x, 0, out=out),
}


def _writer(rule: Rule, params: dict[str, Any], ans: Any) -> Callable[..., Any] | None:
    """The ``out=`` form of a step, for array outputs of the built-in ops above."""
    into = _WRITERS.get(rule.name)
    if into is None or params or REGISTRY.get(rule.name) is not rule:
        return None
    return into if isinstance(ans, np.ndarray) and ans.ndim > 0 else None


@dataclass(eq=False)
class _Backward:
    """A program's backward pass, recorded once as steps that read forward values."""

    reads: list[tuple[int, int]]  # (its node, the forward node whose value it reads)
    steps: list[_Step]
    nodes: int
    grads: dict[int, tuple[int | None, Any]]  # forward input node -> where its gradient is
    buffers: dict[int, np.ndarray] = field(default_factory=dict)

    def run(self, env: list[Any], use_buffers: bool) -> dict[int, Any]:
        """The gradient of each differentiated input node, from the forward values."""
        benv: list[Any] = [None] * self.nodes
        for node, forward in self.reads:
            benv[node] = env[forward]
        _execute(self.steps, benv, self.buffers if use_buffers else None)
        return {n: _read(ref, benv) for n, ref in self.grads.items()}


@dataclass(eq=False)
class _Program:
    """A recorded call: its ops, its guards, and where its inputs and outputs live."""

    inputs: list[int]  # the node of each input leaf (float or data), in flattened order
    steps: list[_Step]
    guards: list[Guard]
    nodes: int
    out: tuple[int | None, Any]  # (node, None), or (None, a constant)
    aux: list[tuple[int | None, Any]]
    aux_tree: TreeDef | None
    statics: list[Any]  # the other leaves of the recorded call (compared on replay)
    grads: list[tuple[TreeDef, list[int]]]  # per differentiated argument: its input leaves
    replayable: bool = True
    buffers: dict[int, np.ndarray] = field(default_factory=dict)  # node -> its output buffer
    in_use: threading.Lock = field(default_factory=threading.Lock)
    backward: _Backward | None = None  # the backward pass as steps, where it can be one
    source: Any = None  # the generated function; None: not yet tried, False: cannot be
    source_text: str = ""
    source_error: str = ""
    example: Any = None  # (arguments, leaves, argnums, single) of the recorded call


class Compiled:
    """``f`` recorded once and replayed; a call returns what
    :func:`dualdiff.value_and_grad` would: ``(value, grad)``, or ``((value, aux), grad)``.

    ``recordings`` counts the calls that traced ``f`` (the first, new shapes or dtypes,
    changed keys, changed branches) and ``replays`` the others; :meth:`why` says what
    made the latest call record."""

    def __init__(
        self,
        f: Callable[..., Any],
        argnums: Any = 0,
        has_aux: bool = False,
        on_branch_change: str = "record",
        backend: str = "source",
        warn_after: int | None = 8,
    ) -> None:
        _check_options(on_branch_change, backend, warn_after)
        self.f = f
        self.argnums = argnums
        self.has_aux = has_aux
        self.on_branch_change = on_branch_change
        self.backend = backend
        self.recordings = 0  # calls that traced f: the first, new shapes, changed branches
        self.replays = 0
        self.warn_after = warn_after
        self._reason = ""  # why the latest recording happened
        self._key: Any = None  # the signature of the latest recording
        self._programs: dict[Any, _Program] = {}
        self._fast: Callable[..., Any] | None = None  # the latest generated function
        self._latest: _Program | None = None
        functools.update_wrapper(self, f)

    def __call__(self, *args: Any) -> Any:
        fast = self._fast
        if fast is not None and not is_detecting_anomalies():
            try:  # the generated code checks that the call fits it (types, shapes, branches)
                out = fast(*args)
            except Exception:  # does not fit, or took another branch: the general path
                pass
            else:
                self.replays += 1
                return out
        return self._call(args)

    def why(self) -> str:
        """Why the latest recording happened: the first call, which argument's shape, dtype
        or keyed value changed (old -> new), or which guard came out differently and where
        it was made. An empty string before the first call."""
        return self._reason

    @property
    def source(self) -> str:
        """The text of the module generated for the latest recording (``backend="source"``)."""
        program = self._latest
        if program is None:
            raise RuntimeError(
                "dd.compile: call the function first; the source is generated from a recorded call"
            )
        return BACKENDS["source"].text(self, program)

    def _call(self, args: tuple[Any, ...]) -> Any:
        nums, single = _argnums(self.argnums, len(args), "compile")
        called = signature(args, nums)
        if called is None or is_detecting_anomalies():
            # differentiated from outside, or checked op by op (detect_anomaly): no replay
            from .transforms import value_and_grad

            return value_and_grad(self.f, self.argnums, self.has_aux)(*args)
        key, leaves, statics = called
        program = self._programs.get(key)
        if program is None:
            first = self._key is None
            reason = "the first call" if first else describe_change(self.f, self._key, key)
        elif not program.replayable:
            reason = "its recording holds values of an outer transform, so it cannot replay"
        elif not _same(program.statics, statics):
            reason = changed_array(self.f, program.statics, statics, key)
        else:
            out, reason = self._replayed(program, args, nums, leaves, statics, single)
            if out is not NO_RESULT:
                return out
        self._recording(reason)
        program, result = self._record(args, nums, leaves, statics)
        program.example = (_canonical(args, nums, leaves, statics), leaves, nums, single)
        self._programs[key] = self._latest = program
        self._key = key
        return self._package(program, result, single)

    def _replayed(
        self,
        program: _Program,
        args: tuple[Any, ...],
        nums: tuple[int, ...],
        leaves: list[Any],
        statics: list[Any],
        single: bool,
    ) -> tuple[Any, str]:
        """The call's result from ``program`` (the backend's, or the replay's), or
        :data:`NO_RESULT` and the guard that came out differently."""
        backend = BACKENDS.get(self.backend)
        if backend is not None:
            out = backend.run(self, program, _canonical(args, nums, leaves, statics), leaves)
            if out is not NO_RESULT:
                self.replays += 1
                return out, ""
        try:
            result = _replay(program, leaves)
        except BranchChanged as err:
            if self.on_branch_change == "raise":
                raise
            return NO_RESULT, err.reason
        self.replays += 1
        return self._package(program, result, single), ""

    def _recording(self, reason: str) -> None:
        """Count a recording and note why; warn once past ``warn_after`` recordings."""
        self.recordings += 1
        name = getattr(self.f, "__name__", "f")
        self._reason = f"recording {self.recordings} of {name}: {reason}"
        if self.warn_after is not None and self.recordings == self.warn_after + 1:
            warnings.warn(
                RecordingWarning(
                    f"dd.compile: {name} has recorded {self.recordings} times and replayed "
                    f"{self.replays} times, so compiling it does not pay off. This time, "
                    f"{reason}. Keep shapes and dtypes the same from call to call (drop or "
                    "pad a short last batch), pass values that change as arrays rather than "
                    "Python numbers, and compare traced values only where the branch "
                    "matters; step.why() names what made the latest call record "
                    "(warn_after=None silences this warning)."
                ),
                stacklevel=4,
            )

    def _record(
        self, args: tuple[Any, ...], nums: tuple[int, ...], leaves: list[Any], statics: list[Any]
    ) -> tuple[_Program, tuple[Any, Any, list[Any]]]:
        """Trace ``f`` on a tape, keeping every comparison as a guard."""
        guards: list[Guard] = []
        handed: dict[int, int] = {}  # guard -> id of a value handed on to an op as it is
        layout = _grad_layout(args, nums)
        wrt = {j for _, idx in layout for j in idx}  # the other inputs are data
        with new_level() as level:
            tape = cast(DataTape, DataTape._internal(level))
            token = COMPARISONS.set(guarding(tape, guards, handed))
            try:
                xs = [
                    tape._new_var(x) if j in wrt else tape.new_data(x) for j, x in enumerate(leaves)
                ]
                out = self.f(*_rebuild(args, nums, xs, statics))
            finally:
                COMPARISONS.reset(token)
                tape._release_leaves()
        out, aux = _split_aux(out, self.has_aux, "compile")
        program = _program(tape, xs, out, aux, (guards, handed), statics, layout)
        xp = namespace(*leaves)
        if xp is not np:  # the generated source is NumPy code: these arrays replay
            program.source = False
            program.source_error = f"its inputs are {namespace_name(xp)} arrays"
        return program, _recorded_result(program, tape, leaves)

    def _package(self, program: _Program, result: tuple[Any, Any, list[Any]], single: bool) -> Any:
        value, aux, grads = result
        per_arg = [tree_unflatten(td, [grads[j] for j in idx]) for td, idx in program.grads]
        g = per_arg[0] if single else tuple(per_arg)
        return ((value, aux), g) if self.has_aux else (value, g)


def compile(  # the public name, like torch.compile
    f: Callable[..., Any],
    argnums: Any = 0,
    has_aux: bool = False,
    *,
    on_branch_change: str = "record",
    backend: str = "source",
    warn_after: int | None = 8,
) -> Compiled:
    """``dd.value_and_grad(f, argnums, has_aux)``, recorded once and then replayed.

    Calls whose float inputs, and whose integer and boolean arrays in arguments that
    are not differentiated (labels, masks, index arrays), have the recorded shapes and
    dtypes, and whose other arguments are equal, rerun the recorded forward and
    backward passes on the new values. If a comparison made on a traced value, or a
    read of a label's value in Python, comes out differently, the call records again
    (``on_branch_change="record"``) or raises :class:`BranchChanged` (``"raise"``).

    ``backend="source"`` runs each recorded program as one generated Python function
    (``.source`` shows it); ``"replay"`` steps through the recorded ops. Programs the
    generator cannot write (ops outside NumPy) replay either way.

    The result counts its ``recordings`` and ``replays``, and ``why()`` says what made
    the latest call record. After ``warn_after`` recordings it warns once with a
    :class:`~dualdiff.RecordingWarning` that says the same (``None``: never).
    """
    return Compiled(f, argnums, has_aux, on_branch_change, backend, warn_after)


def _check_options(on_branch_change: str, backend: str, warn_after: Any) -> None:
    """dd.compile's keyword options, or a ValueError naming the one that is wrong."""
    if on_branch_change not in ("record", "raise"):
        raise ValueError(
            f"dd.compile: on_branch_change must be 'record' or 'raise', got {on_branch_change!r}"
        )
    if backend != "replay" and backend not in BACKENDS:
        raise ValueError(
            f"dd.compile: backend must be one of {sorted({'replay', *BACKENDS})}, got {backend!r}"
        )
    counts = isinstance(warn_after, int) and not isinstance(warn_after, bool) and warn_after >= 0
    if warn_after is not None and not counts:
        raise ValueError(
            f"dd.compile: warn_after must be a count of recordings (>= 0) or None, "
            f"got {warn_after!r}"
        )


# --- the signature of a call -------------------------------------------------------------


def _same(recorded: list[Any], now: list[Any]) -> bool:
    """Equal non-float leaves (arrays by value; the rest are in the cache key)."""
    return all(
        not isinstance(a, np.ndarray) or np.array_equal(a, b)
        for a, b in zip(recorded, now, strict=True)
    )


def _rebuild(
    args: tuple[Any, ...], nums: tuple[int, ...], xs: list[Var], statics: list[Any]
) -> list[Any]:
    """The arguments with their float leaves replaced by the tape's input Vars."""
    it_x, it_s = iter(xs), iter(statics)
    out = []
    for i, arg in enumerate(args):
        flat, td = tree_flatten(arg)
        new = [next(it_x) if i in nums or is_input(x) else next(it_s) for x in flat]
        out.append(tree_unflatten(td, new))
    return out


def _grad_layout(args: tuple[Any, ...], nums: tuple[int, ...]) -> list[tuple[TreeDef, list[int]]]:
    """For each differentiated argument: its structure and the indices of its input leaves."""
    starts, count = [], 0
    for i, arg in enumerate(args):
        flat, td = tree_flatten(arg)
        idx = [count + k for k, x in enumerate(flat)] if i in nums else []
        starts.append((td, idx))
        count += len(flat) if i in nums else sum(is_input(x) for x in flat)
    return [starts[i] for i in nums]


# --- building the program ------------------------------------------------------------------


def _program(
    tape: Tape,
    xs: list[Var],
    out: Any,
    aux: Any,
    guarded: tuple[list[Guard], dict[int, int]],
    statics: list[Any],
    grads: list[tuple[TreeDef, list[int]]],
) -> _Program:
    """The program of a recording. ``guarded``: the guards, and those that guard a value
    handed on to an op (an index array), which go where a recorded op took that value."""
    steps, replayable = _steps_of(tape)
    found = find_param_slots(tape, steps)
    guards = [g for k, g in enumerate(guarded[0]) if guarded[1].get(k) not in found]
    aux_leaves, aux_tree = tree_flatten(aux) if aux is not None else ([], None)
    program = _Program(
        inputs=[x._node for x in xs],
        steps=steps,
        guards=guards,
        nodes=tape._nodes,
        out=operand(tape, out),
        aux=[operand(tape, a) for a in aux_leaves],
        aux_tree=aux_tree,
        statics=statics,
        grads=grads,
        replayable=replayable,
    )
    _mark_gradient_paths(program)
    _expose(program.steps, {program.out[0], *(node for node, _ in program.aux)})
    return program


def _recorded_result(
    program: _Program, tape: Tape, leaves: list[Any]
) -> tuple[Any, Any, list[Any]]:
    """(value, aux, gradients) of the recorded call, from its tape; the backward pass is
    recorded as steps on the way where it can be."""
    env = _env_of(tape, program.nodes)
    value = _value(program, env)
    _check_output(value, "dd.compile", REAL)  # the dtype is part of the key: once suffices
    program.backward, cts = _record_backward(program, tape.entries, value)
    if program.backward is None:
        entries = [
            (s.rule, s.node, e[2], s.grad_slots, s.params, e[5])
            for s, e in zip(program.steps, tape.entries, strict=True)
            if s.grad_slots
        ]
        cts = _backprop(program, entries, value)
    return _outputs(program, env, value, cts, leaves)


def _expose(steps: list[_Step], returned: set[int | None]) -> None:
    """No buffer for the steps whose values the caller receives: they stay fresh arrays."""
    for step in steps:
        if step.node in returned:
            step.into = None


def _steps_of(tape: Tape) -> tuple[list[_Step], bool]:
    """The tape's entries as steps, and whether they can replay (no tracer constants)."""
    steps = []
    replayable = True
    for rule, node, vals, inputs, params, ans in tape.entries:
        template = list(vals)
        for pos, _src in inputs:
            template[pos] = None  # replaced on every replay; no need to keep the old value
        replayable &= not any(isinstance(v, Tracer) for v in template)
        into = _writer(rule, params, ans)
        steps.append(
            _Step(rule, node, template, tuple(inputs), (), params, primal_in(rule, vals), into)
        )
    return steps, replayable


def _mark_gradient_paths(program: _Program) -> None:
    """Keep, for each step, only the inputs through which a gradient reaches a
    differentiated input: the backward pass skips the rest (data, labels ...)."""
    wanted = {program.inputs[j] for _, idx in program.grads for j in idx}
    for step in program.steps:
        vjps = step.rule.vjp
        step.grad_slots = tuple(
            (pos, src) for pos, src in step.slots if src in wanted and vjps[pos] is not None
        )
        if step.grad_slots:
            wanted.add(step.node)


# Ops whose VJP rules read no primal values, only shapes and dtypes: a backward pass made
# of them computes the same operations on every replay, so it can be recorded once, as
# steps. (A rule that builds a 0/1 mask from the values, like maximum's, cannot; relu
# can, with its mask recorded as an op of its own, below.)
_VALUE_FREE = frozenset({
    "add", "subtract", "multiply", "divide", "negative", "square", "sqrt", "reciprocal", "abs",
    "exp", "expm1", "log", "log1p", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arctan",
    "sigmoid", "softplus", "matmul", "sum", "mean", "logsumexp", "reshape", "transpose",
    "expand_dims", "squeeze", "broadcast_to",
})  # fmt: skip


def _positive(x: Any) -> Any:
    """1 where x > 0, else 0, in x's float dtype: relu's derivative as a value."""
    if type(x) is float:
        return 1.0 if x > 0 else 0.0
    return np.greater(x, 0).astype(x.dtype)


_POSITIVE = Rule(
    "relu_slope",
    _positive,
    (None,),
    (None,),
    kind="elementwise",
    api=lambda xp, x: xp.astype(x > 0, x.dtype),  # the same on another array namespace
)
_RELU = REGISTRY["relu"]
_RELU_RECORDABLE = Rule(
    "relu",
    _RELU.primal,
    _RELU.jvp,
    (lambda g, ans, x: g * bind(_POSITIVE, (x,), {}),),  # = relu's rule, g * mask(x > 0)
    kind="elementwise",
)


# ... and single inputs of ops whose other VJPs read values: x ** y's rule for x does not
# (the one for y tests x == 0).
_VALUE_FREE_INPUTS = frozenset({("power", 0)})


def _recordable(step: _Step) -> Rule | None:
    """The rule whose VJPs for this step's gradient inputs can be recorded as steps
    (relu's with its mask as an op), or None."""
    rule = step.rule
    if REGISTRY.get(rule.name) is not rule or step.param_slots:
        return None
    if rule is _RELU:
        return _RELU_RECORDABLE
    if rule.name in _VALUE_FREE:
        return rule
    free = all((rule.name, pos) in _VALUE_FREE_INPUTS for pos, _ in step.grad_slots)
    return rule if free else None


def _record_backward(
    program: _Program, entries: list[Any], value: Any
) -> tuple[_Backward | None, dict[int, Any]]:
    """The backward pass, recorded once on a tape of its own whose leaves are the forward
    values it reads, and its cotangents at the inputs. (None, {}) where a rule on the
    gradient path is not known to be value-free, or the pass compared values."""
    node = program.out[0]
    if node is None:
        return None, {}
    path = [(s, e) for s, e in zip(program.steps, entries, strict=True) if s.grad_slots]
    rules = []
    for step, _ in path:
        rule = _recordable(step)
        if rule is None:
            return None, {}
        rules.append(rule)
    compared: list[Any] = []
    with new_level() as level:
        tape = Tape._internal(level)
        token = COMPARISONS.set(lambda *seen: compared.append(seen))
        reads: dict[int, Var] = {}  # forward node -> the leaf that reads its value
        try:
            traced = [
                _traced_entry(tape, reads, r, s, e) for r, (s, e) in zip(rules, path, strict=True)
            ]
            cts = backprop(traced, {node: ones_like(value)}, set(), False)
        except TypeError:
            if namespace(value) is np:
                raise
            return None, {}  # an array of another namespace refused a traced operand
        finally:
            COMPARISONS.reset(token)
            tape._release_leaves()
    steps, replayable = _steps_of(tape)
    if compared or not replayable:
        return None, {}
    wanted = {program.inputs[j] for _, idx in program.grads for j in idx} & set(cts)
    grads = {n: operand(tape, cts[n]) for n in wanted}
    _expose(steps, {node for node, _ in grads.values()})
    backward = _Backward(
        reads=[(var._node, forward) for forward, var in reads.items()],
        steps=steps,
        nodes=tape._nodes,
        grads=grads,
    )
    return backward, {n: primal_of(cts[n]) for n in wanted}


def _traced_entry(
    tape: Tape, reads: dict[int, Var], rule: Rule, step: _Step, entry: Any
) -> tuple[Any, ...]:
    """A forward entry whose traced inputs and output are leaves of ``tape``."""
    _, node, vals, _, params, ans = entry
    vals = list(vals)
    for pos, src in step.slots:
        vals[pos] = _reader(tape, reads, src, vals[pos])
    return (rule, node, tuple(vals), step.grad_slots, params, _reader(tape, reads, node, ans))


def _reader(tape: Tape, reads: dict[int, Var], node: int, value: Any) -> Var:
    var = reads.get(node)
    if var is None:
        var = reads[node] = tape._new_var(value)
    return var


def _env_of(tape: Tape, nodes: int) -> list[Any]:
    env: list[Any] = [None] * nodes
    for node, _, value in tape.leaves:
        env[node] = value
    for entry in tape.entries:
        env[entry[1]] = entry[5]
    return env


# --- replaying -------------------------------------------------------------------------------


def _replay(program: _Program, leaves: list[Any]) -> tuple[Any, Any, list[Any]]:
    """The forward pass from the flat list of steps (guards checked on the way), then
    the backward pass over the steps a gradient flows through.

    Array outputs go to buffers allocated at the first replay and rewritten by the
    later ones. A replay that finds them in use (another thread, or a call from
    inside ``f``) allocates instead.
    """
    if not program.in_use.acquire(blocking=False):
        return _run(program, leaves, None)
    try:
        return _run(program, leaves, program.buffers)
    finally:
        program.in_use.release()


def _run(
    program: _Program, leaves: list[Any], buffers: dict[int, np.ndarray] | None
) -> tuple[Any, Any, list[Any]]:
    env: list[Any] = [None] * program.nodes
    for node, x in zip(program.inputs, leaves, strict=True):
        env[node] = x
    entries: list[Any] | None = [] if program.backward is None else None
    _execute(program.steps, env, buffers, program.guards, entries)
    value = _value(program, env)
    if program.backward is not None:
        cts = program.backward.run(env, buffers is not None)
    else:
        cts = _backprop(program, entries or [], value)
    value, aux, grads = _outputs(program, env, value, cts, leaves)
    if buffers:  # nothing the caller keeps may be a buffer the next replay overwrites
        held = list(buffers.values())
        if program.backward is not None:
            held += program.backward.buffers.values()
        ids = set(map(id, held))
        aux = tree_map(lambda a: _unshared(a, held, ids), aux)
        grads = [_unshared(gr, held, ids) for gr in grads]
    return value, aux, grads


def _execute(
    steps: list[_Step],
    env: list[Any],
    buffers: dict[int, np.ndarray] | None,
    guards: list[Guard] | None = None,
    entries: list[Any] | None = None,
) -> None:
    """Run ``steps`` on ``env`` (node -> value): each one primal call, its output written
    into its buffer where there is one; check each guard at its place; collect the
    tape entries a backward pass needs in ``entries``."""
    guards = guards or []
    g = 0
    for k, step in enumerate(steps):
        while g < len(guards) and guards[g].at == k:
            _check(guards[g], env)
            g += 1
        vals = step.template.copy()
        for pos, src in step.slots:
            vals[pos] = env[src]
        out = buffers.get(step.node) if buffers is not None and step.into else None
        params = params_of(step, env) if step.param_slots else step.params
        if out is not None:
            ans = step.into(*vals, out=out)  # type: ignore[misc]
        else:
            ans = step.primal(*vals, **params)
            if buffers is not None and step.into:
                buffers[step.node] = ans
        env[step.node] = ans
        if entries is not None and step.grad_slots:
            entries.append((step.rule, step.node, tuple(vals), step.grad_slots, params, ans))
    for guard in guards[g:]:
        _check(guard, env)


def _unshared(x: Any, buffers: list[np.ndarray], ids: set[int]) -> Any:
    """``x``, or a copy where it is a buffer or a view of one. Returned values are never
    written into buffers (see :func:`_expose`), so this copies only what a rule passed
    through unchanged: one identity test for an array that owns its memory."""
    if not isinstance(x, np.ndarray):
        return x
    if x.base is None:
        return x.copy() if id(x) in ids else x
    return x.copy() if any(np.may_share_memory(x, b) for b in buffers) else x


def _check(guard: Guard, env: list[Any]) -> None:
    if not guard.holds(env):
        raise _changed(guard, env)


def _changed(guard: Guard, env: list[Any]) -> BranchChanged:
    """The error for a guard that came out differently, with the reason ``why()`` gives."""
    reason = guard.changed(env)
    err = BranchChanged(
        f"dd.compile: {reason}: these inputs take another branch than the recorded call; "
        "record again (on_branch_change='record') or keep the inputs on the recorded branch"
    )
    err.reason = reason
    return err


def _value(program: _Program, env: list[Any]) -> Any:
    """The output of a forward pass, which must be a scalar."""
    value = _read(program.out, env)
    if isinstance(value, (list, tuple, dict)) or shape_of(value) != ():
        what = type(value).__name__ if isinstance(value, (list, tuple, dict)) else shape_of(value)
        raise ValueError(
            f"dd.compile requires a scalar output (like dd.grad), but the function returned "
            f"{what}; use dd.jacrev or dd.vjp for a Jacobian"
        )
    return value


def _backprop(program: _Program, entries: list[Any], value: Any) -> dict[int, Any]:
    node = program.out[0]
    return backprop(entries, {node: ones_like(value)}, set(), False) if node is not None else {}


def _outputs(
    program: _Program, env: list[Any], value: Any, cts: dict[int, Any], leaves: list[Any]
) -> tuple[Any, Any, list[Any]]:
    """(value, aux, gradient of each input leaf) from a pass's values and cotangents."""
    grads: list[Any] = [None] * len(leaves)
    for _, idx in program.grads:
        for j in idx:
            n = program.inputs[j]
            grads[j] = plain(cts[n], leaves[j]) if n in cts else zeros_like(leaves[j])
    aux = None
    if program.aux_tree is not None:
        aux = tree_unflatten(program.aux_tree, [_read(a, env) for a in program.aux])
    return value, aux, grads


def _read(ref: tuple[int | None, Any], env: list[Any]) -> Any:
    node, constant = ref
    return env[node] if node is not None else constant


def _canonical(
    args: tuple[Any, ...], nums: tuple[int, ...], leaves: list[Any], statics: list[Any]
) -> list[Any]:
    """The arguments as the generated function checks them: differentiated integers as the
    floats they were recorded as."""
    return _rebuild(args, nums, leaves, statics)  # type: ignore[arg-type]
