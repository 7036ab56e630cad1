"""The engine and the transforms on ``array_api_strict``, a namespace that follows the
array API standard to the letter and has no NumPy behind its arrays' backs.

Every input lives on ``array_api_strict``'s ``device1``: an array there refuses any
conversion to NumPy (``np.asarray`` raises) and any mixing with arrays of another
device, so a hidden ``np.*`` call in a primal, a rule or the engine fails loudly, and
gradients that leave the inputs' device are caught. The NumPy result of the same code
is the reference: values, tangents (JVPs) and cotangents (VJPs) must agree.

The registry walk runs the oracle cases of ``tests/oracles`` on the strict namespace:
every op either computes the NumPy result, in both modes, or raises the error naming
the op and the namespace (never a silent conversion).
"""

from __future__ import annotations

import inspect
import re
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from oracles import COMPOSITES, ELEMENTWISE, STRUCTURAL
from oracles.domains import Case, as_input

import dualdiff as dd
from dualdiff._namespace import asarray_like, is_numpy, lookup, namespace, to_numpy
from dualdiff.core import primal_in

xp = pytest.importorskip("array_api_strict")
DEVICE = xp.Device("device1")  # arrays here refuse np.asarray: no hidden conversion passes

TOL = {"rtol": 1e-10, "atol": 1e-12}
UNAVAILABLE = re.compile(
    r"dualdiff op '(\w+)' is not available in namespace array_api_strict"
    r"(?: \(it has no ([\w.]+)\))?"
)


def strict(value: Any) -> Any:
    """A NumPy value (or a number) as an array_api_strict array on ``DEVICE``."""
    if isinstance(value, (list, tuple)):
        return type(value)(strict(v) for v in value)
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    return xp.asarray(np.asarray(value), device=DEVICE)


def host(value: Any) -> Any:
    """A result as NumPy, checking that every array in it is a strict array on ``DEVICE``."""
    if isinstance(value, (list, tuple)):
        return type(value)(host(v) for v in value)
    if isinstance(value, dict):
        return {k: host(v) for k, v in value.items()}
    if isinstance(value, (float, int)):
        return np.asarray(value)
    assert namespace(value) is xp, f"a {type(value).__name__} left the strict namespace"
    assert value.device == DEVICE, f"a value moved to {value.device}"
    return np.asarray(to_numpy(value))


def same(actual: Any, expected: Any) -> None:
    """``actual`` (strict) equals ``expected`` (NumPy) up to rounding, leaf by leaf."""
    if isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            same(a, e)
        return
    got = host(actual)
    assert got.shape == np.shape(expected) or np.shape(actual) == ()
    np.testing.assert_allclose(got, np.asarray(expected), **TOL)


