"""``Module``: a container of parameters (``Var``s) and sub-modules, found by walking attributes.

A module's parameters are the ``Var``s among its attributes, and those of its
sub-modules, including modules and ``Var``s held in lists, tuples and dicts.
Parameters are made outside any tape, so the next ``with dd.Tape():`` that
uses them watches them: that is all reverse mode needs to train them.

Parameters may be arrays of any array namespace (NumPy, CuPy, ``array_api_strict``
...): ``model.to(xp)`` moves them, and ``state_dict`` always gives NumPy arrays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import array_api_compat
import numpy as np

from .._namespace import asarray_like, is_numpy, namespace, namespace_name, to_numpy
from ..reverse import Var

__all__ = ["Module", "Sequential"]


def _children(obj: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """The (name, value) pairs directly inside a module attribute or a container."""
    if isinstance(obj, Module):
        items: Any = vars(obj).items()
    elif isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return
    for key, value in items:
        if isinstance(value, (Module, Var, dict, list, tuple)):
            yield f"{prefix}{key}", value


def _walk(root: Module) -> Iterator[tuple[str, Any]]:
    """Every module and ``Var`` reachable from ``root``, depth first in attribute order.

    Containers are entered but not reported; anything reached twice (shared
    weights, a list that contains itself) is visited once, under its first name.
    """
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        name, obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (Module, Var)):
            yield name, obj
        prefix = f"{name}." if name else ""
        stack.extend(reversed(list(_children(obj, prefix))))


class Module:
    """Base class of layers and models: override ``forward``; call the module to run it.

    Attributes that are ``Var``s are parameters; attributes that are modules
    (or lists, tuples, dicts of them) are sub-modules. Parameter names are
    attribute paths, e.g. ``layers.0.weight``.
    """

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, x)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- parameters ---------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Var]]:
        """``(name, Var)`` for every parameter, in attribute order, shared ones once."""
        return [(name, obj) for name, obj in _walk(self) if isinstance(obj, Var)]

    def parameters(self) -> list[Var]:
        """The parameters as a list of ``Var``s (what an optimizer takes)."""
        return [p for _, p in self.named_parameters()]

    def named_modules(self) -> list[tuple[str, Module]]:
        """``(name, module)`` for this module (name ``""``) and every sub-module."""
        return [(name, obj) for name, obj in _walk(self) if isinstance(obj, Module)]

    def zero_grad(self) -> None:
        """Forget the gradients: every parameter's ``.grad`` becomes ``None``."""
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        """The number of scalar parameters."""
        return sum(int(np.size(p.value)) for p in self.parameters())

    @contextlib.contextmanager
    def with_parameters(self, values: dict[str, Any]) -> Iterator[Module]:
        """Within the block, the parameters named in ``values`` are those values (arrays, or
        traced values while ``dd.grad`` or ``dd.check_grad`` differentiate with respect to
        them); the ``Var``s are put back at the end. ``values`` maps names as in
        ``named_parameters()``; shared weights are replaced everywhere they are used."""
        params = dict(self.named_parameters())
        unknown = [n for n in values if n not in params]
        if unknown:
            raise KeyError(f"{type(self).__name__} has no parameter {unknown[0]!r}: {list(params)}")
        slots = [(slot, params[name], values[name]) for name, slot in _slots(self, values)]
        held = {id(var) for _, var, _ in slots}
        frozen = [n for n in values if id(params[n]) not in held]
        if frozen:
            raise TypeError(f"parameter {frozen[0]!r} is held in a tuple: use a list to swap it")
        try:
            for (owner, key), _, value in slots:
                _set(owner, key, value)
            yield self
        finally:
            for (owner, key), var, _ in slots:
                _set(owner, key, var)

    def to(self, xp: Any, *, device: Any = None) -> Module:
        """Move every parameter to the array namespace ``xp`` (``numpy``, ``cupy``,
        ``array_api_strict`` ...), on ``device`` when given (for namespaces whose
        ``asarray`` takes one); values and dtypes are kept. Returns the module.

        Build optimizers after the move (their buffers follow the parameters they
        were first made for).
        """
        for p in self.parameters():
            p.value = to_namespace(p.value, xp, device=device)
        return self

    # --- modes ----------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Training mode (``mode=True``) or evaluation mode for this module and its
        sub-modules (it changes what ``Dropout`` does); returns the module."""
        for _, m in self.named_modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    # --- state ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's value as a NumPy array, keyed by parameter name."""
        return {name: np.array(to_numpy(p.value), copy=True) for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy ``state`` (as returned by ``state_dict``) into the parameters.

        Names and shapes must match exactly; nothing is changed unless all do.
        Values are converted to each parameter's dtype, and moved to its namespace
        and device.
        """
        params = dict(self.named_parameters())
        _check_state(params, state, f"{type(self).__name__}.load_state_dict")
        for name, p in params.items():
            _assign(p, state[name])

    # --- printing ---------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's one-line repr."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        subs = [
            (name, obj)
            for name, obj in _walk_one_level(self)
            if isinstance(obj, Module) and obj is not self
        ]
        if not subs:
            return head + ")"
        lines = [head]
        for name, m in subs:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _slots(root: Module, names: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, Any]]]:
    """``(name, (owner, key))`` for every place that holds a parameter named in ``names``:
    the module, list or dict that holds it and its attribute, index or key there."""
    wanted = {id(p): n for n, p in root.named_parameters() if n in names}
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        items: Any = (
            vars(obj).items()
            if isinstance(obj, Module)
            else (obj.items() if isinstance(obj, dict) else enumerate(obj))
        )
        for key, value in list(items):
            if isinstance(value, Var) and id(value) in wanted:
                yield wanted[id(value)], (obj, key)
            elif isinstance(value, (Module, dict, list)):
                stack.append(value)


def _set(owner: Any, key: Any, value: Any) -> None:
    if isinstance(owner, Module):
        setattr(owner, key, value)
    else:
        owner[key] = value


def _walk_one_level(module: Module) -> Iterator[tuple[str, Any]]:
    """The sub-modules directly held by ``module`` (inside its containers too)."""
    stack = list(reversed(list(_children(module, ""))))
    while stack:
        name, obj = stack.pop()
        if isinstance(obj, Module):
            yield name, obj
        elif isinstance(obj, (dict, list, tuple)):
            stack.extend(reversed(list(_children(obj, f"{name}."))))


def _check_state(params: dict[str, Var], state: dict[str, Any], where: str) -> None:
    """Raise ``ValueError`` unless ``state`` has exactly the parameters' names and shapes."""
    if not isinstance(state, dict):
        raise TypeError(f"{where}: expected a dict of arrays, got {type(state).__name__}")
    missing = [n for n in params if n not in state]
    unexpected = [n for n in state if n not in params]
    problems = []
    if missing:
        problems.append(f"missing {missing}")
    if unexpected:
        problems.append(f"unexpected {unexpected}")
    for name, p in params.items():
        if name in state and np.shape(state[name]) != np.shape(p.value):
            problems.append(
                f"'{name}' has shape {np.shape(state[name])}, the model needs {np.shape(p.value)}"
            )
    if problems:
        raise ValueError(
            f"{where}: the state does not fit this model: {'; '.join(problems)}. "
            "Build the model with the same sizes as the one that was saved"
        )


def _assign(p: Var, value: Any) -> None:
    """Set a parameter's value, keeping its dtype, namespace and device (NumPy arrays are
    written in place)."""
    if isinstance(p.value, np.ndarray):
        np.copyto(p.value, to_numpy(value), casting="unsafe")
    elif isinstance(p.value, (int, float, np.generic)):
        p.value = float(np.asarray(to_numpy(value)))
    else:
        p.value = namespace(p.value).astype(asarray_like(value, p.value), p.value.dtype)


def to_namespace(x: Any, xp: Any, *, device: Any = None) -> Any:
    """``x`` as an array of the namespace ``xp`` (on ``device`` when given): kept when it
    is there already, copied through the host otherwise. Python numbers stay numbers."""
    if isinstance(x, (int, float)):
        return x
    if is_numpy(xp):
        return np.asarray(to_numpy(x))
    here = not isinstance(x, np.ndarray) and namespace_name(namespace(x)) == namespace_name(xp)
    if here and (device is None or array_api_compat.device(x) == device):
        return x
    host = to_numpy(x)
    return xp.asarray(host) if device is None else xp.asarray(host, device=device)


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``."""

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} is a {type(layer).__name__}, not a dd.nn.Module; "
                    "wrap functions in a Module (e.g. dd.nn.ReLU() instead of dd.relu)"
                )
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)
