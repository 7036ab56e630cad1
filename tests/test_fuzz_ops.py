"""Fuzzing every registered op with hypothesis: odd shapes, dtypes and memory layouts.

For each op, hypothesis draws inputs: 0-d values (Python scalars, NumPy scalars,
0-d arrays), empty arrays, broadcasting pairs and triples, float64, float32,
integer and boolean dtypes, and non-contiguous, read-only views (strided,
reversed, Fortran order). Then, for every draw:

* untraced, the op returns exactly what NumPy returns (value and dtype), or
  raises the same kind of exception;
* traced (``dd.jvp`` and ``dd.vjp``), the primal equals NumPy's on the inputs
  promoted to float; the tangent has the output's dtype and shape, each
  cotangent its input's (float32 stays float32, integers become float64);
* forward and reverse mode agree: <u, J v> = <J^T u, v> for random u, v;
* the tangent matches a central difference of NumPy's function, computed in
  float64, wherever the function is finite and smooth there. Smoothness is
  tested by Richardson's check (steps h and h/2 must agree), and points exactly
  on a kink (relu at 0, a clip bound, tied maxima ...) are left to the policy
  tests in ``test_anomaly.py``, since a central difference straddles the kink.

The inputs are read-only, so a rule that wrote into its arguments would fail.
Failures found by this file are pinned as explicit regression tests at the end.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualdiff as dd
from dualdiff import ops

pytestmark = pytest.mark.usefixtures("unchanged_global_state")

DTYPES = [np.float64, np.float32, np.int64, np.bool_]


@pytest.fixture(autouse=True)
def quiet_floating_point() -> Iterator[None]:
    """NumPy warns on log(-1) and friends; here nan is the expected, compared value."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# --- drawing inputs ---------------------------------------------------------------------


def elements(dtype: Any, lo: float, hi: float) -> st.SearchStrategy[Any]:
    if dtype == np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        return st.integers(int(np.ceil(lo)), int(np.floor(hi)))
    width = 32 if dtype == np.float32 else 64
    special = st.sampled_from([np.nan, np.inf, -np.inf])
    return st.integers(0, 15).flatmap(
        lambda k: special if k == 0 else st.floats(lo, hi, width=width)
    )


def laid_out(data: st.DataObject, a: np.ndarray) -> Any:
    """``a``'s values in a drawn layout, read-only; 0-d values may become Python scalars."""
    if a.ndim == 0:
        kind = data.draw(st.sampled_from(["array", "numpy scalar", "python scalar"]))
        if kind == "python scalar":
            return a.item()
        if kind == "numpy scalar":
            return a[()]
    layouts = (
        ["contiguous", "strided", "reversed", "fortran"] if a.ndim else ["contiguous", "strided"]
    )
    kind = data.draw(st.sampled_from(layouts))
    if kind == "strided":
        big = np.zeros((*a.shape, 2), dtype=a.dtype)
        big[..., 0] = a
        a = big[..., 0]
    elif kind == "reversed":
        a = np.flip(np.flip(a).copy())
    elif kind == "fortran":
        a = np.asfortranarray(a)
    else:
        a = a.copy()
    a.flags.writeable = False
    return a


def draw_array(
    data: st.DataObject,
    shape: tuple[int, ...],
    lo: float = -3.0,
    hi: float = 3.0,
    dtype: Any = None,
) -> Any:
    dtype = dtype or data.draw(st.sampled_from(DTYPES))
    a = data.draw(hnp.arrays(dtype, shape, elements=elements(dtype, lo, hi)))
    return laid_out(data, a)


small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


# --- the table: one entry per registry op ------------------------------------------------


@dataclass
class Problem:
    """One drawn call: ``dd_fn(*args)`` should behave like ``np_fn(*args)``.

    ``diff`` lists the positions of the differentiated inputs; ``kink(*promoted)``
    marks outputs at or near a non-differentiable point or a pole (a boolean,
    broadcast against the output), excluded from the numeric comparison.
    ``constant``: every derivative treats the output as a constant
    (``stop_gradient``), so its derivative is 0.
    """

    dd_fn: Callable[..., Any] | None  # None: the op of the same name
    np_fn: Callable[..., Any]
    args: list[Any]
    diff: list[int]
    elementwise: bool = True
    kink: Callable[..., Any] | None = None
    constant: bool = False


