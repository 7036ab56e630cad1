"""Every op of the registry against an independent oracle, to first and second order.

Two tables mirror ``dd.REGISTRY``:

* ``ELEMENTWISE`` gives each elementwise op a SymPy twin and a domain where the
  twin is smooth. The JVP (``dd.Dual``) and the VJP (``dd.Tape``) must equal
  ``sympy.diff`` of the twin, over shapes with broadcasting, in float64 and in
  float32 (which must stay float32).
* ``STRUCTURAL`` gives every other op a list of cases: a function that uses the
  op, its input shapes and a domain. The JVP must match central differences,
  the VJP the dot-product identity <vjp(u), v> = <u, jvp(v)>.

Second order proves that the rules differentiate again: forward over reverse
(``dd.jvp`` of the pullback) and reverse over forward (``dd.grad`` of a
directional derivative) against SymPy's second derivatives or against central
differences of the first-order maps. Batched tangents (several directions in
one pass) must equal the directions taken one at a time.

``test_rule`` is the single parametrized check over ops x shapes x checks;
the completeness tests keep the tables and the registry in step.
"""

from __future__ import annotations

import functools
import importlib.util
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import sympy as sp
from oracles import COMPOSITES, ELEMENTWISE, STRUCTURAL
from oracles.domains import Case, as_input

import dualdiff as dd

