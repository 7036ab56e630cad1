"""Optimizers (SGD, Adam, AdamW), learning-rate schedules and gradient clipping.

An optimizer works in one of two styles, chosen by what it is built on:

* **Module style** (PyTorch): built on a list of ``Var``s, e.g.
  ``SGD(model.parameters(), lr=0.1)``. ``zero_grad()`` clears their
  ``.grad``; ``step()`` reads ``.grad`` and updates each parameter's array
  in place.
* **Functional style** (the report's, JAX's): built on a pytree of arrays,
  e.g. ``opt = Adam(params, lr=1e-3)``. ``params = opt.update(params, grads)``
  returns new arrays and leaves the old ones untouched; the optimizer keeps
  its own state (momenta, step count).

``lr`` is a number or a schedule: any callable ``step -> lr`` of the number of
steps taken so far (``StepDecay``, ``CosineDecay``). ``max_grad_norm`` clips
the gradients by their global norm before each update.

The buffers (momenta) live where the parameters live: NumPy parameters are updated
in place through preallocated buffers; parameters of another array namespace (CuPy,
``array_api_strict`` ...) get new arrays of that namespace each step. ``state_dict``
is NumPy either way, and ``load_state_dict`` puts the buffers back beside the
parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import array_api_compat
import numpy as np

from ._lazy import values_of
from ._namespace import asarray_like, namespace, to_numpy
from .pytree import TreeDef, tree_flatten, tree_unflatten
from .reverse import Var

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "CosineDecay",
    "Optimizer",
    "StepDecay",
    "clip_by_global_norm",
    "clip_grad_norm",
    "global_norm",
]

# --- schedules ---------------------------------------------------------------------------


class StepDecay:
    """lr · gamma^(step // every): the rate drops by ``gamma`` every ``every`` steps."""

    def __init__(self, lr: float, every: int, gamma: float = 0.1) -> None:
        self.lr = _check_number(lr, "StepDecay: lr", low=0.0)
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"StepDecay: every must be a positive integer, got {every!r}")
        self.every = int(every)
        self.gamma = _check_number(gamma, "StepDecay: gamma", low=0.0)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.every)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The schedule's settings as arrays (its value depends only on them and the step)."""
        return _numbers(self, ("lr", "every", "gamma"))

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the settings saved by :meth:`state_dict`."""
        _load_numbers(self, state, {"lr": float, "every": int, "gamma": float})

    def __repr__(self) -> str:
        return f"StepDecay(lr={self.lr}, every={self.every}, gamma={self.gamma})"


class CosineDecay:
    """Half a cosine from ``lr`` at step 0 to ``final_lr`` at ``total_steps``, then flat:
    final_lr + (lr - final_lr) · (1 + cos(π · step / total_steps)) / 2."""

    def __init__(self, lr: float, total_steps: int, final_lr: float = 0.0) -> None:
        self.lr = _check_number(lr, "CosineDecay: lr", low=0.0)
        if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)):
            raise TypeError(f"CosineDecay: total_steps must be an int, got {total_steps!r}")
        if total_steps < 1:
            raise ValueError(f"CosineDecay: total_steps must be at least 1, got {total_steps}")
        self.total_steps = int(total_steps)
        self.final_lr = _check_number(final_lr, "CosineDecay: final_lr", low=0.0)

    def __call__(self, step: int) -> float:
        frac = min(step, self.total_steps) / self.total_steps
        return self.final_lr + (self.lr - self.final_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))

    def state_dict(self) -> dict[str, np.ndarray]:
        """The schedule's settings as arrays (its value depends only on them and the step)."""
        return _numbers(self, ("lr", "total_steps", "final_lr"))

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the settings saved by :meth:`state_dict`."""
        _load_numbers(self, state, {"lr": float, "total_steps": int, "final_lr": float})

    def __repr__(self) -> str:
        return (
            f"CosineDecay(lr={self.lr}, total_steps={self.total_steps}, final_lr={self.final_lr})"
        )


def _check_number(
    x: Any,
    what: str,
    *,
    low: float | None = None,
    high: float | None = None,
    open_high: bool = False,
) -> float:
    """``x`` as a float after checking it is a finite number in [low, high] (or [low, high))."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}")
    x = float(x)
    bad = not math.isfinite(x) or (low is not None and x < low)
    if high is not None:
        bad = bad or (x >= high if open_high else x > high)
    if bad:
        hi = "" if high is None else (f", below {high}" if open_high else f", at most {high}")
        lo = "" if low is None else f"at least {low}"
        raise ValueError(f"{what} must be finite, {lo}{hi}; got {x!r}")
    return x


