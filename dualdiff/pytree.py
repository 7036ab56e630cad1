"""Pytrees: nested lists, tuples (named tuples too) and dicts of leaves.

``tree_flatten`` lists the leaves in a fixed order (dict keys sorted, like
JAX) and returns a ``TreeDef`` that ``tree_unflatten`` uses to rebuild the
same structure around new leaves. ``None`` is an empty subtree (no leaves);
anything that is not a list, tuple, dict or None is a leaf. A dict subclass
comes back as a plain dict.

A ``TreeDef`` stores its nodes flat, in pre-order, so flattening, rebuilding,
comparing and printing are loops: nesting depth is not limited by Python's
recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["TreeDef", "tree_flatten", "tree_leaves", "tree_map", "tree_unflatten"]

# A node: (kind, meta, number of children). kind is "leaf", "none", "list", "tuple",
# "namedtuple" (meta: the class) or "dict" (meta: the sorted keys).
Node = tuple[str, Any, int]
_LEAF: Node = ("leaf", None, 0)


@dataclass(frozen=True, slots=True)
class TreeDef:
    """The structure of a pytree: its nodes in pre-order and how many leaves it holds."""

    nodes: tuple[Node, ...]
    num_leaves: int

    def __str__(self) -> str:
        return _render(self.nodes)


_LEAF_DEF = TreeDef((_LEAF,), 1)


def _split(x: Any) -> tuple[str, Any, list[Any]] | None:
    """How ``x`` splits into (kind, meta, children), or None for a leaf."""
    if isinstance(x, list):
        return "list", None, x
    if isinstance(x, tuple):
        return (
            ("namedtuple", type(x), list(x)) if hasattr(x, "_fields") else ("tuple", None, list(x))
        )
    if isinstance(x, dict):
        keys = sorted(x) if all(isinstance(k, str) for k in x) else sorted(x, key=repr)
        return "dict", tuple(keys), [x[k] for k in keys]
    if x is None:
        return "none", None, []
    return None


def tree_flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """The leaves of ``tree`` in order, and its structure."""
    split = _split(tree)
    if split is None:
        return [tree], _LEAF_DEF
    leaves: list[Any] = []
    nodes: list[Node] = []
    stack = [tree]
    while stack:
        x = stack.pop()
        split = _split(x)
        if split is None:
            leaves.append(x)
            nodes.append(_LEAF)
        else:
            kind, meta, kids = split
            nodes.append((kind, meta, len(kids)))
            stack.extend(reversed(kids))
    return leaves, TreeDef(tuple(nodes), len(leaves))


def tree_leaves(tree: Any) -> list[Any]:
    """The leaves of ``tree``, in ``tree_flatten``'s order."""
    return tree_flatten(tree)[0]


def _make(kind: str, meta: Any, children: list[Any]) -> Any:
    if kind == "list":
        return children
    if kind == "tuple":
        return tuple(children)
    if kind == "namedtuple":
        return meta(*children)
    if kind == "dict":
        return dict(zip(meta, children, strict=True))
    return None


def _fold(nodes: tuple[Node, ...], leaf: Callable[[], Any], make: Callable[..., Any]) -> Any:
    """Build bottom-up over pre-order ``nodes``: ``leaf()`` for each leaf, then
    ``make(kind, meta, children)`` as each container's last child arrives."""
    open_: list[tuple[str, Any, int, list[Any]]] = []
    for kind, meta, n in nodes:
        if kind == "leaf":
            value = leaf()
        elif n:
            open_.append((kind, meta, n, []))
            continue
        else:
            value = make(kind, meta, [])
        while open_:  # hand the finished value to its parent, closing full parents
            pkind, pmeta, pn, children = open_[-1]
            children.append(value)
            if len(children) < pn:
                break
            open_.pop()
            value = make(pkind, pmeta, children)
        else:
            return value
    raise ValueError("a TreeDef's nodes do not form one tree")


def tree_unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild ``treedef``'s structure with ``leaves`` in flatten order."""
    leaves = leaves if isinstance(leaves, list) else list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"the structure {treedef} holds {treedef.num_leaves} leaves, got {len(leaves)}"
        )
    if treedef.nodes[0][0] == "leaf":
        return leaves[0]
    it = iter(leaves)
    return _fold(treedef.nodes, lambda: next(it), _make)


def _render(nodes: tuple[Node, ...]) -> str:
    """A structure as text: ``*`` for a leaf, e.g. ``[*, {'b': *, 'w': *}]``."""

    def make(kind: str, meta: Any, children: list[str]) -> str:
        inner = ", ".join(children)
        if kind == "none":
            return "None"
        if kind == "list":
            return f"[{inner}]"
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(meta, children, strict=True)) + "}"
        if kind == "namedtuple":
            return f"{meta.__name__}({inner})"
        return f"({inner},)" if len(children) == 1 else f"({inner})"

    return _fold(nodes, lambda: "*", make)


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf over one or more trees of the same structure."""
    leaves, td = tree_flatten(tree)
    others = []
    for r in rest:
        rl, rtd = tree_flatten(r)
        if rtd != td:
            raise ValueError(f"tree_map: tree structures differ: {td} vs {rtd}")
        others.append(rl)
    return tree_unflatten(td, [fn(*xs) for xs in zip(leaves, *others, strict=True)])
