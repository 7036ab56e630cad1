"""Which SciPy function converted a traced value with ``np.asarray``, and its ``dd.scipy`` twin.

``scipy.linalg``, ``scipy.stats`` and parts of ``scipy.special`` convert their inputs
to NumPy arrays before anything could dispatch on them, so a Dual or Var cannot pass
through them. When that conversion fails, the frames that called it say which public
SciPy function the user called; the error then names the ``dd.scipy`` function to call
instead. Read only on that error path.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any


def _resolve(package: str, dotted: str) -> Any:
    """``package.dotted`` among the modules already imported, or None."""
    obj: Any = sys.modules.get(package)
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
    return obj


def _public(package: str, name: str) -> bool:
    """Whether SciPy has ``package.name`` as public API (``scipy.linalg.cholesky``, not
    ``scipy._lib._util.wrapper``)."""
    return not package.split(".")[1].startswith("_") and _resolve(package, name) is not None


def _candidates(frame: FrameType, module: str) -> Iterator[tuple[str, str]]:
    """(package, name) pairs that may be the public function running in ``frame``:
    its own name (``norm.logpdf`` for a distribution's method), and the SciPy functions
    it holds (the function a decorator wraps)."""
    package = ".".join(module.split(".")[:2])
    name = frame.f_code.co_name
    dist = getattr(frame.f_locals.get("self"), "name", None)
    if isinstance(dist, str):
        yield package, f"{dist}.{name}"
    yield package, name
    for value in frame.f_locals.values():
        owner = getattr(value, "__module__", None)
        if callable(value) and isinstance(owner, str) and owner.startswith("scipy."):
            yield ".".join(owner.split(".")[:2]), getattr(value, "__name__", "")


def _public_calls(frame: FrameType | None) -> list[tuple[str, str]]:
    """The public SciPy functions in the run of SciPy and NumPy frames from ``frame`` out,
    outermost (the user's call) first."""
    found: list[tuple[str, str]] = []
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("scipy.", "numpy")):
            break
        if module.startswith("scipy."):
            found += [c for c in _candidates(frame, module) if _public(*c)]
        frame = frame.f_back
    return found[::-1]


def scipy_conversion_error(kind: str, frame: FrameType | None) -> TypeError | None:
    """The error for a ``kind`` (Dual, Var) converted to an array by a SciPy function called
    from ``frame`` (the caller of ``__array__``), or None if SciPy did not convert it."""
    calls = _public_calls(frame)
    if not calls:
        return None
    twin = next((c for c in calls if _resolve(f"dualdiff.{c[0]}", c[1]) is not None), None)
    package, name = twin or calls[0]
    what = (
        f"{package}.{name} converts its inputs to NumPy arrays (np.asarray), which would drop "
        f"the derivative of a {kind}"
    )
    if twin is not None:
        return TypeError(f"{what}: call dd.{package}.{name} instead, with the same arguments")
    return TypeError(
        f"{what}, and dualdiff has no dd.{package}.{name}: write it with dualdiff ops, or "
        "register it with dd.register_op (see docs/custom-ops.md)"
    )
