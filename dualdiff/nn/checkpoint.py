"""Checkpoints in ``.npz`` files, written atomically, read without pickle.

``save`` / ``load`` keep a model's parameters. ``save_checkpoint`` /
``load_checkpoint`` keep a whole training run in one file: the model, the
optimizer (its buffers and step count, the schedule), the epoch, the random
generators (the data shuffling's and each ``Dropout``'s) and the history, so
that ``fit(..., resume=path)`` continues exactly where the run stopped.

Every file is written to a temporary file in the target's folder, flushed to
disk (fsync) and only then renamed over the target (``os.replace``, atomic on
POSIX and Windows): a crash or an error mid-write leaves the previous file as
it was. Loads check names and shapes before anything changes.

Files hold NumPy arrays whatever the parameters' array namespace: a model trained
on the GPU (CuPy) saves to the same file as one trained by NumPy. A load puts the
values where the model's parameters live, or first moves the model to ``xp``.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .module import Module, _check_state

__all__ = ["Checkpoint", "CheckpointError", "load", "load_checkpoint", "save", "save_checkpoint"]

FORMAT = "dualdiff-checkpoint-1"  # the "format" entry of a training checkpoint


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or does not fit the model it is loaded into."""


def save(model: Module, path: str | os.PathLike[str]) -> Path:
    """Write ``model.state_dict()`` to ``path`` (an ``.npz`` archive, one array per
    parameter name) atomically; return the path."""
    if not isinstance(model, Module):
        raise TypeError(f"save: expected a dd.nn.Module, got {type(model).__name__}")
    return _write_atomically(path, model.state_dict(), "save")