def _numbers(obj: Any, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: np.asarray(getattr(obj, name)) for name in names}


def _load_numbers(obj: Any, state: dict[str, Any], kinds: dict[str, type]) -> None:
    """Set ``obj``'s numeric settings from ``state`` (all of them, checked first)."""
    where = f"{type(obj).__name__}.load_state_dict"
    missing = [k for k in kinds if k not in state]
    if missing:
        raise ValueError(f"{where}: the state lacks {missing}; it has {sorted(state)}")
    for name in kinds:
        if np.shape(state[name]) != ():
            raise ValueError(
                f"{where}: '{name}' must be a number, got shape {np.shape(state[name])}"
            )
    for name, kind in kinds.items():
        setattr(obj, name, kind(np.asarray(state[name])))


# --- gradient clipping ------------------------------------------------------------------


def global_norm(tree: Any) -> float:
    """√(Σ g²) over every leaf of a pytree of arrays (``None`` leaves skipped)."""
    total = 0.0
    for g in tree_flatten(tree)[0]:
        if g is None:
            continue
        xp = namespace(g)
        if xp is np:
            a = np.asarray(g)
            total += float(np.vdot(a, a).real)
        else:
            a = xp.abs(g)
            total += float(xp.sum(a * a))
    return math.sqrt(total)


def _clip_scale(norm: float, max_norm: float) -> float:
    """The factor that brings a gradient of global norm ``norm`` down to ``max_norm``."""
    return max_norm / norm if norm > max_norm else 1.0


def clip_by_global_norm(grads: Any, max_norm: float) -> tuple[Any, float]:
    """``(clipped, norm)``: the pytree ``grads`` scaled so its global norm is at most
    ``max_norm`` (unchanged if already), and its norm before clipping."""
    max_norm = _check_number(max_norm, "clip_by_global_norm: max_norm", low=0.0)
    norm = global_norm(grads)
    scale = _clip_scale(norm, max_norm)
    if scale == 1.0:
        return grads, norm
    leaves, td = tree_flatten(grads)
    return tree_unflatten(td, [None if g is None else g * scale for g in leaves]), norm


def clip_grad_norm(params: Any, max_norm: float) -> float:
    """Scale the ``.grad`` of the ``Var``s in ``params`` in place so that their global norm
    is at most ``max_norm``; return the norm before clipping (like PyTorch's)."""
    max_norm = _check_number(max_norm, "clip_grad_norm: max_norm", low=0.0)
    params = _as_vars(params, "clip_grad_norm")
    norm = global_norm([p.grad for p in params])
    scale = _clip_scale(norm, max_norm)
    if scale < 1.0:
        for p in params:
            if p.grad is not None:
                p.grad = p.grad * scale
    return norm


def _as_vars(params: Any, where: str) -> list[Var]:
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(f"{where}: pass model.parameters(), not the model itself")
    leaves = list(params) if not isinstance(params, (list, tuple, dict)) else params
    leaves = tree_flatten(leaves)[0]
    for x in leaves:
        if not isinstance(x, Var):
            raise TypeError(f"{where}: expected dd.Var parameters, got {type(x).__name__}")
    return leaves


# --- optimizers -----------------------------------------------------------------------------

LearningRate = float | Callable[[int], float]


