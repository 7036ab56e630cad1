"""What dd.compile keys a recording on (dualdiff/recording.py).

Integer and boolean arrays of arguments that are not differentiated (labels, masks,
index arrays) are inputs of the recorded program: a compiled function called with new
ones must return what a fresh ``dd.value_and_grad`` returns, on both backends, and
replay. Reading their values in Python is a guard. ``why()`` and the
``RecordingWarning`` name what made a call record.

Tolerance: the compiled step runs the same NumPy operations as ``dd.value_and_grad``
on the same values; the generated code writes ``np.mean`` as a sum over the count, which
may round the last bit differently, hence rtol 1e-12 rather than equality.
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from registry_programs import Program, programs, rng_for

import dualdiff as dd

BACKENDS = ["replay", "source"]


def assert_same(got, want):
    (gv, gg), (wv, wg) = got, want
    np.testing.assert_allclose(gv, wv, rtol=1e-12, atol=1e-15)
    for a, b in zip(dd.tree_flatten(gg)[0], dd.tree_flatten(wg)[0], strict=True):
        assert np.shape(a) == np.shape(b) and np.result_type(a) == np.result_type(b)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def line_of(fn, marker: str) -> int:
    """The line of ``fn``'s source that holds ``marker``."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(k for k, text in enumerate(lines) if marker in text)


def mlp_loss(params, x, labels):
    w1, b1, w2, b2 = params
    return dd.nn.cross_entropy(dd.tanh(x @ w1 + b1) @ w2 + b2, labels)


def mlp_params(rng):
    return [rng.standard_normal((6, 5)), np.zeros(5), rng.standard_normal((5, 3)), np.zeros(3)]


# --- data arrays are inputs -------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_new_labels_each_batch_replay_with_the_fresh_gradient(backend):
    rng = np.random.default_rng(0)
    params = mlp_params(rng)
    step = dd.compile(mlp_loss, backend=backend)
    for _ in range(30):
        x, labels = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
        assert_same(step(params, x, labels), dd.value_and_grad(mlp_loss)(params, x, labels))
    assert (step.recordings, step.replays) == (1, 29)
    if backend == "source":  # generated, not replayed: the labels are a variable of the code
        assert re.search(r"\n +v\d+ = labels +# input\n", step.source)


