"""Compiled gradients as Python source: one straight-line function per recorded program.

:func:`generate` traces a program recorded by ``dd.compile`` (:mod:`dualdiff.replay`)
into the text of a module defining ``value_and_grad``: ``math`` calls on Python floats,
``np`` calls on arrays (ufuncs writing into preallocated buffers), an ``if`` per branch
of the recording. Each op writes its own code (:mod:`dualdiff.source.rules`); nothing
here knows any op by name. :func:`load` makes the function in this process;
:func:`dualdiff.export_source` writes a module that needs only NumPy.
"""

from __future__ import annotations

import inspect
import itertools
import keyword
import linecache
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .emit import Module, write_module
from .lines import NotExpressible
from .program import Call, trace_program

if TYPE_CHECKING:
    from ..replay import _Program

__all__ = ["Call", "Miss", "Module", "NotExpressible", "generate", "load", "parameter_names"]


class Miss(Exception):
    """A call that does not fit a generated function (other types, shapes or values)."""


def parameter_names(f: Callable[..., Any], nargs: int) -> list[str]:
    """The names of ``f``'s first ``nargs`` positional parameters where it has them (``x1,
    x2``), ``a0, a1 ...`` otherwise; never a name the generated code uses itself."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params[:nargs] if p.kind in kinds]
    if len(names) != nargs:
        names = [f"a{i}" for i in range(nargs)]
    return [_safe(n) for n in names]


_RESERVED = re.compile(r"^(v\d+(_bar)?|t\d+|c\d+|b\d+|np|math|_.*|BranchChanged)$")


def _safe(name: str) -> str:
    return f"arg_{name}" if _RESERVED.match(name) or keyword.iskeyword(name) else name


def generate(
    program: _Program,
    call: Call,
    leaves: list[Any],
    *,
    export: bool = False,
    raising: bool = True,
    title: str = "",
    doc: str = "",
    name: str = "value_and_grad",
    prefix: str = "",
) -> Module:
    """The module of ``program`` traced on this call's ``leaves``. Raises
    :class:`NotExpressible` (naming the op and why) where an op cannot be written."""
    pt = trace_program(program, call, leaves, raising=raising)
    return write_module(
        pt, export=export, title=title, params=call.params, doc=doc, name=name, prefix=prefix
    )


_COUNTER = itertools.count(1)


def load(module: Module, branch_changed: type[Exception]) -> Callable[..., Any]:
    """The module's ``value_and_grad``, made in this process (its text registered with
    ``linecache``, so tracebacks show the generated lines)."""
    filename = f"<dualdiff.compile-{next(_COUNTER)}>"
    namespace: dict[str, Any] = {
        "BranchChanged": branch_changed,
        "_Miss": Miss,
        "_lock": threading.Lock(),
        **module.bound,
        **module.buffers,
    }
    code = compile(module.text, filename, "exec")
    linecache.cache[filename] = (len(module.text), None, module.text.splitlines(True), filename)
    exec(code, namespace)  # the text was generated here, from a recorded program
    return namespace["value_and_grad"]  # type: ignore[no-any-return]


from . import backend as backend  # noqa: E402  (registers dd.compile's "source" backend)
