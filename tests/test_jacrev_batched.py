"""``jacrev`` sweeps every output row in one reverse pass, its cotangents carrying a leading
batch axis. A registry walk checks it op by op against the Jacobian built row by row, each
row its own reverse pass (``dd.vjp`` with a basis cotangent): every op of the oracle tables
(``tests/oracles``), first order and nested under ``jacfwd`` (the sweep's values are then
Duals), in float64 and float32. Rules marked ``vjp_batched`` take the batch whole; the walk
is what keeps that mark honest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from oracles import COMPOSITES, ELEMENTWISE, STRUCTURAL
from oracles.domains import Case
from test_rules import ELEMENTWISE_SHAPES, elem_problem, struct_problem

import dualdiff as dd
from dualdiff.core import REGISTRY

# The same arithmetic in another order (a matrix product of a stack of rows against a
# product per row): rounding of O(1) values, amplified at most by an op's condition.
TOL = {"rtol": 1e-9, "atol": 1e-11}
TOL32 = {"rtol": 2e-5, "atol": 2e-6}


def rowwise(fn: Callable[..., Any], xs: Sequence[Any]) -> Any:
    """The Jacobian ``(m, N)`` of ``fn`` at ``xs``, one reverse pass per output element.

    Written with dualdiff ops, so that it can be differentiated again."""
    out, pull = dd.vjp(fn, *xs)
    value = primal(out)
    dtype = np.result_type(value) if np.result_type(value).kind in "fc" else np.float64
    rows = []
    for i in range(np.size(value)):
        basis = np.zeros(np.size(value), dtype=dtype)
        basis[i] = 1.0
        u = float(basis[i]) if type(value) is float else basis.reshape(np.shape(value))
        rows.append(flat(pull(u)))
    return dd.stack(rows) if rows else np.zeros((0, sum(np.size(primal(x)) for x in xs)))


def primal(v: Any) -> Any:
    return v.primal if isinstance(v, dd.Dual) else v


def flat(pieces: Sequence[Any]) -> Any:
    """The pieces flattened and joined: one row of a Jacobian."""
    return dd.concatenate([dd.reshape(p, (-1,)) for p in pieces])


def swept(fn: Callable[..., Any], xs: Sequence[Any]) -> Any:
    """The Jacobian ``(m, N)`` by ``dd.jacrev`` (one batched sweep)."""
    blocks = dd.jacrev(fn, argnums=tuple(range(len(xs))))(*xs)
    m = np.size(fn(*(primal(x) for x in xs)))
    return dd.concatenate(
        [dd.reshape(b, (m, np.size(primal(x)))) for b, x in zip(blocks, xs, strict=True)], 1
    )


def check(fn: Callable[..., Any], xs: list[Any], second: bool) -> None:
    together, one_by_one = swept(fn, xs), rowwise(fn, xs)
    assert np.result_type(together) == np.result_type(one_by_one)
    tol = TOL32 if np.result_type(together) == np.float32 else TOL
    np.testing.assert_allclose(together, one_by_one, **tol)
    # random cotangents, not only basis rows, reach fn's rules: those of u @ fn(x)
    u = np.random.default_rng(len(one_by_one)).standard_normal((3, len(one_by_one)))
    mixed = swept(lambda *a: dd.matmul(u.astype(together.dtype), dd.reshape(fn(*a), (-1,))), xs)
    np.testing.assert_allclose(mixed, u @ one_by_one, **tol)
    if second:  # jacfwd over both: the batched sweep on Duals, differentiated again
        nested = dd.jacfwd(lambda *a: swept(fn, a), argnums=tuple(range(len(xs))))(*xs)
        expected = dd.jacfwd(lambda *a: rowwise(fn, a), argnums=tuple(range(len(xs))))(*xs)
        for a, b in zip(nested, expected, strict=True):
            np.testing.assert_allclose(a, b, **TOL)


# --- the walk -------------------------------------------------------------------------------


def _elem_params() -> list[Any]:
    params = []
    for name, spec in ELEMENTWISE.items():
        shapes = ELEMENTWISE_SHAPES[len(spec.domain)]
        for s in (shapes[0], shapes[1], shapes[-1]):  # scalars, arrays, broadcasting
            text = ",".join(str(x) for x in s).replace(" ", "")
            params.append(pytest.param(name, s, id=f"{name}-{text}"))
    return params


@pytest.mark.parametrize(("name", "shapes"), _elem_params())
def test_elementwise(name: str, shapes: tuple[tuple[int, ...], ...]) -> None:
    for dtype in (np.float64, np.float32):
        p = elem_problem(name, shapes, dtype)
        check(p.fn, p.xs, second=dtype is np.float64)


def _case_params() -> list[Any]:
    return [
        pytest.param(name, case, id=f"{name}-{case.label}")
        for table in (STRUCTURAL, COMPOSITES)
        for name, cases in table.items()
        for case in cases
    ]


@pytest.mark.parametrize(("name", "case"), _case_params())
def test_structural(name: str, case: Case) -> None:
    p = struct_problem(case)
    check(p.fn, p.xs, second=True)


def test_every_builtin_op_takes_a_batch_of_cotangents() -> None:
    """docs/transforms.md says no op of dualdiff's own falls back to one row at a time."""
    unbatched = sorted(n for n, r in REGISTRY.items() if r.kind != "custom" and not r.vjp_batched)
    assert not unbatched, (
        f"{unbatched}: make the VJP rules take leading batch axes and mark the op "
        "vjp_batched=True, or name it in docs/transforms.md as one that falls back"
    )