@pytest.mark.parametrize("backend", BACKENDS)
def test_index_arrays_and_masks_are_inputs(backend):
    def f(w, x, idx, mask):
        picked = (x @ w)[idx]  # rows picked by an integer array
        both = dd.where(mask, picked**2, 0.0) + np.where(mask, 0.0, dd.sin(picked))
        return dd.sum(both)

    rng = np.random.default_rng(1)
    w = rng.standard_normal((5, 3))
    step = dd.compile(f, backend=backend)
    for _ in range(25):
        x, idx = rng.standard_normal((8, 5)), rng.integers(0, 8, 6)
        mask = rng.random((6, 3)) > 0.5
        assert_same(step(w, x, idx, mask), dd.value_and_grad(f)(w, x, idx, mask))
    assert (step.recordings, step.replays) == (1, 24)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "lookup",
    [
        lambda table, idx: np.take(table, idx, axis=0),  # an embedding lookup
        lambda table, idx: np.take_along_axis(table[:4], idx[:, None] % 3, axis=1),
        lambda table, idx: table[idx, 1:],
    ],
    ids=["take", "take_along_axis", "getitem"],
)
def test_gathers_by_an_index_argument_replay(backend, lookup):
    def f(table, idx, x):
        return dd.sum(dd.tanh(lookup(table, idx)) * x)

    rng = np.random.default_rng(7)
    table = rng.standard_normal((5, 3))
    step = dd.compile(f, backend=backend)
    for _ in range(15):
        idx = rng.integers(0, 5, 4)
        x = rng.standard_normal(np.shape(lookup(table, idx)))
        assert_same(step(table, idx, x), dd.value_and_grad(f)(table, idx, x))
    assert (step.recordings, step.replays) == (1, 14)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_integer_array_argument_is_an_input_of_arithmetic(backend):
    def f(w, t):  # t: a step count passed as a 0-d array, not a Python int
        return dd.sum(w**2) * t

    step = dd.compile(f, backend=backend)
    w = np.array([1.0, -2.0])
    for t in range(1, 6):
        value, grad = step(w, np.asarray(t))
        assert value == 5.0 * t and np.array_equal(grad, 2 * w * t)
    assert (step.recordings, step.replays) == (1, 4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_labels_changed_in_place_are_read_anew(backend):
    rng = np.random.default_rng(2)
    params, x = mlp_params(rng), rng.standard_normal((4, 6))
    labels = np.array([0, 2, 1, 1])
    step = dd.compile(mlp_loss, backend=backend)
    step(params, x, labels)
    for k in range(3):
        labels[k] = (labels[k] + 1) % 3
        assert_same(step(params, x, labels), dd.value_and_grad(mlp_loss)(params, x, labels))
    assert step.recordings == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_labels_out_of_range_on_a_later_call_still_raise(backend):
    rng = np.random.default_rng(3)
    params, x = mlp_params(rng), rng.standard_normal((4, 6))
    step = dd.compile(mlp_loss, backend=backend)
    step(params, x, np.array([0, 1, 2, 0]))
    step(params, x, np.array([1, 1, 2, 0]))
    for bad in ([0, 3, 1, 1], [0, -1, 1, 1]):  # NumPy would index 3 out of range, wrap -1
        with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
            step(params, x, np.array(bad))
    assert "check of the labels" in step.why()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "make",
    [
        lambda labels: labels[:, None] == np.arange(3),  # one-hot rows
        lambda labels: (np.arange(3) == labels[:, None]).astype(float),
        lambda labels: ~(labels[:, None] != np.arange(3)) & (labels[:, None] >= 0),
    ],
    ids=["equal", "astype", "invert-and"],
)
def test_comparisons_of_labels_are_ops_of_the_recording(backend, make):
    """A comparison of data with data or constants is no branch: it is recorded, and a
    replay computes it from the new labels (here one-hot rows, and masks)."""

    def f(w, x, labels):
        logp = dd.log_softmax(x @ w, axis=-1)
        return -dd.sum(dd.where(make(labels), logp, 0.0)) + dd.sum(logp[:, 0] * (labels > 0))

    rng = np.random.default_rng(8)
    w = rng.standard_normal((2, 3))
    step = dd.compile(f, backend=backend)
    for _ in range(12):
        x, labels = rng.standard_normal((4, 2)), rng.integers(0, 3, 4)
        assert_same(step(w, x, labels), dd.value_and_grad(f)(w, x, labels))
    assert (step.recordings, step.replays) == (1, 11)
    if backend == "source":
        assert "def value_and_grad" in step.source  # generated, not replayed


def _on_data(p: Program, backend: str) -> list[str]:
    """``s * op(*data)`` compiled with respect to ``s`` alone, on new data four times:
    what differs from a fresh value_and_grad, and any recording not made by a guard."""
    rng = rng_for("data", p.id)
    step = dd.compile(lambda s, *data: s * p.f(*data), backend=backend, warn_after=None)
    fresh = dd.value_and_grad(lambda s, *data: s * p.f(*data))
    args, wrong = p.draw(rng), []
    for _ in range(4):
        args = p.redraw(args, rng)
        with np.errstate(all="ignore"):
            got, want = step(1.5, *args), fresh(1.5, *args)
        for a, b in zip(dd.tree_flatten(got)[0], dd.tree_flatten(want)[0], strict=True):
            if not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
                wrong.append(f"{p.id}: {a} != {b}")
    if step.recordings > 1 and " at " not in step.why():  # a guard names where it was made
        wrong.append(f"{p.id}: {step.why()}")
    return wrong


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_op_on_data_gives_the_fresh_value(backend):
    """The registry walk with every input of the op as data (not differentiated): a replay
    recomputes the op from the new data, or a guard records again; never a stale value."""
    wrong = [w for p in programs() for w in _on_data(p, backend)]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    "inner",
    [
        lambda w, x, y: dd.sum(dd.grad(lambda v: dd.sum((v * x) ** 2 * y))(w)),
        lambda w, x, y: dd.sum(dd.jvp(lambda v: dd.sum(v**3 * y), (w,), (x,))[1]),
        lambda w, x, y: dd.sum(dd.hessian(lambda v: dd.sum(v**3 * y))(w) * x),
    ],
    ids=["grad", "jvp", "hessian"],
)
def test_transforms_inside_a_compiled_function_replay_new_data(inner):
    rng = np.random.default_rng(11)
    step = dd.compile(inner)
    for _ in range(6):
        w, x, y = rng.standard_normal(4), rng.standard_normal(4), rng.integers(0, 3, 4)
        assert_same(step(w, x, y), dd.value_and_grad(inner)(w, x, y))
    assert (step.recordings, step.replays) == (1, 5)


