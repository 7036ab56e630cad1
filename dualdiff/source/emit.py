"""From a traced program to a Python module: folding, dead code, names, buffers, text.

* Constant folding: a value computed from constants alone is computed once, at
  generation, and becomes a constant of the module (products by 1 were removed while
  tracing).
* Dead-code removal: lines whose values nothing reads go.
* The static memory plan: an array that a ufunc makes gets a buffer allocated once
  (``out=``), reused by later values of the same shape and dtype once every value that
  may view it is dead; values the caller receives never live in one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .lines import OUT, Const, Line, NotExpressible, Var, array_text, literal
from .program import Code, ProgramTrace

__all__ = ["Module", "write_module"]

COMMENT_COLUMN = 52


@dataclass
class Module:
    """A generated module: its text, the names it expects bound (in-process), and counts;
    its pieces (summary, constant definitions, the function) for a module built around it."""

    text: str
    bound: dict[str, Any]
    buffers: dict[str, np.ndarray]
    stats: dict[str, int]
    summary: list[str]
    definitions: list[str]
    function: list[str]


def write_module(
    pt: ProgramTrace,
    *,
    export: bool,
    title: str,
    params: list[str],
    doc: str,
    name: str = "value_and_grad",
    prefix: str = "",
) -> Module:
    """The module text of ``pt``: ``export`` writes a standalone module (constants as
    literals, buffers allocated per call, checks that raise TypeError). ``name`` is the
    function's name, ``prefix`` that of its constants."""
    lines = pt.tr.lines
    stats = {"folded": pt.tr.folded, "common": _common_values(pt)}
    lines = pt.tr.lines
    stats["hoisted"] = _fold_constants(lines, pt.returned)
    lines, stats["dead"] = _dead_code(lines, pt.returned)
    buffers = _plan_buffers(lines, pt.returned)
    copies = _returned_copies(lines, pt.returned)
    _name(lines, params, buffers)
    stats.update(
        forward=pt.forward_ops,
        backward=sum(line.phase == "backward" and line.kind != "guard" for line in lines),
        guards=sum(line.kind == "guard" for line in lines),
        buffers=len(buffers),
    )
    stats["raises"] = pt.tr.may_raise
    writer = _Writer(export, prefix)
    function = writer.function(name, params, writer.body(lines, pt, copies, buffers), buffers)
    summary = _summary(stats)
    definitions = [f"{c.name} = {_definition(c.value)}" for c in writer.consts] if export else []
    about = [*doc.splitlines(), ""] if doc else []
    head = [f'"""{title}', "", *about, *summary, '"""', ""]
    head += ["import math", "", "import numpy as np", ""]
    if export:
        head += [*_export_preamble(pt), *definitions]
    else:
        head += writer.bound_names(buffers)
    text = "\n".join([*_trimmed(head), "", "", *function, ""])
    return Module(
        text, writer.bound, {b.name: b.value for b in buffers}, stats, summary, definitions,
        function,
    )  # fmt: skip


# --- passes -------------------------------------------------------------------------------------


def _common_values(pt: ProgramTrace) -> int:
    """A value computed twice the same way is computed once (a rule recomputing what the
    forward pass has: logsumexp's softmax shifts by the same max); returns how many."""
    seen: dict[Any, Var] = {}
    same: dict[int, Var] = {}
    kept = []
    for line in pt.tr.lines:
        if any(isinstance(p, Var) and id(p) in same for p in line.parts):
            line.parts = [same.get(id(p), p) if isinstance(p, Var) else p for p in line.parts]
            line.reads = [same.get(id(r), r) for r in line.reads]
        if line.kind == "write":
            seen.clear()  # what was read before may have changed
        var = line.target
        if line.kind == "value" and var is not None and not var.mutable:
            key = (
                tuple(id(p) if isinstance(p, (Var, Const)) else p for p in line.parts),
                line.errstate,
            )
            if key in seen:
                same[id(var)] = seen[key]
                continue
            seen[key] = var
        kept.append(line)
    removed = len(pt.tr.lines) - len(kept)
    pt.tr.lines = kept
    pt.returned = [same.get(id(v), v) for v in pt.returned]
    _substitute(pt.result, same)
    return removed


