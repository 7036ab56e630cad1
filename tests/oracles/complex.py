"""Oracles of the complex-number ops (cases): each case builds complex values from real
inputs and returns a real result, so that central differences and the dot-product identity
check the rules, including the engines' handling of real inputs met by complex cotangents.
Composites: |z| of a complex z, and chains of holomorphic ops. ``HOLOMORPHIC``: complex
derivatives in closed form, for ``tests/test_complex.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import dualdiff as dd

from .domains import Case, signed

_OFF_AXIS = signed(0.2, 2.0)  # y off 0: the angle's branch cut (y = 0, x < 0) is not met

STRUCTURAL: dict[str, list[Case]] = {
    "real": [
        Case("exp-ix", lambda x: dd.real(dd.exp(1j * x)), ((2, 3),)),
        Case("product", lambda x, y: dd.real((x + 1j * y) * (y - 2j * x)), ((3,), (3,))),
        Case("of-real", lambda x: dd.real(x * x), ((3,),)),
        Case("attribute", lambda x, y: (x + 1j * y).real * y, ((2, 2), (2, 2))),
    ],
    "imag": [
        Case("exp-ix", lambda x: dd.imag(dd.exp(1j * x) * x), ((2, 3),)),
        Case("of-real", lambda x: dd.imag(x) + x, ((3,),)),
        Case("attribute", lambda x, y: (x + 1j * y).imag * x, ((3,), (3,))),
    ],
    "conj": [
        Case("scaled", lambda x, y: dd.real(dd.conj(x + 1j * y) * (0.5 + 2j)), ((3,), (3,))),
        Case("square", lambda x, y: dd.imag(dd.conj(x + 1j * y) ** 2), ((2, 3), (2, 3))),
        Case("method", lambda x, y: dd.imag((x + 1j * y).conj() * (y - 1j)), ((3,), ())),
    ],
    "angle": [
        Case("quadrants", lambda x, y: dd.angle(x + 1j * y), ((2, 3), (2, 3)), _OFF_AXIS),
        Case("degrees", lambda x, y: dd.angle(x + 1j * y, deg=True), ((3,), (3,)), _OFF_AXIS),
        Case("of-real", lambda x: dd.angle(x) * x, ((4,),), _OFF_AXIS),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "abs-of-complex": [
        Case("modulus", lambda x, y: dd.abs(x + 1j * y), ((2, 3), (2, 3)), _OFF_AXIS),
        Case("squared", lambda x, y: dd.abs(dd.exp(x + 1j * y) - 0.5j) ** 2, ((3,), (3,))),
    ],
    "holomorphic-chain": [
        # sqrt's branch cut (z^2 + 9 on the negative reals) needs |y| > 3: outside [-2, 2]
        Case(
            "exp-cos-sqrt",
            lambda x, y: (
                dd.real(dd.exp(x + 1j * y) * dd.cos(y - 1j * x))
                + dd.imag(dd.sqrt((x + 1j * y) ** 2 + 9))
            ),
            ((3,), (3,)),
        ),
        Case(
            "quotient-log",
            lambda x, y: dd.imag(dd.log((x + 1j * y) / (2.5 + x * 1j)) * dd.tanh(y + 0.5j)),
            ((2, 2), (2, 2)),
            _OFF_AXIS,
        ),
    ],
}


# --- holomorphic ops: closed-form complex derivatives (tests/test_complex.py) -----------


@dataclass(frozen=True)
class Holo:
    """A function of one complex z built on registry op ``op``, and its derivative f'(z) in
    closed form (NumPy), valid at points off the real and imaginary axes."""

    op: str
    fn: Callable[[Any], Any]
    deriv: Callable[[np.ndarray], np.ndarray]


_W = 1.5 - 0.5j  # a fixed complex second operand

HOLOMORPHIC: dict[str, Holo] = {
    "negative": Holo("negative", lambda z: -z, lambda z: -np.ones_like(z)),
    "add": Holo("add", lambda z: z + _W, np.ones_like),
    "subtract": Holo("subtract", lambda z: _W - z, lambda z: -np.ones_like(z)),
    "multiply": Holo("multiply", lambda z: z * _W, lambda z: _W * np.ones_like(z)),
    "divide": Holo("divide", lambda z: _W / z, lambda z: -_W / z**2),
    "power-base": Holo("power", lambda z: z**_W, lambda z: _W * z ** (_W - 1)),
    "power-exponent": Holo("power", lambda z: _W**z, lambda z: _W**z * np.log(_W)),
    "square": Holo("square", dd.square, lambda z: 2 * z),
    "sqrt": Holo("sqrt", dd.sqrt, lambda z: 0.5 / np.sqrt(z)),
    "reciprocal": Holo("reciprocal", dd.reciprocal, lambda z: -1 / z**2),
    "exp": Holo("exp", dd.exp, np.exp),
    "expm1": Holo("expm1", dd.expm1, np.exp),
    "log": Holo("log", dd.log, lambda z: 1 / z),
    "log1p": Holo("log1p", dd.log1p, lambda z: 1 / (1 + z)),
    "sin": Holo("sin", dd.sin, np.cos),
    "cos": Holo("cos", dd.cos, lambda z: -np.sin(z)),
    "tan": Holo("tan", dd.tan, lambda z: 1 / np.cos(z) ** 2),
    "arcsin": Holo("arcsin", dd.arcsin, lambda z: 1 / np.sqrt(1 - z**2)),
    "arccos": Holo("arccos", dd.arccos, lambda z: -1 / np.sqrt(1 - z**2)),
    "arctan": Holo("arctan", dd.arctan, lambda z: 1 / (1 + z**2)),
    "sinh": Holo("sinh", dd.sinh, np.cosh),
    "cosh": Holo("cosh", dd.cosh, np.sinh),
    "tanh": Holo("tanh", dd.tanh, lambda z: 1 / np.cosh(z) ** 2),
    # ops of the wider NumPy coverage: looked up when called (a test skips an absent one)
    "exp2": Holo("exp2", lambda z: dd.exp2(z), lambda z: np.log(2) * 2**z),
    "log2": Holo("log2", lambda z: dd.log2(z), lambda z: 1 / (z * np.log(2))),
    "log10": Holo("log10", lambda z: dd.log10(z), lambda z: 1 / (z * np.log(10))),
    "arcsinh": Holo("arcsinh", lambda z: dd.arcsinh(z), lambda z: 1 / np.sqrt(z**2 + 1)),
    "arccosh": Holo(
        "arccosh", lambda z: dd.arccosh(z), lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))
    ),
    "arctanh": Holo("arctanh", lambda z: dd.arctanh(z), lambda z: 1 / (1 - z**2)),
    "conj-conj": Holo("conj", lambda z: dd.conj(dd.conj(z) * _W), lambda z: np.conj(_W) + 0 * z),
}
