"""The op registry, tracer dispatch (``bind``) and nesting levels.

Every derivative rule in dualdiff lives in one table, ``REGISTRY``. A record
(:class:`Rule`) holds an op's primal implementation, one JVP rule and one VJP
rule per positional input. Forward mode (:mod:`dualdiff.forward`) and reverse
mode (:mod:`dualdiff.reverse`) are two interpreters of that table.

Rule signatures (``t`` input tangent, ``g`` output cotangent, ``ans`` primal
output, ``args`` the primal inputs, ``params`` the static keyword parameters)::

    jvp_i(t, ans, *args, **params) -> contribution of input i to the output tangent
    vjp_i(g, ans, *args, **params) -> cotangent for input i

A JVP rule may receive a tangent with extra *leading* batch axes (several
directions at once); structural rules handle them, elementwise rules get them
aligned by the engine. Likewise a VJP rule may receive a cotangent with leading
batch axes (``jacrev`` sweeps every output row at once): elementwise rules and
those marked ``vjp_batched`` take it whole, the engine feeds the others one row
at a time. A VJP rule may return a cotangent with the output's (broadcast)
shape: the reverse engine sums it back to the input's shape.
"""

from __future__ import annotations

import contextvars
import gc
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

import numpy as np

from ._namespace import NUMPY_TYPES, Boxed, namespace, require, unavailable

__all__ = [
    "REGISTRY",
    "PerInput",
    "Rule",
    "Tracer",
    "bind",
    "defop",
    "elementwise",
    "register_elementwise",
    "register_op",
]

JvpRule = Callable[..., Any]
VjpRule = Callable[..., Any]


@dataclass(slots=True, eq=False)
class Rule:
    """One registry record: an op's primal and both derivative rules.

    ``derivs`` is kept for elementwise ops (the partial derivatives the rules
    were derived from) so that tools can print and check them; ``batched``
    says whether the JVP rules accept tangents with leading batch axes, and
    ``vjp_batched`` whether the VJP rules accept cotangents with them (``g`` of
    shape ``batch + ans.shape``; the rule returns ``batch + x.shape``, or a shape
    that broadcasts to it after the batch axes). A
    *variadic* op (``concatenate``, ``stack``) takes any number of inputs: its
    ``jvp``/``vjp`` are :class:`PerInput` sequences, and ``joint_jvp``, when
    set, computes the whole output tangent at once from the list of input
    tangents (``None`` for constants).

    ``api`` says how the primal runs on arrays of another array namespace (CuPy, Dask,
    ``array_api_strict``): the function's name there (``"sin"``, ``"linalg.inv"``; the
    op's NumPy name is also tried under its array-API spelling, ``arcsin`` as ``asin``),
    or a primal ``api(xp, *args, **params)`` written for namespace ``xp``; ``None`` when
    the op runs on NumPy only. :func:`primal_in` resolves it.
    """

    name: str
    primal: Callable[..., Any]
    jvp: tuple[JvpRule | None, ...]
    vjp: tuple[VjpRule | None, ...]
    kind: str = "structural"
    derivs: tuple[Any, ...] | None = None
    batched: bool = True
    doc: str = ""
    variadic: bool = False
    joint_jvp: Callable[..., Any] | None = None
    vjp_batched: bool = False
    api: str | Callable[..., Any] | None = None

    @property
    def nargs(self) -> int:
        return -1 if self.variadic else len(self.jvp)

    def __repr__(self) -> str:
        return f"<dualdiff op {self.name}: {self.kind}, {self.nargs} input(s)>"


REGISTRY: dict[str, Rule] = {}


