"""Pytrees: nested lists, tuples (named tuples too) and dicts of leaves.

``tree_flatten`` lists the leaves in a fixed order (dict keys sorted, like
JAX) and returns a ``TreeDef`` that ``tree_unflatten`` uses to rebuild the
same structure around new leaves. ``None`` is an empty subtree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TreeDef", "tree_flatten", "tree_map", "tree_unflatten"]


@dataclass(frozen=True, slots=True)
class TreeDef:
    """The shape of a pytree: a node kind, its keys or type, and its children's defs."""

    kind: str  # "leaf", "none", "list", "tuple", "namedtuple", "dict"
    meta: Any = None
    children: tuple[TreeDef, ...] = ()

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __str__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(str(c) for c in self.children)
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c}" for k, c in zip(self.meta, self.children, strict=True))
            return "{" + inner + "}"
        if self.kind == "list":
            return f"[{inner}]"
        return f"({inner},)" if len(self.children) == 1 else f"({inner})"


_LEAF = TreeDef("leaf")


def _node(x: Any) -> tuple[str, Any, list[Any]] | None:
    """How ``x`` splits into children, or None for a leaf."""
    if x is None:
        return "none", None, []
    if isinstance(x, list):
        return "list", None, list(x)
    if isinstance(x, tuple):
        if hasattr(x, "_fields"):
            return "namedtuple", type(x), list(x)
        return "tuple", None, list(x)
    if isinstance(x, dict):
        keys = sorted(x, key=repr) if not all(isinstance(k, str) for k in x) else sorted(x)
        return "dict", tuple(keys), [x[k] for k in keys]
    return None


def tree_flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """The leaves of ``tree`` in order, and its structure. Iterative (no recursion limit)."""
    leaves: list[Any] = []
    # Post-order construction with an explicit stack: (value, visited?)
    stack: list[tuple[Any, bool]] = [(tree, False)]
    built: list[TreeDef] = []
    pending: list[tuple[str, Any, int]] = []
    while stack:
        x, visited = stack.pop()
        if visited:
            kind, meta, n = pending.pop()
            children = tuple(built[len(built) - n :]) if n else ()
            del built[len(built) - n :]
            built.append(TreeDef(kind, meta, children))
            continue
        split = _node(x)
        if split is None:
            leaves.append(x)
            built.append(_LEAF)
            continue
        kind, meta, kids = split
        pending.append((kind, meta, len(kids)))
        stack.append((x, True))
        stack.extend((c, False) for c in reversed(kids))
    return leaves, built[0]


def tree_unflatten(treedef: TreeDef, leaves: Any) -> Any:
    """Rebuild ``treedef``'s structure with ``leaves`` in flatten order."""
    it = iter(leaves)
    out = _build(treedef, it)
    if next(it, _END) is not _END:
        raise ValueError(f"too many leaves for the structure {treedef}")
    return out


_END = object()


def _build(td: TreeDef, it: Any) -> Any:
    if td.kind == "leaf":
        leaf = next(it, _END)
        if leaf is _END:
            raise ValueError("too few leaves for the structure")
        return leaf
    if td.kind == "none":
        return None
    children = [_build(c, it) for c in td.children]
    if td.kind == "list":
        return children
    if td.kind == "tuple":
        return tuple(children)
    if td.kind == "namedtuple":
        return td.meta(*children)
    return dict(zip(td.meta, children, strict=True))


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf over one or more trees of the same structure."""
    leaves, td = tree_flatten(tree)
    others = []
    for r in rest:
        rl, rtd = tree_flatten(r)
        if rtd != td:
            raise ValueError(f"tree structures differ: {td} vs {rtd}")
        others.append(rl)
    return tree_unflatten(td, [fn(*xs) for xs in zip(leaves, *others, strict=True)])