def _substitute(result: Any, same: dict[int, Var]) -> None:
    if isinstance(result, Code):
        result.parts = [same.get(id(p), p) if isinstance(p, Var) else p for p in result.parts]
    elif isinstance(result, dict):
        for v in result.values():
            _substitute(v, same)
    elif isinstance(result, (list, tuple)):
        for v in result:
            _substitute(v, same)


def _fold_constants(lines: list[Line], returned: list[Var]) -> int:
    """Values computed from constants alone become constants; returns how many."""
    written = {id(line.mutates) for line in lines if line.kind == "write"}
    keep = {id(v) for v in returned} | written
    folded = 0
    for line in lines:
        var = line.target
        if line.kind != "value" or var is None or id(var) in keep or var.kind == "tuple":
            continue
        if all(r.const is not None for r in line.reads):
            text = literal(var.value)
            var.const = text if text is not None else Const(var.value)
            folded += 1
    return folded


def _dead_code(lines: list[Line], returned: list[Var]) -> tuple[list[Line], int]:
    """The lines something needs: guards, what the result reads, and what they read."""
    live = {id(v) for v in returned}
    kept: list[Line] = []
    dead = 0
    for line in reversed(lines):
        var = line.target
        if line.kind == "guard":
            needed = any(r.const is None for r in line.reads)
        elif line.kind == "write":
            needed = id(line.mutates) in live
        else:
            needed = var is not None and var.const is None and id(var) in live
            dead += not needed and var is not None and var.const is None and line.kind == "value"
        if needed:
            kept.append(line)
            live.update(id(r) for r in line.reads)
    kept.reverse()
    return kept, dead


def _views(lines: list[Line]) -> dict[int, set[int]]:
    """For each variable, the variables whose memory it may be (itself when it is a new
    array; a value that is not may view any array it was computed from)."""
    roots: dict[int, set[int]] = {}
    for line in lines:
        var = line.target
        if var is None:
            continue
        if line.fresh or var.kind not in ("array", "tuple"):
            roots[id(var)] = {id(var)} if line.fresh else set()
        else:
            found = {id(var)} if line.kind == "input" else set()
            for r in line.reads:
                found |= roots.get(id(r), set())
            roots[id(var)] = found
    return roots


class _Buffer:
    __slots__ = ("name", "value")

    def __init__(self, value: np.ndarray) -> None:
        self.value = value
        self.name = ""


def _plan_buffers(lines: list[Line], returned: list[Var]) -> list[_Buffer]:
    """Give each ufunc line that makes an array a buffer, reusing dead ones."""
    roots = _views(lines)
    out_of_reach = set().union(*(roots.get(id(v), set()) for v in returned)) if returned else set()
    last = _last_uses(lines, roots)
    free: dict[tuple[Any, ...], list[_Buffer]] = defaultdict(list)
    owner: dict[int, _Buffer] = {}
    releases: dict[int, list[int]] = defaultdict(list)
    buffers: list[_Buffer] = []
    for k, line in enumerate(lines):
        for root in releases.pop(k, []):
            buf = owner[root]
            free[_key(buf.value)].append(buf)
        var = line.target
        if not _wants_buffer(line) or id(var) in out_of_reach:
            continue
        pool = free[_key(var.value)]  # type: ignore[union-attr]
        if pool:
            buf = pool.pop()
        else:
            buf = _Buffer(np.empty_like(var.value))  # type: ignore[union-attr]
            buffers.append(buf)
        line.buffer = buf  # type: ignore[assignment]
        owner[id(var)] = buf
        # free from its last reader on: that line may write its result into it (NumPy's
        # ufuncs compute as if the memory of an input and the output did not overlap)
        releases[max(last.get(id(var), k), k + 1)].append(id(var))
    return buffers


