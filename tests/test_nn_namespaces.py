"""dd.nn and dd.optim on an array namespace other than NumPy: ``array_api_strict``.

Parameters live on the strict namespace's ``device1``, where an array refuses any
conversion to NumPy (``np.asarray`` raises) and any mixing with arrays of another
device: a hidden NumPy call in a layer, a loss, an optimizer or the training loop fails
loudly. The reference is the same code on NumPy, from the same seed: training must agree
step by step, and checkpoints written on one backend load on the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dualdiff as dd
from dualdiff._namespace import namespace, to_numpy

xp = pytest.importorskip("array_api_strict")
DEVICE = xp.Device("device1")
SIZES = [64, 256, 10]  # the digits MLP (examples/digits.py)


def on_device(value: Any) -> Any:
    return xp.asarray(value, device=DEVICE)


def strict_model(**kw: Any) -> dd.nn.Module:
    return dd.nn.MLP(SIZES, rng=0, **kw).to(xp, device=DEVICE)


def assert_on_device(value: Any) -> None:
    assert namespace(value) is xp and value.device == DEVICE


def assert_same_parameters(model: dd.nn.Module, reference: dd.nn.Module, rtol: float) -> None:
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(p.value), q.value, rtol=rtol, atol=1e-14, err_msg=name)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """200 digits (64 pixels in [0, 1]) and their labels."""
    pytest.importorskip("sklearn")
    X, y = dd.data.load_digits()
    return X[:200], y[:200]


def test_mlp_on_a_namespace_has_numpy_s_weights_from_the_same_seed() -> None:
    reference = dd.nn.MLP(SIZES, rng=3)
    for model in (dd.nn.MLP(SIZES, rng=3, xp=xp), dd.nn.MLP(SIZES, rng=3).to(xp)):
        for p, q in zip(model.parameters(), reference.parameters(), strict=True):
            assert namespace(p.value) is xp and p.value.dtype == xp.float64
            np.testing.assert_array_equal(to_numpy(p.value), q.value)
    single = dd.nn.Linear(4, 3, rng=1, dtype=np.float32, xp=xp)
    assert single.weight.value.dtype == xp.float32
    back = strict_model().to(np)
    assert all(type(p.value) is np.ndarray for p in back.parameters())
    assert_same_parameters(back, dd.nn.MLP(SIZES, rng=0), rtol=0)


OPTIMIZERS = {
    "sgd": lambda ps: dd.optim.SGD(ps, lr=0.1),
    "nesterov+decay": lambda ps: dd.optim.SGD(
        ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3
    ),
    "adam+clip": lambda ps: dd.optim.Adam(ps, lr=1e-2, max_grad_norm=0.5),
    "adamw+cosine": lambda ps: dd.optim.AdamW(ps, lr=dd.optim.CosineDecay(1e-2, 5)),
}


def train(model: dd.nn.Module, opt: Any, X: Any, labels: Any, steps: int) -> list[float]:
    """``steps`` full-batch steps of softmax cross-entropy; the loss of each."""
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.cross_entropy(model(X), labels)
        loss.backward()
        opt.step()
        losses.append(float(loss.value))
    return losses


@pytest.mark.parametrize("make_opt", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one-hot"])
def test_training_steps_match_numpy(digits, make_opt, one_hot: bool) -> None:
    X, y = digits
    target = dd.data.one_hot(y, 10) if one_hot else y
    reference = dd.nn.MLP(SIZES, rng=0)
    expected = train(reference, make_opt(reference.parameters()), X, target, 5)
    model = strict_model()
    opt = make_opt(model.parameters())
    got = train(model, opt, on_device(X), on_device(target), 5)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert_same_parameters(model, reference, rtol=1e-10)
    for p, state in zip(model.parameters(), opt._states, strict=True):
        assert_on_device(p.value)
        assert_on_device(p.grad)
        for key, buffer in state.items():
            if key != "t":
                assert_on_device(buffer)
    assert expected[-1] < expected[0]


def test_numpy_labels_beside_device_logits_are_moved(digits) -> None:
    X, y = digits
    model = strict_model()
    with dd.Tape():
        loss = dd.nn.cross_entropy(model(on_device(X)), y)  # labels as NumPy
    expected = dd.nn.cross_entropy(dd.nn.MLP(SIZES, rng=0)(X), y)
    assert float(loss.value) == pytest.approx(float(expected.value), rel=1e-13)
    mse = dd.nn.mse_loss(model(on_device(X)), dd.data.one_hot(y, 10))
    assert_on_device(mse.value)


def test_cross_entropy_checks_labels_on_the_device() -> None:
    logits = on_device(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\].*\[4\]"):
        dd.nn.cross_entropy(logits, on_device(np.array([0, 4, 1])))
    with pytest.raises(TypeError, match="class labels must be integers"):
        dd.nn.cross_entropy(logits, on_device(np.array([0.0, 1.0, 1.0])))


def test_functional_style_update_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((20, 3)), rng.standard_normal(20)
    loss = lambda w, A, b: dd.nn.mse_loss(dd.matmul(A, w), b)  # A @ w: A would refuse a Var

    def run(to: Any) -> Any:
        w = to(np.zeros(3))
        opt = dd.optim.Adam(w, lr=0.1)
        for _ in range(10):
            w = opt.update(w, dd.grad(loss)(w, to(A), to(b)))
        return w

    w = run(on_device)
    assert_on_device(w)
    np.testing.assert_allclose(to_numpy(w), run(np.asarray), rtol=1e-12)


def test_fit_and_evaluate_move_numpy_data_to_the_model(digits) -> None:
    X, y = digits
    kw = dict(batch_size=50, rng=0, metrics={"accuracy": dd.nn.accuracy}, val_data=(X, y))

    def run(model: dd.nn.Module) -> tuple[Any, dict[str, float]]:
        opt = dd.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        history = dd.nn.fit(model, dd.nn.cross_entropy, opt, (X, y), 3, **kw)
        return history, dd.nn.evaluate(model, dd.nn.cross_entropy, (X, y))

    strict_history, strict_eval = run(strict_model())
    history, evaluation = run(dd.nn.MLP(SIZES, rng=0))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(strict_history[key], history[key], rtol=1e-12)
    assert strict_eval == pytest.approx(evaluation, rel=1e-12)


def test_batches_keep_the_data_s_namespace() -> None:
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    expected = list(dd.data.batches(X, y, 4, rng=1))
    got = list(dd.data.batches(on_device(X), on_device(y), 4, rng=1))
    assert len(got) == len(expected) == 3
    for (xb, yb), (xe, ye) in zip(got, expected, strict=True):
        assert_on_device(xb)
        np.testing.assert_array_equal(to_numpy(xb), xe)
        np.testing.assert_array_equal(to_numpy(yb), ye)


def test_dropout_draws_the_numpy_mask() -> None:
    x = np.linspace(1.0, 2.0, 12).reshape(3, 4)
    got = dd.nn.Dropout(0.5, rng=7)(on_device(x))
    assert_on_device(got)
    np.testing.assert_array_equal(to_numpy(got), dd.nn.Dropout(0.5, rng=7)(x))


def test_clipping_on_the_device_matches_numpy() -> None:
    grads = [np.array([3.0, 4.0]), np.array([[12.0]])]
    assert dd.optim.global_norm([on_device(g) for g in grads]) == pytest.approx(13.0, rel=1e-15)
    clipped, norm = dd.optim.clip_by_global_norm([on_device(g) for g in grads], 6.5)
    assert norm == pytest.approx(13.0)
    np.testing.assert_allclose(to_numpy(clipped[0]), [1.5, 2.0], rtol=1e-15)


# --- checkpoints -------------------------------------------------------------------------------


def test_parameters_saved_on_the_device_load_on_numpy_and_back(tmp_path: Path) -> None:
    model = strict_model()
    train(
        model,
        dd.optim.SGD(model.parameters(), lr=0.1),
        on_device(np.eye(64)),
        on_device(np.arange(64) % 10),
        2,
    )
    path = dd.nn.save(model, tmp_path / "mlp.npz")
    with np.load(path) as archive:  # plain NumPy arrays in the file
        assert sorted(archive.files) == sorted(name for name, _ in model.named_parameters())
    on_numpy = dd.nn.load(dd.nn.MLP(SIZES, rng=5), path)
    assert all(type(p.value) is np.ndarray for p in on_numpy.parameters())
    assert_same_parameters(model, on_numpy, rtol=0)
    again = dd.nn.load(dd.nn.MLP(SIZES, rng=5), path, xp=xp)
    assert all(namespace(p.value) is xp for p in again.parameters())
    assert_same_parameters(again, on_numpy, rtol=0)
    into_device = dd.nn.load(strict_model(), path)  # a model already on a backend stays there
    for p in into_device.parameters():
        assert_on_device(p.value)
    assert_same_parameters(into_device, on_numpy, rtol=0)


def test_a_training_checkpoint_resumes_on_the_other_backend(tmp_path: Path, digits) -> None:
    """Adam's buffers saved on the device and loaded into a NumPy run, and back: both runs
    continue as the uninterrupted run does."""
    X, y = digits
    model = strict_model()
    opt = dd.optim.Adam(model.parameters(), lr=1e-2)
    train(model, opt, on_device(X), on_device(y), 3)
    path = dd.nn.save_checkpoint(tmp_path / "run.npz", model, opt, epoch=3)
    expected = train(model, opt, on_device(X), on_device(y), 2)
    numpy_model = dd.nn.MLP(SIZES, rng=9)
    numpy_opt = dd.optim.Adam(numpy_model.parameters(), lr=1e-2)
    assert dd.nn.load_checkpoint(path, numpy_model, numpy_opt).epoch == 3
    np.testing.assert_allclose(train(numpy_model, numpy_opt, X, y, 2), expected, rtol=1e-12)
    moved_model = dd.nn.MLP(SIZES, rng=9)
    moved_opt = dd.optim.Adam(moved_model.parameters(), lr=1e-2)
    dd.nn.load_checkpoint(path, moved_model, moved_opt, xp=xp)  # to the default device
    moved = train(moved_model, moved_opt, xp.asarray(X), y, 2)
    np.testing.assert_allclose(moved, expected, rtol=1e-12)
    assert_same_parameters(moved_model, numpy_model, rtol=1e-12)


def test_a_failed_save_from_the_device_leaves_the_previous_file(
    tmp_path: Path, monkeypatch
) -> None:
    model = strict_model()
    path = dd.nn.save(model, tmp_path / "mlp.npz")
    before = path.read_bytes()
    model.parameters()[0].value = model.parameters()[0].value + 1.0
    from dualdiff.nn import checkpoint

    def broken(f: Any, arrays: dict[str, Any]) -> None:
        f.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint, "_write_npz", broken)
    with pytest.raises(OSError, match="disk full"):
        dd.nn.save(model, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.npz"]  # no temporary left
