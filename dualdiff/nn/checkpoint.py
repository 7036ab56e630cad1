"""Checkpoints: a model's parameters in a ``.npz`` file, written atomically, read without pickle.

``save`` writes to a temporary file in the target's folder, flushes it to disk
(fsync) and only then renames it over the target (``os.replace``, atomic on
POSIX and Windows): a crash or an error mid-write leaves the previous
checkpoint as it was. ``load`` checks names and shapes before it changes
anything in the model.
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .module import Module

__all__ = ["CheckpointError", "load", "save"]


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or does not fit the model it is loaded into."""


def save(model: Module, path: str | os.PathLike[str]) -> Path:
    """Write ``model.state_dict()`` to ``path`` (an ``.npz`` archive, one array per
    parameter name) atomically; return the path."""
    if not isinstance(model, Module):
        raise TypeError(f"save: expected a dd.nn.Module, got {type(model).__name__}")
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"save: the folder {os.fspath(folder)!r} does not exist; create it first, "
            "e.g. Path(folder).mkdir(parents=True)"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, model.state_dict())
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
    """The arrays of a checkpoint, by parameter name; ``CheckpointError`` if it is unreadable."""
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("the file holds a single array, not an archive of named arrays")
        with archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no checkpoint at {os.fspath(path)!r}: check the path, or write one first "
            "with dd.nn.save(model, path)"
        ) from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, struct.error) as err:
        raise CheckpointError(
            f"cannot read checkpoint {os.fspath(path)!r}: it is truncated, corrupted or not "
            f"an .npz written by dd.nn.save ({type(err).__name__}: {err}); load an earlier "
            "copy or save the model again"
        ) from err


def load(model: Module, path: str | os.PathLike[str]) -> Module:
    """Load the checkpoint at ``path`` into ``model`` and return the model.

    The names and shapes must match the model's parameters exactly; otherwise
    ``CheckpointError`` lists the differences and the model is left unchanged.
    """
    if not isinstance(model, Module):
        raise TypeError(f"load: expected a dd.nn.Module, got {type(model).__name__}")
    state = read(path)
    try:
        model.load_state_dict(state)
    except ValueError as err:
        raise CheckpointError(f"checkpoint {os.fspath(path)!r}: {err}") from err
    return model