def _key(a: np.ndarray) -> tuple[Any, ...]:
    return a.shape, a.dtype.str


def _wants_buffer(line: Line) -> bool:
    var = line.target
    return (
        line.kind == "value"
        and OUT in line.parts
        and var is not None
        and var.kind == "array"
        and var.value.ndim > 0
        and not var.mutable
    )


def _last_uses(lines: list[Line], roots: dict[int, set[int]]) -> dict[int, int]:
    """For each variable that owns memory, the last line that reads it or a view of it."""
    last: dict[int, int] = {}
    for k, line in enumerate(lines):
        for r in line.reads:
            for root in roots.get(id(r), ()):
                last[root] = k
    return last


def _returned_copies(lines: list[Line], returned: list[Var]) -> set[int]:
    """Returned arrays that must be copied: views of an argument or a constant, and
    read-only values (what ``dd.grad`` would copy too)."""
    roots = _views(lines)
    shared = {id(line.target) for line in lines if line.kind == "input" and line.target}
    copies = set()
    for var in returned:
        if var.kind != "array":
            continue
        found = roots.get(id(var), set())
        if var.const is not None or found & shared or not found or not var.value.flags.writeable:
            copies.add(id(var))
    return copies


def _name(lines: list[Line], params: list[str], buffers: list[_Buffer]) -> None:
    taken = set(params)
    count = 0
    for line in lines:
        var = line.target
        if var is not None and not var.name:
            name = var.label
            while name is None or name in taken:
                count += 1
                name = f"t{count}"
            var.name = name
            taken.add(name)
    for k, buf in enumerate(buffers):
        buf.name = f"b{k + 1}"


# --- text -----------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, export: bool, prefix: str) -> None:
        self.export = export
        self.prefix = prefix
        self.bound: dict[str, Any] = {}  # in-process: the constants, bound by name
        self.consts: list[Const] = []

    def text(self, parts: list[Any], buffer: Any = None) -> str:
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, Var):
                out.append(self._const(p.const) if p.const is not None else p.name)
            elif isinstance(p, Const):
                out.append(self._const(p))
            elif p is OUT:
                out.append(f", out={buffer.name}" if buffer is not None else "")
        return "".join(out)

    def _const(self, c: Any) -> str:
        if isinstance(c, str):
            return c
        if not c.name:
            c.name = f"{self.prefix}c{len(self.consts) + 1}"
        if c not in self.consts:
            self.consts.append(c)
            self.bound[c.name] = c.value
        return c.name  # type: ignore[no-any-return]

    def body(
        self, lines: list[Line], pt: ProgramTrace, copies: set[int], buffers: list[_Buffer]
    ) -> tuple[list[str], list[str]]:
        """The rows of the function: the checks of the arguments, then the program."""
        checks = self._checks(pt.checks)
        out: list[str] = []
        if self.export:
            for b in buffers:
                out.append(
                    f"{b.name} = np.empty({b.value.shape!r}, dtype=np.dtype({b.value.dtype.str!r}))"
                )
        state: tuple[Any, ...] = ()
        for line in lines:
            if line.errstate != state:
                state = line.errstate
                if state:
                    kw = ", ".join(f"{k}={v!r}" for k, v in state)
                    out.append(f"with np.errstate({kw}):")
            indent = "    " if state else ""
            out += [indent + row for row in self._line(line)]
        out.append("return " + self._result(pt.result, copies))
        return checks, out

    def _checks(self, checks: list[list[Any]]) -> list[str]:
        if not checks:
            return []
        miss = "    raise TypeError(_SIGNATURE)" if self.export else "    raise _Miss"
        conds = [self.text(c) for c in checks]
        if sum(len(c) + 4 for c in conds) < 80:
            return [f"if {' or '.join(conds)}:", miss]
        ors = [f"    {c} or" for c in conds[:-1]] + [f"    {conds[-1]}"]
        return ["if (", *ors, "):", miss]

    def _line(self, line: Line) -> list[str]:
        if line.kind == "guard":
            why = f"the inputs take another branch: {line.note.replace('guard: ', '')}"
            return [
                _comment(f"if {self.text(line.parts)}:", line.note),
                f"    raise BranchChanged({why!r})",
            ]
        if line.kind == "write":
            return [_comment(self.text(line.parts), line.note)]
        code = f"{line.target.name} = {self.text(line.parts, line.buffer)}"  # type: ignore[union-attr]
        return [_comment(code, line.note)]

    def _result(self, result: Any, copies: set[int]) -> str:
        if isinstance(result, Code):
            text = self.text(result.parts)
            var = result.parts[0] if len(result.parts) == 1 else None
            return f"{text}.copy()" if isinstance(var, Var) and id(var) in copies else text
        if isinstance(result, dict):
            items = ", ".join(f"{k!r}: {self._result(v, copies)}" for k, v in result.items())
            return "{" + items + "}"
        if result is None:
            return "None"
        inner = [self._result(x, copies) for x in result]
        if isinstance(result, list):
            return "[" + ", ".join(inner) + "]"
        if hasattr(result, "_fields"):
            if self.export:
                raise NotExpressible(f"a {type(result).__name__} (named tuple) in the result")
            cls = Const(type(result))
            return f"{self._const(cls)}({', '.join(inner)})"
        return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"

    def function(
        self, name: str, params: list[str], body: tuple[list[str], list[str]], buffers: list[Any]
    ) -> list[str]:
        checks, rows = body
        fn = [f"def {name}({', '.join(params)}):", *(f"    {r}" for r in checks)]
        if buffers and not self.export:  # one call at a time writes into the buffers
            fn += ["    if not _lock.acquire(False):", "        raise _Miss", "    try:"]
            fn += [f"        {r}" for r in rows]
            return [*fn, "    finally:", "        _lock.release()"]
        return fn + [f"    {r}" for r in rows]

    def bound_names(self, buffers: list[Any]) -> list[str]:
        """A comment listing what the in-process module is given rather than defines."""
        out = ["# bound when the module is made:"]
        out += [f"#   {c.name}: {_what(c.value)}" for c in self.consts]
        out += [f"#   {b.name}: buffer, {_what(b.value)}" for b in buffers]
        return [*out, "#   BranchChanged, _Miss: exceptions; _lock: guards the buffers"]


