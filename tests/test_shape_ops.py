"""NumPy's array-manipulation ops on traced values: values against NumPy, derivatives
against closed forms, ``np.*`` routing, second order, and the errors they raise.

Almost every op here is linear, so NumPy itself is the oracle of its derivative: the
Jacobian of a linear map F is F applied to the unit arrays, column by column. Only
``linspace`` is affine in (start, stop), with the closed form d/dstart = 1 - i/div and
d/dstop = i/div.
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import ops

RNG = np.random.default_rng(7)
X3 = RNG.normal(size=(2, 3, 4))
M34 = RNG.normal(size=(3, 4))
V4 = RNG.normal(size=4)

# (label, call, input): each call is a linear function of its one input, written once
# against a namespace ``m`` that is either dualdiff.ops or NumPy (they share the names)
LINEAR: list[tuple[str, Callable[[Any, Any], Any], np.ndarray]] = [
    ("ravel-F", lambda m, x: m.ravel(x, "F"), X3),
    ("moveaxis-seq", lambda m, x: m.moveaxis(x, [0, 1], [-1, 0]), X3),
    ("swapaxes", lambda m, x: m.swapaxes(x, -1, 0), X3),
    ("rollaxis", lambda m, x: m.rollaxis(x, 2, 1), X3),
    ("atleast_3d", lambda m, x: m.atleast_3d(x), V4),
    ("hstack", lambda m, x: m.hstack([x, 2 * x[:, :1]]), M34),
    ("vstack", lambda m, x: m.vstack([x, x[::-1]]), V4),
    ("dstack", lambda m, x: m.dstack([x, x]), M34),
    ("column_stack", lambda m, x: m.column_stack([x, 3 * x]), V4),
    ("append-flat", lambda m, x: m.append(x, x[0]), M34),
    ("append-axis", lambda m, x: m.append(x, x[:, :1], axis=1), M34),
    ("tile", lambda m, x: m.tile(x, (2, 1, 2)), M34),
    ("repeat-int", lambda m, x: m.repeat(x, 2, axis=0), M34),
    ("repeat-counts", lambda m, x: m.repeat(x, [0, 2, 1, 3], axis=-1), M34),
    ("repeat-flat", lambda m, x: m.repeat(x, 3), M34),
    ("pad-constant", lambda m, x: m.pad(x, ((1, 2), (3, 0)), constant_values=-2.5), M34),
    ("pad-edge", lambda m, x: m.pad(x, 2, mode="edge"), M34),
    ("pad-reflect", lambda m, x: m.pad(x, ((1,), (5,)), mode="reflect"), M34),
    ("pad-symmetric", lambda m, x: m.pad(x, (3, 1), mode="symmetric"), X3),
    ("pad-wrap", lambda m, x: m.pad(x, {1: (7, 2)}, mode="wrap"), M34),
    ("flip", lambda m, x: m.flip(x, (0, 2)), X3),
    ("fliplr", lambda m, x: m.fliplr(x), M34),
    ("flipud", lambda m, x: m.flipud(x), M34),
    ("roll-flat", lambda m, x: m.roll(x, 5), M34),
    ("roll-axes", lambda m, x: m.roll(x, (1, -2, 1), axis=(0, 2, 0)), X3),
    ("rot90", lambda m, x: m.rot90(x, 3, axes=(2, 0)), X3),
    ("tril", lambda m, x: m.tril(x, -1), X3),
    ("triu-vector", lambda m, x: m.triu(x, 1), V4),
    ("diag-vector", lambda m, x: m.diag(x, -1), V4),
    ("diag-matrix", lambda m, x: m.diag(x, 1), M34),
    ("diagflat", lambda m, x: m.diagflat(x, 2), M34[:2, :2]),
    ("diagonal", lambda m, x: m.diagonal(x, 1, 2, 0), X3),
    ("diagonal-empty", lambda m, x: m.diagonal(x, 7), M34),
    ("trace", lambda m, x: m.trace(x, -1, axis1=2, axis2=1), X3),
]


def numpy_jacobian(fn: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The Jacobian of a linear (or affine) NumPy function: fn at each unit array, less fn(0)."""
    at_zero = np.asarray(fn(np.zeros_like(x)), dtype=float)
    cols = [np.asarray(fn(e.reshape(x.shape)), dtype=float) - at_zero for e in np.eye(x.size)]
    return np.stack(cols, axis=-1).reshape(at_zero.shape + x.shape)


CASES = [pytest.param(call, x, id=label) for label, call, x in LINEAR]