class Optimizer:
    """Base of the optimizers: the two styles, the schedule and clipping.

    A subclass defines ``_delta(state, p, g, lr)``: the array to subtract from
    parameter ``p`` given its gradient ``g`` (it may reuse a buffer kept in
    ``state``, a dict per parameter).
    """

    def __init__(
        self, params: Any, lr: LearningRate, *, max_grad_norm: float | None = None
    ) -> None:
        name = type(self).__name__
        self._lr = _check_lr(lr, name)
        self.max_grad_norm = (
            None
            if max_grad_norm is None
            else _check_number(max_grad_norm, f"{name}: max_grad_norm", low=0.0)
        )
        self.steps = 0
        self._vars, self._treedef, self._shapes = _split_params(params, name)
        self._states: list[dict[str, Any]] = [{} for _ in self._shapes]
        self._loaded = False  # buffers read by load_state_dict, still NumPy arrays

    @property
    def lr(self) -> float:
        """The learning rate of the next step (a schedule is evaluated at ``self.steps``)."""
        if not callable(self._lr):
            return self._lr
        return _check_number(
            self._lr(self.steps), f"{type(self).__name__}: lr schedule value", low=0.0
        )

    @property
    def params(self) -> list[Var]:
        """The ``Var``s a module-style optimizer updates."""
        if self._vars is None:
            raise TypeError(self._style_error("params"))
        return list(self._vars)

    # --- module style ------------------------------------------------------------------

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to ``None`` (before the next backward)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update each parameter in place from its ``.grad`` (those without one are skipped)."""
        params = self.params
        grads = _for_numpy([p.grad for p in params], [p.value for p in params])
        lr, scale = self.lr, self._scale(grads)
        self._place([p.value for p in params])
        for p, g, state in zip(params, grads, self._states, strict=True):
            if g is None:
                continue
            delta = self._delta(state, p.value, g if scale == 1.0 else g * scale, lr)
            if isinstance(p.value, np.ndarray) and p.value.flags.writeable:
                p.value -= delta
            else:
                p.value = _minus(p.value, delta)
        self.steps += 1

    # --- functional style -------------------------------------------------------------

    def update(self, params: Any, grads: Any) -> Any:
        """New parameters ``params - step(grads)``, a pytree shaped like ``params``.

        ``params`` and ``grads`` must have the structure and shapes the optimizer
        was built with; the inputs are not modified.
        """
        if self._vars is not None:
            raise TypeError(self._style_error("update"))
        leaves = self._leaves(params, "params")
        gleaves = _for_numpy(self._leaves(grads, "grads"), leaves)
        lr, scale = self.lr, self._scale(gleaves)
        self._place(leaves)
        new = [
            _minus(p, self._delta(state, p, g if scale == 1.0 else g * scale, lr))
            for p, g, state in zip(leaves, gleaves, self._states, strict=True)
        ]
        self.steps += 1
        return tree_unflatten(self._treedef, new)

    # --- checkpoints ----------------------------------------------------------------------

    _HYPER: tuple[str, ...] = ()  # numeric settings saved with the state

    def state_dict(self) -> dict[str, np.ndarray]:
        """Everything a resumed run needs, as named arrays: ``steps``, the settings, each
        parameter's buffers (``param.3.velocity``, ``param.3.t`` ...) and the schedule's."""
        state = {"steps": np.asarray(self.steps)}
        state |= {f"hyper.{k}": np.asarray(v) for k, v in self._settings().items()}
        for i, buffers in enumerate(self._states):
            for key, value in buffers.items():
                if key != "delta":  # a scratch buffer, rewritten by every step
                    state[f"param.{i}.{key}"] = np.array(to_numpy(value), copy=True)
        if callable(self._lr) and hasattr(self._lr, "state_dict"):
            state |= {f"schedule.{k}": v for k, v in self._lr.state_dict().items()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` into this optimizer, built on the same parameters.

        Names and shapes are checked before anything changes; a mismatch raises
        ``ValueError`` naming it.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict) or "steps" not in state:
            raise ValueError(f"{where}: not an optimizer state (no 'steps' entry)")
        buffers = self._check_buffers(state, where)
        settings = {k[6:]: v for k, v in state.items() if k.startswith("hyper.")}
        if set(settings) != set(self._settings()):
            raise ValueError(
                f"{where}: the state is of an optimizer with settings {sorted(settings)}, "
                f"this {type(self).__name__} has {sorted(self._settings())}"
            )
        schedule = {k[9:]: v for k, v in state.items() if k.startswith("schedule.")}
        if schedule and hasattr(self._lr, "load_state_dict"):
            self._lr.load_state_dict(schedule)
        for name, value in settings.items():
            self._restore_setting(name, value)
        self.steps = int(np.asarray(state["steps"]))
        self._states = buffers
        self._loaded = True

    def _place(self, values: list[Any]) -> None:
        """Move buffers read by :meth:`load_state_dict` (NumPy arrays) beside the parameter
        ``values`` they belong to, once, before the first step that uses them."""
        if not self._loaded:
            return
        for value, buffers in zip(values, self._states, strict=True):
            if namespace(value) is not np:
                for key, buf in buffers.items():
                    if key != "t":
                        buffers[key] = asarray_like(buf, value)
        self._loaded = False

    def _settings(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self._HYPER}
        if not callable(self._lr):
            out["lr"] = self._lr
        return out

    def _restore_setting(self, name: str, value: Any) -> None:
        value = np.asarray(value)
        if name == "lr":
            self._lr = float(value)
        elif name == "betas":
            self.betas = (float(value[0]), float(value[1]))
        else:
            setattr(self, name, type(getattr(self, name))(value))

    def _check_buffers(self, state: dict[str, Any], where: str) -> list[dict[str, Any]]:
        """The per-parameter buffers of ``state``, after checking their indices and shapes."""
        buffers: list[dict[str, Any]] = [{} for _ in self._shapes]
        for key, value in state.items():
            if not key.startswith("param."):
                continue
            _, index, name = key.split(".", 2)
            i = int(index)
            if not 0 <= i < len(self._shapes):
                raise ValueError(
                    f"{where}: '{key}' is for parameter {i}, but this optimizer has "
                    f"{len(self._shapes)} parameters; build it on the same parameters"
                )
            if name != "t" and np.shape(value) != self._shapes[i]:
                raise ValueError(
                    f"{where}: '{key}' has shape {np.shape(value)}, parameter {i} has shape "
                    f"{self._shapes[i]}; build the optimizer on the same parameters"
                )
            buffers[i][name] = int(np.asarray(value)) if name == "t" else np.array(value)
        return buffers

    # --- shared -------------------------------------------------------------------------

    def _delta(self, state: dict[str, Any], p: Any, g: Any, lr: float) -> Any:
        raise NotImplementedError

    def _scale(self, grads: list[Any]) -> float:
        if self.max_grad_norm is None:
            return 1.0
        return _clip_scale(global_norm(grads), self.max_grad_norm)

    def _leaves(self, tree: Any, what: str) -> list[Any]:
        leaves, td = tree_flatten(tree)
        if td != self._treedef:
            raise ValueError(
                f"{type(self).__name__}.update: {what} has structure {td}, but the optimizer "
                f"was built on {self._treedef}"
            )
        for i, (x, shape) in enumerate(zip(leaves, self._shapes, strict=True)):
            if np.shape(x) != shape:
                raise ValueError(
                    f"{type(self).__name__}.update: leaf {i} of {what} has shape {np.shape(x)}, "
                    f"expected {shape}"
                )
        return leaves

    def _style_error(self, called: str) -> str:
        name = type(self).__name__
        if called == "update":
            return (
                f"{name} was built on Vars (module style): after loss.backward() call "
                "opt.step(); opt.update(params, grads) is for an optimizer built on arrays"
            )
        return (
            f"{name} was built on arrays (functional style): use "
            "params = opt.update(params, grads); zero_grad()/step() need Vars"
        )

    def _hyper(self) -> str:
        return ""

    def __repr__(self) -> str:
        lr = self._lr if callable(self._lr) else f"{self._lr:g}"
        return f"{type(self).__name__}(lr={lr}{self._hyper()}, {len(self._shapes)} parameter(s))"


def _check_lr(lr: Any, name: str) -> LearningRate:
    if callable(lr):
        _check_number(lr(0), f"{name}: lr schedule value at step 0", low=0.0)
        return lr  # type: ignore[no-any-return]
    return _check_number(lr, f"{name}: lr", low=0.0)


def _split_params(
    params: Any, name: str
) -> tuple[list[Var] | None, TreeDef, list[tuple[int, ...]]]:
    """The Vars (module style, else None), the tree structure and the leaf shapes."""
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(f"{name}: pass model.parameters(), not the model itself")
    if not isinstance(params, (list, tuple, dict, float, int)) and not _is_array(params):
        params = list(params)  # a generator of Vars
    leaves, td = tree_flatten(params)
    if not leaves:
        raise ValueError(f"{name}: got no parameters to optimize")
    n_vars = sum(isinstance(x, Var) for x in leaves)
    if 0 < n_vars < len(leaves):
        raise TypeError(
            f"{name}: params mixes Vars and arrays; give model.parameters() (Vars) for "
            "opt.step(), or a pytree of arrays for opt.update(params, grads)"
        )
    if n_vars:
        if len({id(x) for x in leaves}) != len(leaves):
            raise ValueError(f"{name}: a parameter appears more than once in params")
        return leaves, td, [np.shape(x.value) for x in leaves]
    for x in leaves:
        if not (isinstance(x, (float, int)) or _is_array(x)) or isinstance(x, bool):
            raise TypeError(
                f"{name}: parameters must be dd.Vars or arrays (leaves of a list/tuple/dict), "
                f"got {type(x).__name__}"
            )
    return None, td, [np.shape(x) for x in leaves]


def _is_array(x: Any) -> bool:
    """An array of any namespace, or a NumPy scalar."""
    return isinstance(x, (np.ndarray, np.generic)) or array_api_compat.is_array_api_obj(x)


def _minus(p: Any, delta: Any) -> Any:
    """p - delta, keeping a Python float a float and an array's dtype."""
    if isinstance(p, np.ndarray):
        return (p - delta).astype(p.dtype, copy=False)
    if isinstance(p, (int, float, np.generic)):
        return float(p - delta)
    return p - delta  # the array API keeps p's dtype: delta has it (a Python float would too)


