"""dualdiff on the GPU through CuPy: every registry op CuPy supports, in both modes, against
the NumPy result, and the MLPs of ``examples/gpu_mlp.py`` trained on CuPy against the same
training on NumPy.

The module runs when CuPy finds a GPU and is skipped as a whole otherwise, with the
reason. The inputs are the oracle cases of ``tests/oracles`` (float64): for each, one VJP
with a random cotangent and one JVP with a random tangent, on NumPy and on CuPy; results
on the GPU must be CuPy arrays. An op CuPy lacks raises the error that names the op and
the namespace, and is skipped with it; a case that holds or makes NumPy arrays of its
own cannot take CuPy inputs and is skipped too.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from oracles import COMPOSITES, ELEMENTWISE, STRUCTURAL
from oracles.domains import as_input

import dualdiff as dd

_spec = importlib.util.spec_from_file_location(
    "gpu_mlp", Path(__file__).resolve().parents[1] / "examples" / "gpu_mlp.py"
)
assert _spec is not None and _spec.loader is not None
gpu_mlp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_mlp)
digits, gpu_namespace, wide = gpu_mlp.digits, gpu_mlp.gpu_namespace, gpu_mlp.wide

cp, DEVICE = gpu_namespace()
if cp is None:
    pytest.skip(f"no GPU: {DEVICE}", allow_module_level=True)

TOL = {"rtol": 1e-7, "atol": 1e-9}  # float64: GPU and CPU libm differ in the last digits
UNAVAILABLE = re.compile(r"dualdiff op '\w+' is not available in namespace cupy")
MIXED = "mixes arrays of two array namespaces, numpy and cupy"


# --- the registry walk -----------------------------------------------------------------------


def rng_for(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def walk() -> Iterator[Any]:
    """``(function, NumPy inputs)`` per oracle case: elementwise ops with broadcasting
    inputs, then the structural cases and the composites."""
    for name, spec in ELEMENTWISE.items():
        rng = rng_for(name)
        shapes = [(2, 3), (3,), (2, 1)][: len(spec.domain)]
        draws = zip(spec.domain, shapes, strict=True)
        args = [as_input(sample(rng, shape), np.float64) for sample, shape in draws]
        yield pytest.param(getattr(dd, name), args, id=name)
    for table in (STRUCTURAL, COMPOSITES):
        for name, cases in table.items():
            for case in cases:
                rng = rng_for(name, case.label)
                args = [as_input(case.domain(rng, s), np.float64) for s in case.shapes]
                yield pytest.param(case.fn, args, id=f"{name}-{case.label}")


def holds_numpy_constants(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` reads NumPy arrays of its own (a global or a closure cell)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    names = getattr(fn, "__globals__", {})
    cells = [c.cell_contents for c in fn.__closure__ or ()]
    return any(isinstance(names.get(n), np.ndarray) for n in code.co_names) or any(
        isinstance(v, np.ndarray) for v in cells
    )


def makes_numpy_arrays(fn: Callable[..., Any]) -> bool:
    """Whether ``fn``'s code calls NumPy (it may make NumPy arrays beside the inputs)."""
    try:
        return "np." in inspect.getsource(fn)
    except (OSError, TypeError):
        return True


def differentiable(args: list[Any]) -> list[int]:
    return [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]


def like(rng: np.random.Generator, value: Any) -> np.ndarray:
    """A random array shaped and typed like ``value`` (complex when it is complex)."""
    shape = np.shape(value)
    out = rng.standard_normal(shape) + (
        1j * rng.standard_normal(shape) if np.iscomplexobj(value) else 0.0
    )
    return np.asarray(out, dtype=np.result_type(value, np.float64))


def both_modes(fn: Callable[..., Any], args: list[Any], move: Callable[[Any], Any]) -> list[Any]:
    """The outputs, one JVP and one VJP of ``fn`` at ``args`` (differentiable inputs
    only), with the inputs, tangents and cotangents first passed through ``move``."""
    pos = differentiable(args)
    moved = [move(a) for a in args]

    def of_pos(*xs: Any) -> Any:
        full = list(moved)
        for i, x in zip(pos, xs, strict=True):
            full[i] = x
        return fn(*full)

    primals = [moved[i] for i in pos]
    rng = rng_for("directions", len(args))
    tangents = [move(like(rng, args[i])) for i in pos]
    out, tangent_out = dd.jvp(of_pos, tuple(primals), tuple(tangents))
    leaves, tree = dd.tree_flatten(out)
    cotangent = dd.tree_unflatten(tree, [move(like(rng, leaf)) for leaf in map(host, leaves)])
    _, pullback = dd.vjp(of_pos, *primals)
    return [out, tangent_out, pullback(cotangent)]


def host(value: Any) -> Any:
    """A CuPy array (or a number) as NumPy."""
    return cp.asnumpy(value) if isinstance(value, cp.ndarray) else np.asarray(value)


def on_gpu(value: Any) -> Any:
    """NumPy arrays and Python floats (an input of shape ()) copied to the GPU."""
    return cp.asarray(value) if isinstance(value, (np.ndarray, float)) else value


