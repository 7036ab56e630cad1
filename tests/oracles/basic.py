"""Oracles of the first ops: arithmetic, exponents, trigonometry, piecewise and
activations (SymPy twins); reshaping, indexing, products and reductions (cases)."""

from __future__ import annotations

import numpy as np
import sympy as sp

import dualdiff as dd
from dualdiff import ops

from .domains import REAL, Case, Elem, boolean, signed, uniform, with_zeros

ELEMENTWISE: dict[str, Elem] = {
    "add": Elem(lambda x, y: x + y, (REAL, REAL)),
    "subtract": Elem(lambda x, y: x - y, (REAL, REAL)),
    "multiply": Elem(lambda x, y: x * y, (REAL, REAL)),
    "divide": Elem(lambda x, y: x / y, (REAL, signed(0.5, 2.0))),
    "negative": Elem(lambda x: -x, (REAL,)),
    "power": Elem(lambda x, y: x**y, (uniform(0.5, 2.0), REAL)),
    "square": Elem(lambda x: x**2, (REAL,)),
    "sqrt": Elem(sp.sqrt, (uniform(0.1, 3.0),)),
    "reciprocal": Elem(lambda x: 1 / x, (signed(0.3, 2.0),)),
    "abs": Elem(sp.Abs, (signed(0.1, 2.0),)),
    "sign": Elem(sp.sign, (signed(0.1, 2.0),)),
    "exp": Elem(sp.exp, (REAL,)),
    "expm1": Elem(lambda x: sp.exp(x) - 1, (REAL,)),
    "log": Elem(sp.log, (uniform(0.1, 3.0),)),
    "log1p": Elem(lambda x: sp.log(1 + x), (uniform(-0.9, 2.0),)),
    "sin": Elem(sp.sin, (uniform(-3.0, 3.0),)),
    "cos": Elem(sp.cos, (uniform(-3.0, 3.0),)),
    "tan": Elem(sp.tan, (uniform(-1.2, 1.2),)),
    "arcsin": Elem(sp.asin, (uniform(-0.9, 0.9),)),
    "arccos": Elem(sp.acos, (uniform(-0.9, 0.9),)),
    "arctan": Elem(sp.atan, (uniform(-3.0, 3.0),)),
    # y kept off 0: no point on the branch cut (y = 0, x < 0), all four quadrants.
    "arctan2": Elem(sp.atan2, (signed(0.2, 2.0), signed(0.2, 2.0))),
    "sinh": Elem(sp.sinh, (REAL,)),
    "cosh": Elem(sp.cosh, (REAL,)),
    "tanh": Elem(sp.tanh, (REAL,)),
    "maximum": Elem(sp.Max, (REAL, REAL)),
    "minimum": Elem(sp.Min, (REAL, REAL)),
    "where": Elem(lambda c, x, y: c * x + (1 - c) * y, (boolean, REAL, REAL), frozen=(0,)),
    "clip": Elem(
        lambda x, lo, hi: sp.Min(sp.Max(x, lo), hi),
        (uniform(-3.0, 3.0), uniform(-2.0, -0.5), uniform(0.5, 2.0)),
    ),
    "relu": Elem(lambda x: sp.Max(x, 0), (signed(0.1, 2.0),)),
    "sigmoid": Elem(lambda x: 1 / (1 + sp.exp(-x)), (uniform(-4.0, 4.0),)),
    "softplus": Elem(lambda x: sp.log(1 + sp.exp(x)), (uniform(-4.0, 4.0),)),
    "stop_gradient": Elem(lambda x: x, (REAL,), frozen=(0,)),
}


def _mask_2x3() -> np.ndarray:
    return np.array([[True, False, True], [False, True, True]])


_CONST = np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3)  # keeps float32 cases float32

