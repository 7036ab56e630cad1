"""dualdiff over ``dask.array``: every transform builds a lazy Dask graph, and a two-worker
cluster computes it to NumPy's numbers.

Laziness is checked by the scheduler itself: while a transform runs, Dask's scheduler is
a function that records each computation it is asked for (with the stack that asked),
so the record must stay empty until the test calls ``compute``. The values are checked
against the same transform on the same data in NumPy (itself checked against SymPy and
finite differences by ``test_rules.py``), and for the typical losses against their
gradients in closed form.
"""

from __future__ import annotations

import contextlib
import pickle
import traceback
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from oracles import COMPOSITES, ELEMENTWISE, STRUCTURAL
from oracles.domains import Case, as_input

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dualdiff as dd  # noqa: E402
from dualdiff.pytree import tree_flatten, tree_unflatten  # noqa: E402

# Reductions over chunks add in another order than NumPy: a few ulps of the O(1) sums.
CLOSE = {"rtol": 1e-10, "atol": 1e-12}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A cluster of two single-threaded workers (in this process: quick to start)."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, distributed.Client(cluster, set_as_default=False) as c:
        yield c


class _Computations:
    """A stand-in scheduler that notes where dualdiff (or a test) asked for a computation,
    then runs it."""

    def __init__(self) -> None:
        self.stacks: list[str] = []

    def __call__(self, graph: Any, keys: Any, **kwargs: Any) -> Any:
        stack = traceback.extract_stack()[:-1]
        ours = [f for f in stack if "dualdiff" in f.filename or "test_" in f.filename]
        self.stacks.append("".join(traceback.format_list(ours[-8:])))
        return dask.get(graph, keys, **kwargs)


@contextlib.contextmanager
def nothing_computed() -> Iterator[None]:
    """Fail if anything inside the block makes Dask compute (``np.asarray``, ``float``,
    ``bool`` or ``.compute()`` on a dask array)."""
    seen = _Computations()
    with dask.config.set(scheduler=seen):
        yield
    assert not seen.stacks, (
        f"{len(seen.stacks)} computation(s) while building the graph; the first from:\n"
        + seen.stacks[0]
    )


def on_cluster(client: Any, tree: Any) -> list[Any]:
    """The leaves of ``tree``, each of which must be a dask array, computed by the cluster."""
    leaves = tree_flatten(tree)[0]
    for leaf in leaves:
        assert isinstance(leaf, da.Array), f"expected a dask array, got {type(leaf).__name__}"
    return list(client.gather(client.compute(leaves)))


def computed(tree: Any) -> list[Any]:
    """The leaves of ``tree`` (dask arrays, or numbers that depend on none) computed in this
    thread: the registry walk checks hundreds of small graphs, which a cluster would only
    slow down (the other tests send theirs to the cluster)."""
    leaves = tree_flatten(tree)[0]
    for leaf in leaves:
        assert isinstance(leaf, (da.Array, float, complex)), type(leaf).__name__
    return list(dask.compute(*leaves, scheduler="sync"))


def assert_leaves_close(actual: list[Any], expected: Any) -> None:
    expected = tree_flatten(expected)[0]
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert np.shape(a) == np.shape(e)
        np.testing.assert_allclose(a, e, **CLOSE)


