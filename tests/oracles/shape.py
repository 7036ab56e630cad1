"""Oracles of NumPy's array-manipulation ops: padding, flips and rolls, triangles and
diagonals (registry ops), and the joining, splitting, tiling and range functions built
from registry ops (composites). Functions that return several arrays (split, meshgrid)
are joined back into one, each piece scaled differently so that a mixed-up piece shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import dualdiff as dd

from .domains import Case

_CONST = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4)  # float32 keeps float32


def _joined(pieces: Sequence[Any], axis: int = 0) -> Any:
    """The pieces back in one array, piece i scaled by i + 1."""
    return dd.concatenate([p * (i + 1.0) for i, p in enumerate(pieces)], axis=axis)


def _stacked(pieces: Sequence[Any]) -> Any:
    return dd.stack([p * (i + 1.0) for i, p in enumerate(pieces)])


def _pieces(split: Callable[[Any], list[Any]], axis: int = 0) -> Callable[[Any], Any]:
    """A splitting function's pieces joined back along ``axis``."""
    return lambda x: _joined(split(x), axis)


STRUCTURAL: dict[str, list[Case]] = {
    "pad": [
        Case("constant-int", lambda x: dd.pad(x, 1), ((2, 3),)),
        Case(
            "constant-values",
            lambda x: dd.pad(x, ((1, 0), (2, 3)), constant_values=((1.5, -2.0), (0.5, 3.0))),
            ((3, 2),),
        ),
        Case("edge-pair", lambda x: dd.pad(x, (2, 1), mode="edge"), ((3, 4),)),
        Case("reflect-odd-widths", lambda x: dd.pad(x, ((3, 1),), mode="reflect"), ((4,),)),
        Case("reflect-wider-than-axis", lambda x: dd.pad(x, 5, mode="reflect"), ((3, 2),)),
        Case("symmetric", lambda x: dd.pad(x, ((1, 2), (0, 0), (2, 1)), "symmetric"), ((2, 3, 2),)),
        Case("wrap-repeated", lambda x: dd.pad(x, ((0, 0), (7, 4)), mode="wrap"), ((2, 3),)),
        Case("dict-width", lambda x: np.pad(x, {-1: (1, 2)}, mode="edge"), ((2, 3),)),
    ],
    "flip": [
        Case("all", lambda x: dd.flip(x), ((2, 3, 4),)),
        Case("negative-axis", lambda x: dd.flip(x, -1), ((3, 4),)),
        Case("axes", lambda x: np.flip(x, (0, 2)), ((2, 3, 2),)),
        Case("vector", lambda x: dd.flip(x), ((5,),)),
    ],
    "roll": [
        Case("flat", lambda x: dd.roll(x, 4), ((2, 3),)),
        Case("axis", lambda x: dd.roll(x, -1, axis=1), ((2, 3, 2),)),
        Case("tuples", lambda x: dd.roll(x, (1, 5), axis=(0, -1)), ((3, 4),)),
        Case("repeated-axis", lambda x: np.roll(x, (1, 1), axis=(0, 0)), ((5, 2),)),
        Case("longer-than-axis", lambda x: dd.roll(x, 7, axis=0), ((3,),)),
    ],
    "tril": [
        Case("square", lambda x: dd.tril(x), ((3, 3),)),
        Case("k-below", lambda x: dd.tril(x, -1), ((4, 3),)),
        Case("k-above-stack", lambda x: np.tril(x, 2), ((2, 3, 5),)),
        Case("vector-rows", lambda x: dd.tril(x, 1), ((3,),)),
    ],
    "triu": [
        Case("square", lambda x: dd.triu(x), ((3, 3),)),
        Case("k-above", lambda x: dd.triu(x, 1), ((3, 4),)),
        Case("k-below-stack", lambda x: np.triu(x, -2), ((2, 4, 3),)),
    ],
    "diagonal": [
        Case("main", lambda x: dd.diagonal(x), ((3, 3),)),
        Case("offset-wide", lambda x: dd.diagonal(x, 2), ((3, 5),)),
        Case("offset-below", lambda x: dd.diagonal(x, -1), ((4, 3),)),
        Case("axes-3d", lambda x: dd.diagonal(x, 1, axis1=2, axis2=0), ((3, 2, 4),)),
        Case("negative-axes", lambda x: np.diagonal(x, 0, -1, -2), ((2, 3, 3),)),
        Case("empty", lambda x: dd.diagonal(x, 4), ((2, 3),)),
        Case("method-T", lambda x: dd.diagonal(x.T), ((2, 4),)),
    ],
    "trace": [
        Case("square", lambda x: dd.ops.trace(x), ((3, 3),)),
        Case("offset", lambda x: dd.ops.trace(x, 1), ((3, 4),)),
        Case("offset-below", lambda x: np.trace(x, -2), ((4, 3),)),
        Case("axes-3d", lambda x: dd.ops.trace(x, 0, 1, -1), ((2, 3, 3),)),
        Case("empty", lambda x: dd.ops.trace(x, -5), ((3, 2),)),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "ravel": [
        Case("C", lambda x: dd.ravel(x), ((2, 3, 2),)),
        Case("F", lambda x: np.ravel(x, order="F"), ((3, 2),)),
    ],
    "moveaxis-sequences": [
        Case("two", lambda x: dd.moveaxis(x, [0, 1], [-1, 0]), ((2, 3, 4),)),
        Case("np", lambda x: np.moveaxis(x, (2, 0), (0, 1)), ((2, 3, 4),)),
    ],
    "swapaxes-negative": [Case("np", lambda x: np.swapaxes(x, -1, 0), ((2, 3, 4),))],
    "rollaxis": [
        Case("back", lambda x: dd.rollaxis(x, 2), ((2, 3, 4),)),
        Case("start", lambda x: np.rollaxis(x, 0, 3), ((2, 3, 4),)),
    ],
    "atleast_nd": [
        Case("1d", lambda x: dd.atleast_1d(x), ((),)),
        Case("2d", lambda x: dd.atleast_2d(x) * 2.0, ((3,),)),
        Case("3d", lambda x: np.atleast_3d(x), ((2, 3),)),
        Case("many", lambda x, y: _joined(dd.atleast_2d(x, y)), ((), (1, 1))),
    ],
    "hstack": [
        Case("vectors", lambda a, b: dd.hstack([a, b]), ((2,), (3,))),
        Case("matrices", lambda a, b: np.hstack([a, b]), ((2, 1), (2, 3))),
    ],
    "vstack": [
        Case("vectors", lambda a, b: dd.vstack([a, b]), ((3,), (3,))),
        Case("constant", lambda a: np.vstack([a, _CONST]), ((2, 4),)),
    ],
    "dstack": [Case("matrices", lambda a, b: dd.dstack([a, b]), ((2, 3), (2, 3)))],
    "column_stack": [
        Case("vectors", lambda a, b: dd.column_stack([a, b]), ((3,), (3,))),
        Case("mixed", lambda a, b: np.column_stack([a, b]), ((3,), (3, 2))),
    ],
    "append": [
        Case("flat", lambda a, b: dd.append(a, b), ((2, 2), (3,))),
        Case("axis", lambda a, b: np.append(a, b, axis=-1), ((2, 3), (2, 1))),
    ],
    "split": [
        Case("sections", _pieces(lambda x: dd.split(x, 3)), ((6, 2),)),
        Case(
            "indices-negative-axis",
            _pieces(lambda x: dd.split(x, [1, 3], axis=-1), axis=-1),
            ((2, 5),),
        ),
        Case("empty-pieces", _pieces(lambda x: dd.split(x, [0, 2, 2, 9])), ((4,),)),
        Case("np", _pieces(lambda x: np.split(x, 2, axis=1), axis=1), ((2, 4, 2),)),
    ],
    "array_split": [
        Case("uneven", _pieces(lambda x: dd.array_split(x, 3)), ((7,),)),
        Case(
            "more-than-length", _pieces(lambda x: dd.array_split(x, 4, axis=1), axis=1), ((2, 3),)
        ),
    ],
    "hsplit": [
        Case("matrix", _pieces(lambda x: dd.hsplit(x, 2), axis=1), ((3, 4),)),
        Case("vector", _pieces(lambda x: np.hsplit(x, [1])), ((3,),)),
    ],
    "vsplit": [Case("matrix", _pieces(lambda x: dd.vsplit(x, [1])), ((3, 2),))],
    "dsplit": [Case("cube", _pieces(lambda x: np.dsplit(x, 2), axis=2), ((2, 1, 4),))],
    "tile": [
        Case("int", lambda x: dd.tile(x, 3), ((2,),)),
        Case("more-reps", lambda x: dd.tile(x, (2, 1, 2)), ((2, 3),)),
        Case("fewer-reps", lambda x: np.tile(x, 2), ((2, 1, 3),)),
        Case("zero", lambda x: dd.tile(x, (0, 2)), ((2, 3),)),
    ],
    "repeat": [
        Case("flat", lambda x: dd.repeat(x, 2), ((2, 3),)),
        Case("axis", lambda x: dd.repeat(x, 3, axis=-1), ((2, 2),)),
        Case("counts", lambda x: np.repeat(x, [2, 0, 1], axis=0), ((3, 2),)),
    ],
    "fliplr-flipud": [
        Case("lr", lambda x: dd.fliplr(x), ((2, 3),)),
        Case("ud", lambda x: np.flipud(x), ((3, 2),)),
    ],
    "rot90": [
        Case("once", lambda x: dd.rot90(x), ((2, 3),)),
        Case("twice", lambda x: dd.rot90(x, 2), ((2, 3),)),
        Case("negative-axes", lambda x: np.rot90(x, -1, axes=(2, 0)), ((2, 3, 2),)),
    ],
    "diag": [
        Case("vector", lambda v: dd.diag(v), ((3,),)),
        Case("vector-k", lambda v: np.diag(v, -2), ((2,),)),
        Case("matrix-k", lambda x: dd.diag(x, 1), ((3, 4),)),
    ],
    "diagflat": [Case("matrix", lambda x: dd.diagflat(x, 1), ((2, 2),))],
    "meshgrid": [
        Case("xy", lambda a, b: _stacked(dd.meshgrid(a, b)), ((3,), (2,))),
        Case(
            "ij-three",
            lambda a, b, c: _stacked(np.meshgrid(a, b, c, indexing="ij")),
            ((2,), (3,), (2,)),
        ),
        Case(
            "sparse",
            lambda a, b: dd.stack([dd.sum(g) for g in dd.meshgrid(a, b, sparse=True)]),
            ((3,), (4,)),
        ),
    ],
    "linspace": [
        Case("scalars", lambda a, b: dd.linspace(a, b, 5), ((), ())),
        Case("no-endpoint", lambda a, b: np.linspace(a, b, 4, endpoint=False), ((), ())),
        Case("arrays-axis", lambda a, b: dd.linspace(a, b, 3, axis=-1), ((2,), (2,))),
        Case("traced-start", lambda a: dd.linspace(a, 2.0, 6), ((3,),)),
        Case("retstep", lambda a, b: dd.linspace(a, b, 7, retstep=True)[1], ((), ())),
        Case("one-sample", lambda a, b: dd.linspace(a, b, 1), ((), ())),
    ],
}
