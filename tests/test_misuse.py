"""Every misuse gets a specific exception whose message names the op or argument and
says what to do, and leaves no global state behind (no open level, no active tape,
the registry unchanged: the ``unchanged_global_state`` fixture checks each case).

The table lists each misuse once: what is called, the exception expected, and
words its message must contain (the op or argument, the shapes or types, the fix).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dualdiff as dd

pytestmark = pytest.mark.usefixtures("unchanged_global_state")


@dataclass(frozen=True)
class Misuse:
    name: str
    call: Callable[[], Any]
    error: type[BaseException]
    words: tuple[str, ...]


def dual(v: Any) -> dd.Dual:
    v = np.asarray(v, dtype=float)
    return dd.Dual(v, np.ones_like(v))


def _var_of_finished_tape_in_new_tape() -> None:
    with dd.Tape():
        x = dd.Var(1.0)
        y = x * 2.0
    with dd.Tape():
        y * 3.0


def _backward_of_vector() -> None:
    with dd.Tape():
        y = dd.Var(np.ones(3)) * 2.0
    y.backward()


def _gradient_wrt_non_var() -> None:
    with dd.Tape() as tape:
        y = dd.Var(1.0) * 2.0
    tape.gradient(y, [1.0])


def _tape_entered_twice() -> None:
    tape = dd.Tape()
    with tape:
        pass
    with tape:
        pass


def _assign_data_while_recording() -> None:
    with dd.Tape():
        x = dd.Var(1.0)
        x.data = 2.0


def _element_assignment() -> None:
    a = np.zeros(3)
    a[0] = dd.Dual(1.0, 1.0)


def _slice_assignment() -> None:
    a = np.zeros(3)
    a[:] = dd.Var(np.ones(3))


def _vjp_cotangent_of_wrong_shape() -> None:
    _, pullback = dd.vjp(lambda x: x * 2.0, np.ones(3))
    pullback(np.ones(2))


def _reduce_of_ufunc() -> None:
    np.add.reduce(dual([1.0, 2.0]))


CORE = [
    # shapes and broadcasting
    Misuse(
        "broadcast failure",
        lambda: dd.add(dual(np.ones(3)), np.ones(4)),
        ValueError,
        ("'add'", "(3,)", "(4,)", "broadcast"),
    ),
    Misuse(
        "matmul core dimensions",
        lambda: dd.Var(np.ones((2, 3))) @ np.ones((4, 5)),
        ValueError,
        ("'matmul'", "(2, 3)", "(4, 5)", "check the shapes"),
    ),
    Misuse(
        "reshape to another size",
        lambda: dd.reshape(dual(np.ones(6)), (4, 2)),
        ValueError,
        ("'reshape'", "(6,)", "(4, 2)"),
    ),
    Misuse(
        "concatenate mismatched",
        lambda: dd.concatenate([dual(np.ones((2, 3))), np.ones((2, 4))]),
        ValueError,
        ("'concatenate'", "(2, 3)", "(2, 4)"),
    ),
    Misuse(
        "tangent shape",
        lambda: dd.Dual(np.ones(3), np.ones(4)),
        ValueError,
        ("tangent", "(4,)", "(3,)", "give a tangent shaped"),
    ),
    Misuse(
        "axis out of bounds",
        lambda: dd.sum(dual(np.ones(3)), axis=3),
        ValueError,
        ("sum", "axis 3", "from -1 to 0"),
    ),
    Misuse(
        "axis of a wrong type",
        lambda: dd.mean(dual(np.ones(3)), axis=1.5),
        TypeError,
        ("mean", "axis must be", "1.5"),
    ),
    Misuse(
        "transpose axes",
        lambda: dd.transpose(dual(np.ones((2, 3))), (0, 0)),
        ValueError,
        ("transpose", "permutation"),
    ),
    Misuse(
        "float index array",
        lambda: dual([1.0, 2.0])[np.array([0.5])],
        IndexError,
        ("index", "float64", "astype(int)"),
    ),
    # wrong types
    Misuse("None into an op", lambda: dd.sin(None), TypeError, ("'sin'", "NoneType", "numbers")),
    Misuse(
        "string plus Dual",
        lambda: dd.Dual(1.0, 1.0) + "a",
        TypeError,
        ("'add'", "str", "numbers, numeric arrays"),
    ),
    Misuse(
        "object times Var",
        lambda: dd.Var(1.0) * object(),
        TypeError,
        ("'multiply'", "object", "numbers"),
    ),
    Misuse("Dual of a string", lambda: dd.Dual("abc"), TypeError, ("str", "np.asarray")),
    Misuse("Var of None", lambda: dd.Var(None), TypeError, ("NoneType", "numeric arrays")),
    Misuse(
        "grad at a string",
        lambda: dd.grad(lambda x: x)("a"),
        TypeError,
        ("grad", "str", "argnums"),
    ),
    Misuse(
        "grad of a non-function",
        lambda: dd.grad(3.0),
        TypeError,
        ("grad", "float", "the function itself"),
    ),
    Misuse(
        "op called with too many inputs",
        lambda: dd.sin(1.0, 2.0),
        TypeError,
        ("'sin'", "1 positional", "got 2"),
    ),
    # functions with no rule, conversions that drop the derivative
    Misuse(
        "NumPy function with no rule",
        lambda: np.nancumsum(dual([3.0, 1.0])),
        TypeError,
        ("np.nancumsum", "dd.register_op"),
    ),
    Misuse(
        "NumPy submodule function",
        lambda: np.linalg.eig(dd.Var(np.eye(2))),
        TypeError,
        ("np.linalg.eig", "dd.register_op"),
    ),
    Misuse(
        "ufunc with no rule",
        lambda: np.spacing(dual([8.0])),
        TypeError,
        ("np.spacing", "dd.register_op"),
    ),
    Misuse("ufunc method", _reduce_of_ufunc, TypeError, ("np.add.reduce", "dd.register_op")),
    Misuse(
        "ufunc out= argument",
        lambda: np.sin(dual([1.0]), out=np.zeros(1)),
        TypeError,
        ("np.sin", "out"),
    ),
    Misuse(
        "math.sin of a Dual",
        lambda: math.sin(dd.Dual(1.0, 1.0)),
        TypeError,
        ("math", "Dual", "dd.sin"),
    ),
    Misuse("float() of a Var", lambda: float(dd.Var(1.0)), TypeError, ("float()", "x.primal")),
    Misuse("int() of a Dual", lambda: int(dd.Dual(1.0)), TypeError, ("int()", "drop")),
    # tapes
    Misuse(
        "Var of a finished tape in a new one",
        _var_of_finished_tape_in_new_tape,
        dd.TapeError,
        ("'multiply'", "finished", "stop_gradient"),
    ),
    Misuse(
        "backward() with no tape",
        lambda: (dd.Var(1.0) * 2.0).backward(),
        dd.TapeError,
        ("backward()", "with dd.Tape()"),
    ),
    Misuse(
        "backward() of a vector",
        _backward_of_vector,
        ValueError,
        ("non-scalar", "(3,)", "output_gradient"),
    ),
    Misuse(
        "tape.gradient wrt a number",
        _gradient_wrt_non_var,
        TypeError,
        ("sources", "float", "dd.Var"),
    ),
    Misuse("Tape entered twice", _tape_entered_twice, dd.TapeError, ("records once", "new")),
    Misuse(
        ".data assigned while recording",
        _assign_data_while_recording,
        dd.TapeError,
        (".data", "after"),
    ),
    # in-place assignment
    Misuse(
        "x[i] = v on a Var",
        lambda: dd.Var(np.ones(3)).__setitem__(0, 1.0),
        TypeError,
        ("immutable", "dd.where"),
    ),
    Misuse(
        "Var into a NumPy slice",
        _slice_assignment,
        TypeError,
        ("NumPy array", "Var", "drop its derivative"),
    ),
    Misuse(
        # NumPy reports a sequence; dualdiff's reason is the chained cause
        "Dual into a NumPy element",
        _element_assignment,
        ValueError,
        ("Dual", "drop its derivative", "x.primal"),
    ),
    # transforms
    Misuse(
        "grad of a vector output",
        lambda: dd.grad(lambda x: x * 2.0)(np.ones(3)),
        ValueError,
        ("scalar", "(3,)", "dd.jacrev", "dd.vjp"),
    ),
    Misuse(
        "hvp of a vector output",
        lambda: dd.hvp(lambda x: x * 2.0, (np.ones(2),), (np.ones(2),)),
        ValueError,
        ("scalar", "(2,)"),
    ),
    Misuse(
        "argnums out of range",
        lambda: dd.grad(lambda x: x, argnums=5)(1.0),
        ValueError,
        ("argnums=5", "1 positional"),
    ),
    Misuse(
        "argnums of a wrong type",
        lambda: dd.grad(lambda x: x, argnums="0")(1.0),
        TypeError,
        ("argnums", "'0'", "int or a tuple"),
    ),
    Misuse(
        "has_aux without a pair",
        lambda: dd.grad(lambda x: x, has_aux=True)(1.0),
        ValueError,
        ("has_aux", "pair"),
    ),
    Misuse(
        "grad of a function returning None",
        lambda: dd.grad(lambda x: None)(1.0),
        TypeError,
        ("NoneType", "has_aux"),
    ),
    Misuse("complex input", lambda: dd.grad(lambda x: x)(1j), TypeError, ("complex", "real")),
    Misuse(
        "jvp tangents not a tuple",
        lambda: dd.jvp(lambda x: x, (1.0,), 1.0),
        TypeError,
        ("jvp", "tuples", "dd.jvp(f, (x,), (v,))"),
    ),
    Misuse(
        "jvp pytree mismatch",
        lambda: dd.jvp(lambda x: x, ([1.0, 2.0],), ([1.0],)),
        ValueError,
        ("tangent 0", "structure", "primal 0"),
    ),
    Misuse(
        "jvp tangent count",
        lambda: dd.jvp(lambda x, y: x, (1.0, 2.0), (1.0,)),
        ValueError,
        ("2 primal", "1 tangent", "one tangent per argument"),
    ),
    Misuse(
        "jvp leaf shape",
        lambda: dd.jvp(lambda x: x, (np.ones(3),), (np.ones(2),)),
        ValueError,
        ("tangent 0", "(2,)", "(3,)"),
    ),
    Misuse(
        "vjp cotangent shape",
        _vjp_cotangent_of_wrong_shape,
        ValueError,
        ("cotangent", "(2,)", "(3,)"),
    ),
    Misuse(
        "jacobian mode",
        lambda: dd.jacobian(lambda x: x, mode="both"),
        ValueError,
        ("mode", "'fwd'", "'rev'", "'both'"),
    ),
    Misuse(
        "jacfwd chunk size",
        lambda: dd.jacfwd(lambda x: x, chunk_size=0),
        ValueError,
        ("chunk_size", "positive"),
    ),
    # empty arrays
    Misuse(
        "max of an empty array",
        lambda: dd.max(dd.Var(np.array([]))),
        ValueError,
        ("'max'", "shape=(0,)", "zero-size"),
    ),
    # registering ops
    Misuse(
        "register an existing name",
        lambda: dd.register_op("sin", np.sin, jvp=None, vjp=None),
        ValueError,
        ("'sin'", "already registered", "another name"),
    ),
    Misuse(
        "register a rule that is not callable",
        lambda: dd.register_op("misuse_op", np.sin, jvp=3, vjp=None),
        TypeError,
        ("jvp", "'misuse_op'", "callable"),
    ),
    Misuse(
        "register unequal rule counts",
        lambda: dd.register_op("misuse_op", np.sin, jvp=(None, None), vjp=None),
        ValueError,
        ("'misuse_op'", "2 JVP", "1 VJP"),
    ),
]


# --- networks, optimizers and checkpoints ---------------------------------------------------


def mlp(sizes: list[int] | None = None) -> dd.nn.MLP:
    return dd.nn.MLP(sizes or [2, 3, 1], rng=0)


def _saved_checkpoint(folder: str) -> Path:
    return dd.nn.save(mlp(), Path(folder) / "model.npz")


def _load_missing() -> None:
    with tempfile.TemporaryDirectory() as folder:
        dd.nn.load(mlp(), Path(folder) / "absent.npz")


def _load_damaged(damage: Callable[[bytes], bytes]) -> Callable[[], None]:
    def call() -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = _saved_checkpoint(folder)
            path.write_bytes(damage(path.read_bytes()))
            dd.nn.load(mlp(), path)

    return call


def _load_into_another_model() -> None:
    with tempfile.TemporaryDirectory() as folder:
        dd.nn.load(mlp([2, 8, 1]), _saved_checkpoint(folder))


def _save_into_missing_folder() -> None:
    with tempfile.TemporaryDirectory() as folder:
        dd.nn.save(mlp(), Path(folder) / "no" / "such" / "model.npz")


NN = [
    Misuse(
        "negative learning rate",
        lambda: dd.optim.SGD(mlp().parameters(), lr=-0.1),
        ValueError,
        ("SGD", "lr", "at least 0", "-0.1"),
    ),
    Misuse(
        "learning rate of a wrong type",
        lambda: dd.optim.Adam(mlp().parameters(), lr="fast"),
        TypeError,
        ("Adam", "lr", "number", "str"),
    ),
    Misuse(
        "momentum of 1 or more",
        lambda: dd.optim.SGD(mlp().parameters(), lr=0.1, momentum=1.5),
        ValueError,
        ("momentum", "below 1", "1.5"),
    ),
    Misuse(
        "Adam beta2 of 1",
        lambda: dd.optim.Adam(mlp().parameters(), lr=0.1, betas=(0.9, 1.0)),
        ValueError,
        ("beta2", "below 1"),
    ),
    Misuse(
        "Adam eps of 0",
        lambda: dd.optim.Adam(mlp().parameters(), lr=0.1, eps=0.0),
        ValueError,
        ("eps", "above 0"),
    ),
    Misuse(
        "optimizer given the model",
        lambda: dd.optim.SGD(mlp(), lr=0.1),
        TypeError,
        ("SGD", "model.parameters()"),
    ),
    Misuse(
        "optimizer with no parameters",
        lambda: dd.optim.SGD([], lr=0.1),
        ValueError,
        ("SGD", "no parameters"),
    ),
    Misuse(
        "model input of a wrong width",
        lambda: mlp()(np.ones((4, 3))),
        ValueError,
        ("Linear(2, 3)", "(4, 3)", "in_features"),
    ),
    Misuse(
        "loss of mismatched shapes",
        lambda: dd.nn.mse_loss(np.ones((4, 1)), np.ones(4)),
        ValueError,
        ("mse_loss", "(4, 1)", "(4,)", "reshape"),
    ),
    Misuse(
        "class label out of range",
        lambda: dd.nn.cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        ("cross_entropy", "[0, 2]", "3 classes"),
    ),
    Misuse(
        "load a missing checkpoint",
        _load_missing,
        FileNotFoundError,
        ("absent.npz", "dd.nn.save"),
    ),
    Misuse(
        "load a truncated checkpoint",
        _load_damaged(lambda data: data[: len(data) // 2]),
        dd.nn.CheckpointError,
        ("model.npz", "truncated", "save the model again"),
    ),
    Misuse(
        "load a corrupt checkpoint",
        _load_damaged(lambda data: b"\x00" * len(data)),
        dd.nn.CheckpointError,
        ("model.npz", "corrupted"),
    ),
    Misuse(
        "load into a different model",
        _load_into_another_model,
        dd.nn.CheckpointError,
        ("model.npz", "(2, 3)", "(2, 8)", "same sizes"),
    ),
    Misuse(
        "save into a missing folder",
        _save_into_missing_folder,
        FileNotFoundError,
        ("save", "does not exist", "mkdir"),
    ),
]

TABLE = CORE + NN


def message_of(err: BaseException) -> str:
    """The message, with the chained cause's (NumPy wraps some of ours)."""
    parts = [str(err)]
    if err.__cause__ is not None:
        parts.append(str(err.__cause__))
    return "\n".join(parts)


