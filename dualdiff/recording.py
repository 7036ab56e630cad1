"""What ``dd.compile`` keys a recording on, and why it records again.

A call's *signature* holds, for each argument, its structure and, for each leaf:

* an *input* (a float leaf, or any leaf of a differentiated argument): its type, shape
  and dtype;
* a *data* array (an integer or boolean array of an argument that is not
  differentiated: class labels, masks, index arrays): its shape and dtype. It is an
  input of the recorded program too;
* anything else (a Python int, a string, an object): its value.

While ``f`` records, every input that is not differentiated (images, targets, labels,
masks) is a :class:`Data` value. Ops on it are recorded like ops on a ``Var``, so a
replay computes them again from the new values; a comparison of data is such an op
too (``labels[:, None] == np.arange(10)``); an integer array used as an index goes into
the indexing op as it is, and the replay hands that op the new array. Every read of its
values into Python (``int(labels[0])``, the truth value of ``if labels.sum() > 3:``,
``np.asarray(labels)``, a NumPy function that has no rule, library code that reads
``.primal``) is a guard, which a replay checks like a branch of the recording.
"""

from __future__ import annotations

import inspect
import linecache
import operator
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np

from ._namespace import device_of, dtype_kind
from ._util import as_float, compare, handed_on, primal_of, shape_of
from .core import Rule, Tracer, bind
from .numpy_api import _on_primals, routing
from .pytree import tree_flatten
from .reverse import Tape, Var

__all__ = [
    "Data",
    "DataTape",
    "Guard",
    "RecordingWarning",
    "argument_name",
    "call_site",
    "changed_array",
    "describe_change",
    "find_param_slots",
    "frozen",
    "guarding",
    "is_data",
    "is_float",
    "is_input",
    "leaf_key",
    "operand",
    "params_of",
    "signature",
    "whole_value",
]


class RecordingWarning(UserWarning):
    """A compiled function records again and again (``dd.compile``'s ``warn_after``): its
    calls keep changing shapes, dtypes or keyed values, or take other branches."""


def is_data(x: Any) -> bool:
    """Whether a leaf of an argument that is not differentiated is an integer or boolean
    array: an input of the recording, keyed by shape and dtype (not by value)."""
    return isinstance(x, np.ndarray) and x.dtype.kind in "biu"


def whole_value(value: Any) -> Any:
    """The value itself (a read of all of it)."""
    return value


whole_value.__name__ = "read of a value"