# --- reads of the values are guards ---------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_int_read_of_a_label_is_a_guard(backend):
    def f(w, x, labels):
        k = int(labels[0])  # read into Python
        return dd.sum(w[k] * x[:, k])

    rng = np.random.default_rng(4)
    w, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    step = dd.compile(f, backend=backend)
    firsts = [0, 0, 2, 2, 1, 0]
    for first in firsts:
        labels = np.array([first, *rng.integers(0, 3, 3)])
        assert_same(step(w, x, labels), dd.value_and_grad(f)(w, x, labels))
    changes = sum(a != b for a, b in itertools.pairwise(firsts))
    assert (step.recordings, step.replays) == (1 + changes, len(firsts) - 1 - changes)
    where = f"{Path(__file__)}:{line_of(f, 'int(labels[0])')}"
    assert f"result of int() at {where}" in step.why() and "came out 0, recorded as 1" in step.why()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_branch_on_the_labels_is_a_guard(backend):
    def f(w, labels):
        if labels.sum() > 3:
            return dd.sum(w**3)
        return dd.sum(dd.sin(w))

    w = np.array([0.5, -1.5])
    step = dd.compile(f, backend=backend)
    rng = np.random.default_rng(5)
    above = []
    for _ in range(12):
        labels = rng.integers(0, 3, 3)
        above.append(labels.sum() > 3)
        assert_same(step(w, labels), dd.value_and_grad(f)(w, labels))
    flips = sum(a != b for a, b in itertools.pairwise(above))
    assert (step.recordings, step.replays) == (1 + flips, 11 - flips)
    if flips:
        assert "the truth value" in step.why() and "`if labels.sum() > 3:`" in step.why()


@pytest.mark.parametrize(
    "one_hot",
    [
        lambda labels: np.eye(3)[labels],  # NumPy indexes a constant: it reads the labels
        lambda labels: np.bincount(labels, minlength=3)[None, :] * np.ones((4, 1)),
        lambda labels: (np.asarray(labels)[:, None] == np.arange(3)).astype(float),
    ],
    ids=["eye-index", "bincount", "asarray"],
)
def test_numpy_reads_of_the_labels_are_guards(one_hot):
    def f(w, x, labels):
        return dd.sum(dd.log_softmax(x @ w, axis=-1) * one_hot(labels))

    rng = np.random.default_rng(6)
    w = rng.standard_normal((2, 3))
    step = dd.compile(f)
    for _ in range(6):
        x, labels = rng.standard_normal((4, 2)), rng.integers(0, 3, 4)
        assert_same(step(w, x, labels), dd.value_and_grad(f)(w, x, labels))
    assert step.recordings > 1 and f"{Path(__file__)}:" in step.why()


