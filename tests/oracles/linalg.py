"""Oracles of np.linalg: solves, inverses, determinants and the factorizations (checked by
central differences, the dot-product identity and second order), on well-conditioned
inputs drawn for each: matrices with singular values in [1, 2], symmetric positive-definite
matrices with well-separated eigenvalues, diagonally dominant triangles. Factors that are
unique only up to sign (eigenvectors, singular vectors) are compared with a fixed sign."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import dualdiff as dd

from .domains import Case

L = dd.linalg

# --- domains ---------------------------------------------------------------------------------


def _stack(shape: tuple[int, ...], one: Any) -> np.ndarray:
    out = np.empty(shape)
    for index in np.ndindex(shape[:-2]):
        out[index] = one(*shape[-2:])
    return out


def conditioned(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Matrices with distinct singular values spread over [1, 2]; vectors in [-2, 2]."""
    if len(shape) < 2:
        return np.asarray(rng.uniform(-2, 2, shape))

    def one(m: int, n: int) -> np.ndarray:
        k = min(m, n)
        u = np.linalg.qr(rng.standard_normal((m, k)))[0]
        v = np.linalg.qr(rng.standard_normal((n, k)))[0]
        s = 1 + (np.arange(k) + rng.uniform(0.2, 0.8, k)) / k
        return (u * s) @ v.T

    return _stack(shape, one)


def spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Symmetric positive-definite matrices, eigenvalues in [1, 3] at least 0.4 / n apart."""

    def one(n: int, _: int) -> np.ndarray:
        q = np.linalg.qr(rng.standard_normal((n, n)))[0]
        w = 1 + 2 * (np.arange(n) + rng.uniform(0.2, 0.8, n)) / n
        return (q * w) @ q.T

    return _stack(shape, one)


def dominant(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square matrices with a diagonal of 2 to 3 over entries in [-1, 1] (each triangle is
    well conditioned); other shapes in [-2, 2]."""
    x = np.asarray(rng.uniform(-1 if len(shape) >= 2 else -2, 2, shape))
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        x = x + 2 * np.eye(shape[-1])
    return x


# --- fixing the sign of a factor ---------------------------------------------------------


def _signs(u: Any) -> Any:
    """The sign of each column's first entry (a constant)."""
    return dd.sign(u[..., :1, :])


def eigenvectors(a: Any, uplo: str = "L") -> Any:
    v = L.eigh(a, UPLO=uplo).eigenvectors
    return v * _signs(v)


def svd_factor(part: str, **kw: Any) -> Any:
    def fn(a: Any) -> Any:
        u, s, vh = L.svd(a, full_matrices=False, **kw)
        signs = _signs(u)
        return {"U": u * signs, "S": s, "Vh": vh * L.matrix_transpose(signs)}[part]

    return fn