Draw = Callable[[st.DataObject], Problem]


def _p(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


# Central differences with steps up to 1e-5 along directions of size up to ~5 straddle
# a kink closer than this; such points are left to the policy tests.
NEAR = 1e-4


def near(x: Any, y: Any) -> Any:
    return np.abs(_p(x) - _p(y)) < NEAR


def unary(np_fn: Callable[..., Any], kink: Callable[..., Any] | None = None) -> Draw:
    def reference(x: Any) -> Any:
        # dualdiff reads a lone Python int as a float (weakly typed, like a Python float)
        return np_fn(float(x) if type(x) is int else x)

    def draw(data: st.DataObject) -> Problem:
        x = draw_array(data, data.draw(small_shapes))
        return Problem(None, reference, [x], [0], kink=kink)

    return draw


def nary(n: int, np_fn: Callable[..., Any], kink: Callable[..., Any] | None = None) -> Draw:
    def draw(data: st.DataObject) -> Problem:
        shapes = data.draw(
            hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=3, min_side=0, max_side=3)
        )
        args = [draw_array(data, s) for s in shapes.input_shapes]
        return Problem(None, np_fn, args, list(range(n)), kink=kink)

    return draw


def _power(x: Any, y: Any) -> Any:
    """np.power, except that Python ints power as floats (2 ** -1 is 0.5, not an error)."""
    if type(x) is int and type(y) is int:
        return np.power(float(x), float(y))
    return np.power(x, y)


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-np.asarray(x)))  # NumPy's rules: -x is an error for booleans


def _relu(x: Any) -> Any:
    return np.maximum(x, 0)


def _draw_where(data: st.DataObject) -> Problem:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, min_side=0, max_side=3)
    )
    cond = laid_out(data, data.draw(hnp.arrays(np.bool_, shapes.input_shapes[0])))
    args = [
        cond,
        draw_array(data, shapes.input_shapes[1]),
        draw_array(data, shapes.input_shapes[2]),
    ]
    return Problem(None, np.where, args, [1, 2])


def _draw_clip(data: st.DataObject) -> Problem:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, min_side=0, max_side=3)
    )
    x = draw_array(data, shapes.input_shapes[0])
    lo = draw_array(data, shapes.input_shapes[1], -3.0, 0.0)
    hi = draw_array(data, shapes.input_shapes[2], 0.0, 3.0)
    on_bound = lambda x, lo, hi: near(x, lo) | near(x, hi) | near(lo, hi)
    return Problem(None, np.clip, [x, lo, hi], [0, 1, 2], kink=on_bound)


ELEMENTWISE: dict[str, Draw] = {
    "add": nary(2, np.add),
    "subtract": nary(2, np.subtract),
    "multiply": nary(2, np.multiply),
    "divide": nary(2, np.divide, kink=lambda x, y: near(y, 0)),  # the pole
    "negative": unary(np.negative),
    "power": nary(2, _power),
    "square": unary(np.square),
    "sqrt": unary(np.sqrt),
    "reciprocal": unary(lambda x: np.divide(1.0, x)),  # not np.reciprocal: 1 // x on integers
    "abs": unary(np.abs, kink=lambda x: near(x, 0)),
    "sign": unary(np.sign, kink=lambda x: near(x, 0)),
    "exp": unary(np.exp),
    "expm1": unary(np.expm1),
    "log": unary(np.log),
    "log1p": unary(np.log1p),
    "sin": unary(np.sin),
    "cos": unary(np.cos),
    "tan": unary(np.tan),
    "arcsin": unary(np.arcsin),
    "arccos": unary(np.arccos),
    "arctan": unary(np.arctan),
    "arctan2": nary(2, np.arctan2, kink=lambda y, x: near(y, 0) & (x <= NEAR)),
    "sinh": unary(np.sinh),
    "cosh": unary(np.cosh),
    "tanh": unary(np.tanh),
    "maximum": nary(2, np.maximum, kink=lambda x, y: near(x, y)),
    "minimum": nary(2, np.minimum, kink=lambda x, y: near(x, y)),
    "where": _draw_where,
    "clip": _draw_clip,
    "relu": unary(_relu, kink=lambda x: near(x, 0)),
    "sigmoid": unary(_sigmoid),
    "softplus": unary(lambda x: np.logaddexp(0, x)),
    "stop_gradient": lambda data: Problem(
        None, lambda x: x, [draw_array(data, data.draw(small_shapes))], [0], constant=True
    ),
}