def test_a_constant_indexed_by_the_labels_is_guarded():
    """cross_entropy of constant logits: no recorded op takes the labels as its index, so
    they are read (a guard), and a replay with other labels cannot return a stale value."""
    table = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]))

    def f(w, labels):
        return dd.nn.cross_entropy(table, labels) * dd.sum(w**2)

    step, w = dd.compile(f), np.array([1.0, 2.0])
    for labels in ([0, 1], [0, 1], [2, 0], [1, 1]):
        labels = np.array(labels)
        assert_same(step(w, labels), dd.value_and_grad(f)(w, labels))
    assert (step.recordings, step.replays) == (3, 1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_boolean_mask_index_is_a_guard(backend):
    def f(w, mask):
        return dd.sum(w[mask] ** 2)  # the shape of w[mask] depends on the mask's values

    w = np.array([1.0, 2.0, 3.0])
    step = dd.compile(f, backend=backend)
    masks = [[True, False, True], [True, False, True], [False, True, True]]
    for mask in masks:
        mask = np.array(mask)
        assert_same(step(w, mask), dd.value_and_grad(f)(w, mask))
    assert (step.recordings, step.replays) == (2, 1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_library_reads_of_float_data_are_guards(backend):
    """np.select reads its conditions' values in Python to choose; for data (arguments
    that are not differentiated) that read is a guard, so a new batch is never given the
    last batch's choices."""

    def f(w, x):
        return dd.sum(np.select([x > 0], [x * w], 0.5 * w))

    rng = np.random.default_rng(9)
    w = rng.standard_normal(5)
    step = dd.compile(f, backend=backend, warn_after=None)
    signs = []
    for _ in range(8):
        x = rng.standard_normal(5)
        signs.append(tuple(x > 0))
        assert_same(step(w, x), dd.value_and_grad(f)(w, x))
    changes = sum(a != b for a, b in itertools.pairwise(signs))
    assert changes and (step.recordings, step.replays) == (1 + changes, 7 - changes)
    assert f"read of a value at {Path(__file__)}:{line_of(f, 'np.select')}" in step.why()


@pytest.mark.parametrize("backend", BACKENDS)
def test_leaky_relu_replays_with_the_new_slopes(backend):
    def f(w, x):
        return dd.sum(dd.nn.leaky_relu(x @ w, 0.1))

    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 3))
    step = dd.compile(f, backend=backend)
    for _ in range(8):
        w = rng.standard_normal((3, 2))
        value, grad = step(w, x)
        z = x @ w  # closed form: d/dw sum(leaky(x w)) = x^T slope(x w)
        np.testing.assert_allclose(value, np.sum(np.where(z > 0, z, 0.1 * z)), rtol=1e-12)
        np.testing.assert_allclose(grad, x.T @ np.where(z > 0, 1.0, 0.1), rtol=1e-12)
    assert step.recordings == 1


def test_python_reads_of_float_data_work_as_without_compile():
    def f(w, x, scale):
        return dd.sum(w * x) * math.exp(scale) + float(x[0])  # reads, as NumPy code does

    step = dd.compile(f)
    w, x = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    for scale in (0.0, 0.0, 1.0):
        assert_same(step(w, x, scale), dd.value_and_grad(f)(w, x, scale))
    assert (step.recordings, step.replays) == (2, 1)
    assert "result of float() at" in step.why() and "came out 1.0, recorded as 0.0" in step.why()


def test_a_changed_read_raises_when_asked_to():
    def f(w, labels):
        return w * float(labels[1])

    step = dd.compile(f, on_branch_change="raise")
    step(2.0, np.array([0, 1]))
    with pytest.raises(dd.BranchChanged, match=r"result of float\(\)") as caught:
        step(2.0, np.array([0, 2]))
    assert "came out 2.0, recorded as 1.0" in caught.value.reason


# --- why() and the warning -------------------------------------------------------------------