class Data(Var):
    """A value of a recording computed from inputs that are not differentiated alone: no
    derivative flows through it. Ops on it are recorded; reading its values is a guard."""

    __slots__ = ()

    @property
    def primal(self) -> Any:
        """The value, read by code outside the recorded ops: a guard on all of it."""
        return compare(whole_value, self)

    @property
    def shape(self) -> tuple[int, ...]:
        return shape_of(self.value)

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(self.value)

    def __int__(self) -> int:
        return compare(int, self)  # type: ignore[no-any-return]

    def __float__(self) -> float:
        return compare(float, self)  # type: ignore[no-any-return]

    def __complex__(self) -> complex:
        return compare(complex, self)  # type: ignore[no-any-return]

    def __index__(self) -> int:
        return compare(operator.index, self)  # type: ignore[no-any-return]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array(compare(whole_value, self), dtype=dtype)

    def item(self, *index: Any) -> Any:
        def item(value: Any) -> Any:
            return np.asarray(value).item(*index)

        return compare(item, self)

    def tolist(self) -> Any:
        return compare(_tolist, self)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if routing(func) is None and all(issubclass(t, (Data, np.ndarray)) for t in types):
            return _on_primals(func, guard=True)(*args, **kwargs)  # np.bincount(labels) ...
        return super().__array_function__(func, types, args, kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """A ufunc without a derivative (a comparison, ``~``, ``&``) on data alone is an op
        of the recording (``labels == k`` makes one-hot rows a replay recomputes); other
        ufuncs that have no rule read the values."""
        route = routing(ufunc)
        if (route is not None and route[0] == "differentiable") or not _data_only(inputs):
            return super().__array_ufunc__(ufunc, method, *inputs, **kwargs)
        if method == "__call__" and not kwargs and ufunc.nout == 1:
            return bind(_data_op(ufunc), inputs, {})
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        return _on_primals(fn, guard=True)(*inputs, **kwargs)

    __hash__ = Var.__hash__

    def __repr__(self) -> str:
        return f"Data({self.value!r})"


def _operator(ufunc: Any, name: str, reflected: bool = False) -> Callable[..., Any]:
    """The operator ``name`` of data: ``ufunc`` recorded on data and numbers alone; a
    comparison with a differentiated value is a guard, as for any traced value."""
    fallback = getattr(Var, name, None)

    def method(self: Data, *other: Any) -> Any:
        inputs = (*other, self) if reflected else (self, *other)
        if _data_only(inputs):
            return self.__array_ufunc__(ufunc, "__call__", *inputs)
        return fallback(self, *other) if fallback is not None else NotImplemented

    method.__name__ = name
    return method


for _name, _ufunc, _reflected in (
    ("__eq__", np.equal, False), ("__ne__", np.not_equal, False), ("__lt__", np.less, False),
    ("__le__", np.less_equal, False), ("__gt__", np.greater, False),
    ("__ge__", np.greater_equal, False), ("__and__", np.bitwise_and, False),
    ("__rand__", np.bitwise_and, True), ("__or__", np.bitwise_or, False),
    ("__ror__", np.bitwise_or, True), ("__xor__", np.bitwise_xor, False),
    ("__rxor__", np.bitwise_xor, True), ("__invert__", np.invert, False),
):  # fmt: skip
    setattr(Data, _name, _operator(_ufunc, _name, _reflected))
del _name, _ufunc, _reflected


def _tolist(value: Any) -> Any:
    return np.asarray(value).tolist()


_tolist.__name__ = "tolist"


def _data_only(inputs: tuple[Any, ...]) -> bool:
    """Whether the inputs are data and numbers or arrays (no value that has a derivative)."""
    return all(isinstance(x, Data) or (not isinstance(x, Tracer) and _numeric(x)) for x in inputs)


def _numeric(x: Any) -> bool:
    if isinstance(x, (bool, int, float, np.generic)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "biufc"


def _data_op(ufunc: Any) -> Rule:
    """A NumPy ufunc as an op with no derivative, for data alone (not in the registry:
    nothing differentiates it, and each recording computes it again)."""
    none = (None,) * ufunc.nin
    return Rule(ufunc.__name__, ufunc, none, none, kind="elementwise")


class DataTape(Tape):
    """The tape of a recording: an op whose traced inputs are all data gives data."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        super().__init__()
        self.data: set[int] = set()  # the nodes that hold data

    def new_data(self, value: Any) -> Data:
        """A data leaf of this tape."""
        var = Data._make(value, self, -1)
        var._node = self._leaf(var, value)
        self._created.append(var)
        self.data.add(var._node)
        return var  # type: ignore[return-value]

    def _record(
        self,
        rule: Rule,
        vals: tuple[Any, ...],
        inputs: tuple[tuple[int, int], ...],
        params: dict[str, Any],
        ans: Any,
    ) -> Var:
        var = super()._record(rule, vals, inputs, params, ans)
        data = self.data
        if inputs and all(node in data for _, node in inputs):
            var.__class__ = Data
            data.add(var._node)
        return var


# --- the signature of a call ------------------------------------------------------------


def signature(
    args: tuple[Any, ...], nums: tuple[int, ...]
) -> tuple[Any, list[Any], list[Any]] | None:
    """(cache key, float input leaves, other leaves), or None for traced arguments.
    Differentiated arguments are all inputs (ints promoted to float); elsewhere float
    leaves and data arrays are inputs, and the rest are keys. The key holds, per
    argument, its structure and a key per leaf (:func:`leaf_key`)."""
    key: list[Any] = []
    leaves: list[Any] = []
    statics: list[Any] = []
    for i, arg in enumerate(args):
        flat, td = tree_flatten(arg)
        keys = []
        for x in flat:
            if isinstance(x, Tracer):
                return None
            differentiated = i in nums
            if differentiated:
                x = as_float(x)
            k = leaf_key(x, differentiated)
            if k[0] in _INPUT_KINDS:
                leaves.append(x)
            else:  # an array here is compared by value on replay: a copy the caller keeps
                statics.append(np.array(x) if isinstance(x, np.ndarray) else x)
            keys.append(k)
        key.append((td, tuple(keys)))
    return tuple(key), leaves, statics


def is_input(x: Any) -> bool:
    """A leaf of an argument that is not differentiated that is an input all the same."""
    return is_float(x) or is_data(x)


def changed_array(f: Callable[..., Any], recorded: list[Any], now: list[Any], key: Any) -> str:
    """Which array keyed by value (not a float, integer or boolean one) changed."""
    others = iter(zip(recorded, now, strict=True))
    for i, (_, keys) in enumerate(key):
        for k, lk in enumerate(keys):
            if lk[0] in ("input", "data"):
                continue
            a, b = next(others)
            if isinstance(a, np.ndarray) and not np.array_equal(a, b):
                where = _leaf_name(f, i, k, len(keys))
                return f"{where} changed value (an array of dtype {a.dtype} is keyed by value)"
    return "a keyed value changed"


# --- guards -------------------------------------------------------------------------------


@dataclass(slots=True)
class Guard:
    """A comparison made while recording, checked before step ``at`` on replay."""

    at: int
    fn: Callable[..., Any]
    operands: tuple[tuple[int | None, Any], ...]  # (node, None) or (None, constant)
    outcome: Any
    site: tuple[str, int, str] | None = None  # (file, line, function) of the user's code

    def now(self, env: list[Any]) -> Any:
        """The outcome on this replay's values."""
        return self.fn(*[env[n] if n is not None else c for n, c in self.operands])

    def holds(self, env: list[Any]) -> bool:
        try:
            return _equal(self.now(env), self.outcome)
        except Exception:  # the new values make it fail: the recording decides what then
            return False

    def changed(self, env: list[Any]) -> str:
        """What came out differently on this run's values, and where it was made."""
        try:
            now = _shown(self.now(env))
        except Exception as err:  # a read that fails on the new values
            now = f"an error ({type(err).__name__}: {err})"
        return f"the {self.describe()} came out {now}, recorded as {_shown(self.outcome)}"

    def describe(self) -> str:
        name = getattr(self.fn, "__name__", repr(self.fn))
        if " " in name:  # "read of a value", "check of the labels" ...
            what = name
        elif name == "bool":
            what = "truth value (of an if, while, and, or, not)"
        elif name in _COMPARED:
            what = f"comparison '{name}'"
        else:
            what = f"result of {name}()"
        if self.site is None:
            return f"{what} before op {self.at}"
        file, line, fn = self.site
        code = linecache.getline(file, line).strip()
        return f"{what} at {file}:{line} in {fn}" + (f": `{code}`" if code else "")


_COMPARED = frozenset({
    "lt", "le", "gt", "ge", "eq", "ne", "less", "less_equal", "greater",
    "greater_equal", "equal", "not_equal",
})  # fmt: skip


def _equal(a: Any, b: Any) -> bool:
    """Whether two outcomes are the same (arrays by value, sequences item by item)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    if not (_plain(a) and _plain(b)):  # arrays of another namespace, on their device
        return shape_of(a) == shape_of(b) and bool(
            array_api_compat.array_namespace(a, b).all(a == b)
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _shown(outcome: Any) -> str:
    """An outcome as a reason names it."""
    if isinstance(outcome, np.ndarray) and outcome.size > 8:
        return f"an array of shape {outcome.shape}"
    if isinstance(outcome, np.ndarray):
        return np.array2string(outcome, separator=", ")
    return repr(outcome.item() if isinstance(outcome, np.generic) else outcome)


def guarding(tape: Tape, guards: list[Guard], handed: dict[int, int]) -> Callable[..., None]:
    """The listener that keeps each comparison (and each read of a data value) made while
    ``tape`` records as a guard, with where the user's code made it."""

    def guard(fn: Callable[..., Any], operands: Any, outcome: Any) -> None:
        ops = tuple(operand(tape, x) for x in operands)
        if fn is handed_on:  # dropped if a recorded op took the value (see _program)
            handed[len(guards)], fn = id(outcome), whole_value
        guards.append(Guard(len(tape.entries), fn, ops, frozen(outcome), call_site()))

    return guard


def operand(tape: Tape, x: Any) -> tuple[int | None, Any]:
    """Where a program finds ``x``: (its node, None), or (None, ``x`` as a constant)."""
    node = tape.node_of(x)
    return (node, None) if node is not None else (None, frozen(primal_of(x)))


def frozen(x: Any) -> Any:
    """A copy of an array (the caller may change theirs in place); other values as they are."""
    return np.array(x) if isinstance(x, np.ndarray) else x


# --- index arrays among the parameters of ops ----------------------------------------------


def find_param_slots(tape: Tape, steps: list[Any]) -> set[int]:
    """Integer arrays of the recording that ops took as parameters (``x[labels]``: the index
    is a parameter of getitem), found by identity: a replay gives each op the new array.
    Returns the ids of the values found."""
    nodes: dict[int, int] = {}  # id of a value -> the first node that holds it
    for node, _, value in tape.leaves:
        if is_data(value):
            nodes.setdefault(id(value), node)
    for entry in tape.entries:
        if is_data(entry[5]):
            nodes.setdefault(id(entry[5]), entry[1])
    taken: set[int] = set()
    if not nodes:
        return taken
    for step in steps:
        found: list[tuple[tuple[Any, ...], int]] = []
        for name, value in step.params.items():
            _find(value, (name,), nodes, found, taken)
        if found:
            step.param_slots, step.into = tuple(found), None
    return taken


def _find(
    x: Any, path: tuple[Any, ...], nodes: dict[int, int], found: list[Any], taken: set[int]
) -> None:
    """The places in ``x`` (at any depth of tuples and lists) that hold a node's value."""
    if isinstance(x, np.ndarray) and id(x) in nodes:
        found.append((path, nodes[id(x)]))
        taken.add(id(x))
    elif type(x) in (tuple, list):
        for k, item in enumerate(x):
            _find(item, (*path, k), nodes, found, taken)


def params_of(step: Any, env: Any) -> dict[str, Any]:
    """The step's parameters, with this run's value at each of its parameter slots."""
    if not step.param_slots:
        return step.params
    params = dict(step.params)
    for (name, *inner), node in step.param_slots:
        params[name] = _put(params[name], inner, env[node])
    return params


def _put(x: Any, path: list[Any], value: Any) -> Any:
    if not path:
        return value
    items = list(x)
    items[path[0]] = _put(items[path[0]], path[1:], value)
    return type(x)(items)


# --- where a guard was made --------------------------------------------------------------

_LIBRARIES = tuple(os.path.dirname(m.__file__ or "") + os.sep for m in (np, sys.modules[__name__]))


def call_site() -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost frame outside dualdiff and NumPy: the
    user's line that made a comparison."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


# --- why a call records ----------------------------------------------------------------------


_INPUT_KINDS = ("input", "data")  # the kinds of leaf_key that are inputs of the recording


def leaf_key(x: Any, differentiated: bool) -> tuple[Any, ...]:
    """What the recording is keyed on for one leaf of an argument (an array of another
    namespace than NumPy's, CuPy's say, with its device too)."""
    if differentiated or is_float(x):
        key = ("input", type(x), shape_of(x), getattr(x, "dtype", None))
        return key if _plain(x) else (*key, device_of(x))
    if is_data(x):
        return ("data", type(x), x.shape, x.dtype)
    if isinstance(x, np.ndarray):
        return ("array", type(x), x.shape, x.dtype)  # compared by value (see _same)
    try:
        hash(x)
    except TypeError:
        return ("object", type(x), id(x))
    return ("value", type(x), x)


def is_float(x: Any) -> bool:
    """A Python float, NumPy float scalar or float array (of any array namespace): an input
    of the recording."""
    if type(x) is float or isinstance(x, np.floating):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return not _plain(x) and dtype_kind(x.dtype) == "f"


def _plain(x: Any) -> bool:
    """Not an array of another namespace than NumPy's."""
    return isinstance(x, (np.ndarray, np.generic)) or not array_api_compat.is_array_api_obj(x)


def describe_change(f: Callable[..., Any], old: tuple[Any, ...], new: tuple[Any, ...]) -> str:
    """What differs between two signatures (per argument: structure and leaf keys)."""
    if len(old) != len(new):
        return f"the number of arguments changed: {len(old)} -> {len(new)}"
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a == b:
            continue
        if a[0] != b[0]:
            return f"{argument_name(f, i)} changed structure: {a[0]} -> {b[0]}"
        for k, (x, y) in enumerate(zip(a[1], b[1], strict=True)):
            if x != y:
                return f"{_leaf_name(f, i, k, len(a[1]))} changed {_leaf_change(x, y)}"
    return "the arguments changed"


def _leaf_change(old: tuple[Any, ...], new: tuple[Any, ...]) -> str:
    if old[0] != new[0] or old[1] is not new[1]:
        return f"kind: {_kind(old)} -> {_kind(new)}"
    if old[0] == "value":
        return f"value: {old[2]!r} -> {new[2]!r} (a value that is not an array is a key)"
    if old[0] == "object":
        return "object: another object of the same type (an object is keyed by identity)"
    if old[2] != new[2]:
        return f"shape: {old[2]} -> {new[2]}"
    if old[3] != new[3]:
        return f"dtype: {old[3]} -> {new[3]}"
    return f"device: {old[4]} -> {new[4]}"


def _kind(key: tuple[Any, ...]) -> str:
    what = {"input": "input", "data": "data array", "array": "array", "value": "value"}
    return f"{what.get(key[0], 'object')} of type {key[1].__name__}"


def _leaf_name(f: Callable[..., Any], i: int, k: int, leaves: int) -> str:
    """``argument 1 (`y`)``, or ``leaf 2 of argument 0 (`params`)`` in a pytree."""
    name = argument_name(f, i)
    return name if leaves == 1 else f"leaf {k} of {name}"


def argument_name(f: Callable[..., Any], i: int) -> str:
    """``argument 1 (`y`)``: the position and, where ``f`` has one, the parameter's name."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if i < len(params) and params[i].kind in kinds:
        return f"argument {i} (`{params[i].name}`)"
    return f"argument {i}"
