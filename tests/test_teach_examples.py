"""The examples that compare the modes run, and print the numbers they promise."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(code_or_script: str | Path, *args: str, cwd: Path) -> str:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, str(code_or_script), *args]
    if isinstance(code_or_script, str):
        cmd = [sys.executable, "-c", code_or_script, *args]
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_compare_modes(tmp_path: Path) -> None:
    out = run(ROOT / "examples" / "compare_modes.py", cwd=tmp_path)
    assert re.search(r"^df/dx1\s+5\.5\s+5\.5$", out, re.M)
    g2 = repr(2 - math.cos(5.0))
    assert re.search(rf"^df/dx2\s+{re.escape(g2)}\s+{re.escape(g2)}$", out, re.M)
    rows = re.findall(r"^\s*(\d+)\s+(\d+)\s+(\S+)\s+[\d.]+ ms\s+[\d.]+ ms\s+(\w+)$", out, re.M)
    assert len(rows) == 9
    assert all(float(diff) < 1e-14 for _, _, diff, _ in rows)  # the modes agree


def test_numeric_vs_ad(tmp_path: Path) -> None:
    out = run(ROOT / "examples" / "numeric_vs_ad.py", str(tmp_path), cwd=tmp_path)
    # the report's num_df at x = 3, h = 1e-3: error 3·3·1e-3 + 1e-6 = 9.001e-3
    assert re.search(r"^ 3\s+27\.0\s+27\.009001000\s+9\.001e-03\s+9\.001e-03$", out, re.M)
    assert "x³ at x = 2.0: exact derivative by AD = 12.0" in out
    assert f"exact derivative by AD = {math.cos(1.0)!r}" in out
    if "picture:" in out:
        assert (tmp_path / "numeric_vs_ad.png").stat().st_size > 2000


def test_evaluation_trace(tmp_path: Path) -> None:
    out = run(ROOT / "examples" / "evaluation_trace.py", str(tmp_path), cwd=tmp_path)
    assert "v̇₂ = v̇₋₁ · v₀ + v̇₀ · v₋₁" in out and "x̄₂ = v̄₀" in out
    assert "| v₁ = log(v₋₁) | 0.693147 |" in out
    assert out.count(" -> ") == 8
    assert (tmp_path / "trace.tex").read_text().startswith(r"\begin{tabular}")
    graph = tmp_path / ("evaluation_trace.svg" if shutil.which("dot") else "evaluation_trace.dot")
    assert graph.stat().st_size > 100


FORWARD_ONLY = """
from dualdiff import Dual, sin
y = sin(Dual(0.0, 1.0)) * 3.0
assert (y.primal, y.tangent) == (0.0, 3.0)
print("forward only: ok")
"""

REVERSE_ONLY = """
from dualdiff import Tape, Var, sin
with Tape() as tape:
    x = Var(0.0)
    y = sin(x) * 3.0
assert tape.gradient(y, x) == 3.0
print("reverse only: ok")
"""


@pytest.mark.parametrize("code", [FORWARD_ONLY, REVERSE_ONLY], ids=["Dual", "Tape"])
def test_one_mode_alone(code: str, tmp_path: Path) -> None:
    assert run(code, cwd=tmp_path).strip().endswith(": ok")
