"""The oracle tables of the registry walk (``tests/test_rules.py``), one module per
group of ops. Every module here may define ``ELEMENTWISE`` (op name -> ``Elem``),
``STRUCTURAL`` (op name -> list of ``Case``) and ``COMPOSITES`` (public functions
built from registry ops); this package merges them and refuses a name given twice.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from .domains import Case, Elem


def _merged(table: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, spec in getattr(module, table, {}).items():
            if name in merged:
                raise AssertionError(f"oracle {table}[{name!r}] is given twice ({info.name})")
            merged[name] = spec
    return merged


ELEMENTWISE: dict[str, Elem] = _merged("ELEMENTWISE")
STRUCTURAL: dict[str, list[Case]] = _merged("STRUCTURAL")
COMPOSITES: dict[str, list[Case]] = _merged("COMPOSITES")