class PerInput:
    """The rules of a variadic op: ``fn(i, ...)`` serves as the rule of input ``i``."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __getitem__(self, i: int) -> Callable[..., Any]:
        fn = self.fn
        return lambda *args, **params: fn(i, *args, **params)

    def __len__(self) -> int:
        return 1


class Tracer(Boxed):
    """Base of :class:`~dualdiff.Dual` and :class:`~dualdiff.Var`.

    A tracer carries a primal value and a nesting *level*; :func:`bind` gives an
    op to the tracer of the highest level among its arguments, which treats
    tracers of lower levels as constants. The operators are defined once here
    (see :mod:`dualdiff.ops.operators`).
    """

    __slots__ = ()
    _level: int

    def _process(self, rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
        raise NotImplementedError


def _describe(x: Any) -> str:
    if isinstance(x, Tracer):
        return f"{type(x).__name__}{_shape_text(x)}"
    if isinstance(x, np.ndarray):
        return f"ndarray{_shape_text(x)}"
    return type(x).__name__


def _shape_text(x: Any) -> str:
    shape = getattr(x, "shape", ())
    dtype = getattr(x, "dtype", None)
    return f"(shape={tuple(shape)}, dtype={dtype})" if dtype is not None else "(scalar)"


def call_primal(rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """Run the primal of ``rule`` on untraced values, naming the op if the namespace refuses."""
    primal = rule.primal
    for a in args:
        if type(a) not in NUMPY_TYPES and not isinstance(a, np.ndarray):
            primal = primal_in(rule, args)
            break
    try:
        return primal(*args, **params)
    except (ValueError, TypeError, IndexError, NotImplementedError) as err:
        raise _op_error(rule, args, params, err) from err


_HINTS = {
    ValueError: "check the shapes (they must broadcast as in NumPy) and the parameters",
    TypeError: "dualdiff ops take numbers, numeric arrays, Duals and Vars",
    IndexError: "check the index against the shape",
    NotImplementedError: "the inputs' array library cannot run it so (Dask: fancy indexing "
    "of several axes, some reshapes); compute this step on NumPy arrays",
}


def _op_error(rule: Rule, args: Sequence[Any], params: dict[str, Any], err: Exception) -> Exception:
    """``err`` as the built-in exception it derives from, naming the op, its inputs and a fix."""
    kind = next(k for k in _HINTS if isinstance(err, k))
    kinds = ", ".join(_describe(a) for a in args)
    extra = f" with {params}" if params else ""
    hint = list_hint(args) or _HINTS[kind]
    return kind(f"dualdiff op '{rule.name}' failed on ({kinds}){extra}: {err} ({hint})")


def list_hint(values: Sequence[Any]) -> str | None:
    """What to do when one of ``values`` is a list or tuple where an array was meant (read
    on error paths only): dualdiff, like JAX, takes a list for a pytree of separate values."""
    for i, v in enumerate(values):
        if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
            return (
                f"argument {i} is a {type(v).__name__}: a list or tuple is a pytree of separate "
                "values (as in JAX), not an array; for an array write np.array(...) around "
                "it (dd.array(...) when it holds traced values)"
            )
    return None


def bind(rule: Rule, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """Apply ``rule`` to ``args``: the highest-level tracer handles it; untraced values
    run the primal of their array namespace (NumPy's, unless an input is another's)."""
    top = None
    plain = True  # every input is a number or a NumPy array: NumPy's primal, no lookup
    for a in args:
        if type(a) in NUMPY_TYPES:
            continue
        if isinstance(a, Tracer):
            if top is None or a._level > top._level:
                top = a
        elif not isinstance(a, np.ndarray):
            plain = False
    if top is not None:
        return top._process(rule, args, params)
    primal = rule.primal if plain else primal_in(rule, args)
    try:  # call_primal, inlined: this is the hot path of every op
        return primal(*args, **params)
    except (ValueError, TypeError, IndexError, NotImplementedError) as err:
        raise _op_error(rule, args, params, err) from err


def primal_in(rule: Rule, args: Sequence[Any]) -> Callable[..., Any]:
    """The primal of ``rule`` for the array namespace of ``args`` (NumPy's own primal for
    NumPy); raises NotImplementedError naming the op and the namespace if it has none."""
    xp = namespace(*args, op=rule.name)
    if xp is np or rule.kind == "custom":  # a user's primal is called as written
        return rule.primal
    api = rule.api
    if callable(api):
        return lambda *a, **p: api(xp, *a, **p)
    if api is None:
        raise unavailable(rule.name, xp)
    return require(xp, api, rule.name)


# --- nesting levels --------------------------------------------------------

_LEVEL: contextvars.ContextVar[int] = contextvars.ContextVar("dualdiff_level", default=0)


class _CollectorPause:
    """Pauses Python's automatic cyclic garbage collection while any transform or tape
    is active (in any thread), and resumes it when the last one ends.

    Tracing makes many small objects that stay alive (tape entries, tracers), and each
    automatic collection walks all of them again: on scalar code that was ~40% of the
    time. A record holds no reference cycles, so reference counting frees it; only cyclic
    garbage that user code makes meanwhile waits for the end of the outermost transform.
    """

    __slots__ = ("_depth", "_lock", "_resume")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


_COLLECTOR_PAUSE = _CollectorPause()


class new_level:  # lower case: used like a function, ``with new_level() as level:``
    """Enter a fresh nesting level (one transform or tape); always restored.

    A class rather than a generator: every ``dd.grad`` call enters one, and a
    generator-based context manager costs about a microsecond more.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> int:
        level = _LEVEL.get() + 1
        self._token = _LEVEL.set(level)
        _COLLECTOR_PAUSE.__enter__()
        return level

    def __exit__(self, *exc: object) -> None:
        _COLLECTOR_PAUSE.__exit__()
        _LEVEL.reset(self._token)