@pytest.mark.parametrize("call, x", CASES)
def test_values_equal_numpy_on_tracers_and_arrays(call: Any, x: np.ndarray) -> None:
    expected = call(np, x)
    np.testing.assert_array_equal(call(ops, dd.Dual(x, np.ones_like(x))).primal, expected)
    with dd.Tape():
        np.testing.assert_array_equal(call(ops, dd.Var(x)).value, expected)
    got = call(ops, x)  # untraced: NumPy's values
    np.testing.assert_array_equal(got, expected)
    assert np.shape(got) == np.shape(expected)


@pytest.mark.parametrize("call, x", CASES)
def test_jacobian_is_numpy_applied_to_unit_arrays(call: Any, x: np.ndarray) -> None:
    expected = numpy_jacobian(lambda a: call(np, a), x)
    np.testing.assert_array_equal(dd.jacfwd(lambda a: call(ops, a))(x), expected)
    np.testing.assert_array_equal(dd.jacrev(lambda a: call(ops, a))(x), expected)


@pytest.mark.parametrize("call, x", CASES)
def test_numpy_calls_on_tracers_reach_the_same_rules(call: Any, x: np.ndarray) -> None:
    """NumPy's own call on a Dual or Var (routed by __array_function__) equals dd's call."""
    t = RNG.normal(size=x.shape)
    routed, direct = call(np, dd.Dual(x, t)), call(ops, dd.Dual(x, t))
    assert isinstance(routed, dd.Dual)
    np.testing.assert_array_equal(routed.primal, direct.primal)
    np.testing.assert_array_equal(routed.tangent, direct.tangent)
    g = RNG.normal(size=np.shape(direct.primal))
    np.testing.assert_array_equal(
        dd.vjp(lambda a: call(np, a), x)[1](g)[0], dd.vjp(lambda a: call(ops, a), x)[1](g)[0]
    )


@pytest.mark.parametrize("call, x", CASES)
def test_float32_stays_float32(call: Any, x: np.ndarray) -> None:
    x32 = x.astype(np.float32)
    out = call(ops, dd.Dual(x32, np.ones_like(x32)))
    assert out.primal.dtype == np.float32 and np.asarray(out.tangent).dtype == np.float32
    grad = dd.grad(lambda v: dd.sum(call(ops, v)))(x32)
    assert grad.dtype == np.float32


# --- closed forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape, offset", [((3, 3), 0), ((3, 5), 2), ((4, 2), -1), ((2, 3), 5)])
def test_gradient_of_trace_is_the_offset_identity(shape: tuple[int, int], offset: int) -> None:
    x = RNG.normal(size=shape)
    expected = np.eye(*shape, k=offset)
    np.testing.assert_array_equal(dd.grad(lambda a: dd.ops.trace(a, offset))(x), expected)
    np.testing.assert_array_equal(dd.grad(lambda a: np.trace(a, offset))(x), expected)
    np.testing.assert_array_equal(dd.jacfwd(lambda a: dd.ops.trace(a, offset))(x), expected)


def test_numpys_trace_is_dd_trace() -> None:
    assert dd.trace is dd.ops.trace and "trace" in dd.__all__


def test_trace_over_other_axes_is_a_stack_of_identities() -> None:
    x = RNG.normal(size=(3, 2, 3))
    w = np.array([2.0, -1.0])
    grad = dd.grad(lambda a: dd.sum(w * dd.ops.trace(a, axis1=0, axis2=2)))(x)
    np.testing.assert_array_equal(grad, np.einsum("ik,j->ijk", np.eye(3), w))


def test_pad_constant_vjp_is_the_crop() -> None:
    x = RNG.normal(size=(3, 4))
    g = RNG.normal(size=(3 + 1 + 2, 4 + 3))
    _, pullback = dd.vjp(lambda a: dd.pad(a, ((1, 2), (3, 0)), constant_values=9.0), x)
    np.testing.assert_array_equal(pullback(g)[0], g[1:4, 3:7])


def test_pad_wrap_vjp_folds_the_copies_back() -> None:
    x = RNG.normal(size=5)
    g = RNG.normal(size=5 + 6 + 2)
    (vjp,) = dd.vjp(lambda a: dd.pad(a, (6, 2), mode="wrap"), x)[1](g)
    # output position p copies input (p - 6) mod 5: sum the cotangents of each copy
    expected = np.zeros(5)
    for p in range(13):
        expected[(p - 6) % 5] += g[p]
    np.testing.assert_allclose(vjp, expected, rtol=1e-15)


