"""Anomaly detection: ``with dd.detect_anomaly():`` stops at the first non-finite value.

Inside the block every op on a traced value is checked: its output and, in
forward mode, its tangent; in reverse mode each cotangent a VJP rule produces
is checked during the backward pass (also when that pass runs after the block,
for a tape recorded inside it). The first NaN or infinity raises
``FloatingPointError`` naming the op and the line of user code that called it.

Off by default, and free when off: the checks live in replacements of
``Dual._process`` and ``Tape._record`` that are installed only while some
thread or task has a ``detect_anomaly`` block open, and removed when the last
one closes. Whether a context checks is a ``ContextVar``, so one thread's
block does not change another thread's results.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from ._util import primal_of
from .core import Rule
from .forward import Dual
from .reverse import Tape

__all__ = ["detect_anomaly", "is_detecting_anomalies"]

_ON: ContextVar[bool] = ContextVar("dualdiff_detect_anomaly", default=False)
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first op whose output, tangent or cotangent is
    NaN or infinite, naming the op and the line that called it (this thread or task only)."""
    token = _ON.set(True)
    _HOOKS.acquire()
    try:
        yield
    finally:
        _HOOKS.release()
        _ON.reset(token)


def is_detecting_anomalies() -> bool:
    """Whether a ``detect_anomaly`` block is open in this thread or task."""
    return _ON.get()


# --- finding the problem ----------------------------------------------------------------


def _finite(x: Any) -> bool:
    x = primal_of(x)
    if type(x) is float:
        return math.isfinite(x)
    try:
        return bool(np.all(np.isfinite(x)))
    except TypeError:  # not numeric (an index, a flag): nothing to check
        return True


def _describe(x: Any) -> str:
    a = np.asarray(primal_of(x))
    if a.ndim == 0:
        return repr(a.item())
    bad = ~np.isfinite(a)
    kinds = sorted({"nan" if np.isnan(v) else ("inf" if v > 0 else "-inf") for v in a[bad]})
    return f"{', '.join(kinds)} at {int(bad.sum())} of {a.size} entries (shape {a.shape})"


def _call_site() -> str:
    """``file:line in function`` of the innermost frame outside the dualdiff package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "inside dualdiff"
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _anomaly(what: str, rule: Rule, value: Any, site: str) -> FloatingPointError:
    return FloatingPointError(
        f"detect_anomaly: {what} of op '{rule.name}' is not finite ({_describe(value)}); "
        f"the op was called at {site}. Check its inputs there (a log or division at 0, "
        "sqrt at 0, overflow of exp ...) or use a stable form (dd.logsumexp, dd.softplus)"
    )


# --- the checking versions -----------------------------------------------------------------

_PLAIN_PROCESS = Dual._process
_PLAIN_RECORD = Tape._record


def _checked_process(self: Dual, rule: Rule, args: Any, params: dict[str, Any]) -> Any:
    out = _PLAIN_PROCESS(self, rule, args, params)
    if _ON.get():
        for what, value in (("the output", out.primal), ("the tangent", out.tangent)):
            if not _finite(value):
                raise _anomaly(what, rule, value, _call_site())
    return out


def _checked_record(
    self: Tape, rule: Rule, vals: Any, inputs: Any, params: dict[str, Any], ans: Any
) -> Any:
    if not _ON.get():
        return _PLAIN_RECORD(self, rule, vals, inputs, params, ans)
    site = _call_site()
    if not _finite(ans):
        raise _anomaly("the output", rule, ans, site)
    checking = dataclasses.replace(rule, vjp=_CheckedVjps(rule, site))  # type: ignore[arg-type]
    return _PLAIN_RECORD(self, checking, vals, inputs, params, ans)


class _CheckedVjps:
    """An op's VJP rules, each checking the cotangent it returns (indexed like ``rule.vjp``)."""

    __slots__ = ("rule", "site")

    def __init__(self, rule: Rule, site: str) -> None:
        self.rule, self.site = rule, site

    def __getitem__(self, pos: int) -> Callable[..., Any] | None:
        vjp = self.rule.vjp[pos]
        if vjp is None:
            return None

        def checked(g: Any, ans: Any, *args: Any, **params: Any) -> Any:
            c = vjp(g, ans, *args, **params)
            if not _finite(c):
                what = f"the cotangent for input {pos} from the VJP rule"
                raise _anomaly(what, self.rule, c, self.site)
            return c

        return checked

    def __len__(self) -> int:
        return len(self.rule.vjp)


class _Hooks:
    """Installs the checking versions while any context has a block open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0

    def acquire(self) -> None:
        with self._lock:
            if self._open == 0:
                Dual._process = _checked_process  # type: ignore[method-assign]
                Tape._record = _checked_record  # type: ignore[method-assign]
            self._open += 1

    def release(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                Dual._process = _PLAIN_PROCESS  # type: ignore[method-assign]
                Tape._record = _PLAIN_RECORD  # type: ignore[method-assign]


_HOOKS = _Hooks()
