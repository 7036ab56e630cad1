"""Check the whole registry: ``check_grad`` on each op's example, and SymPy where it can.

For every op: forward and reverse mode against a numerical derivative, to
first and (optionally) second order, with ``dd.check_grad``; for elementwise
ops with a SymPy twin in the catalog, the partial derivatives against
``sympy.diff`` at one point. Backs ``python -m dualdiff check``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..check import GradientCheckError, check_grad
from ..core import REGISTRY
from ..transforms import grad, jacfwd, jacrev
from .catalog import Example, example_for
from .table import text_table

__all__ = ["Audit", "audit"]


@dataclass(slots=True)
class Audit:
    """Rows ``(op, check, status, detail)``; status is ``"ok"``, ``"FAILED"`` or ``"skipped"``."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def failed(self) -> list[tuple[str, str, str, str]]:
        return [r for r in self.rows if r[2] == "FAILED"]

    @property
    def passed(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        ops = len({r[0] for r in self.rows})
        counts = {s: sum(r[2] == s for r in self.rows) for s in ("ok", "FAILED", "skipped")}
        return (
            f"{ops} ops, {len(self.rows)} checks: {counts['ok']} ok, "
            f"{counts['FAILED']} failed, {counts['skipped']} skipped"
        )

    def __str__(self) -> str:
        table = text_table(("op", "check", "status", "detail"), self.rows)
        return table + "\n\n" + self.summary()


def _grad_check(ex: Example, order: int) -> tuple[str, str]:
    if ex.constant:
        return _zero_check(ex, order)
    try:
        report = check_grad(ex.fn, *ex.args, order=order)
    except GradientCheckError as err:
        worst = err.report.worst(1)[0]
        label = err.report.labels[worst]
        return "FAILED", f"{label}: abs err {err.report.abs_error[worst]:.2e}"
    worst_err = float(np.max(report.abs_error, initial=0.0))
    return "ok", f"{len(report.labels)} entries, max abs err {worst_err:.1e} ({report.method})"


def _zero_check(ex: Example, order: int) -> tuple[str, str]:
    """An op treated as a constant: its Jacobian (or Hessian) is zero in both modes."""
    worst = 0.0
    for mode in (jacfwd, jacrev):
        jac: Any = ex.fn
        for _ in range(order):
            jac = mode(jac)
        worst = max(worst, float(np.max(np.abs(jac(*ex.args)))))
    return ("ok" if worst == 0.0 else "FAILED"), f"zero by definition (max |entry| {worst:.1e})"


def _sympy_check(ex: Example) -> tuple[str, str]:
    """Each partial derivative at the example's first element against ``sympy.diff``."""
    import sympy

    assert ex.twin is not None
    point = [float(np.asarray(a).flat[0]) for a in ex.args]
    syms = sympy.symbols(f"a0:{len(point)}", real=True)
    expr = ex.twin(sympy, *syms)
    worst = 0.0
    for i in range(len(point)):
        exact = float(sympy.diff(expr, syms[i]).subs(dict(zip(syms, point, strict=True))))
        ours = float(grad(ex.fn, argnums=i)(*point))
        worst = max(worst, abs(ours - exact) / max(1.0, abs(exact)))
    status = "ok" if worst <= 1e-12 else "FAILED"
    at = ", ".join(f"{p:.3g}" for p in point)
    return status, f"{len(point)} partial(s) at ({at}), rel err {worst:.1e}"


def audit(
    names: Sequence[str] | None = None, orders: Sequence[int] = (1, 2), sympy: bool = True
) -> Audit:
    """Check the ops ``names`` (default: the whole registry) to the given ``orders``;
    ``sympy=False`` leaves out the symbolic comparison."""
    result = Audit()
    have_sympy = importlib.util.find_spec("sympy") is not None
    for name in names or list(REGISTRY):
        ex = example_for(name)
        for order in orders:
            result.rows.append((name, f"check_grad order {order}", *_run(_grad_check, ex, order)))
        if ex.twin is not None and sympy:
            outcome = _run(_sympy_check, ex) if have_sympy else ("skipped", "SymPy not installed")
            result.rows.append((name, "sympy", *outcome))
    return result


def _run(check: Any, *args: Any) -> tuple[str, str]:
    """A check's outcome; an op whose example cannot run is reported, not raised."""
    try:
        return check(*args)  # type: ignore[no-any-return]
    except (TypeError, ValueError, IndexError) as err:
        return "skipped", f"no usable example ({type(err).__name__}: {err})"[:120]