def current_level() -> int:
    """The innermost active nesting level (0 outside every transform and tape)."""
    return _LEVEL.get()


# --- declaring ops ---------------------------------------------------------


def _check_name(name: str, replace: bool = False) -> None:
    """A new op's name must be free; ``replace`` frees the name of a user-registered op."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"an op name must be a non-empty string, got {name!r}")
    old = REGISTRY.get(name)
    if old is None:
        return
    if old.kind != "custom":
        raise ValueError(
            f"'{name}' is already registered as one of dualdiff's own ops, which other rules "
            "use: it cannot be replaced (not even with replace=True); pick another name"
        )
    if not replace:
        raise ValueError(
            f"'{name}' is already registered (by dd.register_op); pass replace=True to "
            "replace your own op (e.g. when a notebook cell runs again), or pick another name"
        )


def _as_rules(rules: Any, what: str, name: str) -> tuple[Any, ...]:
    if callable(rules) or rules is None:
        rules = (rules,)
    if not isinstance(rules, (tuple, list)):
        raise TypeError(
            f"the {what} rules of op '{name}' must be a callable, None, or a tuple with one "
            f"of those per positional input; got {type(rules).__name__}"
        )
    rules = tuple(rules)
    for i, r in enumerate(rules):
        if r is not None and not callable(r):
            raise TypeError(f"{what} rule {i} of op '{name}' must be callable or None, got {r!r}")
    return rules


def defop(
    name: str,
    primal: Callable[..., Any],
    *,
    jvp: Any,
    vjp: Any,
    kind: str = "structural",
    batched: bool = True,
    doc: str = "",
    derivs: tuple[Any, ...] | None = None,
    joint_jvp: Callable[..., Any] | None = None,
    replace: bool = False,
    vjp_batched: bool = False,
    api: str | Callable[..., Any] | EllipsisType | None = ...,
) -> Callable[..., Any]:
    """Register an op with explicit JVP and VJP rules and return it as a function.

    ``api`` as in :class:`Rule`; by default the op's own name."""
    _check_name(name, replace)
    api = name if api is ... else api
    variadic = isinstance(jvp, PerInput) and isinstance(vjp, PerInput)
    if not variadic:
        jvp, vjp = _as_rules(jvp, "jvp", name), _as_rules(vjp, "vjp", name)
        if len(jvp) != len(vjp):
            raise ValueError(
                f"op '{name}' has {len(jvp)} JVP rule(s) but {len(vjp)} VJP rule(s); "
                "give one of each per positional input (None for no derivative)"
            )
    rule = Rule(
        name,
        primal,
        jvp,
        vjp,
        kind=kind,
        derivs=derivs,
        batched=batched,
        doc=doc,
        variadic=variadic,
        joint_jvp=joint_jvp,
        vjp_batched=vjp_batched,
        api=api,
    )
    REGISTRY[name] = rule
    return make_op(rule)


def make_op(rule: Rule) -> Callable[..., Any]:
    """The public function for ``rule``: positional arrays, keyword parameters."""
    nargs = rule.nargs

    def op(*args: Any, **params: Any) -> Any:
        if len(args) != nargs and nargs >= 0:
            raise TypeError(
                f"dualdiff op '{rule.name}' takes {nargs} positional input(s), got {len(args)}"
            )
        return bind(rule, args, params)

    op.__name__ = op.__qualname__ = rule.name
    op.__doc__ = rule.doc or f"The ``{rule.name}`` op (see ``dualdiff.REGISTRY``)."
    op.rule = rule  # type: ignore[attr-defined]
    return op


# The rules of a partial derivative of 1 or -1, by the op's number of inputs. The arity is
# fixed for one or two inputs: a call with a fixed number of arguments packs no tuple of
# them, which is a third of the cost of a rule on scalar code. One function serves as
# both rules: the JVP t * d and the VJP g * d are the same product.
_PASS: dict[int, Callable[..., Any]] = {
    1: lambda t, ans, x: t,
    2: lambda t, ans, x, y: t,
    0: lambda t, ans, *args: t,
}
_NEGATE: dict[int, Callable[..., Any]] = {
    1: lambda t, ans, x: -t,
    2: lambda t, ans, x, y: -t,
    0: lambda t, ans, *args: -t,
}