STRUCTURAL: dict[str, list[Case]] = {
    "reshape": [
        Case("to-2d", lambda x: dd.reshape(x, (3, 2)), ((2, 3),)),
        Case("infer", lambda x: dd.reshape(x, (-1,)), ((2, 3, 2),)),
        Case("scalar", lambda x: dd.reshape(x, (1, 1)), ((),)),
        Case("method", lambda x: x.reshape(4, 3), ((2, 6),)),
    ],
    "expand_dims": [
        Case("front", lambda x: dd.expand_dims(x, 0), ((3,),)),
        Case("many", lambda x: dd.expand_dims(x, (0, -1)), ((2, 3),)),
    ],
    "squeeze": [
        Case("all", lambda x: dd.squeeze(x), ((1, 3, 1),)),
        Case("axis", lambda x: dd.squeeze(x, axis=-1), ((2, 3, 1),)),
    ],
    "transpose": [
        Case("reverse", lambda x: dd.transpose(x), ((2, 3, 4),)),
        Case("axes", lambda x: dd.transpose(x, (1, 2, 0)), ((2, 3, 4),)),
        Case("T", lambda x: x.T, ((2, 3),)),
    ],
    "broadcast_to": [
        Case("new-axes", lambda x: dd.broadcast_to(x, (2, 4, 3)), ((3,),)),
        Case("stretch", lambda x: dd.broadcast_to(x, (2, 3)), ((2, 1),)),
        Case("scalar", lambda x: dd.broadcast_to(x, (2, 2)), ((),)),
    ],
    "concatenate": [
        Case("axis0", lambda a, b: dd.concatenate([a, b]), ((2, 3), (1, 3))),
        Case(
            "axis-1", lambda a, b, c: dd.concatenate([a, b, c], axis=-1), ((2, 1), (2, 3), (2, 2))
        ),
        Case("constant", lambda a, b: dd.concatenate([a, _CONST, b], axis=1), ((2, 2), (2, 1))),
    ],
    "stack": [
        Case("axis0", lambda a, b: dd.stack([a, b]), ((3,), (3,))),
        Case("axis1", lambda a, b, c: dd.stack([a, b, c], axis=1), ((2, 3), (2, 3), (2, 3))),
        Case("constant", lambda a: dd.stack([_CONST, a], axis=-1), ((2, 3),)),
    ],
    "getitem": [
        Case("int", lambda x: x[1], ((3, 4),)),
        Case("slices", lambda x: x[1:, ::-2], ((3, 5),)),
        Case("newaxis-ellipsis", lambda x: x[None, ..., 0], ((2, 3, 4),)),
        Case("repeated-ints", lambda x: x[np.array([0, 0, 2, 0])], ((3, 2),)),
        Case("int-list-2d", lambda x: x[np.array([[1, 1], [0, 2]])], ((3,),)),
        Case("mask", lambda x: x[_mask_2x3()], ((2, 3),)),
        Case("mask-axis", lambda x: x[:, np.array([True, False, True, True])], ((2, 4),)),
        Case(
            "adjacent-arrays",
            lambda x: x[:, np.array([0, 2, 0]), np.array([1, 1, 0])],
            ((2, 3, 2),),
        ),
        Case(
            "separated-arrays",
            lambda x: x[np.array([1, 0, 1]), :, np.array([2, 2, 0])],
            ((2, 4, 3),),
        ),
        Case("int-and-array", lambda x: x[1, :, np.array([0, 0])], ((2, 3, 2),)),
    ],
    "scatter_add": [
        Case("repeated", lambda g: ops.scatter_add(g, np.array([0, 2, 0, 0]), (3,)), ((4,),)),
        Case("slice", lambda g: ops.scatter_add(g, (slice(1, 3),), (4, 2)), ((2, 2),)),
        Case("mask", lambda g: ops.scatter_add(g, _mask_2x3(), (2, 3)), ((4,),)),
        Case(
            "separated",
            lambda g: ops.scatter_add(
                g, (np.array([1, 1]), slice(None), np.array([0, 0])), (2, 3, 2)
            ),
            ((2, 3),),
        ),
    ],
    "matmul": [
        Case("vec-vec", lambda a, b: a @ b, ((3,), (3,))),
        Case("vec-mat", lambda a, b: a @ b, ((3,), (3, 4))),
        Case("mat-vec", lambda a, b: a @ b, ((2, 3), (3,))),
        Case("mat-mat", lambda a, b: dd.matmul(a, b), ((2, 3), (3, 4))),
        Case("batched", lambda a, b: a @ b, ((4, 2, 3), (4, 3, 2))),
        Case("broadcast", lambda a, b: a @ b, ((2, 1, 2, 3), (3, 3, 2))),
        Case("vec-batched", lambda a, b: a @ b, ((3,), (2, 3, 2))),
        Case("batched-vec", lambda a, b: a @ b, ((2, 2, 3), (3,))),
    ],
    "sum": [
        Case("all", lambda x: dd.sum(x), ((2, 3),)),
        Case("axis", lambda x: dd.sum(x, axis=1), ((2, 3, 2),)),
        Case("axes-keepdims", lambda x: dd.sum(x, axis=(0, 2), keepdims=True), ((2, 3, 2),)),
        Case("scalar", lambda x: dd.sum(x), ((),)),
    ],
    "mean": [
        Case("all", lambda x: dd.mean(x), ((2, 3),)),
        Case("axis-keepdims", lambda x: x.mean(axis=-1, keepdims=True), ((2, 3),)),
        Case("axes", lambda x: dd.mean(x, axis=(0, 1)), ((2, 3, 2),)),
    ],
    "prod": [
        Case("all", lambda x: dd.prod(x), ((2, 3),), uniform(0.5, 1.5)),
        Case("axis", lambda x: dd.prod(x, axis=0), ((3, 2),)),
        Case("zeros", lambda x: dd.prod(x, axis=-1), ((3, 4),), with_zeros),
        Case(
            "zeros-axes", lambda x: dd.prod(x, axis=(0, 2), keepdims=True), ((2, 2, 3),), with_zeros
        ),
        Case("zeros-length-1-axis", lambda x: dd.prod(x, axis=1), ((3, 1, 2),), with_zeros),
    ],
    "max": [
        Case("all", lambda x: dd.max(x), ((2, 3),)),
        Case("axis", lambda x: dd.max(x, axis=0), ((3, 4),)),
        Case("keepdims", lambda x: x.max(axis=(0, 2), keepdims=True), ((2, 3, 2),)),
    ],
    "min": [
        Case("all", lambda x: dd.min(x), ((4,),)),
        Case("axis", lambda x: dd.min(x, axis=-1), ((2, 3),)),
        Case("keepdims", lambda x: x.min(axis=1, keepdims=True), ((3, 3),)),
    ],
    "logsumexp": [
        Case("all", lambda x: dd.logsumexp(x), ((2, 3),)),
        Case("axis", lambda x: dd.logsumexp(x, axis=-1), ((3, 4),)),
        Case("keepdims", lambda x: dd.logsumexp(x, axis=0, keepdims=True), ((3, 2),)),
        Case("large", lambda x: dd.logsumexp(x + 500.0, axis=1), ((2, 3),)),
    ],
}

# Public functions built from registry ops (not registry entries), checked the same way.
COMPOSITES: dict[str, list[Case]] = {
    "dot": [
        Case("vec-vec", lambda a, b: dd.dot(a, b), ((3,), (3,))),
        Case("scalar", lambda a, b: dd.dot(a, b), ((), (2, 3))),
        Case("nd", lambda a, b: dd.dot(a, b), ((2, 3), (2, 3, 2))),
    ],
    "softmax": [Case("rows", lambda x: dd.softmax(x), ((2, 3),))],
    "log_softmax": [Case("axis0", lambda x: dd.log_softmax(x, axis=0), ((3, 2),))],
    "moveaxis": [Case("0-to-last", lambda x: dd.moveaxis(x, 0, -1), ((2, 3, 4),))],
    "swapaxes": [Case("0-2", lambda x: dd.swapaxes(x, 0, 2), ((2, 3, 4),))],
    "clip-none": [
        Case("upper-only", lambda x: dd.clip(x, None, 0.5), ((2, 3),)),
        Case("lower-only", lambda x: x.clip(-0.5), ((2, 3),)),
    ],
}