def test_why_names_what_changed():
    def f(x, power):
        if dd.sum(x) > 1.0:
            return dd.sum(x**power)
        return dd.sum(x)

    step = dd.compile(f)
    assert step.why() == ""
    step(np.ones(3), 2)
    assert step.why() == "recording 1 of f: the first call"
    step(np.ones(4), 2)
    assert "argument 0 (`x`) changed shape: (3,) -> (4,)" in step.why()
    step(np.ones(4, np.float32), 2)
    assert "argument 0 (`x`) changed dtype: float64 -> float32" in step.why()
    step(np.ones(4, np.float32), 3)  # a Python int is a key (a float would be an input)
    assert "argument 1 (`power`) changed value: 2 -> 3" in step.why()
    step(np.full(4, 0.1, np.float32), 3)
    site = f"{Path(__file__)}:{line_of(f, 'if dd.sum(x) > 1.0')}"
    assert step.why() == (
        f"recording 5 of f: the comparison 'gt' at {site} in f: `if dd.sum(x) > 1.0:` "
        "came out False, recorded as True"
    )


def test_why_names_a_changed_structure_and_a_leaf():
    def g(params, labels):
        return sum(dd.sum(p * len(labels)) for p in params)

    step = dd.compile(g)
    step([np.ones(2), np.ones(3)], np.zeros(4, int))
    step([np.ones(2), np.ones(3), np.ones(1)], np.zeros(4, int))
    assert "argument 0 (`params`) changed structure: [*, *] -> [*, *, *]" in step.why()
    step([np.ones(2), np.ones(3), np.ones(5)], np.zeros(4, int))
    assert "leaf 2 of argument 0 (`params`) changed shape: (1,) -> (5,)" in step.why()
    step([np.ones(2), np.ones(3), np.ones(5)], np.zeros(6, int))
    assert "argument 1 (`labels`) changed shape: (4,) -> (6,)" in step.why()
    step([np.ones(2), np.ones(3), np.ones(5)], np.zeros(6, bool))
    assert "argument 1 (`labels`) changed dtype: int64 -> bool" in step.why()
    assert step.recordings == 5


def test_warns_once_after_warn_after_recordings():
    def f(x):
        return dd.sum(x**2)

    step = dd.compile(f, warn_after=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 9):
            step(np.ones(n))
    assert step.recordings == 8
    (warning,) = caught
    assert issubclass(warning.category, dd.RecordingWarning)
    assert warning.filename == __file__  # points at the call of the compiled function
    text = str(warning.message)
    assert "recorded 4 times" in text and "argument 0 (`x`) changed shape: (3,) -> (4,)" in text


def test_warn_after_none_never_warns_and_the_default_is_eight():
    def f(x):
        return dd.sum(x)

    quiet, default = dd.compile(f, warn_after=None), dd.compile(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 12):
            quiet(np.ones(n))
        for n in range(1, 9):
            default(np.ones(n))
        assert not caught
        default(np.ones(9))
    assert [w.category for w in caught] == [dd.RecordingWarning]
    with pytest.raises(ValueError, match="warn_after"):
        dd.compile(f, warn_after=-1)


# --- the digits example's training loop ----------------------------------------------------------


def test_the_digits_training_loop_records_once(monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "examples"))
    sys.modules.pop("digits", None)
    digits = pytest.importorskip("digits")
    X, y = dd.data.load_digits()
    model = dd.nn.MLP([64, 32, 10], activation="gelu", rng=0)
    opt = dd.optim.AdamW(model.parameters(), lr=2e-3)
    step = digits.compiled_step(model)
    history = digits.train(step, model, opt, (X[:640], y[:640]), (X[640:], y[640:]), 3, 32)
    steps = 3 * (640 // 32)
    assert (step.recordings, step.replays) == (1, steps - 1)
    assert history["loss"][-1] < history["loss"][0]
    # the last step again, against a fresh value_and_grad on new labels
    names = [n for n, _ in model.named_parameters()]
    values = [p.value for p in model.parameters()]

    def loss(values, images, labels):
        with model.with_parameters(dict(zip(names, values, strict=True))):
            return dd.nn.cross_entropy(model(images), labels)

    images, labels = X[:32], y[:32]
    (value, _), grads = step(values, images, labels)
    assert_same((value, grads), dd.value_and_grad(loss)(values, images, labels))
    sys.modules.pop("digits", None)