def _deriv_rules(deriv: Any, nargs: int) -> tuple[JvpRule | None, VjpRule | None]:
    """JVP and VJP rules from one partial derivative ``deriv(ans, *args)`` of an op with
    ``nargs`` inputs.

    ``deriv`` may be a callable, ``None`` (no derivative), or the constants 1
    and -1, which skip the multiplication.
    """
    if deriv is None:
        return None, None
    if not callable(deriv) and deriv in (1, -1):
        table = _PASS if deriv == 1 else _NEGATE
        rule = table.get(nargs, table[0])
        return rule, rule
    if not callable(deriv):
        raise TypeError(f"a partial derivative must be callable, None, 1 or -1, got {deriv!r}")
    # a traced partial multiplies from the left beside an array of another namespace, which
    # may refuse a tracer as its right operand (array_api_strict's do)
    if nargs == 1:
        rule = lambda t, ans, x: (
            d * t if isinstance(d := deriv(ans, x), Tracer) and _foreign(t) else t * d
        )
    elif nargs == 2:
        rule = lambda t, ans, x, y: (
            d * t if isinstance(d := deriv(ans, x, y), Tracer) and _foreign(t) else t * d
        )
    else:
        rule = lambda t, ans, *args: (
            d * t if isinstance(d := deriv(ans, *args), Tracer) and _foreign(t) else t * d
        )
    return rule, rule


def _foreign(t: Any) -> bool:
    """Whether ``t`` is an untraced array of a namespace other than NumPy's."""
    return type(t) not in NUMPY_TYPES and not isinstance(t, (Boxed, np.ndarray))


def elementwise(
    name: str,
    primal: Callable[..., Any],
    *,
    derivs: Any,
    doc: str = "",
    kind: str = "elementwise",
    replace: bool = False,
    api: str | Callable[..., Any] | EllipsisType | None = ...,
) -> Callable[..., Any]:
    """Register an elementwise op from its partial derivatives, one per input.

    Each partial is ``(ans, *args) -> d out / d input`` (elementwise, may
    broadcast); the JVP ``t * d`` and VJP ``g * d`` are derived from it. The
    rule keeps ``derivs``, which tells the engines that the op is elementwise.
    """
    derivs = tuple(derivs) if isinstance(derivs, (tuple, list)) else (derivs,)
    pairs = [_deriv_rules(d, len(derivs)) for d in derivs]
    return defop(
        name,
        primal,
        jvp=tuple(p[0] for p in pairs),
        vjp=tuple(p[1] for p in pairs),
        kind=kind,
        derivs=derivs,
        doc=doc,
        replace=replace,
        vjp_batched=True,  # g * d broadcasts over the leading batch axes of g
        api=api,
    )


def register_op(
    name: str,
    primal: Callable[..., Any],
    *,
    jvp: Any,
    vjp: Any,
    batched: bool = False,
    vjp_batched: bool = False,
    doc: str = "",
    replace: bool = False,
) -> Callable[..., Any]:
    """Register a user-defined op and return it as a callable usable in both modes.

    ``jvp`` and ``vjp`` hold one rule per positional input (a single callable
    for a one-input op); ``None`` marks an input with no derivative::

        jvp_i(t, ans, *args) -> contribution to the output tangent
        vjp_i(g, ans, *args) -> cotangent for input i

    Write the rules with dualdiff ops (``dd.cos``, ``dd.multiply`` ...) to make
    them differentiable again. Set ``batched=True`` only if every JVP rule
    accepts tangents with extra leading batch axes; otherwise dualdiff feeds
    batched tangents (``jacfwd``) one direction at a time. ``vjp_batched=True`` says the
    same of the VJP rules and cotangents with leading batch axes (``jacrev``).

    A name can be registered once; ``replace=True`` replaces an op registered earlier
    with ``register_op`` or ``register_elementwise`` (functions returned before keep
    the old rules). dualdiff's own ops are never replaced.
    """
    return defop(
        name,
        primal,
        jvp=jvp,
        vjp=vjp,
        kind="custom",
        batched=batched,
        doc=doc,
        replace=replace,
        vjp_batched=vjp_batched,
    )


def register_elementwise(
    name: str, primal: Callable[..., Any], *, derivs: Any, doc: str = "", replace: bool = False
) -> Callable[..., Any]:
    """Register a user-defined elementwise op from its partial derivatives.

    ``derivs`` holds one ``(ans, *args) -> d out / d input`` per input (a single
    callable for a one-input op); both rules are derived from it. ``replace`` as in
    :func:`register_op`.
    """
    return elementwise(name, primal, derivs=derivs, doc=doc, kind="custom", replace=replace)