def rng_for(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def unavailable(err: NotImplementedError) -> None:
    """The error of an op the strict namespace lacks: it names an op of the registry, and
    the function it names is indeed missing from array_api_strict."""
    match = UNAVAILABLE.search(str(err))
    assert match is not None, f"not the namespace error: {err}"
    assert match.group(1) in dd.REGISTRY
    if match.group(2):
        assert lookup(xp, match.group(2)) is None, f"array_api_strict has {match.group(2)}"


# --- the registry walk ----------------------------------------------------------------


def numpy_case(fn: Callable[..., Any]) -> str | None:
    """Why an oracle case is NumPy's own, or None. A case that calls NumPy on its inputs
    (``np.pad(x, ...)``) tests NumPy's dispatch to dualdiff, which arrays of another
    namespace do not take; one that closes over a NumPy array mixes it with the inputs,
    which is an error by design (tested below)."""
    helpers = [fn] + [
        h for h in referenced(fn) if getattr(h, "__module__", "").startswith("oracles")
    ]
    if any("np." in inspect.getsource(h) for h in helpers):
        return "calls NumPy on its inputs"
    if any(isinstance(v, np.ndarray) for h in helpers for v in referenced(h)):
        return "combines the inputs with a NumPy array"
    return None


def referenced(fn: Callable[..., Any]) -> list[Any]:
    """The globals and closed-over values a function's code names."""
    names = set(fn.__code__.co_names)
    cells = [c.cell_contents for c in fn.__closure__ or ()]
    return [fn.__globals__[n] for n in names if n in fn.__globals__] + cells


def elementwise_inputs(name: str) -> tuple[list[Any], list[int]]:
    """Inputs of an elementwise op's oracle (broadcasting when it takes several) and the
    positions of the differentiable ones."""
    spec = ELEMENTWISE[name]
    shapes = [(2, 3), (3,), (2, 1)][: len(spec.domain)]  # broadcasting
    rng = rng_for(name)
    samples = zip(spec.domain, shapes, strict=True)
    raw = [as_input(sample(rng, shape), np.float64) for sample, shape in samples]
    pos = [i for i, a in enumerate(raw) if np.asarray(a).dtype.kind == "f"]
    pos = [i for i in pos if i not in spec.frozen]
    return raw, pos


def walk_params() -> list[Any]:
    params = [pytest.param("elementwise", name, None, id=name) for name in ELEMENTWISE]
    for table in (STRUCTURAL, COMPOSITES):
        for name, cases in table.items():
            for case in cases:
                why = numpy_case(case.fn)
                marks = [pytest.mark.skip(reason=why)] if why else []
                params.append(
                    pytest.param("case", name, case, id=f"{name}-{case.label}", marks=marks)
                )
    return params


def problem(
    kind: str, name: str, case: Case | None
) -> tuple[Callable[..., Any], list[Any], list[int]]:
    """The function under test, its NumPy inputs and the differentiable positions."""
    if kind == "elementwise":
        raw, pos = elementwise_inputs(name)
        return getattr(dd, name), raw, pos
    assert case is not None
    rng = rng_for(case.label, case.shapes)
    raw = [as_input(case.domain(rng, s), np.float64) for s in case.shapes]
    raw = [np.asarray(a) for a in raw]
    pos = [i for i, a in enumerate(raw) if a.dtype.kind == "f"]
    return case.fn, raw, pos


def forward(fn: Callable[..., Any], raw: list[Any], pos: list[int], vs: list[Any]) -> Any:
    """The value and the JVP along ``vs`` (the inputs traced, so methods and indexing
    follow NumPy's rules on any namespace)."""
    args = list(raw)
    for i, v in zip(pos, vs, strict=True):
        args[i] = dd.Dual(raw[i], v)
    out = fn(*args)
    if not isinstance(out, dd.Dual):  # a value that does not depend on the inputs
        return out, 0.0
    return out.primal, out.tangent


def backward(fn: Callable[..., Any], raw: list[Any], pos: list[int], u: Any) -> Any:
    with dd.Tape() as tape:
        args = list(raw)
        for i in pos:
            args[i] = dd.Var(raw[i])
        out = fn(*args)
    return tape.gradient(out, [args[i] for i in pos], output_gradient=u)


@pytest.mark.parametrize(("kind", "name", "case"), walk_params())
def test_registry_walk(kind: str, name: str, case: Case | None) -> None:
    """Value, JVP and VJP on array_api_strict equal NumPy's, or the op says it is missing."""
    fn, raw, pos = problem(kind, name, case)
    rng = rng_for("directions", name)
    vs = [rng.standard_normal(np.shape(raw[i])) for i in pos]
    expected = forward(fn, raw, pos, vs)
    u = rng.standard_normal(np.shape(expected[0]))
    try:
        same(forward(fn, strict(raw), pos, strict(vs)), expected)
        same(backward(fn, strict(raw), pos, strict(u)), backward(fn, raw, pos, u))
    except NotImplementedError as err:
        unavailable(err)


def test_every_op_runs_or_names_its_namespace() -> None:
    """Each registry op resolves a primal for array_api_strict, or says which op the
    namespace cannot run (never NumPy's primal on a foreign array)."""
    x = strict(np.linspace(0.1, 0.9, 6).reshape(2, 3))
    for name, rule in dd.REGISTRY.items():
        try:
            primal = primal_in(rule, (x,))
        except NotImplementedError as err:
            unavailable(err)
            assert f"'{name}'" in str(err)
        else:
            assert primal is not rule.primal, f"{name}: NumPy's primal for a strict array"


def test_the_array_api_ops_are_available() -> None:
    """The ops the standard names (elementwise math, reductions, shapes, linalg) resolve."""
    x = strict(np.ones((2, 2)))
    names = ["add", "arcsin", "power", "exp", "sum", "max", "matmul", "reshape", "concatenate"]
    names += ["transpose", "cumsum", "where", "inv", "svd", "eigh", "fftn", "sort", "getitem"]
    names += ["diagonal", "trace", "rfftn", "fftshift", "solve", "det", "slogdet", "qr"]
    for name in names:
        assert callable(primal_in(dd.REGISTRY[name], (x,))), name


# --- transforms -----------------------------------------------------------------------


def loss(p: dict[str, Any], x: Any) -> Any:
    """A small network's loss: tanh layer, softplus output, mean squared error. (The data
    is multiplied with dd.matmul: array_api_strict's operators refuse a traced right
    operand, where NumPy's, CuPy's and Dask's hand it over.)"""
    h = dd.tanh(dd.matmul(x, p["w"]) + p["b"][0])
    return dd.mean((dd.softplus(h @ p["v"]) - 0.5) ** 2)


def params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "w": rng.standard_normal((3, 4)),
        "b": [rng.standard_normal(4)],
        "v": rng.standard_normal(4),
    }


def f(x: Any) -> Any:
    return dd.sum(dd.sin(x) * dd.exp(x / 3.0) + x**3)


