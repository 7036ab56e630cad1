"""The command line: ``python -m dualdiff tour | rules | check | coverage``.

Exit codes: 0 success, 1 a derivative check failed, 2 a usage error (an
unknown command, chapter or op).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

OK, FAILED, USAGE = 0, 1, 2


def _usage(message: str) -> int:
    print(f"python -m dualdiff: {message}", file=sys.stderr)
    return USAGE


def tour(args: argparse.Namespace) -> int:
    """Walk the report: every chapter, or those given with --chapter."""
    from .teach.tour import CHAPTERS, run

    if args.list:
        for k, (title, _) in enumerate(CHAPTERS, 1):
            print(f"{k:2}. {title}")
        return OK
    chosen = args.chapter or list(range(1, len(CHAPTERS) + 1))
    bad = [k for k in chosen if not 1 <= k <= len(CHAPTERS)]
    if bad:
        return _usage(f"there is no chapter {bad[0]}; chapters are 1 to {len(CHAPTERS)} (--list)")
    out = Path(args.out)
    if not args.no_pictures and out.exists() and not out.is_dir():
        return _usage(
            f"--out {args.out!r} is a file, not a folder: give a folder for the pictures "
            "(it is created if missing), or --no-pictures"
        )
    run(chosen, out, draw=not args.no_pictures)
    return OK


def _unknown_ops(names: Sequence[str]) -> list[str]:
    from .core import REGISTRY

    return [n for n in names if n not in REGISTRY]


def rules(args: argparse.Namespace) -> int:
    """Print each op's derivative formulas, read from the registry."""
    from .core import REGISTRY
    from .teach.expr import LATEX, TEXT
    from .teach.rules import describe

    unknown = _unknown_ops(args.ops)
    if unknown:
        return _usage(f"no op named {unknown[0]!r}; `python -m dualdiff rules` lists them all")
    names = args.ops or list(REGISTRY)
    notation = LATEX if args.latex else TEXT
    print("t: an input's tangent, g: the output's cotangent, ans: the output\n")
    for name in names:
        print(describe(name, notation))
    print(f"\n{len(names)} op(s)")
    return OK


def check(args: argparse.Namespace) -> int:
    """check_grad over the registry (and SymPy for elementwise ops), with a summary."""
    from .teach.audit import audit

    unknown = _unknown_ops(args.ops)
    if unknown:
        return _usage(f"no op named {unknown[0]!r}; `python -m dualdiff rules` lists them all")
    orders = (1,) if args.order == 1 else (1, 2)
    result = audit(args.ops or None, orders=orders, sympy=not args.no_sympy)
    print(result)
    if not result.passed:
        print("\nFAILED: " + ", ".join(sorted({r[0] for r in result.failed})))
        return FAILED
    return OK


def coverage(args: argparse.Namespace) -> int:
    """Print the page docs/numpy-coverage.md: which NumPy and SciPy functions differentiate."""
    from .coverage import coverage_page

    sys.stdout.write(coverage_page())
    return OK


def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dualdiff",
        description="dualdiff: automatic differentiation of NumPy code, forward and reverse.",
        epilog="exit codes: 0 ok, 1 a derivative check failed, 2 usage error",
    )
    parser.add_argument("--version", action="version", version=f"dualdiff {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "tour",
        help="walk the report chapter by chapter, with tables and pictures",
        description="Walk the report: numeric and symbolic derivatives, the forward and "
        "reverse traces, gradient descent, regression, the MLP, the modes compared, "
        "static and dynamic graphs.",
    )
    p.add_argument(
        "--chapter", type=int, action="append", metavar="N", help="run chapter N (repeatable)"
    )
    p.add_argument("--out", default="dualdiff-tour", help="folder for pictures and graphs")
    p.add_argument(
        "--no-pictures", action="store_true", help="text only: write no pictures and no graphs"
    )
    p.add_argument("--list", action="store_true", help="list the chapters and exit")
    p.set_defaults(func=tour)
    p = sub.add_parser(
        "rules",
        help="every op with its derivative formula",
        description="Print the derivative rules of the registry's ops (all, or those named).",
    )
    p.add_argument("ops", nargs="*", metavar="OP", help="op names, e.g. sin matmul")
    p.add_argument("--latex", action="store_true", help="formulas as LaTeX")
    p.set_defaults(func=rules)
    p = sub.add_parser(
        "check",
        help="check_grad over the registry, and SymPy's derivatives when installed",
        description="Check every op (or those named): forward and reverse mode against "
        "numerical derivatives, first and second order, and against SymPy.",
    )
    p.add_argument("ops", nargs="*", metavar="OP", help="op names (default: all)")
    p.add_argument("--order", type=int, choices=(1, 2), default=2, help="highest order (2)")
    p.add_argument("--no-sympy", action="store_true", help="skip the SymPy comparison")
    p.set_defaults(func=check)
    p = sub.add_parser(
        "coverage",
        help="which NumPy and SciPy functions differentiate (docs/numpy-coverage.md)",
        description="Print the coverage page as Markdown: every public function of NumPy's "
        "main namespace, np.linalg and np.fft, and SciPy's listed functions, marked "
        "differentiable, plain-valued or not supported (with the reason). Regenerate the "
        "docs with: python -m dualdiff coverage > docs/numpy-coverage.md",
    )
    p.set_defaults(func=coverage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (argparse exits with 2 on bad usage)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the reader closed the pipe (e.g. `... rules | head`): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at exit
        return 0