def chunked(x: Any) -> Any:
    """A NumPy array as a dask array of two chunks along each axis longer than 1 (a
    number stays a number)."""
    if not isinstance(x, np.ndarray) or x.ndim == 0:
        return x
    return da.from_array(x, chunks=tuple(max(1, (n + 1) // 2) for n in x.shape))


# --- typical losses ---------------------------------------------------------------------

RNG = np.random.default_rng(7)
N, D, C = 40, 5, 3
X = RNG.standard_normal((N, D))
Y = (RNG.random(N) < 0.5).astype(np.float64)  # 0/1 labels
LABELS = np.arange(N) % C  # classes
ONE_HOT = np.eye(C)[LABELS]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def elementwise(w: Any, X: Any, y: Any) -> Any:
    return dd.sum(dd.sin(w) * dd.exp(w) + w**2 / (1 + dd.tanh(w) ** 2))


def least_squares(w: Any, X: Any, y: Any) -> Any:
    return dd.mean((X @ w - y) ** 2)


def log_sum_exp(w: Any, X: Any, y: Any) -> Any:
    return dd.logsumexp(X @ w)


def logistic(w: Any, X: Any, y: Any) -> Any:
    return dd.nn.binary_cross_entropy_with_logits(X @ w, y)


def softmax_cross_entropy(W: Any, X: Any, labels: Any) -> Any:
    return dd.nn.cross_entropy(X @ W, labels)


def sigmoid_layer(w: Any, X: Any, y: Any) -> Any:  # a vector output, for jacfwd and vjp
    return dd.sigmoid(X @ w) * y


LOSSES: dict[str, tuple[Callable[..., Any], tuple[int, ...], Any]] = {
    "elementwise": (elementwise, (D,), Y),
    "least_squares": (least_squares, (D,), Y),
    "logsumexp": (log_sum_exp, (D,), Y),
    "logistic": (logistic, (D,), Y),
    "softmax_ce_labels": (softmax_cross_entropy, (D, C), LABELS),
    "softmax_ce_one_hot": (softmax_cross_entropy, (D, C), ONE_HOT),
}


def problem(name: str) -> tuple[Callable[..., Any], np.ndarray, np.ndarray, np.ndarray]:
    """A loss, a point w, a direction v, and the loss's third argument."""
    f, shape, third = LOSSES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return f, 0.5 * rng.standard_normal(shape), rng.standard_normal(shape), third


def _grad(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    return dd.grad(f)(w, X, y)


def _value_and_grad(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    return dd.value_and_grad(f)(w, X, y)


def _jvp(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    return dd.jvp(lambda w: f(w, X, y), (w,), (v,))


def _vjp(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    out, pullback = dd.vjp(lambda w: f(w, X, y), w)
    return out, pullback(out * 0.5 + 1.0)


def _jacfwd(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    return dd.jacfwd(f)(w, X, y)


def _hvp(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    return dd.hvp(lambda w: f(w, X, y), (w,), (v,))


def _tape(f: Any, w: Any, v: Any, X: Any, y: Any) -> Any:
    with dd.Tape() as tape:
        wv = dd.Var(w)
        loss = f(wv, X, y)
    return loss.value, tape.gradient(loss, wv)


TRANSFORMS = {
    "grad": _grad,
    "value_and_grad": _value_and_grad,
    "jvp": _jvp,
    "vjp": _vjp,
    "jacfwd": _jacfwd,
    "hvp": _hvp,
    "tape": _tape,
}


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("loss", list(LOSSES))
def test_transform_builds_a_graph_the_cluster_computes(client: Any, loss: str, transform: str):
    f, w, v, third = problem(loss)
    run = TRANSFORMS[transform]
    expected = run(f, w, v, X, third)
    with nothing_computed():
        result = run(f, chunked(w), chunked(v), chunked(X), chunked(third))
    assert_leaves_close(on_cluster(client, result), expected)


@pytest.mark.parametrize("transform", ["grad", "jvp", "vjp", "jacfwd"])
def test_vector_output_transforms_stay_lazy(client: Any, transform: str) -> None:
    w, v = np.linspace(-1, 1, D), np.linspace(1, 2, D)
    run = TRANSFORMS[transform]
    f = sigmoid_layer if transform != "grad" else lambda *a: dd.sum(sigmoid_layer(*a))
    expected = run(f, w, v, X, Y)
    with nothing_computed():
        result = run(f, chunked(w), chunked(v), chunked(X), chunked(Y))
    assert_leaves_close(on_cluster(client, result), expected)


def test_logistic_gradient_and_hvp_in_closed_form(client: Any) -> None:
    """grad = X^T (s - y) / N and H v = X^T (s (1 - s) X v) / N, with s = sigmoid(X w)."""
    f, w, v, _ = problem("logistic")
    s = _sigmoid(X @ w)
    with nothing_computed():
        g = dd.grad(f)(chunked(w), chunked(X), chunked(Y))
        hv = _hvp(f, chunked(w), chunked(v), chunked(X), chunked(Y))
    g, hv = on_cluster(client, [g, hv])
    np.testing.assert_allclose(g, X.T @ (s - Y) / N, **CLOSE)
    np.testing.assert_allclose(hv, X.T @ (s * (1 - s) * (X @ v)) / N, **CLOSE)


def test_softmax_cross_entropy_gradient_in_closed_form(client: Any) -> None:
    """d/dW mean(-log softmax(X W)[label]) = X^T (softmax(X W) - one_hot) / N."""
    f, W, _, _ = problem("softmax_ce_labels")
    z = X @ W
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    with nothing_computed():
        g = dd.grad(f)(chunked(W), chunked(X), LABELS)
    np.testing.assert_allclose(on_cluster(client, g)[0], X.T @ (p - ONE_HOT) / N, **CLOSE)


def test_float32_stays_float32(client: Any) -> None:
    f, w, v, _ = problem("logistic")
    args = [chunked(a.astype(np.float32)) for a in (w, v, X, Y)]
    with nothing_computed():
        g, hv = dd.grad(f)(args[0], *args[2:]), _hvp(f, *args)
    assert g.dtype == hv.dtype == np.float32
    g, hv = on_cluster(client, [g, hv])
    # float32 rounding (eps 6e-8) of sums of 40 terms of size ~1
    np.testing.assert_allclose(g, dd.grad(f)(w, X, Y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hv, _hvp(f, w, v, X, Y), rtol=1e-5, atol=1e-6)


def _adam_steps(X: Any, y: Any, steps: int) -> tuple[dd.nn.Linear, int]:
    """``steps`` Adam steps of a Linear(D, 1) from seed 0; the model and the computations."""
    model = dd.nn.Linear(D, 1, rng=0)
    opt = dd.optim.Adam(model.parameters(), lr=0.1)
    seen = _Computations()
    with dask.config.set(scheduler=seen):
        for _ in range(steps):
            opt.zero_grad()
            with dd.Tape():
                loss = dd.nn.binary_cross_entropy_with_logits(model(X), y)
            loss.backward()
            opt.step()
    return model, len(seen.stacks)


def test_a_step_of_numpy_parameters_on_dask_data_computes_once() -> None:
    """Backward stays lazy; the optimizer needs the values of a NumPy parameter's gradient
    and computes all of them in one pass, to NumPy's step."""
    lazy, computations = _adam_steps(chunked(X), chunked(Y[:, None]), 3)
    eager, _ = _adam_steps(X, Y[:, None], 3)
    assert computations == 3  # one per step
    for p, q in zip(lazy.parameters(), eager.parameters(), strict=True):
        assert type(p.value) is np.ndarray
        np.testing.assert_allclose(p.value, q.value, **CLOSE)


def test_fit_on_dask_data_computes_once_per_batch() -> None:
    """dd.nn.fit reads each batch's loss for its history: it computes loss and gradients
    in one pass, and the history and weights are NumPy's."""
    runs = []
    for data in ((chunked(X), chunked(Y[:, None])), (X, Y[:, None])):
        model = dd.nn.Linear(D, 1, rng=0)
        opt = dd.optim.SGD(model.parameters(), lr=0.5)
        seen = _Computations()
        loss = dd.nn.binary_cross_entropy_with_logits
        with dask.config.set(scheduler=seen):
            history = dd.nn.fit(model, loss, opt, data, 2, batch_size=N // 2, shuffle=False)
        runs.append((history["loss"], model.weight.value, len(seen.stacks)))
    (lazy, w_lazy, computations), (eager, w_eager, _) = runs
    assert computations == 4  # 2 epochs of 2 batches
    np.testing.assert_allclose(lazy, eager, **CLOSE)
    np.testing.assert_allclose(w_lazy, w_eager, **CLOSE)


def test_unknown_chunk_sizes_are_named_until_computed() -> None:
    """Rows picked by a lazy mask have unknown chunk sizes (shape (nan, D)): the op says so
    and what to call; after x.compute_chunk_sizes() the gradient is lazy and right."""
    rows = chunked(X)[chunked(X)[:, 0] > 0]
    f = lambda w: dd.mean(dd.softplus(rows @ w))
    with pytest.raises(ValueError, match=r"'matmul'.*unknown shape.*compute_chunk_sizes"):
        dd.grad(f)(np.zeros(D))
    rows.compute_chunk_sizes()
    with nothing_computed():
        g = dd.grad(f)(np.zeros(D))
    picked = X[X[:, 0] > 0]  # the gradient at 0: X^T (1/2) / n over the picked rows
    np.testing.assert_allclose(computed(g)[0], picked.mean(axis=0) / 2, **CLOSE)


def test_the_workers_compute_the_gradient(client: Any) -> None:
    f, w, _, _ = problem("logistic")
    g = dd.grad(f)(chunked(w), chunked(X), chunked(Y))
    with distributed.get_task_stream(client) as stream:
        on_cluster(client, g)
    assert len(stream.data) >= X.shape[0] // chunked(X).chunks[0][0]  # a task per chunk at least


@pytest.mark.parametrize("loss", ["logistic", "softmax_ce_labels"])
def test_the_graph_travels_by_pickle_and_needs_no_dualdiff(client: Any, loss: str) -> None:
    """A real cluster's workers receive the graph pickled: it holds NumPy's and Dask's
    functions only (no closure, nothing of dualdiff), so workers need no dualdiff."""
    f, w, v, third = problem(loss)
    hv = _hvp(f, chunked(w), chunked(v), chunked(X), third)
    data = pickle.dumps(hv)
    assert b"dualdiff" not in data
    expected = _hvp(f, w, v, X, third)
    np.testing.assert_allclose(on_cluster(client, pickle.loads(data))[0], expected, **CLOSE)


# --- the registry walk --------------------------------------------------------------------
# Every op with an oracle case (tests/oracles), on dask arrays of two chunks per axis: the
# JVP and the VJP stay lazy and equal NumPy's. Ops that Dask cannot run are listed below
# with the reason, and must say so by name instead of computing behind the user's back.

# shapes of an elementwise op's inputs on dask: same shapes, broadcasting, and a number
ELEMENTWISE_SHAPES = {
    1: [((4, 3),)],
    2: [((4, 3), (4, 3)), ((4, 1), (3,)), ((4, 3), ())],
    3: [((4, 3), (4, 3), (4, 3)), ((4, 3), (3,), ())],
}

# What Dask cannot run, by op or by "op/case": the op the error names, and why. Each must
# raise a NotImplementedError that names that op, never compute behind the user's back.
_ONE_AXIS = "Dask indexes with integer or boolean arrays along one axis only"
DASK_LACKS: dict[str, tuple[str, str]] = {
    "convolve": ("convolve", "dask.array has no convolve"),
    "convolve-modes": ("convolve", "dask.array has no convolve"),
    "correlate": ("convolve", "dask.array has no convolve"),
    "interp": ("interp", "dask.array has no interp"),
    "getitem/int-list-2d": ("getitem", _ONE_AXIS),
    "getitem/mask": ("getitem", _ONE_AXIS),
    "getitem/adjacent-arrays": ("getitem", _ONE_AXIS),
    "getitem/separated-arrays": ("getitem", _ONE_AXIS),
    "getitem/int-and-array": ("getitem", "Dask orders split integer indices unlike NumPy"),
    "scatter_add/mask": ("getitem", _ONE_AXIS),  # in its derivatives
    "scatter_add/separated": ("getitem", _ONE_AXIS),
    "piecewise/otherwise": ("piecewise", "which elements each piece sees depends on the values"),
}
# Cases whose own code computes on the values
NOT_LAZY_CASES = {"take_along_axis/argsort": "the case calls np.argsort on its input"}


def _elementwise_cases() -> list[Any]:
    params = []
    for name, spec in ELEMENTWISE.items():
        for shapes in ELEMENTWISE_SHAPES[len(spec.domain)]:
            fn = getattr(dd, name)
            case = Case(",".join(map(str, shapes)), fn, shapes)
            params.append(pytest.param(name, case, spec.domain, id=f"{name}-{case.label}"))
    return params


def _structural_cases() -> list[Any]:
    return [
        pytest.param(name, case, None, id=f"{name}-{case.label}")
        for table in (STRUCTURAL, COMPOSITES)
        for name, cases in table.items()
        for case in cases
    ]


def _inputs(name: str, case: Case, domains: Any) -> list[Any]:
    rng = np.random.default_rng(zlib.crc32(f"{name} {case.label}".encode()))
    samplers = domains or [case.domain] * len(case.shapes)
    return [as_input(s(rng, n), np.float64) for s, n in zip(samplers, case.shapes, strict=True)]


def _like(rng: np.random.Generator, x: Any) -> Any:
    """A random direction (or cotangent) shaped like ``x``, complex where ``x`` is."""
    v = rng.standard_normal(np.shape(x))
    if np.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(np.shape(x))
    return v if np.ndim(x) else v[()]


def _walk(fn: Callable[..., Any], xs: list[Any], lift: Callable[[Any], Any], seed: int) -> Any:
    """``fn``'s output, JVP along random directions and VJP of a random cotangent at ``xs``,
    every array first passed through ``lift`` (to dask, or left as it is)."""
    rng = np.random.default_rng(seed)
    diff = [i for i, x in enumerate(xs) if np.asarray(x).dtype.kind in "fc"]

    def of_diff(*ds: Any) -> Any:
        args = [lift(x) for x in xs]
        for i, d in zip(diff, ds, strict=True):
            args[i] = d
        return fn(*args)

    primals = [xs[i] for i in diff]
    vs = [_like(rng, p) for p in primals]
    leaves, structure = tree_flatten(fn(*xs))
    us = tree_unflatten(structure, [lift(_like(rng, o)) for o in leaves])
    out, tangent = dd.jvp(of_diff, tuple(map(lift, primals)), tuple(map(lift, vs)))
    _, pullback = dd.vjp(of_diff, *map(lift, primals))
    return out, tangent, pullback(us)


@pytest.mark.parametrize("name, case, domains", _elementwise_cases() + _structural_cases())
def test_registry_op_on_dask_equals_numpy(name: str, case: Case, domains: Any) -> None:
    xs = _inputs(name, case, domains)
    if all(np.ndim(x) == 0 for x in xs):
        pytest.skip("no array input")
    key = f"{name}/{case.label}"
    if key in NOT_LAZY_CASES:
        pytest.skip(NOT_LAZY_CASES[key])
    expected = _walk(case.fn, xs, lambda x: x, len(name))
    lacking = DASK_LACKS.get(name) or DASK_LACKS.get(key)
    if lacking is not None:
        with pytest.raises(NotImplementedError, match=f"{lacking[0]}'?[: ]"):
            _walk(case.fn, xs, chunked, len(name))
        return
    with nothing_computed():
        result = _walk(case.fn, xs, chunked, len(name))
    assert_leaves_close(computed(result), expected)


def test_the_benchmark_step_equals_its_hand_written_limit(client: Any) -> None:
    """benchmarks/dask_step.py times dualdiff against a hand-written step: both must give
    the loss and gradient in closed form."""
    from benchmarks.dask_step import dualdiff_step, hand_step

    w, b = np.linspace(-1, 1, D), 0.5
    s = _sigmoid(X @ w + b)
    z = X @ w + b
    expected = [np.mean(np.logaddexp(0, z) - Y * z), X.T @ (s - Y) / N, np.mean(s - Y)]
    for step in (dualdiff_step, hand_step):
        with nothing_computed():
            result = step(chunked(w), b, chunked(X), chunked(Y))
        assert_leaves_close(on_cluster(client, list(result)), expected)