def near_integer(x: Any, offset: float = 0.0) -> Any:
    """Near a jump of a rounding op: an integer (+ offset: 0.5 for rint's ties)."""
    x = _p(x) - offset
    return near(x, np.round(x))


def near_quotient_jump(x: Any, y: Any) -> Any:
    """Where x // y jumps (x / y near an integer) or y is near 0."""
    return near(y, 0) | near_integer(_p(x) / _p(y))


ELEMENTWISE |= {
    "exp2": unary(np.exp2),
    "log2": unary(np.log2),
    "log10": unary(np.log10),
    "logaddexp": nary(2, np.logaddexp),
    "logaddexp2": nary(2, np.logaddexp2),
    "hypot": nary(2, np.hypot, kink=lambda x, y: near(x, 0) & near(y, 0)),
    "deg2rad": unary(np.deg2rad),
    "rad2deg": unary(np.rad2deg),
    "arcsinh": unary(np.arcsinh),
    "arccosh": unary(np.arccosh),
    "arctanh": unary(np.arctanh),
    "sinc": unary(np.sinc),
    "fabs": unary(np.fabs, kink=lambda x: near(x, 0)),
    "cbrt": unary(np.cbrt, kink=lambda x: near(x, 0)),  # an infinite slope
    "floor_divide": nary(2, np.floor_divide, kink=near_quotient_jump),
    "remainder": nary(2, np.remainder, kink=near_quotient_jump),
    "fmod": nary(2, np.fmod, kink=near_quotient_jump),
    "floor": unary(np.floor, kink=near_integer),
    "ceil": unary(np.ceil, kink=near_integer),
    "trunc": unary(np.trunc, kink=near_integer),
    "rint": unary(np.rint, kink=lambda x: near_integer(x, 0.5)),
    "round": unary(np.round, kink=lambda x: near_integer(x, 0.5)),
}


# SciPy's special functions (the `scipy` extra), against SciPy itself
if importlib.util.find_spec("scipy") is not None:
    import scipy.special as sc

    def _promoted(fn: Any) -> Callable[..., Any]:
        """SciPy's ufunc with NumPy's promotion (a Python float keeps float32 float32)."""

        def call(x: Any, y: Any) -> Any:
            dtype = np.result_type(x, y)
            return fn(x, y, dtype=dtype) if dtype in (np.float32, np.float64) else fn(x, y)

        return call

    def _gamma_poles(*xs: Any) -> Any:
        """Near a pole of Γ or ψ: 0, -1, -2 ..."""
        pole: Any = False
        for x in xs:
            pole = pole | (near(x, np.round(x)) & (np.round(x) <= 0))
        return pole

    def _polygamma(n: Any, x: Any) -> Any:
        """SciPy's polygamma in x's float dtype (SciPy computes it in float64)."""
        dtype = np.asarray(x).dtype
        return np.asarray(sc.polygamma(n, x), dtype=dtype if dtype.kind == "f" else np.float64)

    def _draw_polygamma(data: st.DataObject) -> Problem:
        shapes = data.draw(
            hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3)
        )
        orders = hnp.arrays(np.int64, shapes.input_shapes[0], elements=st.integers(0, 3))
        n = laid_out(data, data.draw(orders))
        x = draw_array(data, shapes.input_shapes[1])
        return Problem(None, _polygamma, [n, x], [1], kink=lambda n, x: _gamma_poles(x))

    ELEMENTWISE |= {
        **{name: unary(getattr(sc, name)) for name in ("erf", "erfc", "erfinv", "erfcinv")},
        **{
            name: unary(getattr(sc, name), kink=_gamma_poles)
            for name in ("gamma", "gammaln", "digamma")
        },
        "polygamma": _draw_polygamma,
        **{
            name: nary(2, _promoted(getattr(sc, name)), kink=lambda a, b: _gamma_poles(a, b, a + b))
            for name in ("beta", "betaln")
        },
        "logit": unary(sc.logit),
        "xlogy": nary(2, _promoted(sc.xlogy)),
        "xlog1py": nary(2, _promoted(sc.xlog1py)),
        **{name: unary(getattr(sc, name)) for name in ("ndtr", "ndtri", "log_ndtr")},
        **{name: unary(getattr(sc, name)) for name in ("i0", "i1", "j0", "j1", "y0", "y1")},
        # exp(-|x|) has a kink at 0
        **{name: unary(getattr(sc, name), kink=lambda x: near(x, 0)) for name in ("i0e", "i1e")},
    }