STRUCTURAL: dict[str, list[Case]] = {
    "solve": [
        Case("vector", lambda a, b: L.solve(a, b), ((3, 3), (3,)), conditioned),
        Case("matrix", lambda a, b: L.solve(a, b), ((3, 3), (3, 2)), conditioned),
        Case("batched", lambda a, b: L.solve(a, b), ((2, 3, 3), (2, 3, 2)), conditioned),
        Case("batched-a", lambda a, b: L.solve(a, b), ((2, 2, 2), (2, 1)), conditioned),
        Case("batched-b", lambda a, b: L.solve(a, b), ((2, 2), (3, 2, 2)), conditioned),
        Case(
            "batched-a-vector-b", lambda a, b: np.linalg.solve(a, b), ((2, 3, 3), (3,)), conditioned
        ),
    ],
    "solve_triangular": [
        Case(
            "lower", lambda a, b: L.solve_triangular(a, b, lower=True), ((3, 3), (3, 2)), dominant
        ),
        Case("upper-vector", lambda a, b: L.solve_triangular(a, b), ((3, 3), (3,)), dominant),
        Case(
            "lower-transposed",
            lambda a, b: L.solve_triangular(a, b, trans="T", lower=True),
            ((3, 3), (3, 2)),
            dominant,
        ),
        Case(
            "unit-diagonal",
            lambda a, b: L.solve_triangular(a, b, trans=1, unit_diagonal=True),
            ((3, 3), (3,)),
            dominant,
        ),
        Case(
            "batched",
            lambda a, b: L.solve_triangular(a, b, lower=True),
            ((2, 3, 3), (3, 2)),
            dominant,
        ),
        Case(
            "batched-b",
            lambda a, b: L.solve_triangular(a, b, trans=2),
            ((2, 2), (2, 2, 1)),
            dominant,
        ),
    ],
    "inv": [
        Case("matrix", lambda a: L.inv(a), ((3, 3),), conditioned),
        Case("batched", lambda a: np.linalg.inv(a), ((2, 2, 2),), conditioned),
    ],
    "pinv": [
        Case("tall", lambda a: L.pinv(a), ((4, 3),), conditioned),
        Case("wide", lambda a: np.linalg.pinv(a), ((2, 3),), conditioned),
        Case("batched", lambda a: L.pinv(a, rtol=None), ((2, 3, 2),), conditioned),
        Case("hermitian", lambda a: L.pinv(a, hermitian=True), ((3, 3),), spd),
    ],
    "det": [
        Case("matrix", lambda a: L.det(a), ((3, 3),), conditioned),
        Case("batched", lambda a: np.linalg.det(a), ((2, 2, 2),), conditioned),
    ],
    "slogdet": [
        Case("matrix", lambda a: L.slogdet(a).logabsdet, ((3, 3),), conditioned),
        Case("batched", lambda a: np.linalg.slogdet(a)[1], ((2, 3, 3),), conditioned),
    ],
    "cholesky": [
        Case("lower", lambda a: L.cholesky(a), ((3, 3),), spd),
        Case("upper", lambda a: np.linalg.cholesky(a, upper=True), ((3, 3),), spd),
        Case("batched", lambda a: L.cholesky(a), ((2, 3, 3),), spd),
        Case("2x2", lambda a: L.cholesky(a), ((2, 2),), spd),
    ],
    "qr": [
        Case("tall-Q", lambda a: L.qr(a).Q, ((4, 3),), conditioned),
        Case("tall-R", lambda a: L.qr(a)[1], ((4, 3),), conditioned),
        Case("square-Q", lambda a: np.linalg.qr(a).Q, ((3, 3),), conditioned),
        Case("wide-R", lambda a: L.qr(a, mode="r"), ((2, 3),), conditioned),
        Case("wide-Q", lambda a: L.qr(a).Q, ((2, 3),), conditioned),
        Case("batched-R", lambda a: L.qr(a).R, ((2, 3, 2),), conditioned),
    ],
    "eigh": [
        Case("values", lambda a: L.eigh(a).eigenvalues, ((3, 3),), spd),
        Case("vectors", eigenvectors, ((3, 3),), spd),
        Case("vectors-2x2", eigenvectors, ((2, 2),), spd),
        Case("upper", lambda a: eigenvectors(a, "U"), ((3, 3),), spd),
        Case("batched", eigenvectors, ((2, 3, 3),), spd),
        Case("both", lambda a: L.eigh(a)[0] + eigenvectors(a)[..., 0, :], ((3, 3),), spd),
    ],
    "eigvalsh": [
        Case("lower", lambda a: L.eigvalsh(a), ((3, 3),), spd),
        Case("upper", lambda a: np.linalg.eigvalsh(a, "U"), ((2, 2),), spd),
        Case("batched", lambda a: L.eigvalsh(a), ((2, 3, 3),), spd),
    ],
    "svd": [
        Case("tall-U", svd_factor("U"), ((4, 3),), conditioned),
        Case("tall-S", svd_factor("S"), ((4, 3),), conditioned),
        Case("tall-Vh", svd_factor("Vh"), ((4, 3),), conditioned),
        Case("wide-U", svd_factor("U"), ((2, 3),), conditioned),
        Case("wide-Vh", svd_factor("Vh"), ((2, 3),), conditioned),
        Case("square-U", svd_factor("U"), ((2, 2),), conditioned),
        Case("batched-Vh", svd_factor("Vh"), ((2, 3, 2),), conditioned),
        Case("hermitian-U", svd_factor("U", hermitian=True), ((3, 3),), spd),
    ],
    "svdvals": [
        Case("tall", lambda a: L.svdvals(a), ((4, 3),), conditioned),
        Case("wide", lambda a: np.linalg.svd(a, compute_uv=False), ((2, 3),), conditioned),
        Case("batched", lambda a: np.linalg.svdvals(a), ((2, 2, 3),), conditioned),
        Case("hermitian", lambda a: L.svdvals(a, hermitian=True), ((3, 3),), spd),
    ],
}