def _write_atomically(path: str | os.PathLike[str], arrays: dict[str, Any], where: str) -> Path:
    """Write ``arrays`` as an ``.npz`` at ``path``: a temporary file, fsync, ``os.replace``."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{where}: the folder {os.fspath(folder)!r} does not exist; create it first, "
            "e.g. Path(folder).mkdir(parents=True)"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)
    return path


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    """The ``np.savez`` layout (one ``name.npy`` member per array), never pickling."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of the rename to disk where the OS allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def read(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint, by name; ``CheckpointError`` if it is unreadable."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no checkpoint at {name!r}: check the path, or write one first "
            "with dd.nn.save(model, path) or dd.nn.save_checkpoint(path, model, ...)"
        ) from None
    if head != b"PK\x03\x04":  # every .npz is a zip archive
        raise CheckpointError(
            f"{name!r} is not a dualdiff checkpoint: it is not an .npz archive (which "
            "dd.nn.save and dd.nn.save_checkpoint write), or one corrupted from its start"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as err:
        if "pickle" not in str(err):
            raise _damaged(name, err) from err
        raise CheckpointError(
            f"{name!r} is not a dualdiff checkpoint: it holds pickled Python objects, which "
            "dualdiff never writes and does not load (they can run code)"
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, struct.error) as err:
        raise _damaged(name, err) from err


def _damaged(name: str, err: Exception) -> CheckpointError:
    return CheckpointError(
        f"cannot read checkpoint {name!r}: it is truncated or corrupted "
        f"({type(err).__name__}: {err}); load an earlier copy or save the model again"
    )


def load(model: Module, path: str | os.PathLike[str], *, xp: Any = None) -> Module:
    """Load the checkpoint at ``path`` into ``model`` and return the model.

    The names and shapes must match the model's parameters exactly; otherwise
    ``CheckpointError`` lists the differences and the model is left unchanged.
    The values go to the array namespace of the model's parameters, or to ``xp``
    (``cupy`` ...) when given: the model is moved there first.
    """
    if not isinstance(model, Module):
        raise TypeError(f"load: expected a dd.nn.Module, got {type(model).__name__}")
    state = read(path)
    try:
        model.load_state_dict(state)
    except ValueError as err:
        raise CheckpointError(f"checkpoint {os.fspath(path)!r}: {err}") from err
    return model if xp is None else model.to(xp)


# --- training checkpoints ---------------------------------------------------------------


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` read besides the model and optimizer: the last finished
    epoch, the history up to it (name -> values per epoch), and the arrays of ``extra``."""

    epoch: int
    history: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Any = None,
    *,
    epoch: int = 0,
    rng: np.random.Generator | None = None,
    history: dict[str, list[float]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write one file holding a training run: ``model``'s parameters, ``optimizer``'s state,
    ``epoch``, the state of ``rng`` (e.g. the data shuffling's) and of every ``Dropout``'s
    generator, ``history`` and ``extra`` arrays. Atomic (see the module); returns the path."""
    if not isinstance(model, Module):
        raise TypeError(f"save_checkpoint: expected a dd.nn.Module, got {type(model).__name__}")
    arrays: dict[str, Any] = {"format": np.asarray(FORMAT), "epoch": np.asarray(int(epoch))}
    arrays |= {f"model/{k}": v for k, v in model.state_dict().items()}
    if optimizer is not None:
        arrays |= {f"optimizer/{k}": v for k, v in optimizer.state_dict().items()}
    if rng is not None:
        arrays["rng/fit"] = _rng_state(rng)
    for name, gen in _module_rngs(model):
        arrays[f"rng/module/{name}"] = _rng_state(gen)
    for key, values in (history or {}).items():
        arrays[f"history/{key}"] = np.asarray(values, dtype=float)
    arrays |= {f"extra/{k}": np.asarray(v) for k, v in (extra or {}).items()}
    return _write_atomically(path, arrays, "save_checkpoint")


def load_checkpoint(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Any = None,
    *,
    rng: np.random.Generator | None = None,
    xp: Any = None,
) -> Checkpoint:
    """Load a :func:`save_checkpoint` file into ``model``, ``optimizer`` and ``rng`` (and the
    model's ``Dropout`` generators); return the epoch, history and extras. Everything is
    checked (names, shapes) before anything changes. Parameters and the optimizer's
    buffers go to the namespace of the model's parameters, or to ``xp`` when given (the
    model is moved there first; build the optimizer on the same parameters)."""
    name = os.fspath(path)
    arrays = read(path)
    if str(arrays.get("format", "")) != FORMAT:
        raise CheckpointError(
            f"{name!r} is not a dualdiff training checkpoint (no format entry {FORMAT!r}): "
            "write one with dd.nn.save_checkpoint; a file of dd.nn.save loads with dd.nn.load"
        )
    part = lambda prefix: _part(arrays, prefix)
    model_state, opt_state = part("model/"), part("optimizer/")
    if optimizer is not None and not opt_state:
        raise CheckpointError(f"checkpoint {name!r} holds no optimizer state")
    rngs = part("rng/module/")
    try:
        _check_model(model, model_state)
        if xp is not None:
            model.to(xp)
        model.load_state_dict(model_state)
        if optimizer is not None:
            optimizer.load_state_dict(opt_state)
    except ValueError as err:
        raise CheckpointError(f"checkpoint {name!r}: {err}") from err
    if rng is not None and "rng/fit" in arrays:
        rng.bit_generator.state = json.loads(str(arrays["rng/fit"]))
    for mod_name, gen in _module_rngs(model):
        if mod_name in rngs:
            gen.bit_generator.state = json.loads(str(rngs[mod_name]))
    history = {k: [float(v) for v in vals] for k, vals in part("history/").items()}
    return Checkpoint(int(arrays["epoch"]), history, part("extra/"))


def _part(arrays: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The entries under ``prefix`` (``model/``, ``optimizer/`` ...), without it."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def _check_model(model: Module, state: dict[str, Any]) -> None:
    """Raise ``ValueError`` unless ``state`` fits ``model`` (before the optimizer changes)."""
    params = dict(model.named_parameters())
    _check_state(params, state, f"{type(model).__name__}.load_state_dict")


def _rng_state(gen: np.random.Generator) -> np.ndarray:
    """A generator's state as JSON text (its integers exceed 64 bits), an array NumPy
    stores without pickle."""
    return np.asarray(json.dumps(gen.bit_generator.state))


def _module_rngs(model: Module) -> list[tuple[str, np.random.Generator]]:
    """``(module name, generator)`` for every sub-module that draws random numbers."""
    return [
        (name or "root", m._rng)  # type: ignore[attr-defined]
        for name, m in model.named_modules()
        if isinstance(getattr(m, "_rng", None), np.random.Generator)
    ]