def _axis_and_keepdims(data: st.DataObject, ndim: int) -> tuple[Any, bool]:
    keepdims = data.draw(st.booleans())
    if ndim == 0 or data.draw(st.booleans()):
        return None, keepdims
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    if len(axes) == 1 and data.draw(st.booleans()):
        return axes[0] - ndim * data.draw(st.integers(0, 1)), keepdims  # an int, maybe negative
    return tuple(axes), keepdims


def _logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The definition, on floats (integers as float64, as everywhere in dualdiff)."""
    x = np.asarray(x)
    x = x.astype(np.float64) if x.dtype.kind in "biu" else x
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _tied_extremes(fn: Callable[..., Any]) -> Callable[..., Callable[..., Any]]:
    """A kink test for max/min: some group has its extreme value (nearly) more than once."""

    def kink_for(axis: Any) -> Callable[..., Any]:
        def kink(x: Any) -> bool:
            x = np.asarray(x)
            if x.size == 0:
                return False
            hits = near(x, fn(x, axis=axis, keepdims=True))
            return bool(np.any(np.sum(hits, axis=axis) > 1))

        return kink

    return kink_for


def reduction(np_fn: Callable[..., Any], kink_for: Any = None) -> Draw:
    def draw(data: st.DataObject) -> Problem:
        x = draw_array(data, data.draw(small_shapes))
        axis, keepdims = _axis_and_keepdims(data, np.ndim(x))
        return Problem(
            lambda x: REDUCTIONS_DD[np_fn](x, axis=axis, keepdims=keepdims),
            lambda x: np_fn(x, axis=axis, keepdims=keepdims),
            [x],
            [0],
            elementwise=False,
            kink=kink_for(axis) if kink_for else None,
        )

    return draw


REDUCTIONS_DD: dict[Any, Callable[..., Any]] = {
    np.sum: dd.sum,
    np.mean: dd.mean,
    np.prod: dd.prod,
    np.max: dd.max,
    np.min: dd.min,
    _logsumexp: dd.logsumexp,
}

REDUCTIONS: dict[str, Draw] = {
    "sum": reduction(np.sum),
    "mean": reduction(np.mean),
    "prod": reduction(np.prod),
    "max": reduction(np.max, _tied_extremes(np.max)),
    "min": reduction(np.min, _tied_extremes(np.min)),
    "logsumexp": reduction(_logsumexp),
}


def structural(draw_call: Callable[[st.DataObject], tuple[Any, ...]]) -> Draw:
    """An op whose draw gives ``(dd_fn, np_fn, args)``; every input is differentiated."""

    def draw(data: st.DataObject) -> Problem:
        dd_fn, np_fn, args = draw_call(data)
        return Problem(dd_fn, np_fn, list(args), list(range(len(args))), elementwise=False)

    return draw


def _reshape(data: st.DataObject) -> tuple[Any, ...]:
    x = draw_array(data, data.draw(small_shapes))
    shape = np.shape(x)
    new = data.draw(st.sampled_from([(-1,), shape[::-1], (1, *shape), (*shape, 1)]))
    if new == shape[::-1] and shape and np.prod(shape) != np.prod(new):
        new = (-1,)
    return (lambda x: dd.reshape(x, new)), (lambda x: np.reshape(x, new)), (x,)


def _expand_dims(data: st.DataObject) -> tuple[Any, ...]:
    x = draw_array(data, data.draw(small_shapes))
    nd = np.ndim(x)
    axis = data.draw(st.integers(-nd - 1, nd))
    return (lambda x: dd.expand_dims(x, axis)), (lambda x: np.expand_dims(x, axis)), (x,)


def _squeeze(data: st.DataObject) -> tuple[Any, ...]:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2))
    x = draw_array(data, shape)
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = data.draw(st.lists(st.sampled_from(ones), unique=True).map(tuple)) if ones else ()
    axis = axis or None
    return (lambda x: dd.squeeze(x, axis)), (lambda x: np.squeeze(x, axis)), (x,)


def _transpose(data: st.DataObject) -> tuple[Any, ...]:
    x = draw_array(data, data.draw(small_shapes))
    axes = data.draw(st.one_of(st.none(), st.permutations(range(np.ndim(x))).map(tuple)))
    return (lambda x: dd.transpose(x, axes)), (lambda x: np.transpose(x, axes)), (x,)


def _broadcast_to(data: st.DataObject) -> tuple[Any, ...]:
    target = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    kept = target[len(target) - data.draw(st.integers(0, len(target))) :]
    shape = tuple(n if data.draw(st.booleans()) else 1 for n in kept)  # broadcasts to target
    x = draw_array(data, shape)
    return (lambda x: dd.broadcast_to(x, target)), (lambda x: np.broadcast_to(x, target)), (x,)


def _joined(data: st.DataObject, stack: bool) -> tuple[Any, ...]:
    base = data.draw(
        hnp.array_shapes(min_dims=0 if stack else 1, max_dims=3, min_side=0, max_side=3)
    )
    n = data.draw(st.integers(1, 3))
    nd = len(base) + stack
    axis = data.draw(st.integers(-nd, nd - 1))
    shapes = []
    for _ in range(n):
        s = list(base)
        if not stack:
            s[axis] = data.draw(st.integers(0, 3))
        shapes.append(tuple(s))
    args = [draw_array(data, s) for s in shapes]
    if stack:
        return (lambda *xs: dd.stack(xs, axis)), (lambda *xs: np.stack(xs, axis)), tuple(args)
    return (
        (lambda *xs: dd.concatenate(xs, axis)),
        (lambda *xs: np.concatenate(xs, axis)),
        tuple(args),
    )


def _index(data: st.DataObject, shape: tuple[int, ...]) -> Any:
    if data.draw(st.booleans()) or 0 in shape or not shape:
        return data.draw(hnp.basic_indices(shape, allow_ellipsis=True, allow_newaxis=True))
    return data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2)))


def _getitem(data: st.DataObject) -> tuple[Any, ...]:
    x = draw_array(data, data.draw(small_shapes))
    index = _index(data, np.shape(x))
    return (lambda x: ops.getitem(x, index)), (lambda x: np.asarray(x)[index]), (x,)


def _scatter_reference(index: Any, shape: tuple[int, ...]) -> Callable[[Any], Any]:
    def scatter(g: Any) -> Any:
        g = np.asarray(g)
        out = np.zeros(shape, dtype=g.dtype if g.dtype.kind == "f" else np.float64)
        np.add.at(out, index, g)
        return out

    return scatter


def _scatter_add(data: st.DataObject) -> tuple[Any, ...]:
    shape = data.draw(small_shapes)
    index = _index(data, shape)
    g = draw_array(data, np.zeros(shape)[index].shape)
    return (lambda g: ops.scatter_add(g, index, shape)), _scatter_reference(index, shape), (g,)


def _matmul(data: st.DataObject) -> tuple[Any, ...]:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(
            signature=np.matmul.signature, max_dims=2, min_side=0, max_side=3
        )
    )
    a, b = (draw_array(data, s) for s in shapes.input_shapes)
    return dd.matmul, np.matmul, (a, b)


STRUCTURAL: dict[str, Draw] = {
    "reshape": structural(_reshape),
    "expand_dims": structural(_expand_dims),
    "squeeze": structural(_squeeze),
    "transpose": structural(_transpose),
    "broadcast_to": structural(_broadcast_to),
    "concatenate": structural(lambda data: _joined(data, stack=False)),
    "stack": structural(lambda data: _joined(data, stack=True)),
    "getitem": structural(_getitem),
    "scatter_add": structural(_scatter_add),
    "matmul": structural(_matmul),
}

TABLE: dict[str, Draw] = {**ELEMENTWISE, **REDUCTIONS, **STRUCTURAL}


def test_every_elementwise_op_is_fuzzed() -> None:
    """Every elementwise op (and the core structural ops above) is fuzzed; the registry
    walk in test_rules.py is what checks that every op has an oracle."""
    elementwise = {name for name, rule in dd.REGISTRY.items() if rule.kind == "elementwise"}
    assert elementwise <= set(TABLE) <= set(dd.REGISTRY), sorted(elementwise - set(TABLE))


# --- the checks ----------------------------------------------------------------------------


def promoted(x: Any) -> Any:
    """An input as a transform sees it: integers and booleans become float64."""
    if isinstance(x, bool | int):
        return float(x)
    a = np.asarray(x)
    if a.dtype.kind in "biu":
        return a.astype(np.float64) if a.ndim else np.float64(a)
    return x


def eps(dtype: Any) -> float:
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).eps) if dtype.kind == "f" else 0.0


def assert_same_numbers(got: Any, want: Any, what: str) -> None:
    """Equal values (to a few ulps: a Python float takes ``math``'s path) and dtype."""
    got_a, want_a = np.asarray(got), np.asarray(want)
    assert got_a.dtype == want_a.dtype, f"{what}: dtype {got_a.dtype}, NumPy gives {want_a.dtype}"
    assert got_a.shape == want_a.shape, f"{what}: shape {got_a.shape}, NumPy gives {want_a.shape}"
    if want_a.dtype.kind == "f":
        finite = np.abs(want_a[np.isfinite(want_a)])
        scale = float(finite.max()) if finite.size else 0.0
        tol = 8 * eps(want_a.dtype) * max(1.0, scale)
        np.testing.assert_allclose(got_a, want_a, rtol=0, atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got_a, want_a, err_msg=what)


def call_dd(problem: Problem, op: str) -> Callable[..., Any]:
    if problem.dd_fn is not None:
        return problem.dd_fn
    return getattr(dd, op) if hasattr(dd, op) else getattr(ops, op)


def builtin_kind(err: Exception) -> type[Exception]:
    """The built-in exception class NumPy's error derives from (dualdiff raises that)."""
    return next(k for k in (ValueError, TypeError, IndexError) if isinstance(err, k))


def check_untraced(fn: Callable[..., Any], problem: Problem) -> None:
    try:
        want = problem.np_fn(*problem.args)
    except (ValueError, TypeError, IndexError) as err:
        with pytest.raises(builtin_kind(err)):
            fn(*problem.args)
        return
    assert_same_numbers(fn(*problem.args), want, "untraced primal")


def partial_fn(fn: Callable[..., Any], args: list[Any], diff: list[int]) -> Callable[..., Any]:
    """``fn`` as a function of the differentiated inputs, the others held fixed."""

    def f(*xs: Any) -> Any:
        full = list(args)
        for i, x in zip(diff, xs, strict=True):
            full[i] = x
        return fn(*full)

    return f


def random_like(rng: np.random.Generator, x: Any) -> Any:
    """A random direction shaped and typed like ``x`` (a Python float for a Python float)."""
    if isinstance(x, float):
        return float(rng.standard_normal())
    a = np.asarray(x)
    return rng.standard_normal(a.shape).astype(a.dtype)


def vdot(a: list[Any], b: list[Any]) -> float:
    return float(sum(np.vdot(_p(x), _p(y)) for x, y in zip(a, b, strict=True)))


def check_traced(fn: Callable[..., Any], problem: Problem, seed: int) -> None:
    xs = [promoted(problem.args[i]) for i in problem.diff]
    args = [promoted(a) if i in problem.diff else a for i, a in enumerate(problem.args)]
    f = partial_fn(fn, args, problem.diff)
    rng = np.random.default_rng(seed)
    v = [random_like(rng, x) for x in xs]
    try:
        want = np.asarray(problem.np_fn(*args))
    except (ValueError, TypeError, IndexError) as err:  # e.g. the max of nothing
        with pytest.raises(builtin_kind(err)):
            dd.jvp(f, tuple(xs), tuple(v))
        with pytest.raises(builtin_kind(err)):
            dd.vjp(f, *xs)
        return

    out, tangent = dd.jvp(f, tuple(xs), tuple(v))
    assert_same_numbers(out, want, "primal under jvp")
    assert np.shape(tangent) == want.shape
    assert np.asarray(tangent).dtype == want.dtype, "the tangent keeps the output's dtype"

    out2, pullback = dd.vjp(f, *xs)
    assert_same_numbers(out2, want, "primal under vjp")
    u = rng.standard_normal(want.shape).astype(want.dtype)
    cts = pullback(u if want.shape else want.dtype.type(u))
    for x, ct in zip(xs, cts, strict=True):
        assert np.shape(ct) == np.shape(x)
        assert np.asarray(ct).dtype == np.asarray(x).dtype, "a cotangent keeps its input's dtype"

    tol = 1e-3 if np.float32 in {np.asarray(x).dtype.type for x in xs} else 1e-9
    lhs, rhs = vdot([u], [tangent]), vdot(list(cts), v)
    if np.isfinite(lhs) and np.isfinite(rhs):
        scale = vdot([np.abs(u)], [np.abs(tangent)]) + vdot(
            [np.abs(c) for c in cts], [np.abs(t) for t in v]
        )
        assert abs(lhs - rhs) <= tol * (1 + scale), f"<u, Jv> = {lhs} but <J^T u, v> = {rhs}"
    check_numeric(problem, args, xs, v, np.asarray(tangent), tol)


def central(problem: Problem, args: list[Any], xs: list[Any], v: list[Any], h: float) -> np.ndarray:
    """(f(x + h v) - f(x - h v)) / 2h with NumPy's function, in float64."""

    if problem.constant:
        return np.zeros(np.shape(problem.np_fn(*args)))

    def at(s: float) -> np.ndarray:
        moved = [_p(x) + s * _p(t) for x, t in zip(xs, v, strict=True)]
        full = [_p(a) if i in problem.diff else a for i, a in enumerate(args)]
        for i, m in zip(problem.diff, moved, strict=True):
            full[i] = m
        return _p(problem.np_fn(*full))

    return (at(h) - at(-h)) / (2 * h)


def check_numeric(
    problem: Problem, args: list[Any], xs: list[Any], v: list[Any], tangent: np.ndarray, tol: float
) -> None:
    if tangent.size == 0:
        return
    fd, fd_half = central(problem, args, xs, v, 1e-5), central(problem, args, xs, v, 5e-6)
    tangent = _p(tangent)
    ok = np.isfinite(fd) & np.isfinite(fd_half) & np.isfinite(tangent)
    ok &= np.abs(fd - fd_half) <= 1e-6 * (1 + np.abs(fd))  # smooth around the point
    if problem.kink is not None:
        on_kink = problem.kink(*[_p(a) if i in problem.diff else a for i, a in enumerate(args)])
        ok &= ~np.broadcast_to(on_kink, ok.shape)
    if not problem.elementwise and not ok.all():
        return  # one rough spot spoils every output of a non-elementwise op
    close = np.abs(tangent - fd) <= max(tol, 1e-6) * 10 * (1 + np.abs(fd))
    bad = ok & ~close
    assert not bad.any(), f"tangent {tangent[bad]} but central differences give {fd[bad]}"


@pytest.mark.parametrize("op", sorted(TABLE))
def test_op_under_fuzzing(op: str) -> None:
    @settings(max_examples=40)
    @given(data=st.data(), seed=st.integers(0, 2**32 - 1))
    def run(data: st.DataObject, seed: int) -> None:
        problem = TABLE[op](data)
        fn = call_dd(problem, op)
        check_untraced(fn, problem)
        check_traced(fn, problem, seed)

    run()


# --- regressions: failures the fuzzing found, pinned -----------------------------------------


def test_float32_input_gets_a_float32_cotangent_beside_float64() -> None:
    x32, y64 = np.array([1.0, 2.0], dtype=np.float32), np.array([3.0, 4.0])
    cts = dd.vjp(lambda a, b: a * b, x32, y64)[1](np.ones(2))
    assert cts[0].dtype == np.float32 and cts[1].dtype == np.float64
    np.testing.assert_array_equal(cts[0], y64.astype(np.float32))  # d(ab)/da = b
    assert dd.grad(lambda a, b: dd.sum(a * b))(x32, y64).dtype == np.float32
    empty = dd.vjp(lambda a, b: a + b, np.ones(0, np.float32), np.ones(0))[1](np.ones(0))
    assert empty[0].dtype == np.float32


def test_python_float_tangent_takes_its_primal_dtype() -> None:
    """A float tangent for an np.float64 primal must not let a float32 input set the dtype."""
    _, t = dd.jvp(
        lambda a, b: a + b,
        (np.float64(1.0), np.array(0.0, np.float32)),
        (0.5, np.array(0.25, np.float32)),
    )
    assert np.asarray(t).dtype == np.float64 and t == 0.75


def test_logsumexp_of_nothing_is_minus_infinity() -> None:
    """log(sum(exp([]))) = log 0 = -inf, as for every reduction with an identity."""
    assert dd.logsumexp(np.array([])) == -np.inf
    np.testing.assert_array_equal(dd.logsumexp(np.zeros((0, 3)), axis=0), [-np.inf] * 3)
    assert dd.grad(lambda x: dd.logsumexp(x))(np.array([])).shape == (0,)
    assert np.asarray(dd.logsumexp(np.array([3], dtype=np.int8))).dtype == np.float64


def test_scalar_index_of_a_python_float_dual() -> None:
    y = dd.Dual(2.0, 1.0)[()]
    assert (y.primal, y.tangent) == (2.0, 1.0)


def test_max_of_a_float32_scalar_stays_float32() -> None:
    _, t = dd.jvp(dd.max, (np.float32(0.5),), (np.float32(2.0),))
    assert np.asarray(t).dtype == np.float32 and t == 2.0


@pytest.mark.parametrize(
    ("f", "x", "slope"),
    [
        (dd.sqrt, 0.0, np.inf),  # 0.5 / sqrt(0): the one-sided derivative
        (lambda x: 1.0 / x, 0.0, -np.inf),  # -1 / 0**2
        (lambda x: x / 0.0, 1.0, np.inf),  # 1 / 0
        (lambda y: dd.arctan2(y, 0.0), 0.0, np.nan),  # 0 / (0**2 + 0**2)
    ],
    ids=["sqrt", "reciprocal", "divide", "arctan2"],
)
def test_division_by_zero_in_a_rule_gives_numpys_inf_or_nan(
    f: Callable[[Any], Any], x: float, slope: float
) -> None:
    """Rules on Python floats once raised ZeroDivisionError where NumPy gives inf or nan."""
    np.testing.assert_equal(dd.derivative(f)(x), slope)
    np.testing.assert_equal(dd.grad(f)(x), slope)


def test_clip_with_crossed_bounds_differentiates_the_upper_bound() -> None:
    """np.clip returns a_max wherever a_min > a_max, so only a_max moves the output."""
    x, lo, hi, h = -1.0, 1.0, 0.0, 1e-6
    numeric = [
        (np.clip(x + h, lo, hi) - np.clip(x - h, lo, hi)) / (2 * h),
        (np.clip(x, lo + h, hi) - np.clip(x, lo - h, hi)) / (2 * h),
        (np.clip(x, lo, hi + h) - np.clip(x, lo, hi - h)) / (2 * h),
    ]
    assert numeric == pytest.approx([0.0, 0.0, 1.0])
    assert dd.grad(lambda *a: dd.clip(*a), argnums=(0, 1, 2))(x, lo, hi) == tuple(numeric)


@pytest.mark.parametrize(
    ("f", "args", "numpy_f"),
    [
        (dd.relu, (np.nan,), lambda x: np.maximum(x, 0)),
        (dd.maximum, (1.0, np.nan), np.maximum),
        (dd.maximum, (np.nan, 1.0), np.maximum),
        (dd.minimum, (1.0, np.nan), np.minimum),
        (dd.clip, (1.0, np.nan, 2.0), np.clip),
        (dd.maximum, (0, 0.0), np.maximum),
    ],
)
def test_python_number_fast_paths_follow_numpy(
    f: Callable[..., Any], args: tuple[Any, ...], numpy_f: Callable[..., Any]
) -> None:
    """Python's max/min drop a nan and return an int beside an equal float; NumPy does not."""
    got, want = f(*args), numpy_f(*args)
    np.testing.assert_equal(got, want)
    assert np.asarray(got).dtype == np.asarray(want).dtype


def test_negative_of_a_python_bool_is_numpys_error() -> None:
    with pytest.raises(TypeError):
        np.negative(np.True_)
    with pytest.raises(TypeError, match="negative"):
        dd.negative(True)
