"""The messages of common mistakes say what happened and what to write instead; the command
line's usage errors exit with 2; small things a careful reader notices."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import dualdiff as dd
from dualdiff.cli import main

ROOT = Path(__file__).resolve().parent.parent


def message(call) -> str:
    with pytest.raises(Exception) as info:
        call()
    return f"{type(info.value).__name__}: {info.value}"


# --- a list where an array was meant ----------------------------------------------------


@pytest.mark.parametrize("transform", [dd.grad, dd.jacfwd, dd.jacrev, dd.value_and_grad])
def test_a_list_argument_is_named_as_a_pytree(transform) -> None:
    text = message(lambda: transform(lambda x: dd.sum(x**2))([1.0, 2.0]))
    assert text.startswith("TypeError: unsupported operand")
    assert "argument 0 is a list" in text and "pytree" in text and "np.array(" in text


def test_a_list_given_to_an_op_is_named() -> None:
    text = message(lambda: dd.matmul(dd.Var(np.ones((2, 2))), [dd.Var(1.0), 2.0]))
    assert "is a list" in text and "np.array(" in text


def test_no_hint_without_a_list() -> None:
    text = message(lambda: dd.grad(lambda x: x + "a")(1.0))
    assert "pytree" not in text


# --- if on a traced array ------------------------------------------------------------------


def _branchy(x):
    if x > 0:
        return x
    return -x


@pytest.mark.parametrize("f", [_branchy, lambda x: x if x else -x])
def test_if_on_a_traced_array(f) -> None:
    text = message(lambda: dd.grad(lambda x: dd.sum(f(x)))(np.ones(3)))
    assert "ValueError" in text and "traced array of shape (3,)" in text
    assert "dd.where" in text and ".value" in text
    assert "a.any()" not in text


def test_if_on_a_traced_scalar_still_works() -> None:
    assert dd.grad(_branchy)(2.0) == 1.0 and dd.grad(_branchy)(-2.0) == -1.0
    x = dd.Var(np.arange(3.0))
    assert list(np.asarray(x > 0)) == [False, True, True]  # still a NumPy bool array
    assert repr(x > 0) == repr(np.arange(3.0) > 0)


# --- hessian of a vector-valued function ----------------------------------------------------


def test_hessian_of_a_vector_names_hessian_and_the_fix() -> None:
    text = message(lambda: dd.hessian(lambda x: x * 2.0)(np.ones(3)))
    assert text.startswith("ValueError: hessian requires a scalar output")
    assert "shape (3,)" in text and "dd.jacfwd(dd.jacrev(f))" in text
    assert "grad requires" not in text
    f = lambda x: dd.sin(x) * x
    h = dd.jacfwd(dd.jacrev(f))(np.array([0.3, 0.7]))  # the advised fix works
    x = np.array([0.3, 0.7])
    expected = 2 * np.cos(x) - x * np.sin(x)
    assert np.allclose(h[[0, 1], [0, 1], [0, 1]], expected) and h.shape == (2, 2, 2)


# --- registering a name again ------------------------------------------------------------------


def test_register_again_with_replace() -> None:
    dd.register_op("messages_twice", np.sin, jvp=lambda t, ans, x: t * dd.cos(x), vjp=None)
    text = message(lambda: dd.register_op("messages_twice", np.sin, jvp=None, vjp=None))
    assert "already registered" in text and "replace=True" in text
    f = dd.register_elementwise(
        "messages_twice", np.cos, derivs=lambda ans, x: -dd.sin(x), replace=True
    )
    assert dd.derivative(f)(0.5) == pytest.approx(-np.sin(0.5))
    assert dd.REGISTRY["messages_twice"].primal is np.cos


def test_a_builtin_op_is_never_replaced() -> None:
    rule = dd.REGISTRY["sin"]
    text = message(lambda: dd.register_op("sin", np.cos, jvp=None, vjp=None, replace=True))
    assert "already registered" in text and "dualdiff's own ops" in text
    assert dd.REGISTRY["sin"] is rule


# --- the command line ---------------------------------------------------------------------------


def test_tour_out_is_a_file(tmp_path, capsys) -> None:
    path = tmp_path / "somefile"
    path.write_text("keep me")
    assert main(["tour", "--chapter", "1", "--out", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
    assert path.read_text() == "keep me"


def test_tour_without_pictures_writes_nothing(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["tour", "--chapter", "3", "--no-pictures"]) == 0
    out = capsys.readouterr().out
    assert "[graph]" not in out and "not written" in out
    assert list(tmp_path.iterdir()) == []


def test_version() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dualdiff", "--version"], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.strip() == f"dualdiff {dd.__version__}"


# --- small things -------------------------------------------------------------------------------


def test_the_distribution_name_is_free_and_every_install_hint_uses_it() -> None:
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert name == "dualdiff-ad"  # `dualdiff` on the package index is an unrelated project
    files = [*ROOT.glob("dualdiff/**/*.py"), *ROOT.glob("docs/**/*.md"), ROOT / "README.md"]
    files += [*ROOT.glob("examples/*.py")]
    hints = [
        (p.name, m.group(0))
        for p in files
        for m in re.finditer(r"pip install\s+[\"']?([\w.\-]+)", p.read_text(encoding="utf-8"))
    ]
    assert hints
    bad = [(f, h) for f, h in hints if not re.search(r"dualdiff-ad|\"?\.\[|\.$| \.|-e", h)]
    bad = [(f, h) for f, h in bad if re.search(r"dualdiff\b", h)]
    assert not bad, bad


def test_readme_does_not_overstate_the_tour_time() -> None:
    assert "10 seconds" not in (ROOT / "README.md").read_text()