def _trimmed(rows: list[str]) -> list[str]:
    while rows and not rows[-1]:
        rows = rows[:-1]
    return rows


def _comment(code: str, note: str) -> str:
    if not note:
        return code
    return (
        f"{code:<{COMMENT_COLUMN}}  # {note}" if len(code) < COMMENT_COLUMN else f"{code}  # {note}"
    )


def _summary(stats: dict[str, int]) -> list[str]:
    return [
        f"Forward pass: {stats['forward']} ops; backward pass: {stats['backward']} lines; "
        f"guards: {stats['guards']}.",
        f"Constant folding: {stats['folded']} products by 1 or -1 removed, {stats['hoisted']} "
        "values computed once from constants.",
        f"Common values: {stats['common']} computed again by a rule, now read.",
        f"Dead-code removal: {stats['dead']} lines whose values nothing reads.",
        f"Memory plan: {stats['buffers']} buffers that ufuncs write into (out=).",
    ]


def _export_preamble(pt: ProgramTrace) -> list[str]:
    expected = ", ".join(pt.described)
    return [
        "",
        "class BranchChanged(RuntimeError):",
        '    """The inputs take another branch than the one this code was generated for."""',
        "",
        "",
        f"_SIGNATURE = {_signature_text(expected)!r}",
    ]


def _signature_text(expected: str) -> str:
    return (
        f"value_and_grad was generated for the arguments ({expected}); call it with the same "
        "structure, types, shapes, dtypes and static values"
    )


def _definition(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return array_text(value)
    text = literal(value)
    if text is None:
        raise NotExpressible(f"a constant of type {type(value).__name__}")
    return text


def _what(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array {value.shape}"
    return repr(value) if len(repr(value)) < 40 else type(value).__name__