def test_walk_covers_the_registry() -> None:
    """Every registry op is walked: elementwise by its twin, the rest by their cases."""
    walked = set(ELEMENTWISE) | set(STRUCTURAL)
    assert set(REGISTRY) <= walked, sorted(set(REGISTRY) - walked)


# --- the engine around the rules ----------------------------------------------------------


@pytest.mark.parametrize("batched", [False, True])
def test_a_rule_not_marked_batched_gets_one_row_at_a_time(batched: bool) -> None:
    """A user op's VJP rule (``vjp_batched`` off by default) sees cotangents shaped like the
    output, one output row at a time; marked, it sees the whole batch."""
    seen: list[tuple[int, ...]] = []

    def vjp(g: Any, ans: Any, x: Any) -> Any:
        seen.append(np.shape(g))
        return g * 3.0 * x**2

    name = f"test_jacrev_cube_{batched}"
    cube = dd.register_op(
        name, lambda x: x**3, jvp=lambda t, ans, x: t * 3.0 * x**2, vjp=vjp, vjp_batched=batched
    )
    x = np.array([0.5, -1.0, 2.0, 1.5])
    try:
        jac = dd.jacrev(lambda v: cube(v[::-1]) * 2.0)(x)
    finally:
        dd.REGISTRY.pop(name, None)
    np.testing.assert_allclose(jac, np.fliplr(np.diag(6.0 * x[::-1] ** 2)), rtol=1e-15)
    assert seen == ([(4, 4)] if batched else [(4,)] * 4)


def test_rows_in_chunks_equal_one_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a small bound on a sweep's elements, the rows go in several sweeps."""
    from dualdiff import transforms

    a = np.random.default_rng(0).standard_normal((7, 5))
    f = lambda x: dd.tanh(a @ x) * dd.sum(x**2)
    x = np.linspace(-1.0, 1.0, 5)
    whole = dd.jacrev(f)(x)
    monkeypatch.setattr(transforms, "_CHUNK_ELEMENTS", 14)  # two rows of seven a sweep
    np.testing.assert_allclose(dd.jacrev(f)(x), whole, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(whole, rowwise(f, [x]), **TOL)


def test_complex_inputs_real_and_holomorphic_outputs() -> None:
    """Complex inputs: rows are gradients (JAX's convention) for a real output, and the
    complex derivatives for a holomorphic one, as built row by row."""
    z = np.array([0.3 + 1.2j, -0.7 + 0.4j, 1.1 - 0.5j])
    real_f = lambda z: dd.abs(z * z[::-1]) + dd.real(dd.exp(z))
    np.testing.assert_allclose(swept(real_f, [z]), rowwise(real_f, [z]), **TOL)
    holo = lambda z: dd.exp(z) * z[::-1]
    jac = dd.jacrev(holo, holomorphic=True)(z)
    expected = np.diag(np.exp(z) * z[::-1]) + np.fliplr(np.diag(np.exp(z)))
    np.testing.assert_allclose(jac, expected, **TOL)  # d/dz_j of exp(z_i) z_(n-1-i)
