"""Plots are written as non-empty PNG files; without matplotlib they fail with a clear message."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from dualdiff.teach import crossover, plots

PNG = b"\x89PNG\r\n\x1a\n"


def written(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(PNG) and len(data) > 2000


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


def test_loss_curves(mpl, tmp_path: Path) -> None:
    assert written(plots.plot_loss([1.0, 0.5, 0.25, 0.125], tmp_path / "loss.png"))
    curves = {"linear": [1.0, 0.4, 0.3], "mlp": [1.0, 0.2, 0.05]}
    assert written(plots.plot_loss(curves, tmp_path / "sub" / "two.png", log=False))


def test_descent_contours_field_and_path(mpl, tmp_path: Path) -> None:
    path = [(0.4**k, 0.4**k) for k in range(11)]
    out = plots.plot_descent(lambda x, y: x**2 + y**2, tmp_path / "descent.png", path)
    assert written(out)


def test_step_error_v_shape(mpl, tmp_path: Path) -> None:
    hs = np.logspace(-14, -1, 14)
    err = np.abs(((1.5 + hs) ** 3 - 1.5**3) / hs - 3 * 1.5**2)
    assert written(plots.plot_step_error({"forward": (hs, err)}, tmp_path / "err.png"))


def test_cost_against_n(mpl, tmp_path: Path) -> None:
    result = crossover([1, 2, 4], [1], repeat=1)
    assert written(plots.plot_cost(result, tmp_path / "cost.png"))


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'dualdiff-ad\[plot\]'"):
        plots.plot_loss([1.0, 0.5], tmp_path / "loss.png")
    assert not (tmp_path / "loss.png").exists()