def test_pad_edge_vjp_collects_the_border() -> None:
    x = RNG.normal(size=4)
    g = RNG.normal(size=4 + 3 + 2)
    (vjp,) = dd.vjp(lambda a: dd.pad(a, (3, 2), mode="edge"), x)[1](g)
    expected = g[3:7].copy()
    expected[0] += g[:3].sum()
    expected[-1] += g[7:].sum()
    np.testing.assert_allclose(vjp, expected, rtol=1e-15)


def test_diagonal_vjp_writes_onto_the_diagonal() -> None:
    x = RNG.normal(size=(4, 3))
    w = RNG.normal(size=2)  # the diagonal (i, i + 1) of a 4 x 3 matrix has 2 entries
    grad = dd.grad(lambda a: dd.sum(w * dd.diagonal(a, 1)))(x)
    expected = np.zeros((4, 3))
    expected[[0, 1], [1, 2]] = w
    np.testing.assert_array_equal(grad, expected)


def test_flip_and_roll_pull_back_by_their_inverses() -> None:
    x, g = RNG.normal(size=(2, 5)), RNG.normal(size=(2, 5))
    (flipped,) = dd.vjp(lambda a: dd.flip(a, 1), x)[1](g)
    np.testing.assert_array_equal(flipped, g[:, ::-1])
    (rolled,) = dd.vjp(lambda a: dd.roll(a, 2, axis=1), x)[1](g)
    np.testing.assert_array_equal(rolled, np.roll(g, -2, axis=1))


def test_split_pieces_pull_back_into_their_parts() -> None:
    x = RNG.normal(size=(5, 2))
    weights = [1.0, -2.0, 3.0]

    def f(a: Any) -> Any:
        pieces = dd.array_split(a, 3)
        return sum(w * dd.sum(p) for w, p in zip(weights, pieces, strict=True))

    expected = np.repeat(weights, [2, 2, 1])[:, None] * np.ones((5, 2))
    np.testing.assert_array_equal(dd.grad(f)(x), expected)
    assert [p.shape for p in dd.split(dd.Dual(x, x), [0, 0, 9])] == [(0, 2), (0, 2), (5, 2), (0, 2)]


def test_tile_and_repeat_sum_the_copies() -> None:
    x, w = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 6))
    grad = dd.grad(lambda a: dd.sum(w * dd.tile(a, (2, 2))))(x)
    np.testing.assert_allclose(grad, w.reshape(2, 2, 2, 3).sum(axis=(0, 2)), rtol=1e-15)
    counts = np.array([3, 0, 2])
    wr = RNG.normal(size=5)
    grad = dd.grad(lambda a: dd.sum(wr * dd.repeat(a, counts)))(x[0])
    np.testing.assert_allclose(grad, np.bincount(np.repeat([0, 1, 2], counts), wr, 3))


def test_meshgrid_gradients_sum_across_the_grid() -> None:
    a, b = RNG.normal(size=3), RNG.normal(size=2)
    wx, wy = RNG.normal(size=(2, 2, 3))  # 'xy' grids have shape (len(b), len(a))

    def f(a: Any, b: Any) -> Any:
        gx, gy = dd.meshgrid(a, b)
        return dd.sum(wx * gx) + dd.sum(wy * gy)

    ga, gb = dd.grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, wx.sum(axis=0), rtol=1e-15)
    np.testing.assert_allclose(gb, wy.sum(axis=1), rtol=1e-15)
    ij = dd.meshgrid(dd.Dual(a, a), b, indexing="ij", sparse=True)
    np.testing.assert_array_equal(ij[0].primal, np.meshgrid(a, b, indexing="ij", sparse=True)[0])


@pytest.mark.parametrize("num, endpoint", [(5, True), (4, False), (1, True), (1, False)])
def test_linspace_derivatives_are_the_interpolation_weights(num: int, endpoint: bool) -> None:
    div = num - 1 if endpoint else num
    frac = np.arange(num) / div if div > 0 else np.zeros(num)
    ends = (0.5, 2.5)
    for jac in (dd.jacfwd, dd.jacrev):
        d_start, d_stop = jac(lambda a, b: dd.linspace(a, b, num, endpoint), argnums=(0, 1))(*ends)
        np.testing.assert_allclose(d_start, 1 - frac, rtol=1e-15, atol=1e-16)
        np.testing.assert_allclose(d_stop, frac, rtol=1e-15, atol=1e-16)
    value = dd.linspace(dd.Dual(ends[0], 1.0), ends[1], num, endpoint)
    np.testing.assert_array_equal(value.primal, np.linspace(*ends, num, endpoint))


