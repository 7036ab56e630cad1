"""The command line: the tour end to end, rules, check, help and exit codes."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.cli import main
from dualdiff.teach import plots
from dualdiff.teach.tour import CHAPTERS, report_data

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "dualdiff", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The whole tour, run once the README's way (``python -m dualdiff tour``)."""
    cwd = tmp_path_factory.mktemp("tour")
    done = run_cli("tour", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout, cwd / "dualdiff-tour"


def chapter(text: str, k: int) -> str:
    """The output of chapter k."""
    parts = re.split(r"^== Chapter (\d+): .* ==$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))[str(k)]


def test_tour_walks_every_chapter(tour) -> None:
    out, _ = tour
    assert [int(k) for k in re.findall(r"^== Chapter (\d+):", out, re.M)] == list(range(1, 11))
    seconds = float(re.search(r"The tour took ([\d.]+) s", out).group(1))
    assert seconds > 0


def test_chapter_1_numeric_error(tour) -> None:
    text = chapter(tour[0], 1)
    # x = 2, h = 0.01: (2.01³ - 8) / 0.01 = 12.0601, error 3·2·0.01 + 0.01² = 0.0601
    assert re.search(r"^2\s+12\s+12\.060100\s+0\.060100\s+0\.060100$", text, re.M)
    assert "forward-mode AD: 12.0, exact" in text


def test_chapter_2_rules(tour) -> None:
    text = chapter(tour[0], 2)
    assert "∂/∂x = 1/x" in text and "∂/∂y = " in text and "where(x = 0" in text
    assert "d(x³)/dx = 3·2² = 12.0" in text and "d(ln x)/dx = 1/2 = 0.5" in text


def test_chapter_3_forward_trace(tour) -> None:
    text = chapter(tour[0], 3)
    for value in ("0.693147", "-0.958924", "10.6931", "11.6521"):
        assert value in text
    assert "df/dx1 = 5.5" in text
    assert f"{2 - math.cos(5.0)!r}" in text


def test_chapter_4_reverse_trace(tour) -> None:
    text = chapter(tour[0], 4)
    assert f"(5.5, {2 - math.cos(5.0)!r})" in text
    assert re.search(r"^x̄₂ = v̄₀\s+1\.71634$", text, re.M)


def test_chapter_5_grid_minimum(tour) -> None:
    text = chapter(tour[0], 5)
    assert "(0.0, 0.0, 0.0, 0.0, 0.0)" in text
    assert re.search(r"^ -1\.0\s+2\.00\s+1\.64", text, re.M)  # f(-1, -1) = 2, f(-0.8, -1) = 1.64


def test_chapter_6_descent(tour) -> None:
    text = chapter(tour[0], 6)
    assert f"After 10 steps x = {0.4**10!r}"[:28] in text  # 0.4**10 up to the last ulp
    assert re.search(r"^\s+10\s+0\.000104858\s+0\.000104858\s+0\.000104858$", text, re.M)


def test_chapter_7_linear_regression_matches_numpy(tour) -> None:
    text = chapter(tour[0], 7)
    x, y = report_data()
    w = 0.1 * np.random.default_rng(42).standard_normal((1, 1))
    b = np.zeros(1)
    for _ in range(100):  # hand-written gradient of mean((x w + b - y)²)
        r = x @ w + b - y
        w, b = w - 0.01 * 2 * x.T @ r / len(x), b - 0.01 * 2 * r.mean(axis=0)
    assert f"w = {w[0, 0]:.4f}, b = {b[0]:.4f}" in text
    assert "The loss fell at every step: True" in text


def test_chapter_8_mlp_learns(tour) -> None:
    text = chapter(tour[0], 8)
    final = float(re.search(r"final loss ([\d.]+)", text).group(1))
    first = float(re.search(r"^\s+1\s+([\d.]+)$", text, re.M).group(1))
    assert final < 0.05 < first


def test_chapter_9_modes(tour) -> None:
    text = chapter(tour[0], 9)
    assert "Both modes agree on df/dx1: forward 5.5, reverse 5.5" in text
    assert re.search(r"ops \(tape entries\)\s+5", text)
    assert (
        len(re.findall(r"^\s*\d+\s+\d+\s+[\d.]+ µs\s+[\d.]+ µs\s+(forward|reverse)$", text, re.M))
        == 16
    )


def test_chapter_10_static_and_dynamic(tour) -> None:
    text = chapter(tour[0], 10)
    assert "same gradients: True; recordings 1" in text
    assert "gives 4.0: wrong" in text and "the program itself gives 2.0" in text
    assert "f(-2) = 2.0, f'(-2) = -1.0, recordings 2" in text


def test_tour_pictures(tour) -> None:
    _, out = tour
    names = {p.name for p in out.iterdir()}
    assert "report_graph.dot" in names
    if plots.available():
        for name in ("numeric_error.png", "descent.png", "linear_loss.png", "loss_curves.png"):
            assert (out / name).stat().st_size > 2000, name
        assert (out / "cost.png").read_bytes().startswith(b"\x89PNG")
    if shutil.which("dot"):
        assert (out / "report_graph.png").read_bytes().startswith(b"\x89PNG")


def test_tour_without_matplotlib_is_text_only(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(plots, "available", lambda: False)
    assert main(["tour", "--chapter", "6", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "matplotlib is not installed: the tour runs as text only" in out
    assert "0.000104858" in out
    assert not list(tmp_path.glob("*.png"))


NO_MATPLOTLIB = """
import sys
sys.modules["matplotlib"] = None  # as if it were not installed: importing it fails
from dualdiff.cli import main
sys.exit(main(["tour", "--out", sys.argv[1]]))
"""


def test_whole_tour_runs_without_matplotlib(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", NO_MATPLOTLIB, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("matplotlib is not installed: the tour runs as text only")
    assert "== Chapter 10: Static and dynamic graphs ==" in done.stdout
    # only Graphviz may have drawn something: the graph
    assert {p.name for p in tmp_path.glob("*.png")} <= {"report_graph.png"}


def test_tour_without_graphviz_keeps_the_dot_text(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["tour", "--chapter", "3", "--out", str(tmp_path)]) == 0
    assert "apt-get install graphviz" in capsys.readouterr().out
    assert (tmp_path / "report_graph.dot").read_text().startswith("digraph")


def test_tour_list_and_bad_chapter(capsys) -> None:
    assert main(["tour", "--list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(CHAPTERS)
    assert main(["tour", "--chapter", str(len(CHAPTERS) + 1)]) == 2
    assert "there is no chapter 11" in capsys.readouterr().err


# --- rules and check ---------------------------------------------------------------


def test_rules_lists_every_op(capsys) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for name in dd.REGISTRY:
        assert re.search(rf"^{name} \(", out, re.M), name
    assert "∂/∂x = cos(x)" in out  # sin
    assert "∂/∂x = 1 - ans · ans" in out  # tanh, from its rule 1 - tanh²
    assert "vjp[x] = g @ transpose(y, axes=(1, 0))" in out  # matmul
    assert f"{len(dd.REGISTRY)} op(s)" in out


def test_rules_of_named_ops_and_latex(capsys) -> None:
    assert main(["rules", "log", "--latex"]) == 0
    assert r"∂/∂x = \frac{1}{x}" in capsys.readouterr().out
    assert main(["rules", "no_such_op"]) == 2
    assert "no op named 'no_such_op'" in capsys.readouterr().err


def test_check_the_whole_registry(capsys) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    n = len(dd.REGISTRY)
    summary = re.search(r"(\d+) ops, (\d+) checks: (\d+) ok, 0 failed, 0 skipped", out)
    assert summary and int(summary.group(1)) == n
    assert "sin  " in out and "sympy" in out


def test_check_one_op_first_order(capsys) -> None:
    assert main(["check", "tanh", "--order", "1", "--no-sympy"]) == 0
    out = capsys.readouterr().out
    assert "check_grad order 1" in out and "order 2" not in out and "sympy" not in out
    assert main(["check", "nope"]) == 2


WRONG_OP = """
import sys
import numpy as np
import dualdiff as dd
from dualdiff.cli import main
# d/dx sin x is cos x; this rule says sin x: the check must catch it
dd.register_op("wrong_sin", np.sin, jvp=lambda t, ans, x: t * dd.sin(x),
               vjp=lambda g, ans, x: g * dd.sin(x))
sys.exit(main(["check", "wrong_sin", "--order", "1"]))
"""


def test_check_catches_a_wrong_rule(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", WRONG_OP], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "wrong_sin  check_grad order 1  FAILED" in done.stdout
    assert "FAILED: wrong_sin" in done.stdout


# --- help and usage --------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["tour", "--help"], ["rules", "-h"], ["check", "-h"]])
def test_help_everywhere(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: python -m dualdiff" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv", [[], ["bogus"], ["tour", "--chapter", "x"], ["check", "--order", "3"]]
)
def test_usage_errors_exit_2(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_module_entry_point(tmp_path: Path) -> None:
    done = run_cli("tour", "--list", cwd=tmp_path)
    assert done.returncode == 0 and "Static and dynamic graphs" in done.stdout
    assert run_cli("frobnicate", cwd=tmp_path).returncode == 2


def test_rules_into_a_closed_pipe_exits_quietly() -> None:
    """`python -m dualdiff rules | head -1`: the reader has gone before the output comes;
    the command stops quietly with exit 0 instead of a BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dualdiff", "rules"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err