def g(x: Any) -> Any:
    return dd.cos(x) * x[::-1]


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "grad": dd.grad(f),
    "value_and_grad": dd.value_and_grad(f),
    "jvp": lambda x: dd.jvp(g, (x,), (x * 0.5,)),
    "vjp": lambda x: dd.vjp(g, x)[1](x + 1.0),
    "jacfwd": dd.jacfwd(g),
    "jacrev": dd.jacrev(g),
    "jacobian": dd.jacobian(g),
    "hessian": dd.hessian(f),
    "hvp": lambda x: dd.hvp(f, (x,), (x * x,)),
    "grad of grad": dd.grad(lambda x: dd.sum(dd.grad(f)(x) ** 2)),
    "jacfwd of jacrev": dd.jacfwd(dd.jacrev(g)),
    "derivative": dd.derivative(lambda x: dd.tanh(x) * x),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform(name: str) -> None:
    """Each transform gives NumPy's numbers, as arrays of the strict namespace on DEVICE."""
    x = np.linspace(-0.8, 0.9, 5)
    same(TRANSFORMS[name](strict(x)), TRANSFORMS[name](x))


def test_pytree_gradients_stay_in_the_namespace() -> None:
    rng = rng_for("pytree")
    p, x = params(rng), rng.standard_normal((6, 3))
    expected = dd.value_and_grad(loss)(p, x)
    value, grads = dd.value_and_grad(loss)(strict(p), strict(x))
    same(value, expected[0])
    order = lambda t: [t["w"], t["b"][0], t["v"]]
    same(order(grads), order(expected[1]))


def test_tape_backward() -> None:
    rng = rng_for("tape")
    p, x = params(rng), rng.standard_normal((6, 3))

    def run(p: dict[str, Any], x: Any) -> list[Any]:
        with dd.Tape():
            vs = {"w": dd.Var(p["w"]), "b": [dd.Var(p["b"][0])], "v": dd.Var(p["v"])}
            out = loss(vs, x)
        out.backward()
        return [vs["w"].grad, vs["b"][0].grad, vs["v"].grad]

    same(run(strict(p), strict(x)), run(p, x))


def test_float32_stays_float32() -> None:
    x = np.linspace(-1.0, 1.0, 4, dtype=np.float32)
    value, grad = dd.value_and_grad(f)(strict(x))
    assert value.dtype == xp.float32 and grad.dtype == xp.float32
    np.testing.assert_allclose(host(grad), dd.grad(f)(x), rtol=1e-6)


def test_mixing_namespaces_names_both() -> None:
    x = strict(np.ones(3))
    with pytest.raises(TypeError, match=r"'add' mixes .* numpy and array_api_strict"):
        dd.add(np.ones(3), x)
    with pytest.raises(
        TypeError, match=r"'multiply' mixes .* numpy and array_api_strict.*xp\.asarray"
    ):
        dd.grad(lambda v: dd.sum(v * np.ones(3)))(x)


def test_an_op_the_namespace_lacks_names_op_and_namespace() -> None:
    x = strict(np.full(3, 0.5))
    with pytest.raises(
        NotImplementedError,
        match=r"'erf' is not available in namespace array_api_strict \(it has no special\.erf\)",
    ):
        dd.grad(lambda v: dd.sum(dd.erf(v)))(x)


def test_numeric_differences_of_a_strict_function() -> None:
    """Finite differences are taken on the host: x is copied to NumPy, f gets strict arrays."""
    x = np.array([0.3, -0.4, 1.1])
    estimate = dd.numeric.gradient(f, strict(x))
    assert isinstance(estimate, np.ndarray)
    np.testing.assert_allclose(estimate, host(dd.grad(f)(strict(x))), rtol=1e-7)


def test_namespace_of_values() -> None:
    """NumPy for numbers, NumPy values and tracers over them; the strict namespace for its
    arrays (numbers fit beside them); NumPy's asked through the fast path first."""
    x = strict(np.ones(2))
    assert namespace(1.0, 2, np.float32(1.0), np.ones(3), dd.Dual(np.ones(2))) is np
    assert namespace(x, 2.0, np.float64(1.0)) is xp
    assert namespace(dd.Dual(x)) is xp
    with pytest.raises(TypeError, match=r"'matmul' mixes .* numpy and array_api_strict"):
        namespace(np.ones(2), x, op="matmul")


def test_moving_arrays_between_namespaces() -> None:
    x = strict(np.arange(3.0))
    back = to_numpy(x)
    assert type(back) is np.ndarray and back.tolist() == [0.0, 1.0, 2.0]
    moved = asarray_like(np.array([4.0, 5.0], dtype=np.float32), x)
    assert namespace(moved) is xp and moved.device == DEVICE and moved.dtype == xp.float32
    assert asarray_like(2.0, x).dtype == xp.float64  # a number takes the reference's dtype
    assert is_numpy(np) and not is_numpy(xp)