def check(case: Misuse) -> None:
    with pytest.raises(case.error) as info:
        case.call()
    err = info.value
    text = message_of(err)
    missing = [w for w in case.words if w.lower() not in text.lower()]
    assert not missing, f"{case.name}: {missing} not in the message:\n{text}"


def test_the_table_covers_at_least_thirty_misuses() -> None:
    assert len({c.name for c in TABLE}) == len(TABLE) >= 30


@pytest.mark.parametrize("case", TABLE, ids=[c.name for c in TABLE])
def test_misuse(case: Misuse) -> None:
    check(case)
    # the library still works normally afterwards
    assert dd.grad(lambda x: x * x)(3.0) == 6.0


def test_a_save_that_fails_midway_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = mlp()
    path = dd.nn.save(old, tmp_path / "model.npz")
    before = path.read_bytes()
    write_array = np.lib.format.write_array

    def crash_after_the_first_array(f: Any, array: Any, **kwargs: Any) -> None:
        write_array(f, array, **kwargs)
        raise KeyboardInterrupt  # the process is stopped in the middle of the archive

    monkeypatch.setattr(np.lib.format, "write_array", crash_after_the_first_array)
    with pytest.raises(KeyboardInterrupt):
        dd.nn.save(dd.nn.MLP([2, 3, 1], rng=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left
    restored = dd.nn.load(dd.nn.MLP([2, 3, 1], rng=2), path)
    for a, b in zip(old.parameters(), restored.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


# --- the command line ------------------------------------------------------------------------

CLI = [
    ([], ("required", "COMMAND")),
    (["bogus"], ("invalid choice", "'bogus'", "tour")),
    (["tour", "--chapter", "99"], ("no chapter 99", "1 to 10", "--list")),
    (["tour", "--chapter", "abc"], ("--chapter", "invalid int value", "'abc'")),
    (["tour", "--out"], ("--out", "expected one argument")),
    (["rules", "nosuchop"], ("no op named 'nosuchop'", "python -m dualdiff rules")),
    (["check", "--order", "5"], ("--order", "invalid choice", "1, 2")),
]


@pytest.mark.parametrize(("argv", "words"), CLI, ids=[" ".join(a) or "nothing" for a, _ in CLI])
def test_command_line_misuse(
    argv: list[str], words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit status 2 (a usage error) and a message on stderr naming the argument."""
    from dualdiff.cli import main

    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    assert status == 2
    err = capsys.readouterr().err
    missing = [w for w in words if w not in err]
    assert not missing, f"{missing} not in:\n{err}"
