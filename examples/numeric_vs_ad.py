"""The report's first chapter: finite differences against exact derivatives.

The forward difference of x³ is exactly 3x² + 3xh + h², an error of 3xh + h²;
smaller h helps until round-off takes over (the V shape). Automatic
differentiation has neither error: it applies the derivative rules exactly.

Run: python examples/numeric_vs_ad.py [folder for the error-vs-h picture]
"""

from __future__ import annotations

import math
import sys

import dualdiff as dd
from dualdiff.teach.table import text_table


def cube(x):
    return x**3


def report_table(h: float = 1e-3) -> None:
    """The report's num_df over x = 0 .. 19: the error matches 3xh + h² (to round-off)."""
    rows = []
    for x in range(0, 20, 3):
        approx = (cube(x + h) - cube(x)) / h
        exact = dd.derivative(cube)(float(x))
        predicted = 3 * x * h + h * h
        rows.append((x, exact, f"{approx:.9f}", f"{approx - exact:.3e}", f"{predicted:.3e}"))
        assert abs((approx - exact) - predicted) < 1e-6 * max(1.0, exact)
    print(f"forward difference of x³ with h = {h}: the error is 3xh + h²")
    head = ("x", "AD: 3x²", "(f(x+h) - f(x)) / h", "error", "3xh + h²")
    print(text_table(head, [tuple(map(str, r)) for r in rows], right=[True] * 5))


def study(out: str | None) -> None:
    for name, fn, x in (("x³", cube, 2.0), ("sin x", dd.sin, 1.0)):
        s = dd.numeric.step_study(fn, x, methods=("forward", "central", "complex"))
        print(f"\n{name} at x = {x}: exact derivative by AD = {s.exact!r}")
        print(s)
        for m in s.methods:
            h, err = s.best(m)
            print(f"  {m:8} smallest error {err:.1e} at h = {h:.0e}")
    if out is not None and dd.teach.plots.available():
        s = dd.numeric.step_study(cube, 2.0, methods=("forward", "backward", "central", "complex"))
        errors = {m: (s.hs, s.errors[m]) for m in s.methods}
        path = dd.teach.plots.plot_step_error(errors, f"{out}/numeric_vs_ad.png")
        print(f"\npicture: {path}")
    assert math.isclose(dd.derivative(dd.sin)(1.0), math.cos(1.0), rel_tol=0, abs_tol=0)


if __name__ == "__main__":
    report_table()
    study(sys.argv[1] if len(sys.argv) > 1 else None)