def test_linspace_of_arrays_along_an_axis_and_its_step() -> None:
    start, stop = np.array([0.0, 1.0]), np.array([1.0, -2.0])
    out = np.linspace(dd.Dual(start, np.ones(2)), stop, 4, axis=-1)
    np.testing.assert_array_equal(out.primal, np.linspace(start, stop, 4, axis=-1))
    np.testing.assert_allclose(out.tangent, np.broadcast_to(1 - np.arange(4) / 3, (2, 4)))
    step = dd.grad(lambda a: dd.sum(dd.linspace(a, stop, 4, retstep=True)[1]))(start)
    np.testing.assert_allclose(step, [-1 / 3, -1 / 3], rtol=1e-15)


def test_linspace_keeps_float32() -> None:
    out = dd.linspace(dd.Dual(np.float32(1.0), np.float32(1.0)), 2.0, 5)
    assert out.primal.dtype == np.float32 and out.tangent.dtype == np.float32
    np.testing.assert_array_equal(out.primal, np.linspace(np.float32(1.0), 2.0, 5))


# --- second order ------------------------------------------------------------------------------


def test_hessian_through_the_wrap_fold() -> None:
    # f = sum(pad(x, wrap)^3): each input copied c_i times, so H = diag(6 x_i c_i)
    x = RNG.normal(size=4)
    copies = np.bincount(np.pad(np.arange(4), (5, 2), mode="wrap"), minlength=4)
    hess = dd.hessian(lambda a: dd.sum(dd.pad(a, (5, 2), mode="wrap") ** 3))(x)
    np.testing.assert_allclose(hess, np.diag(6 * x * copies), rtol=1e-14)


def test_hessian_of_trace_of_diag_cubed() -> None:
    v = RNG.normal(size=3)  # trace(diag(v)^3) = sum v^3
    hess = dd.hessian(lambda a: dd.ops.trace(dd.diag(a, 1) ** 3, 1))(v)
    np.testing.assert_allclose(hess, np.diag(6 * v), rtol=1e-14)


def test_hessian_of_a_rolled_product_is_the_symmetrized_shift() -> None:
    x = RNG.normal(size=5)
    shift = np.roll(np.eye(5), 1, axis=0)  # roll(x, 1) = P x
    hess = dd.hessian(lambda a: dd.sum(dd.roll(a, 1) * dd.flip(dd.flip(a))))(x)
    np.testing.assert_array_equal(hess, shift + shift.T)


def test_hessian_of_squared_linspace() -> None:
    # f(a, b) = sum_i ((1 - t_i) a + t_i b)^2 has the constant Hessian 2 sum_i w_i w_i^T
    t = np.arange(6) / 5
    w = np.stack([1 - t, t])
    f = lambda ab: dd.sum(dd.linspace(ab[0], ab[1], 6) ** 2)
    np.testing.assert_allclose(dd.hessian(f)(np.array([0.3, -1.2])), 2 * w @ w.T, rtol=1e-14)


def test_grad_of_grad_through_tril_and_tile() -> None:
    x = RNG.normal(size=(3, 3))
    mask = np.tril(np.ones((3, 3)))

    def g(a: Any) -> Any:
        return dd.grad(lambda b: dd.sum(dd.tile(dd.tril(b), 2) ** 2) / 2)(a)

    # grad = 2 tril(x) (two copies); its Jacobian is 2 on the lower triangle's entries
    np.testing.assert_allclose(g(x), 2 * mask * x, rtol=1e-15)
    np.testing.assert_array_equal(dd.jacfwd(g)(x), 2 * np.diag(mask.ravel()).reshape(3, 3, 3, 3))


# --- moveaxis and friends: the axes NumPy accepts --------------------------------------------


@pytest.mark.parametrize(
    "source, destination", [([0, 1], [-1, 0]), ((2, 0), (0, 1)), (1, -1), ([], [])]
)
def test_moveaxis_takes_sequences_in_both_modes(source: Any, destination: Any) -> None:
    x = X3
    expected = np.moveaxis(x, source, destination)
    for call in (dd.moveaxis, np.moveaxis):
        out = call(dd.Dual(x, x), source, destination)
        np.testing.assert_array_equal(out.primal, expected)
        np.testing.assert_array_equal(out.tangent, expected)
    g = RNG.normal(size=expected.shape)
    (back,) = dd.vjp(lambda a: np.moveaxis(a, source, destination), x)[1](g)
    np.testing.assert_array_equal(back, np.moveaxis(g, destination, source))