def _buffer(state: dict[str, Any], key: str, p: Any) -> np.ndarray:
    """A zero-initialised NumPy array shaped and typed like ``p``, kept in ``state[key]``."""
    buf = state.get(key)
    if buf is None:
        arr = np.asarray(p)
        buf = np.zeros(arr.shape, dtype=arr.dtype if arr.dtype.kind == "f" else np.float64)
        state[key] = buf
    return buf


def _decayed(state: dict[str, Any], key: str, p: Any, decay: float, x: Any) -> Any:
    """``state[key] <- decay * state[key] + x``, the buffer starting at 0: in place for a
    NumPy parameter ``p``; a new array of ``p``'s namespace otherwise (Dask's arrays have
    no in-place operators)."""
    if namespace(p) is np:
        buf = _buffer(state, key, p)
        buf *= decay
        buf += x
        return buf
    state[key] = state[key] * decay + x if key in state else x + 0.0  # not x: the gradient
    return state[key]


def _for_numpy(grads: list[Any], params: list[Any]) -> list[Any]:
    """The gradients, those of NumPy parameters as values: lazy (Dask) ones are computed
    here, in one pass, since a NumPy parameter's update needs them (parameters that are
    dask arrays themselves take a lazy step)."""
    if not any(isinstance(p, np.ndarray) for p in params):
        return grads
    return values_of(grads)


