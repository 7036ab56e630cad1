"""Training checkpoints resume exactly: 10 epochs straight equal 5 epochs, a save, a load
into fresh objects and 5 more, bit for bit (data shuffling and dropout included)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import nn, optim

RNG = np.random.default_rng(7)
X = RNG.standard_normal((37, 3))  # 37 samples, batches of 8: the last batch is short
Y = np.sin(X @ np.array([[1.0], [-2.0], [0.5]]))

OPTIMIZERS = {
    "sgd-momentum": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd-nesterov": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda ps: optim.Adam(ps, lr=optim.StepDecay(1e-2, every=7, gamma=0.5)),
    "adamw": lambda ps: optim.AdamW(ps, lr=optim.CosineDecay(1e-2, total_steps=40)),
}


def model(seed: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(3, 16, rng=seed),
        nn.Tanh(),
        nn.Dropout(0.3, rng=seed + 1),
        nn.Linear(16, 1, rng=seed + 2),
    )


def run(make_opt, epochs: int, seed: int, **kw):
    m = model(seed)
    opt = make_opt(m.parameters())
    hist = nn.fit(m, nn.mse_loss, opt, (X, Y), epochs, batch_size=8, rng=seed + 3, **kw)
    return m, opt, hist


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_is_bit_for_bit(name: str, tmp_path: Path) -> None:
    make = OPTIMIZERS[name]
    straight, opt_a, hist_a = run(make, 10, seed=0)
    path = tmp_path / "run.npz"
    run(make, 5, seed=0, checkpoint=path)
    # fresh objects, built differently: everything that matters comes from the file
    resumed, opt_b, hist_b = run(make, 10, seed=99, resume=path)
    for (na, a), (nb, b) in zip(
        straight.named_parameters(), resumed.named_parameters(), strict=True
    ):
        assert na == nb and np.array_equal(a.value, b.value), na
    assert hist_b["loss"] == hist_a["loss"] and len(hist_b["loss"]) == 10
    assert opt_b.steps == opt_a.steps == 10 * 5  # 37 samples in batches of 8: 5 steps an epoch
    state_a, state_b = opt_a.state_dict(), opt_b.state_dict()
    assert state_a.keys() == state_b.keys()
    assert all(np.array_equal(state_a[k], state_b[k]) for k in state_a)


def test_resume_restores_the_best_epoch_saved_before_the_stop(tmp_path: Path) -> None:
    """With restore_best, the best epoch's parameters travel in the checkpoint: here the
    validation targets are -Y, so the validation loss is best early and worsens as the
    model learns Y; the best epoch lies before the save and the resumed run restores it."""
    make, kw = OPTIMIZERS["adam"], {"val_data": (X, -Y), "patience": 20}
    straight, _, hist_a = run(make, 10, seed=0, **kw)
    assert hist_a.best_epoch is not None and hist_a.best_epoch <= 5
    path = tmp_path / "run.npz"
    run(make, 5, seed=0, checkpoint=path, **kw)
    resumed, _, hist_b = run(make, 10, seed=99, resume=path, **kw)
    assert hist_b.best_epoch == hist_a.best_epoch
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert np.array_equal(a.value, b.value)


def test_resume_without_the_file_is_not_the_same(tmp_path: Path) -> None:
    """The test above would pass vacuously if the seeds alone decided the run: they do not."""
    straight, _, _ = run(OPTIMIZERS["adam"], 10, seed=0)
    other, _, _ = run(OPTIMIZERS["adam"], 10, seed=99)
    assert not np.array_equal(straight.parameters()[0].value, other.parameters()[0].value)


def test_a_checkpoint_is_one_npz_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"
    run(OPTIMIZERS["sgd-momentum"], 2, seed=0, checkpoint=path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]  # no temporary left
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        assert str(archive["format"]) == "dualdiff-checkpoint-1" and int(archive["epoch"]) == 2
        assert all(archive[k].dtype != object for k in names)
    assert {"model/layers.0.weight", "optimizer/steps", "rng/fit"} <= names
    assert "rng/module/layers.2" in names and "optimizer/param.0.velocity" in names
    info = nn.load_checkpoint(path, model(5), OPTIMIZERS["sgd-momentum"](model(5).parameters()))
    assert info.epoch == 2 and len(info.history["loss"]) == 2


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_round_trip(name: str) -> None:
    m = model(0)
    opt = OPTIMIZERS[name](m.parameters())
    for _ in range(3):
        opt.zero_grad()
        with dd.Tape():
            loss = nn.mse_loss(m(X), Y)
        loss.backward()
        opt.step()
    state = opt.state_dict()
    fresh = OPTIMIZERS[name](model(1).parameters())
    fresh.load_state_dict(state)
    assert fresh.steps == 3 and fresh.lr == opt.lr
    again = fresh.state_dict()
    assert all(np.array_equal(state[k], again[k]) for k in state)


def test_schedules_state() -> None:
    s = optim.StepDecay(0.1, every=3, gamma=0.5)
    t = optim.StepDecay(1.0, every=1)
    t.load_state_dict(s.state_dict())
    assert [t(k) for k in range(7)] == [s(k) for k in range(7)]
    c, d = optim.CosineDecay(0.2, 10, 0.01), optim.CosineDecay(1.0, 1)
    d.load_state_dict(c.state_dict())
    assert d(4) == c(4)
    with pytest.raises(ValueError, match="lacks"):
        d.load_state_dict({"lr": 1.0})


def test_loads_are_shape_checked(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"
    run(OPTIMIZERS["adam"], 1, seed=0, checkpoint=path)
    wide = nn.Sequential(nn.Linear(3, 8, rng=0), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 1))
    before = wide.parameters()[0].value.copy()
    with pytest.raises(nn.CheckpointError, match=r"\(3, 16\).*\(3, 8\)"):
        nn.load_checkpoint(path, wide, optim.Adam(wide.parameters()))
    assert np.array_equal(wide.parameters()[0].value, before)  # nothing changed
    m = model(0)
    small = optim.Adam(m.parameters()[:2])
    with pytest.raises(nn.CheckpointError, match="parameter 2"):
        nn.load_checkpoint(path, m, small)
    sgd = optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(nn.CheckpointError, match="settings"):
        nn.load_checkpoint(path, m, sgd)


def test_a_file_that_is_not_a_checkpoint(tmp_path: Path) -> None:
    m = model(0)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, obj=np.array([{"a": 1}], dtype=object))
    raw = tmp_path / "raw.npy"
    raw.write_bytes(pickle.dumps({"a": 1}))
    for path in (text, pickled, raw):
        with pytest.raises(nn.CheckpointError, match="not a dualdiff checkpoint") as info:
            nn.load_checkpoint(path, m)
        assert "allow_pickle" not in str(info.value)
    plain = nn.save(m, tmp_path / "model.npz")  # a model file is not a training checkpoint
    with pytest.raises(nn.CheckpointError, match=r"dd\.nn\.load"):
        nn.load_checkpoint(plain, m)
