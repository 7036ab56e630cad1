"""Oracles of the products: einsum (cases over its subscript forms), and the products
built on einsum, matmul and multiply (tensordot, outer, inner, vdot, vecdot, matvec,
vecmat, kron, cross, matrix_power, multi_dot), checked the same way as composites."""

from __future__ import annotations

import numpy as np

import dualdiff as dd

from .domains import Case

# the domain's 2 x 2 matrices plus 3 I are far from singular (float32 keeps float32)
_SHIFT = 3 * np.eye(2, dtype=np.float32)

STRUCTURAL: dict[str, list[Case]] = {
    "einsum": [
        Case("matmul", lambda a, b: dd.einsum("ij,jk->ik", a, b), ((2, 3), (3, 4))),
        Case("implicit-transpose", lambda a: dd.einsum("ba", a), ((2, 3),)),
        Case("trace", lambda a: dd.einsum("ii", a), ((3, 3),)),
        Case("diagonal", lambda a: dd.einsum("ii->i", a), ((3, 3),)),
        Case("repeated-thrice", lambda a, b: dd.einsum("iij,ij->i", a, b), ((2, 2, 3), (2, 3))),
        Case("sum-away", lambda a: dd.einsum("ij->i", a), ((2, 3),)),
        Case("outer", lambda a, b: dd.einsum("i,j", a, b), ((2,), (3,))),
        Case("ellipsis", lambda a, b: dd.einsum("...ij,...jk->...ik", a, b), ((2, 2, 3), (3, 2))),
        Case("broadcast-length-1", lambda a, b: dd.einsum("ij,ij->ij", a, b), ((1, 3), (2, 3))),
        Case("broadcast-summed", lambda a, b: dd.einsum("ij,jk->ik", a, b), ((2, 1), (3, 2))),
        Case(
            "three-optimized",
            lambda a, b, c: dd.einsum("ij,jk,kl->il", a, b, c, optimize=True),
            ((2, 3), (3, 2), (2, 2)),
        ),
        Case("scalar", lambda s, a: dd.einsum(",i->i", s, a), ((), (3,))),
        Case("interleaved", lambda a, b: dd.einsum(a, [0, 1], b, [1], [0]), ((2, 3), (3,))),
        Case("same-operand-twice", lambda a: dd.einsum("ij,ij->", a, a), ((2, 3),)),
    ],
}

COMPOSITES: dict[str, list[Case]] = {
    "tensordot": [
        Case("axes-2", lambda a, b: dd.tensordot(a, b), ((2, 3, 2), (3, 2, 2))),
        Case("axes-pairs", lambda a, b: dd.tensordot(a, b, ([1, 0], [0, 2])), ((2, 3), (3, 2, 2))),
        Case("axes-0", lambda a, b: dd.tensordot(a, b, 0), ((2,), (3,))),
    ],
    "outer": [
        Case("vectors", lambda a, b: dd.outer(a, b), ((2,), (3,))),
        Case("flattens", lambda a, b: dd.outer(a, b), ((2, 2), (3,))),
    ],
    "inner": [
        Case("vectors", lambda a, b: dd.inner(a, b), ((3,), (3,))),
        Case("nd", lambda a, b: dd.inner(a, b), ((2, 3), (2, 2, 3))),
        Case("scalar", lambda a, b: dd.inner(a, b), ((), (2, 3))),
    ],
    "vdot": [Case("flattens", lambda a, b: dd.vdot(a, b), ((2, 3), (3, 2)))],
    "vecdot": [Case("axis-0", lambda a, b: dd.vecdot(a, b, axis=0), ((3, 2), (3, 1)))],
    "matvec": [Case("stack", lambda a, b: dd.matvec(a, b), ((2, 2, 3), (3,)))],
    "vecmat": [Case("stack", lambda a, b: dd.vecmat(a, b), ((2, 3), (3, 2)))],
    "kron": [
        Case("matrices", lambda a, b: dd.kron(a, b), ((2, 2), (2, 3))),
        Case("mixed-ndim", lambda a, b: dd.kron(a, b), ((3,), (2, 2))),
    ],
    "cross": [
        Case("3-vectors", lambda a, b: dd.cross(a, b), ((3,), (3,))),
        Case("broadcast", lambda a, b: dd.cross(a, b), ((4, 3), (3,))),
        Case("axes", lambda a, b: dd.cross(a, b, axisa=0, axisb=1, axisc=0), ((3, 2), (2, 3))),
        Case("2-vectors", lambda a, b: dd.cross(a, b), ((2, 2), (2,))),
        Case("2-and-3", lambda a, b: dd.cross(a, b), ((2,), (2, 3))),
    ],
    "matrix_power": [
        Case("cube", lambda a: dd.matrix_power(a, 3), ((3, 3),)),
        Case("stack", lambda a: dd.matrix_power(a, 2), ((2, 3, 3),)),
        Case("fifth", lambda a: dd.matrix_power(a, 5), ((2, 2),)),
        Case("inverse-squared", lambda a: dd.matrix_power(a + _SHIFT, -2), ((2, 2),)),
    ],
    "multi_dot": [
        Case("three", lambda a, b, c: dd.multi_dot([a, b, c]), ((2, 4), (4, 3), (3, 2))),
        Case(
            "vector-ends",
            lambda a, b, c, d: dd.multi_dot([a, b, c, d]),
            ((3,), (3, 4), (4, 2), (2,)),
        ),
    ],
}