def _into(state: dict[str, Any], p: Any, ufunc: Any, *args: Any) -> Any:
    """``ufunc(*args)`` written into the step's scratch buffer for a NumPy parameter ``p``
    (no allocation), or computed by the namespace's function of that name otherwise."""
    xp = namespace(p)
    if xp is np:
        return ufunc(*args, out=_buffer(state, "delta", p))
    return getattr(xp, ufunc.__name__)(*args)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (heavy-ball or Nesterov) and L2
    weight decay, as in PyTorch::

        g ← g + weight_decay · p
        v ← momentum · v + g                      (v starts at 0)
        p ← p - lr · (g + momentum · v  if nesterov else  v)
    """

    def __init__(
        self,
        params: Any,
        lr: LearningRate,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        max_grad_norm: float | None = None,
    ) -> None:
        self.momentum = _check_number(momentum, "SGD: momentum", low=0.0, high=1.0, open_high=True)
        self.weight_decay = _check_number(weight_decay, "SGD: weight_decay", low=0.0)
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs a momentum above 0")
        self.nesterov = bool(nesterov)
        super().__init__(params, lr, max_grad_norm=max_grad_norm)

    _HYPER = ("momentum", "nesterov", "weight_decay")

    def _delta(self, state: dict[str, Any], p: Any, g: Any, lr: float) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * p
        d = g
        if self.momentum:
            v = _decayed(state, "velocity", p, self.momentum, g)
            d = g + self.momentum * v if self.nesterov else v
        return _into(state, p, np.multiply, d, lr)

    def _hyper(self) -> str:
        extra = f", momentum={self.momentum:g}" if self.momentum else ""
        extra += ", nesterov=True" if self.nesterov else ""
        return extra + (f", weight_decay={self.weight_decay:g}" if self.weight_decay else "")


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction::

        m ← β1 m + (1 - β1) g        v ← β2 v + (1 - β2) g²      (t-th step, from 0)
        p ← p - lr · (m / (1 - β1^t)) / (√(v / (1 - β2^t)) + eps)

    ``weight_decay`` adds ``weight_decay · p`` to g (L2, as in PyTorch's Adam);
    use :class:`AdamW` for decoupled weight decay.
    """

    _decoupled = False

    def __init__(
        self,
        params: Any,
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        max_grad_norm: float | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number(betas[0], f"{name}: beta1", low=0.0, high=1.0, open_high=True),
            _check_number(betas[1], f"{name}: beta2", low=0.0, high=1.0, open_high=True),
        )
        self.eps = _check_number(eps, f"{name}: eps", low=0.0)
        if self.eps == 0.0:
            raise ValueError(f"{name}: eps must be above 0 (it keeps m / √v finite where g = 0)")
        self.weight_decay = _check_number(weight_decay, f"{name}: weight_decay", low=0.0)
        super().__init__(params, lr, max_grad_norm=max_grad_norm)

    _HYPER = ("betas", "eps", "weight_decay")

    def _delta(self, state: dict[str, Any], p: Any, g: Any, lr: float) -> Any:
        b1, b2 = self.betas
        if self.weight_decay and not self._decoupled:
            g = g + self.weight_decay * p
        t = state["t"] = state.get("t", 0) + 1
        m = _decayed(state, "m", p, b1, _into(state, p, np.multiply, g, 1.0 - b1))
        out = _into(state, p, np.multiply, g, g)
        out *= 1.0 - b2
        v = _decayed(state, "v", p, b2, out)
        out = _into(state, p, np.sqrt, _into(state, p, np.divide, v, 1.0 - b2**t))
        out += self.eps
        out = _into(state, p, np.divide, m, out)
        out *= lr / (1.0 - b1**t)
        if self.weight_decay and self._decoupled:
            out += (lr * self.weight_decay) * p
        return out

    def _hyper(self) -> str:
        extra = f", betas={self.betas}" if self.betas != (0.9, 0.999) else ""
        return extra + (f", weight_decay={self.weight_decay:g}" if self.weight_decay else "")


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter)::

        p ← p - lr · (adam_step + weight_decay · p)

    The decay does not pass through the moments, so it shrinks every weight at
    the same relative rate whatever its gradient scale. Default weight_decay 0.01.
    """

    _decoupled = True

    def __init__(
        self,
        params: Any,
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        *,
        max_grad_norm: float | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, max_grad_norm=max_grad_norm)
