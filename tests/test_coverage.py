"""docs/numpy-coverage.md is generated from the registry: the committed page must be the
one `python -m dualdiff coverage` writes, and its marks must agree with the ops' tables."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dualdiff import ops
from dualdiff.cli import main
from dualdiff.coverage import DIFFERENTIABLE, PLAIN, REASONS, UNSUPPORTED, coverage_page

PAGE = Path(__file__).resolve().parents[1] / "docs" / "numpy-coverage.md"
REGENERATE = "python -m dualdiff coverage > docs/numpy-coverage.md"
ROW = re.compile(r"^\| `([\w.]+)` \| ([^|]+) \| ([^|]+) \|$", re.M)  # function rows
VERSIONS = re.compile(r"registry with (.+?)\. Do not edit", re.S)


def rows(text: str) -> dict[str, tuple[str, str]]:
    return {name: (status, note) for name, status, note in ROW.findall(text)}


@pytest.fixture(scope="module")
def fresh() -> str:
    return coverage_page()


def test_the_committed_page_is_the_generated_one(fresh: str) -> None:
    committed = PAGE.read_text()
    stale = f"docs/numpy-coverage.md is out of date: regenerate it with `{REGENERATE}`"
    made_with = VERSIONS.search(committed)
    if made_with and made_with.group(1) == VERSIONS.search(fresh).group(1):  # type: ignore[union-attr]
        assert committed == fresh, stale
        return
    # another NumPy or SciPy lists other functions: the ones both list must agree
    old, new = rows(committed), rows(fresh)
    changed = sorted(n for n in old.keys() & new.keys() if old[n] != new[n])
    assert not changed, f"{stale} (changed: {changed[:10]})"


def test_every_row_is_marked_and_every_refusal_has_a_reason(fresh: str) -> None:
    table = rows(fresh)
    assert len(table) > 400
    reasons = {*REASONS, "no derivative rule yet (dd.register_op adds one)"}
    for name, (status, note) in table.items():
        assert status in (DIFFERENTIABLE, PLAIN, UNSUPPORTED), name
        if status == UNSUPPORTED:
            assert note in reasons, (name, note)


def test_known_marks(fresh: str) -> None:
    table = rows(fresh)
    assert table["np.sum"] == (DIFFERENTIABLE, "`dd.sum`")
    assert table["np.array"] == (DIFFERENTIABLE, "`dd.array`")  # called as dd.array
    assert table["np.absolute"] == (DIFFERENTIABLE, "`dd.abs`")  # the op behind it
    assert table["np.argmax"][0] == table["np.isfinite"][0] == table["np.zeros_like"][0] == PLAIN
    assert table["np.save"] == (UNSUPPORTED, "I/O: reads or writes files, buffers or text")
    assert table["np.bitwise_and"] == (UNSUPPORTED, "integers and bits: no derivative")
    assert table["np.zeros"][0] == UNSUPPORTED and "constant" in table["np.zeros"][1]
    if "scipy.special.erf" in table:
        assert table["scipy.special.erf"][0] == DIFFERENTIABLE


def test_every_numpy_callable_with_a_rule_is_marked_so(fresh: str) -> None:
    table = rows(fresh)
    for module in ops.MODULES:
        for fn in module.NUMPY:
            for namespace, short in ((np, "np"), (np.linalg, "np.linalg"), (np.fft, "np.fft")):
                for name in getattr(namespace, "__all__", ()):
                    if getattr(namespace, name, None) is fn and f"{short}.{name}" in table:
                        assert table[f"{short}.{name}"][0] != UNSUPPORTED, (short, name)


def test_the_command_prints_the_page(fresh: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage"]) == 0
    assert capsys.readouterr().out == fresh
