"""Layers: ``Linear``, ``MLP``, ``Dropout`` and the activation modules."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._namespace import asarray_like, namespace
from .._util import primal_of
from ..data import as_rng
from ..ops import matmul, relu, sigmoid, tanh
from ..reverse import Var
from . import functional as F
from .module import Module, Sequential

__all__ = [
    "GELU",
    "MLP",
    "Dropout",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "init_weight",
]

_INITS = ("he", "xavier")


def init_weight(
    shape: tuple[int, int], init: str, rng: np.random.Generator, dtype: Any = np.float64
) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix drawn from ``rng``.

    ``"he"`` (Kaiming, for ReLU nets): normal with std √(2 / fan_in).
    ``"xavier"`` (Glorot, for tanh and sigmoid): uniform on ±√(6 / (fan_in + fan_out)).
    Both keep the variance of activations roughly constant from layer to layer.
    """
    fan_in, fan_out = shape
    if init == "he":
        w = rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
    elif init == "xavier":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=shape)
    else:
        raise ValueError(f"init must be one of {_INITS}, got {init!r}")
    return w.astype(dtype, copy=False)


def _positive_int(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


class Linear(Module):
    """y = x @ weight + bias, for x of shape (..., in_features).

    ``weight`` has shape (in_features, out_features) and ``bias`` (out_features,),
    so the layer is one matmul and one broadcast add. ``rng`` is a seed or a
    ``np.random.Generator``; ``init`` is ``"he"`` or ``"xavier"`` (see
    :func:`init_weight`); the bias starts at zero. ``xp`` is the array namespace of
    the parameters (NumPy by default; ``cupy`` for the GPU): they are drawn with
    NumPy's generator and then moved, so one seed gives the same weights everywhere.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        rng: Any = None,
        init: str = "he",
        dtype: Any = np.float64,
        xp: Any = None,
    ) -> None:
        self.in_features = _positive_int(in_features, "Linear: in_features")
        self.out_features = _positive_int(out_features, "Linear: out_features")
        self.init = init
        shape = (self.in_features, self.out_features)
        self.weight = Var(init_weight(shape, init, as_rng(rng), dtype))
        self.bias = Var(np.zeros(self.out_features, dtype=dtype)) if bias else None
        if xp is not None:
            self.to(xp)

    def forward(self, x: Any) -> Any:
        try:  # matmul, not @: an array of another namespace may refuse a Var operand
            y = matmul(x, self.weight)
        except ValueError as err:  # checked only on failure: the happy path stays one op
            if np.shape(primal_of(x))[-1:] == (self.in_features,):
                raise  # not the shape: another device, say
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input has shape "
                f"{np.shape(primal_of(x))}, but its last axis must be {self.in_features} "
                "(in_features)"
            ) from err
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        bias = "" if self.bias is not None else ", bias=False"
        return f"{self.in_features}, {self.out_features}{bias}, init={self.init!r}"


class _Activation(Module):
    """A module that applies an elementwise function."""

    fn: Callable[[Any], Any]

    def forward(self, x: Any) -> Any:
        return self.fn(x)


class ReLU(_Activation):
    """max(x, 0)."""

    fn = staticmethod(relu)


class Tanh(_Activation):
    """tanh x."""

    fn = staticmethod(tanh)


class Sigmoid(_Activation):
    """1 / (1 + e^-x)."""

    fn = staticmethod(sigmoid)


class GELU(_Activation):
    """Gaussian error linear unit, tanh form (see :func:`dualdiff.nn.functional.gelu`)."""

    fn = staticmethod(F.gelu)


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "gelu": GELU,
    "leaky_relu": LeakyReLU,
}


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the rest by
    1 / (1 - p) (so the expected value is unchanged); in evaluation mode, the identity."""

    def __init__(self, p: float = 0.5, *, rng: Any = None) -> None:
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must lie in [0, 1), got {p!r}")
        self.p = float(p)
        self._rng = as_rng(rng)

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        value = primal_of(x)
        keep = self._rng.random(np.shape(value)) >= self.p
        if namespace(value) is not np:  # the mask in the value's namespace and float dtype
            xp = namespace(value)
            return x * (xp.astype(asarray_like(keep, value), value.dtype) / (1.0 - self.p))
        dtype = np.result_type(getattr(value, "dtype", np.float64), np.float32)
        return x * (keep.astype(dtype) / (1.0 - self.p))

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MLP(Sequential):
    """A multilayer perceptron: ``Linear`` layers of ``sizes`` with ``activation`` between.

    ``MLP([1, 10, 1])`` is the report's network: 1 input, a hidden layer of 10
    ReLU units, 1 output. The last layer has no activation unless
    ``output_activation`` is given. ``init`` defaults to He for ReLU-like
    activations and Xavier for tanh and sigmoid. Parameters are ordered
    weight, bias, layer by layer, in the array namespace ``xp`` (see :class:`Linear`).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        *,
        rng: Any = None,
        init: str | None = None,
        output_activation: str | None = None,
        dtype: Any = np.float64,
        xp: Any = None,
    ) -> None:
        sizes = [_positive_int(n, "MLP: each size") for n in sizes]
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least two sizes (inputs, outputs), got {sizes}")
        for name in (activation, output_activation):
            if name is not None and name not in ACTIVATIONS:
                raise ValueError(
                    f"MLP: unknown activation {name!r}; choose from {list(ACTIVATIONS)}"
                )
        if init is None:
            init = "xavier" if activation in ("tanh", "sigmoid") else "he"
        gen = as_rng(rng)
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out, rng=gen, init=init, dtype=dtype))
            last = i == len(sizes) - 2
            act = output_activation if last else activation
            if act is not None:
                layers.append(ACTIVATIONS[act]())
        super().__init__(*layers)
        self.sizes = sizes
        self.activation = activation
        if xp is not None:
            self.to(xp)

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, activation={self.activation!r}"
