"""The command line: ``python -m dualdiff tour`` walks the report step by step."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import dualdiff as dd


def _report_function(x1: object, x2: object) -> object:
    return dd.log(x1) + x1 * x2 - dd.sin(x2)  # type: ignore[operator]


def chapter_modes() -> None:
    """The report's f(x1, x2) = ln x1 + x1*x2 - sin x2 at (2, 5) in both modes."""
    print("f(x1, x2) = ln x1 + x1*x2 - sin x2 at (x1, x2) = (2, 5)\n")
    print("Forward mode: seed x1 with tangent 1 (one pass per input direction)")
    d1 = _report_function(dd.Dual(2.0, 1.0), dd.Dual(5.0, 0.0))
    d2 = _report_function(dd.Dual(2.0, 0.0), dd.Dual(5.0, 1.0))
    print(f"  f        = {d1.primal!r}")  # type: ignore[attr-defined]
    print(f"  df/dx1   = {d1.tangent!r}")  # type: ignore[attr-defined]
    print(f"  df/dx2   = {d2.tangent!r}   (2 - cos 5 = {2 - math.cos(5)!r})")  # type: ignore[attr-defined]
    print("\nReverse mode: record once on a tape, sweep back once for both inputs")
    with dd.Tape() as tape:
        x1, x2 = dd.Var(2.0, name="x1"), dd.Var(5.0, name="x2")
        y = _report_function(x1, x2)
    g1, g2 = tape.gradient(y, [x1, x2])
    print(f"  f        = {y.value!r}")  # type: ignore[attr-defined]
    print(f"  df/dx1   = {g1!r}")
    print(f"  df/dx2   = {g2!r}")
    print("\nThe tape (Wengert list):")
    print("  " + str(tape).replace("\n", "\n  "))


CHAPTERS = [("Forward and reverse mode on the report's example", chapter_modes)]


def tour(args: argparse.Namespace) -> int:
    chosen = range(len(CHAPTERS)) if args.chapter is None else [args.chapter - 1]
    for i in chosen:
        if not 0 <= i < len(CHAPTERS):
            print(f"dualdiff tour: there is no chapter {i + 1} (1..{len(CHAPTERS)})")
            return 2
        title, run = CHAPTERS[i]
        print(f"\n== Chapter {i + 1}: {title} ==\n")
        run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dualdiff",
        description="dualdiff: automatic differentiation of NumPy code, forward and reverse.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tour", help="walk the report's examples step by step")
    p.add_argument("--chapter", type=int, default=None, help="run only chapter N")
    p.add_argument("--out", default="dualdiff-tour", help="folder for the tour's pictures")
    p.set_defaults(func=tour)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))
