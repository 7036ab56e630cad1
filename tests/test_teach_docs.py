"""The documentation site builds with ``mkdocs build --strict`` (when mkdocs is installed)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def nav_pages() -> list[str]:
    return re.findall(
        r"^\s+- (?:[^:\n]+: )?([\w./-]+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.M
    )


def test_every_page_is_in_the_nav_and_exists() -> None:
    pages = nav_pages()
    assert "index.md" in pages and "api.md" in pages and "api-teach.md" in pages
    assert sum(p.startswith("tutorial/") for p in pages) == 11  # the index and ten chapters
    on_disk = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk <= set(pages), sorted(on_disk - set(pages))


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="mkdocs and mkdocstrings are not installed (pip install '.[docs]')",
)
def test_docs_build_strict(tmp_path: Path) -> None:
    missing = [p for p in nav_pages() if not (ROOT / "docs" / p).exists()]
    assert not missing, f"pages in the nav but not in docs/: {missing}"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    api = (tmp_path / "site" / "api-teach" / "index.html").read_text()
    assert "to_mermaid" in api and "Baydin" in api  # rendered from the docstrings
    assert (tmp_path / "site" / "tutorial" / "03-forward" / "index.html").exists()
