"""Plain-text and Markdown tables that line up Unicode math (combining accents, subscripts)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["markdown_table", "text_table", "width"]


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining accents (the dot of v̇) take none."""
    return sum(0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text: str, cols: int, right: bool) -> str:
    fill = " " * (cols - width(text))
    return fill + text if right else text + fill


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None
) -> str:
    """Columns padded to their widest cell; ``right[j]`` right-aligns column j (numbers)."""
    right = list(right) if right is not None else [False] * len(headers)
    cols = [max([width(h)] + [width(r[j]) for r in rows]) for j, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(c, w, a) for c, w, a in zip(cells, cols, right, strict=True))

    rule = "  ".join("-" * w for w in cols)
    return "\n".join([line(headers).rstrip(), rule] + [line(r).rstrip() for r in rows])


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub/mkdocs Markdown table (``|``, ``<`` and ``>`` escaped in cells)."""
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join(" --- " for _ in headers) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)
