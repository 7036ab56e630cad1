"""Docs are code: every ```python block in README.md and docs/ runs, file by file.

Blocks of one file share a namespace, in order, so a page reads as one script.
A block whose first line is ``# doc: no-run`` is shown but not run (shell
output, pseudo-code).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dualdiff as dd

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[str]:
    return [b for b in BLOCK.findall(page.read_text()) if not b.startswith("# doc: no-run")]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_code_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": f"doc_{page.stem}"}
    registered = set(dd.REGISTRY)
    try:
        for i, code in enumerate(blocks(page)):
            try:
                exec(compile(code, f"{page.name}[block {i + 1}]", "exec"), namespace)
            except Exception as err:  # pragma: no cover - the message is the point
                raise AssertionError(f"{page.name}, block {i + 1} failed:\n{code}") from err
    finally:
        for name in set(dd.REGISTRY) - registered:  # ops a page registered
            del dd.REGISTRY[name]