def _norm(ord: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return lambda x: L.norm(x, ord, axis, keepdims)


COMPOSITES: dict[str, list[Case]] = {
    "linalg.norm-vector": [
        Case("2-all-axes", _norm(None), ((2, 3),)),
        Case("1", _norm(1), ((4,),)),
        Case("inf", _norm(math.inf), ((4,),)),
        Case("-inf", _norm(-math.inf, 0, True), ((4, 2),)),
        Case("3", _norm(3, -1), ((2, 3),)),
        Case("0.5", _norm(0.5), ((4,),)),
        Case("-1.5", lambda x: np.linalg.norm(x, -1.5, axis=1), ((2, 3),)),
    ],
    "linalg.norm-matrix": [
        Case("fro", _norm("fro"), ((3, 2),)),
        Case("nuc", _norm("nuc", (0, 2), True), ((3, 2, 2),), conditioned),
        Case("2", lambda x: np.linalg.norm(x, 2), ((3, 3),), conditioned),
        Case("-2", _norm(-2, (-1, -2)), ((2, 3, 2),), conditioned),
        Case("1", _norm(1), ((3, 2),)),
        Case("-1", _norm(-1, (1, 0)), ((3, 2),)),
        Case("inf", _norm(math.inf, (0, 1), True), ((3, 2),)),
        Case("-inf", _norm(-math.inf, (2, 0)), ((3, 2, 2),)),
    ],
    "linalg.vector_norm": [
        Case("all", lambda x: L.vector_norm(x, ord=3, keepdims=True), ((2, 3),)),
        Case("axes", lambda x: np.linalg.vector_norm(x, axis=(0, 2), ord=1), ((2, 2, 2),)),
    ],
    "linalg.matrix_norm": [
        Case("nuc", lambda x: np.linalg.matrix_norm(x, ord="nuc"), ((2, 3, 2),), conditioned)
    ],
    "linalg.cond": [
        Case("2", lambda a: L.cond(a), ((3, 3),), conditioned),
        Case("-2-batched", lambda a: np.linalg.cond(a, -2), ((2, 3, 2),), conditioned),
        Case("fro", lambda a: L.cond(a, "fro"), ((3, 3),), conditioned),
    ],
    "linalg.lstsq": [
        Case("solution", lambda a, b: L.lstsq(a, b)[0], ((4, 2), (4,)), conditioned),
        Case("residuals", lambda a, b: np.linalg.lstsq(a, b)[1], ((4, 2), (4, 2)), conditioned),
        Case("underdetermined", lambda a, b: L.lstsq(a, b)[0], ((2, 3), (2,)), conditioned),
    ],
    "linalg.diagonal-trace": [
        Case("diagonal", lambda x: np.linalg.diagonal(x, offset=1), ((2, 3, 4),)),
        Case("trace", lambda x: L.trace(x, offset=-1), ((2, 3, 3),)),
        Case("matrix_transpose", lambda x: np.linalg.matrix_transpose(x), ((2, 3, 2),)),
    ],
}