ELEMENTWISE_SHAPES: dict[int, list[tuple[tuple[int, ...], ...]]] = {
    1: [((),), ((3,),), ((2, 3),)],
    2: [
        ((), ()),
        ((3,), (3,)),
        ((2, 3), (2, 3)),
        ((2, 3), (1, 3)),
        ((3,), ()),
        ((), (2, 3)),
        ((2, 1), (1, 3)),
    ],
    3: [((), (), ()), ((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((), (2, 1), (1, 3))],
}


# SciPy evaluates the twins of special functions (erf, gamma, besseli ...) where NumPy has none
LAMBDIFY_MODULES = ["scipy", "numpy"] if importlib.util.find_spec("scipy") else ["numpy"]


def _numeric(syms: Sequence[sp.Symbol], expr: sp.Expr) -> Callable[..., np.ndarray]:
    """``expr`` as a NumPy function of float64 arrays already broadcast together.

    Dirac deltas (derivatives of kinks) are dropped: the domains avoid kinks.
    """
    expr = expr.replace(sp.DiracDelta, lambda *a: sp.S.Zero)
    fn = sp.lambdify(syms, expr, LAMBDIFY_MODULES)
    return lambda *xs: np.broadcast_to(np.asarray(fn(*xs), dtype=np.float64), np.shape(xs[0]))


@dataclass(frozen=True)
class Calculus:
    """A twin's value, gradient and Hessian as NumPy functions (``None``: identically 0)."""

    value: Callable[..., np.ndarray]
    first: tuple[Callable[..., np.ndarray] | None, ...]
    second: tuple[tuple[Callable[..., np.ndarray] | None, ...], ...]


@functools.cache
def calculus(name: str) -> Calculus:
    spec = ELEMENTWISE[name]
    syms = sp.symbols(f"a0:{len(spec.domain)}", real=True)
    expr = spec.twin(*syms)
    live = [i for i in range(len(syms)) if i not in spec.frozen]

    def d(*idx: int) -> Callable[..., np.ndarray] | None:
        if any(i not in live for i in idx):
            return None
        return _numeric(syms, sp.diff(expr, *(syms[i] for i in idx)))

    n = len(syms)
    return Calculus(
        _numeric(syms, expr),
        tuple(d(i) for i in range(n)),
        tuple(tuple(d(i, j) for j in range(n)) for i in range(n)),
    )


def unbroadcast(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``a`` down to ``shape`` (what reverse mode owes a broadcast input)."""
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1
    )
    return np.sum(a, axis=axes, keepdims=True).reshape(shape)


# --- drawing a problem ------------------------------------------------------------------


def rng_for(*key: object) -> np.random.Generator:
    """A generator seeded by the test's identity, so each case is reproducible."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def randn(rng: np.random.Generator, shape: tuple[int, ...], dtype: type = np.float64) -> Any:
    return as_input(np.asarray(rng.standard_normal(shape)), dtype)


def split_inputs(raw: list[Any]) -> tuple[list[int], list[Any]]:
    """Positions and values of the differentiable (floating) inputs."""
    pos = [i for i, a in enumerate(raw) if np.asarray(a).dtype.kind == "f"]
    return pos, [raw[i] for i in pos]


def of_traced(op: Callable[..., Any], raw: list[Any], pos: list[int]) -> Callable[..., Any]:
    """``op`` as a function of its differentiable inputs only (the others fixed)."""

    def fn(*traced: Any) -> Any:
        args = list(raw)
        for i, t in zip(pos, traced, strict=True):
            args[i] = t
        return op(*args)

    return fn


def tangent_of(y: Any, batch: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """A Dual's tangent as an array, or zeros for a value that did not depend on the input."""
    if isinstance(y, dd.Dual):
        return np.asarray(y.tangent)
    return np.zeros(batch + shape)


def vdot(a: Sequence[Any], b: Sequence[Any]) -> float:
    return float(
        sum(
            np.vdot(np.asarray(x, np.float64), np.asarray(y, np.float64))
            for x, y in zip(a, b, strict=True)
        )
    )


# --- tolerances ---------------------------------------------------------------------------
# float64 rules and SymPy's formulas agree to a few rounding errors of O(1) values.
F64 = {"rtol": 1e-10, "atol": 1e-12}
# float32 keeps ~7 digits; a rule is a handful of float32 operations, so a few ulps
# (eps = 1.2e-7) times derivatives of size up to ~40 in these domains.
F32 = {"rtol": 2e-4, "atol": 2e-5}
# Central differences: truncation h^2 |f'''| / 6 ~ 1e-12 and rounding eps |f| / h ~ 1e-10
# for |f| <= 30, so 1e-6 leaves a wide margin while still catching any wrong rule.
H = 1e-5
FD = {"rtol": 1e-6, "atol": 1e-7}


def close(actual: Any, expected: Any, tol: dict[str, float]) -> None:
    np.testing.assert_allclose(np.asarray(actual, np.float64), expected, **tol)


# --- elementwise checks -------------------------------------------------------------------


@dataclass
class ElemProblem:
    """Sampled inputs of an elementwise op and SymPy's derivatives there."""

    op: Callable[..., Any]
    fn: Callable[..., Any]
    xs: list[Any]
    pos: list[int]
    calc: Calculus
    points: list[np.ndarray]
    shape: tuple[int, ...]

    def in_shape(self, i: int) -> tuple[int, ...]:
        return np.shape(self.xs[i])

    def partial(self, i: int) -> np.ndarray:
        d = self.calc.first[self.pos[i]]
        return np.zeros(self.shape) if d is None else d(*self.points)

    def hess(self, i: int, j: int) -> np.ndarray:
        d = self.calc.second[self.pos[i]][self.pos[j]]
        return np.zeros(self.shape) if d is None else d(*self.points)

    def jvp(self, vs: Sequence[Any]) -> np.ndarray:
        return sum((self.partial(i) * v for i, v in enumerate(vs)), np.zeros(self.shape))

    def pulled(self, weights: np.ndarray, i: int) -> np.ndarray:
        """unbroadcast(weights * d out / d x_i): a VJP contribution for input i."""
        return unbroadcast(weights * self.partial(i), self.in_shape(i))

    def curved(self, weights: np.ndarray, i: int, vs: Sequence[Any]) -> np.ndarray:
        """unbroadcast(weights * sum_j H_ij v_j): the second-order term for input i."""
        hv = sum(self.hess(i, j) * v for j, v in enumerate(vs))
        return unbroadcast(weights * hv, self.in_shape(i))


def elem_problem(name: str, shapes: tuple[tuple[int, ...], ...], dtype: type) -> ElemProblem:
    spec = ELEMENTWISE[name]
    rng = rng_for(name, shapes, dtype)
    raw = [as_input(s(rng, shape), dtype) for s, shape in zip(spec.domain, shapes, strict=True)]
    op = getattr(dd, name)
    pos, xs = split_inputs(raw)
    points = np.broadcast_arrays(*(np.asarray(a, np.float64) for a in raw))
    return ElemProblem(
        op, of_traced(op, raw, pos), xs, pos, calculus(name), points, points[0].shape
    )


def assert_dtype(value: Any, dtype: type, scalar_float: bool) -> None:
    """float32 stays float32; a float64 scalar problem stays a Python float."""
    if scalar_float:
        assert type(value) is float, f"expected a Python float, got {type(value).__name__}"
    else:
        assert np.result_type(value) == dtype, (
            f"expected {np.dtype(dtype)}, got {np.result_type(value)}"
        )


def check_elem_jvp(p: ElemProblem, dtype: type, tol: dict[str, float]) -> None:
    rng = rng_for("jvp", p.shape)
    vs = [randn(rng, np.shape(x), dtype) for x in p.xs]
    out = p.fn(*(dd.Dual(x, v) for x, v in zip(p.xs, vs, strict=True)))
    scalar = dtype is np.float64 and p.shape == ()
    close(out.primal, p.calc.value(*p.points), tol)
    close(out.tangent, p.jvp(vs), tol)
    assert_dtype(out.primal, dtype, scalar)
    assert_dtype(out.tangent, dtype, scalar)


def check_elem_vjp(p: ElemProblem, dtype: type, tol: dict[str, float]) -> None:
    u = randn(rng_for("vjp", p.shape), p.shape, dtype)
    with dd.Tape() as tape:
        xs = [dd.Var(x) for x in p.xs]
        out = p.fn(*xs)
    grads = tape.gradient(out, xs, output_gradient=u)
    for i, (g, x) in enumerate(zip(grads, p.xs, strict=True)):
        close(g, p.pulled(np.asarray(u, np.float64), i), tol)
        assert_dtype(g, dtype, type(x) is float)


def check_elem_second(p: ElemProblem) -> None:
    """Forward over reverse and reverse over forward against SymPy's Hessian."""
    rng = rng_for("second", p.shape)
    n = len(p.xs)
    vs = [randn(rng, np.shape(x)) for x in p.xs]
    u, du, w = (randn(rng, p.shape) for _ in range(3))

    def pullback(*args: Any) -> Any:
        return dd.vjp(p.fn, *args[:n])[1](args[n])

    _, second = dd.jvp(pullback, (*p.xs, u), (*vs, du))
    for i in range(n):
        expected = p.curved(np.asarray(u), i, vs) + p.pulled(np.asarray(du), i)
        close(second[i], expected, F64)

    def directional(*args: Any) -> Any:
        return dd.sum(w * dd.jvp(p.fn, args[:n], args[n:])[1])

    grads = dd.grad(directional, argnums=tuple(range(2 * n)))(*p.xs, *vs)
    for i in range(n):
        close(grads[i], p.curved(np.asarray(w), i, vs), F64)
        close(grads[n + i], p.pulled(np.asarray(w), i), F64)


def check_batched(
    fn: Callable[..., Any], xs: list[Any], out_shape: tuple[int, ...], key: Any
) -> None:
    """k directions at once equal the k directions one at a time, to first and second order."""
    k = 3
    rng = rng_for("batched", key)
    vs = [np.asarray(rng.standard_normal((k, *np.shape(x)))) for x in xs]
    u = np.asarray(rng.standard_normal(out_shape))

    def pullback(*args: Any) -> Any:
        return dd.vjp(fn, *args)[1](u)

    for g in (fn, pullback):
        together = g(*(dd.Dual(x, v) for x, v in zip(xs, vs, strict=True)))
        singles = [g(*(dd.Dual(x, v[d]) for x, v in zip(xs, vs, strict=True))) for d in range(k)]
        outs = together if isinstance(together, tuple) else (together,)
        for j, y in enumerate(outs):
            shape = np.shape(y.primal if isinstance(y, dd.Dual) else y)
            one = [s[j] if isinstance(s, tuple) else s for s in singles]
            expected = np.stack([tangent_of(s, (), shape) for s in one])
            close(tangent_of(y, (k,), shape), expected, F64)


# --- structural checks (central differences) -----------------------------------------------


def central(fn: Callable[..., Any], xs: Sequence[Any], vs: Sequence[Any]) -> Any:
    """(f(x + h v) - f(x - h v)) / 2h, leaf by leaf for tuple outputs."""
    plus = fn(*(np.asarray(x) + H * np.asarray(v) for x, v in zip(xs, vs, strict=True)))
    minus = fn(*(np.asarray(x) - H * np.asarray(v) for x, v in zip(xs, vs, strict=True)))
    if isinstance(plus, tuple):
        return tuple(
            (np.asarray(a) - np.asarray(b)) / (2 * H) for a, b in zip(plus, minus, strict=True)
        )
    return (np.asarray(plus) - np.asarray(minus)) / (2 * H)


@dataclass
class StructProblem:
    fn: Callable[..., Any]
    xs: list[Any]
    out_shape: tuple[int, ...]


def struct_problem(case: Case, dtype: type = np.float64) -> StructProblem:
    rng = rng_for(case.label, case.shapes)
    xs = [as_input(case.domain(rng, s), dtype) for s in case.shapes]
    return StructProblem(case.fn, xs, np.shape(case.fn(*xs)))


def check_struct_jvp(p: StructProblem) -> None:
    rng = rng_for("jvp", p.out_shape)
    vs = [randn(rng, np.shape(x)) for x in p.xs]
    out = p.fn(*(dd.Dual(x, v) for x, v in zip(p.xs, vs, strict=True)))
    close(out.primal, p.fn(*p.xs), F64)
    close(out.tangent, central(p.fn, p.xs, vs), FD)


def check_struct_vjp(p: StructProblem) -> None:
    """<vjp(u), v> = <u, jvp(v)>, exact up to rounding: both are the same linear map."""
    rng = rng_for("vjp", p.out_shape)
    vs = [randn(rng, np.shape(x)) for x in p.xs]
    u = randn(rng, p.out_shape)
    with dd.Tape() as tape:
        xs = [dd.Var(x) for x in p.xs]
        out = p.fn(*xs)
    grads = tape.gradient(out, xs, output_gradient=u)
    for g, x in zip(grads, p.xs, strict=True):
        assert np.shape(g) == np.shape(x)
    jv = p.fn(*(dd.Dual(x, v) for x, v in zip(p.xs, vs, strict=True))).tangent
    np.testing.assert_allclose(vdot(grads, vs), vdot([u], [jv]), rtol=1e-12, atol=1e-12)


def check_struct_second(p: StructProblem) -> None:
    """The pullback and the pushforward, differentiated again, against central differences."""
    rng = rng_for("second", p.out_shape)
    n = len(p.xs)
    vs = [randn(rng, np.shape(x)) for x in p.xs]
    u, du, w = (randn(rng, p.out_shape) for _ in range(3))

    def pullback(*args: Any) -> Any:
        return dd.vjp(p.fn, *args[:n])[1](args[n])

    _, second = dd.jvp(pullback, (*p.xs, u), (*vs, du))
    expected = central(pullback, (*p.xs, u), (*vs, du))
    for s, e in zip(second, expected, strict=True):
        close(s, e, FD)

    def directional(*args: Any) -> Any:
        return dd.sum(w * dd.jvp(p.fn, args[:n], args[n:])[1])

    args = (*p.xs, *vs)
    grads = dd.grad(directional, argnums=tuple(range(2 * n)))(*args)
    zs = [randn(rng, np.shape(a)) for a in args]
    np.testing.assert_allclose(vdot(grads, zs), central(directional, args, zs), **FD)


def check_struct_float32(p64: StructProblem, case: Case) -> None:
    """float32 inputs give float32 values, tangents and gradients, close to float64's."""
    p = struct_problem(case, np.float32)
    rng = rng_for("f32", p.out_shape)
    vs = [randn(rng, np.shape(x), np.float32) for x in p.xs]
    out = p.fn(*(dd.Dual(x, v) for x, v in zip(p.xs, vs, strict=True)))
    out64 = p64.fn(
        *(dd.Dual(x, np.asarray(v, np.float64)) for x, v in zip(p64.xs, vs, strict=True))
    )
    for a, b in ((out.primal, out64.primal), (out.tangent, out64.tangent)):
        assert np.result_type(a) == np.float32
        close(a, np.asarray(b), F32)
    grads = dd.grad(lambda *xs: dd.sum(p.fn(*xs)), argnums=tuple(range(len(p.xs))))(*p.xs)
    assert all(np.result_type(g) == np.float32 for g in grads)


# --- the one parametrized check ---------------------------------------------------------------


def _elem_params() -> list[Any]:
    params = []
    for name, spec in ELEMENTWISE.items():
        for shapes in ELEMENTWISE_SHAPES[len(spec.domain)]:
            text = ",".join(str(s) for s in shapes).replace(" ", "")
            for check in ("jvp", "vjp", "jvp-f32", "vjp-f32", "second", "batched"):
                params.append(pytest.param(name, shapes, check, id=f"{name}-{text}-{check}"))
    return params


def _struct_params() -> list[Any]:
    params = []
    for table in (STRUCTURAL, COMPOSITES):
        for name, cases in table.items():
            for case in cases:
                for check in ("jvp", "vjp", "second", "batched", "f32"):
                    params.append(
                        pytest.param(name, case, check, id=f"{name}-{case.label}-{check}")
                    )
    return params


def run_elementwise(name: str, shapes: tuple[tuple[int, ...], ...], check: str) -> None:
    dtype = np.float32 if check.endswith("f32") else np.float64
    p = elem_problem(name, shapes, dtype)
    tol = F32 if dtype is np.float32 else F64
    if check.startswith("jvp"):
        check_elem_jvp(p, dtype, tol)
    elif check.startswith("vjp"):
        check_elem_vjp(p, dtype, tol)
    elif check == "second":
        check_elem_second(p)
    else:
        check_batched(p.fn, p.xs, p.shape, name)


def run_structural(case: Case, check: str) -> None:
    p = struct_problem(case)
    checks: dict[str, Callable[[], None]] = {
        "jvp": lambda: check_struct_jvp(p),
        "vjp": lambda: check_struct_vjp(p),
        "second": lambda: check_struct_second(p),
        "batched": lambda: check_batched(p.fn, p.xs, p.out_shape, case.label),
        "f32": lambda: check_struct_float32(p, case),
    }
    checks[check]()


@pytest.mark.parametrize("name, spec, check", _elem_params() + _struct_params())
def test_rule(name: str, spec: Any, check: str) -> None:
    if name in ELEMENTWISE:
        run_elementwise(name, spec, check)
    else:
        run_structural(spec, check)


# --- completeness: the oracle tables and the registry have the same keys ----------------------


def builtin_ops() -> dict[str, Any]:
    return {name: rule for name, rule in dd.REGISTRY.items() if rule.kind != "custom"}


def test_every_registry_op_has_an_oracle() -> None:
    missing = sorted(set(builtin_ops()) - set(ELEMENTWISE) - set(STRUCTURAL))
    assert not missing, f"ops without an oracle case in tests/test_rules.py: {missing}"


def test_every_oracle_names_a_registry_op() -> None:
    stale = sorted((set(ELEMENTWISE) | set(STRUCTURAL)) - set(builtin_ops()))
    assert not stale, f"oracle entries that are not registry ops: {stale}"
    assert not set(ELEMENTWISE) & set(STRUCTURAL)


def test_oracle_tables_match_kinds() -> None:
    kinds = {name: rule.kind for name, rule in builtin_ops().items()}
    assert {n for n, k in kinds.items() if k == "elementwise"} == set(ELEMENTWISE)
    for name, cases in STRUCTURAL.items():
        assert cases, f"{name} has no case"
    for name, spec in ELEMENTWISE.items():
        assert len(spec.domain) == dd.REGISTRY[name].nargs, name


@pytest.mark.parametrize(
    "name, case",
    [pytest.param(n, c, id=f"{n}-{c.label}") for n, cs in STRUCTURAL.items() for c in cs],
)
def test_case_exercises_its_op(name: str, case: Case) -> None:
    """Each structural case records the op it stands for (no case passes vacuously)."""
    p = struct_problem(case)
    with dd.Tape() as tape:
        out = p.fn(*(dd.Var(x) for x in p.xs))
    assert name in {entry[0].name for entry in tape.entries}, [e[0].name for e in tape.entries]
    assert isinstance(out, dd.Var)


# --- conventions where the oracle's domains stop: kinks, ties, zeros ------------------------


def both_modes(fn: Callable[..., Any], *xs: Any) -> list[Any]:
    """The full gradient of scalar ``fn`` by reverse mode and by forward mode (jacfwd)."""
    argnums = tuple(range(len(xs)))
    return [dd.grad(fn, argnums=argnums)(*xs), dd.jacfwd(fn, argnums=argnums)(*xs)]


@pytest.mark.parametrize(
    "fn, xs, expected",
    [
        # max/min: tied extremes share the derivative equally (the mean of the subgradients)
        (lambda x: dd.max(x), [np.array([1.0, 3.0, 3.0])], [[0.0, 0.5, 0.5]]),
        (lambda x: dd.min(x), [np.array([2.0, 2.0, 2.0, 5.0])], [[1 / 3, 1 / 3, 1 / 3, 0.0]]),
        (lambda x, y: dd.maximum(x, y), [1.5, 1.5], [0.5, 0.5]),
        (lambda x, y: dd.minimum(x, y), [-1.0, -1.0], [0.5, 0.5]),
        # kinks at 0 take the derivative 0
        (lambda x: dd.abs(x), [0.0], [0.0]),
        (lambda x: dd.relu(x), [0.0], [0.0]),
        (lambda x: dd.sign(x), [0.5], [0.0]),
        # clip: derivative 1 on the closed interval, the bound gets none there
        (lambda x, lo, hi: dd.clip(x, lo, hi), [1.0, 1.0, 2.0], [1.0, 0.0, 0.0]),
        (lambda x, lo, hi: dd.clip(x, lo, hi), [3.0, 1.0, 2.0], [0.0, 0.0, 1.0]),
        # d/dy 0**y is the limit 0 along y > 0 (x**y log x would give nan)
        (lambda x, y: x**y, [0.0, 2.0], [0.0, 0.0]),
        # prod with zeros: the product of the other entries, never 0/0
        (lambda x: dd.prod(x), [np.array([2.0, 0.0, 3.0])], [[0.0, 6.0, 0.0]]),
        (lambda x: dd.prod(x), [np.array([0.0, 0.0, 3.0])], [[0.0, 0.0, 0.0]]),
    ],
)
def test_convention_at_kinks(fn: Callable[..., Any], xs: list[Any], expected: list[Any]) -> None:
    for grads in both_modes(fn, *xs):
        for g, e in zip(grads, expected, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-15)


def test_prod_hessian_with_zeros_is_exact() -> None:
    # d2/dxi dxj prod(x) = prod of the entries other than i and j (0 on the diagonal).
    x = np.array([0.0, 2.0, 0.0, 5.0])
    expected = np.zeros((4, 4))
    expected[0, 2] = expected[2, 0] = 10.0
    np.testing.assert_allclose(dd.hessian(dd.prod)(x), expected, rtol=1e-15)


def test_logsumexp_is_stable_far_from_zero() -> None:
    # 1000 + ln 3 is stored to within ulp(1000) = 1.1e-13, which bounds the error below.
    x = np.array([1000.0, 1000.0 + np.log(3.0)])
    assert dd.logsumexp(x) == pytest.approx(1000.0 + np.log(4.0), rel=1e-15)
    np.testing.assert_allclose(dd.grad(dd.logsumexp)(x), [0.25, 0.75], rtol=1e-12)
    np.testing.assert_allclose(dd.grad(dd.logsumexp)(-x), [0.75, 0.25], rtol=1e-12)