@pytest.mark.parametrize(("fn", "args"), list(walk()))
def test_op_on_cupy_matches_numpy_in_both_modes(fn: Callable[..., Any], args: list[Any]) -> None:
    if holds_numpy_constants(fn):
        pytest.skip("the case holds NumPy constants, which CuPy arrays do not mix with")
    if not differentiable(args):
        pytest.skip("no floating-point input")
    expected = both_modes(fn, args, lambda a: a)
    try:
        actual = both_modes(fn, args, on_gpu)
    except NotImplementedError as err:
        if UNAVAILABLE.search(str(err)) is None:
            raise
        pytest.skip(f"CuPy lacks the op: {err}")
    except TypeError as err:
        if MIXED not in str(err) or not makes_numpy_arrays(fn):
            raise
        pytest.skip("the case makes NumPy arrays beside its inputs")
    got, want = dd.tree_flatten(actual)[0], dd.tree_flatten(expected)[0]
    assert len(got) == len(want)
    for a, e in zip(got, want, strict=True):
        assert not isinstance(a, np.ndarray), "a result left the GPU"
        np.testing.assert_allclose(host(a), np.asarray(e), **TOL)


# --- the transforms -----------------------------------------------------------------------------


def _tanh_sin(x: Any, a: Any) -> Any:
    return dd.sum(dd.tanh(dd.matmul(a, x)) * dd.sin(x))


TRANSFORMS = {
    "grad": lambda x, a, v: dd.grad(_tanh_sin, argnums=(0, 1))(x, a),
    "jacfwd": lambda x, a, v: dd.jacfwd(lambda x: dd.tanh(dd.matmul(a, x)))(x),
    "jacrev": lambda x, a, v: dd.jacrev(lambda x: dd.tanh(dd.matmul(a, x)))(x),
    "hessian": lambda x, a, v: dd.hessian(_tanh_sin)(x, a),
    "hvp": lambda x, a, v: dd.hvp(lambda x: _tanh_sin(x, a), (x,), (v,)),
    "tape": lambda x, a, v: _on_a_tape(x, a),
    "compile": lambda x, a, v: [dd.compile(_tanh_sin)(x + k, a) for k in range(3)],
    "compile-replay": lambda x, a, v: [
        dd.compile(_tanh_sin, backend="replay")(x + k, a) for k in range(3)
    ],
}


def _on_a_tape(x: Any, a: Any) -> Any:
    with dd.Tape() as tape:
        xv, av = dd.Var(x), dd.Var(a)
        y = _tanh_sin(xv, av)
    return tape.gradient(y, [xv, av])


@pytest.mark.parametrize("transform", TRANSFORMS.values(), ids=list(TRANSFORMS))
def test_transforms_on_cupy_match_numpy(transform: Callable[..., Any]) -> None:
    rng = rng_for("transforms")
    x, a, v = rng.standard_normal(4), rng.standard_normal((4, 4)), rng.standard_normal(4)
    expected = transform(x, a, v)
    actual = transform(on_gpu(x), on_gpu(a), on_gpu(v))
    got, want = dd.tree_flatten(actual)[0], dd.tree_flatten(expected)[0]
    assert len(got) == len(want)
    for g, e in zip(got, want, strict=True):
        assert isinstance(g, cp.ndarray), f"a {type(g).__name__} came back, not a CuPy array"
        np.testing.assert_allclose(host(g), e, **TOL)


# --- training ---------------------------------------------------------------------------------


def test_wide_mlp_trains_on_cupy_as_on_numpy() -> None:
    """examples/gpu_mlp.py's wide MLP, narrowed: the same losses step by step (float32;
    the GPU sums matmuls in another order, which moves the last digits)."""
    on_cpu = wide(np, width=256, batch=512, steps=6)
    on_gpu_ = wide(cp, width=256, batch=512, steps=6)
    np.testing.assert_allclose(on_gpu_["losses"], on_cpu["losses"], rtol=1e-4)
    assert on_cpu["losses"][-1] < on_cpu["losses"][0]


def test_digits_mlp_trains_on_cupy_as_on_numpy() -> None:
    """The digits MLP (AdamW, cosine schedule, fit with validation) for two epochs."""
    pytest.importorskip("sklearn")
    on_cpu, on_gpu_ = digits(np, epochs=2), digits(cp, epochs=2)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(on_gpu_["history"][key], on_cpu["history"][key], rtol=1e-3)
    # an accuracy moves by whole digits: one of the 450 test digits may tip either way
    np.testing.assert_allclose(
        on_gpu_["history"]["val_accuracy"], on_cpu["history"]["val_accuracy"], atol=1.5 / 450
    )


def test_mlp_parameters_and_gradients_stay_on_the_gpu() -> None:
    model = dd.nn.MLP([8, 16, 3], rng=0, xp=cp)
    x = cp.asarray(rng_for("x").standard_normal((5, 8)))
    with dd.Tape():
        loss = dd.nn.cross_entropy(model(x), cp.asarray([0, 2, 1, 1, 0]))
    loss.backward()
    for p in model.parameters():
        assert isinstance(p.value, cp.ndarray) and isinstance(p.grad, cp.ndarray)
    reference = dd.nn.MLP([8, 16, 3], rng=0)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        np.testing.assert_array_equal(cp.asnumpy(p.value), q.value)