def test_swapaxes_and_transpose_take_numpy_integers() -> None:
    x = dd.Dual(X3, X3)
    assert dd.swapaxes(x, np.int64(0), np.int32(-1)).shape == (4, 3, 2)
    assert dd.transpose(x, np.array([2, 0, 1])).shape == (4, 2, 3)
    assert np.transpose(x, axes=[1, 0, 2]).shape == (3, 2, 4)


def test_atleast_nd_return_one_array_or_a_tuple() -> None:
    a, b = dd.Dual(2.0, 1.0), dd.Dual(V4, V4)
    assert dd.atleast_2d(a).shape == (1, 1)
    shapes = [o.shape for o in dd.atleast_3d(a, b)]
    assert shapes == [np.shape(o) for o in np.atleast_3d(2.0, V4)]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, kind, words",
    [
        (lambda x: dd.moveaxis(x, [0, 1], [0]), ValueError, "moveaxis"),
        (lambda x: dd.moveaxis(x, [0, 0], [1, 2]), ValueError, "repeated axis"),
        (lambda x: dd.swapaxes(x, [0], [1]), TypeError, "swapaxes: an axis must be an int"),
        (lambda x: dd.transpose(x, (1.0, 0, 2)), TypeError, "transpose"),
        (lambda x: dd.rollaxis(x, 0, 5), ValueError, "rollaxis"),
        (lambda x: dd.split(x, 3, axis=2), ValueError, "array_split for unequal"),
        (lambda x: dd.array_split(x, 0), ValueError, "must be positive"),
        (lambda x: dd.repeat(x, -1), ValueError, "non-negative"),
        (lambda x: dd.repeat(x, [1, 2], axis=1), ValueError, "one count, or one per element"),
        (lambda x: dd.repeat(x, 1.5), TypeError, "repeat: repeats must be integers"),
        (lambda x: dd.tile(x, (-1, 2)), ValueError, "tile"),
        (lambda x: dd.pad(x, 1, mode="mean"), ValueError, "mode 'mean'"),
        (lambda x: dd.pad(x, 1, mode="reflect", reflect_type="odd"), ValueError, "reflect_type"),
        (lambda x: dd.pad(x, 1.5), TypeError, "pad_width must be integers"),
        (lambda x: dd.pad(x, -1), ValueError, "non-negative"),
        (lambda x: dd.pad(x, ((1, 2), (3, 4))), ValueError, "does not fit"),
        (lambda x: dd.pad(x, 1, constant_values=x[0, 0, 0]), TypeError, "constant_values"),
        (lambda x: dd.roll(x, 1.5, axis=0), TypeError, "roll: shift"),
        (lambda x: dd.rot90(x, 1, axes=(0, 0)), ValueError, "rot90"),
        (lambda x: dd.fliplr(x[0, 0]), ValueError, "fliplr"),
        (lambda x: dd.diagonal(x, 0, 1, -2), ValueError, "axis1 and axis2 must differ"),
        (lambda x: dd.ops.trace(x[0, 0]), ValueError, "at least 2 dimensions"),
        (lambda x: dd.ops.trace(x, dtype=np.float32), TypeError, "dtype"),
        (lambda x: dd.diag(x), ValueError, "1-D or 2-D"),
        (lambda x: dd.tril(x[0, 0, 0]), ValueError, "tril"),
        (lambda x: dd.meshgrid(x, indexing="xz"), ValueError, "indexing"),
        (lambda x: dd.linspace(x, 1.0, -1), ValueError, "non-negative"),
        (lambda x: dd.linspace(x, 1.0, 3, dtype=int), TypeError, "dtype"),
    ],
)
def test_errors_name_the_op_and_the_fix(call: Any, kind: type, words: str) -> None:
    with pytest.raises(kind, match=words):
        call(dd.Dual(X3, X3))


# --- the ops package has no import cycle --------------------------------------------------------


def _imports_of(path: pathlib.Path) -> set[str]:
    """The sibling modules that a module of dualdiff/ops imports (``from .x import ...``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names |= {node.module} if node.module else {a.name for a in node.names}
    return names


def test_shape_ops_import_no_module_above_them() -> None:
    folder = pathlib.Path(ops.__file__).parent
    mine = ["shape", "joining", "rearranging", "diagonals", "ranges"]
    graph = {name: _imports_of(folder / f"{name}.py") for name in mine}
    assert "reductions" not in graph["shape"]
    for name, deps in graph.items():
        for dep in deps & set(graph):
            assert name not in _imports_of(folder / f"{dep}.py"), (name, dep)
