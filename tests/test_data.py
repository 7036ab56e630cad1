"""dd.data: batches, the train/test split, scaling, one-hot, scikit-learn's data sets."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import dualdiff as dd
from dualdiff import data

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_batches_cover_every_sample_once_in_a_seeded_order() -> None:
    parts = list(data.batches(X, Y, 4, rng=0))
    assert [len(xb) for xb, _ in parts] == [4, 4, 2]
    ys = np.concatenate([yb for _, yb in parts])
    assert sorted(ys) == list(range(10)) and list(ys) != list(range(10))
    for xb, yb in parts:  # rows stay paired with their targets
        np.testing.assert_array_equal(xb, X[yb])
    again = np.concatenate([yb for _, yb in data.batches(X, Y, 4, rng=0)])
    np.testing.assert_array_equal(ys, again)
    assert np.array_equal(ys, np.random.default_rng(0).permutation(10))


def test_batches_in_order_drop_last_and_without_targets() -> None:
    parts = list(data.batches(X, Y, 4, shuffle=False))
    np.testing.assert_array_equal(parts[0][1], [0, 1, 2, 3])
    assert [len(yb) for _, yb in data.batches(X, Y, 4, shuffle=False, drop_last=True)] == [4, 4]
    xs = [xb for xb, yb in data.batches(X, None, 5, shuffle=False)]
    assert len(xs) == 2 and all(yb is None for _, yb in data.batches(X, None, 5))


def test_batches_errors() -> None:
    with pytest.raises(ValueError, match=r"X has 10 samples .* y has shape \(9,\)"):
        list(data.batches(X, Y[:9], 2))
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        list(data.batches(X, Y, 0))
    with pytest.raises(TypeError, match="batch_size must be an int"):
        list(data.batches(X, Y, 2.5))


def test_train_test_split() -> None:
    Xtr, Xte, ytr, yte = data.train_test_split(X, Y, test_size=0.25, rng=0)
    assert (len(Xtr), len(Xte)) == (7, 3)  # ceil(0.25 * 10) test samples
    assert sorted(np.concatenate([ytr, yte])) == list(range(10))
    np.testing.assert_array_equal(Xtr, X[ytr])
    np.testing.assert_array_equal(Xte, X[yte])
    again = data.train_test_split(X, Y, test_size=0.25, rng=0)
    np.testing.assert_array_equal(again[3], yte)
    assert len(data.train_test_split(X, Y, test_size=4, rng=0)[1]) == 4
    with pytest.raises(ValueError, match="test_size must be in"):
        data.train_test_split(X, Y, test_size=1.5)
    with pytest.raises(ValueError, match="leaves an empty part"):
        data.train_test_split(X, Y, test_size=10)


def test_standardize_uses_training_statistics() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(50, 3))
    train[:, 2] = 7.0  # a constant feature
    test = rng.normal(3.0, 2.0, size=(5, 3))
    tr, te = data.standardize(train, test)
    np.testing.assert_allclose(tr[:, :2].mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(tr[:, :2].std(axis=0), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(tr[:, 2], 0.0)
    mu, sd = train.mean(axis=0), train.std(axis=0)
    np.testing.assert_allclose(te[:, :2], (test[:, :2] - mu[:2]) / sd[:2], rtol=1e-14)


def test_one_hot() -> None:
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        data.one_hot(np.array([2]), 2)
    with pytest.raises(TypeError, match="labels must be integers"):
        data.one_hot(np.array([0.5]))


def test_as_rng() -> None:
    gen = np.random.default_rng(3)
    assert data.as_rng(gen) is gen
    assert data.as_rng(3).random() == np.random.default_rng(3).random()
    with pytest.raises(TypeError, match="rng must be None, an integer seed"):
        data.as_rng(True)


@pytest.mark.parametrize(
    ("loader", "shape", "classes"),
    [
        (data.load_digits, (1797, 64), 10),
        (data.load_breast_cancer, (569, 30), 2),
        (data.load_diabetes, (442, 10), None),
    ],
)
def test_bundled_data_sets(loader, shape, classes) -> None:
    pytest.importorskip("sklearn")
    X, y = loader()
    assert X.shape == shape and X.dtype == np.float64 and len(y) == shape[0]
    if classes is not None:
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(classes))
    else:
        assert y.min() >= 25 and y.max() <= 346


def test_digits_pixels_are_scaled_to_the_unit_interval() -> None:
    pytest.importorskip("sklearn")
    X, _ = data.load_digits()
    assert X.min() == 0.0 and X.max() == 1.0


def test_loaders_say_how_to_install_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "dualdiff-ad\[data\]"'):
        dd.data.load_digits()
