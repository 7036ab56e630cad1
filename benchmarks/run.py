"""Run the benchmark suite and print the table of ratios to the hand-written limits.

    python -m benchmarks                       # every workload, full sizes
    python -m benchmarks --quick               # smaller sizes, fewer repetitions
    python -m benchmarks --workloads W1,W2 --groups hand-written,dualdiff
    python -m benchmarks --markdown table.md --json results.json

Each (workload, library group) runs in a fresh interpreter (only that library on
the heap, so one library's garbage does not slow the next); the limit of each
workload runs in the same invocation, so every ratio is measured side by side.
The peers are measured when they are importable by this interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from typing import Any

from .cases import FULL, QUICK, WORKLOADS, Case, Sizes, Skip, all_cases, hand_written
from .peer_cases import PEERS
from .timing import measure, measure_against, measure_chain, measure_chain_against

GROUPS = ("hand-written", "dualdiff", *PEERS)
_BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# --- one child process: one workload, one library group --------------------------------


def run_group(workload: str, group: str, sizes: Sizes, reps: int, min_time: float) -> list[dict]:
    """Time every case of one library group; each non-limit case alternates with its limit."""
    limits = {c.problem: c for c in hand_written(workload, sizes)}
    records = []
    for case in all_cases(workload, sizes, (group,)):
        record = {k: v for k, v in asdict(case).items() if k != "make"}
        try:
            fn, err = case.make()
            if not err <= case.tol:
                raise AssertionError(f"result differs from the reference: rel err {err:.3g}")
            limit = None if case.limit else limits[case.problem].make()[0]
            record.update(status="ok", err=err, **_time(case, fn, limit, reps, min_time))
        except Skip as why:
            record.update(status="skip", note=str(why))
        except Exception as why:
            record.update(status="fail", note=f"{type(why).__name__}: {str(why)[:200]}")
            traceback.print_exc()
        records.append(record)
        print(_line(record), file=sys.stderr, flush=True)
    return records


def _time(case: Case, fn: Any, limit: Any, reps: int, min_time: float) -> dict[str, Any]:
    if case.chain:
        chain_reps = 1 if case.units > 1_000_000 else 3
        if limit is None:
            return measure_chain(fn, chain_reps)
        return measure_chain_against(fn, limit, chain_reps)
    return (
        measure(fn, reps, min_time) if limit is None else measure_against(fn, limit, reps, min_time)
    )


def _line(r: dict) -> str:
    head = f"  [{r['workload']} {r['problem']}] {r['group']}: {r['variant']}"
    if r["status"] != "ok":
        return f"{head}: {r['status']} {r.get('note', '')}"
    return f"{head}: {fmt_time(r['median_s'])} (err {r['err']:.1e})"


def spawn(workload: str, group: str, args: argparse.Namespace) -> list[dict]:
    """Run one (workload, group) in a fresh interpreter and read back its records."""
    fd, path = tempfile.mkstemp(prefix=f"dd-bench-{workload}-{group}-", suffix=".json")
    os.close(fd)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks",
        "--child",
        workload,
        "--groups",
        group,
        "--out",
        path,
        "--reps",
        str(args.reps),
        "--min-time",
        str(args.min_time),
    ]
    if args.quick:
        cmd.append("--quick")
    try:
        proc = subprocess.run(cmd, timeout=args.timeout, cwd=_ROOT, env=_thread_env(args.threads))
        with open(path) as f:
            text = f.read()
        if proc.returncode != 0 or not text:
            return [_crash(workload, group, f"process exited with {proc.returncode}")]
        return json.loads(text)
    except subprocess.TimeoutExpired:
        return [_crash(workload, group, f"timed out after {args.timeout} s")]
    finally:
        os.unlink(path)


def _thread_env(threads: int | None) -> dict[str, str]:
    """The children's environment; ``threads`` caps every library's thread pool (on a
    shared 2-core machine one thread per process keeps BLAS from stalling)."""
    env = dict(os.environ)
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        env["DD_BENCH_THREADS"] = str(threads)
        if threads == 1:
            env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return env


def _crash(workload: str, group: str, note: str) -> dict:
    return {
        "workload": workload,
        "problem": "-",
        "group": group,
        "variant": "-",
        "status": "fail",
        "note": note,
        "limit": False,
    }


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- the table ---------------------------------------------------------------------------


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def with_ratios(records: list[dict]) -> list[dict]:
    """Each record with ``ratio`` to its limit: the one measured back to back in its own
    process, or else its median over the limit's median (same problem, same run)."""
    limits = {
        (r["workload"], r["problem"]): r["median_s"]
        for r in records
        if r.get("limit") and r["status"] == "ok"
    }
    for r in records:
        base = limits.get((r["workload"], r["problem"]))
        if r["status"] != "ok":
            r["ratio"] = None
        elif r.get("ratio") is None:
            r["ratio"] = r["median_s"] / base if base else None
    return records


def table(records: list[dict]) -> str:
    """The results as one Markdown table."""
    lines = [
        "| workload | problem | library | variant | median | per unit | x limit | other cores |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if r["status"] != "ok":
            lines.append(
                f"| {r['workload']} | {r['problem']} | {r['group']} | {r['variant']} | "
                f"**{r['status']}** | | | {r.get('note', '')} |"
            )
            continue
        per = r["median_s"] / r.get("units", 1)
        unit = f"{fmt_time(per)}/{r.get('unit', 'call')}"
        if r.get("chain"):
            unit += (
                f" ({fmt_time(r['forward_s'] / r['units'])} fwd + "
                f"{fmt_time(r['backward_s'] / r['units'])} bwd)"
            )
        ratio = "1 (limit)" if r.get("limit") else f"{r['ratio']:.2f}"
        lines.append(
            f"| {r['workload']} | {r['problem']} | {r['group']} | {r['variant']} | "
            f"{fmt_time(r['median_s'])} | {unit} | {ratio} | {r['other_cores']} |"
        )
    return "\n".join(lines)


# --- the targets -------------------------------------------------------------------

# (workload, problem, dualdiff variant prefixes, what is compared, bound); "ratio" is
# x limit, "per_unit_us" the median per unit in microseconds. The targets of the issue on
# compiled gradients: compiled first, then eager (each style of the 784-256-10 step apart).
_COMPILED = ("dd.compile",)
TARGETS: tuple[tuple[str, str, tuple[str, ...], str, float], ...] = (
    ("W2", "grad at (2, 5)", _COMPILED, "per_unit_us", 1.5),
    ("W2", "grad at (2, 5)", ("dd.grad",), "per_unit_us", 7.0),
    ("W1", "tanh, batch 32", _COMPILED, "ratio", 4.0),
    ("W1", "tanh, batch 32", ("Var scalars",), "per_unit_us", 1.0),
    ("W3", "1-10-1 float64", _COMPILED, "ratio", 1.3),
    ("W3", "784-256-10 float64", _COMPILED, "ratio", 1.1),
    ("W3", "784-256-10 float64", ("nn.MLP, dd.compile",), "ratio", 1.1),
    ("W3", "784-256-10 float64", ("value_and_grad",), "ratio", 1.5),
    ("W3", "784-256-10 float64", ("nn.MLP + optim.SGD",), "ratio", 1.5),
    ("W4", "n=100", ("dd.jac",), "ratio", 5.0),
    ("W5", "n=1000", ("dd.hvp", "dd.compile"), "ratio", 1.6),
    ("W6", "100,000 steps", ("Var",), "per_unit_us", 1.5),
)

# The limits of the absolute targets on a quiet machine (the peers' run, RESULTS.md), in
# microseconds per unit: an absolute target is also read as a ratio to that quiet limit,
# which holds where the load of a shared machine inflates every absolute time.
QUIET_LIMIT_US = {"W1": 0.05, "W2": 0.09, "W6": 0.02}


# Targets against another variant of the same run, both as ratios to the limit measured
# back to back: (workload, problem, variant, reference variant, row label, unit, bound).
# The cheap-gradient principle: a reverse-mode gradient costs a small multiple of f; and
# jacrev's one batched reverse sweep costs about what jacfwd's batched forward pass does.
_GRAD, _F = "dd.grad only", "f only (no derivative)"
RELATIVE: tuple[tuple[str, str, str, str, str, str, float], ...] = (
    ("W3", "784-256-10 float64", _GRAD, _F, "dd.grad / f", "f", 3.0),
    ("W3", "784-1024-1024-10 float64", _GRAD, _F, "dd.grad / f", "f", 3.0),
    ("W3", "1-10-1 float64", _GRAD, _F, "dd.grad / f", "f", 3.0),
    ("W5", "n=1000", _GRAD, _F, "dd.grad / f", "f", 3.0),
    ("W4", "n=100", "dd.jacrev", "dd.jacfwd", "dd.jacrev / dd.jacfwd", "dd.jacfwd", 1.5),
    ("W4", "n=1000", "dd.jacrev", "dd.jacfwd", "dd.jacrev / dd.jacfwd", "dd.jacfwd", 1.5),
    ("W2", "grad at (2, 5)", "dd.compile (generated source)", "jit(grad)",
     "dd.compile / jax.jit(grad)", "jax.jit", 0.2),
    ("W2", "grad at (2, 5)", "dd.grad(f, argnums=(0, 1))", "jit(grad)",
     "dd.grad / jax.jit(grad)", "jax.jit", 1.0),
)  # fmt: skip


def relative(records: list[dict]) -> list[str]:
    """Rows 'variant time / reference time' for the problems measured in this run."""
    by = {(r["workload"], r["problem"], r["variant"]): r for r in records if r["status"] == "ok"}
    rows = []
    for workload, problem, variant, reference, label, unit, bound in RELATIVE:
        g, f = by.get((workload, problem, variant)), by.get((workload, problem, reference))
        if f and g and f.get("ratio") and g.get("ratio"):
            ratio = g["ratio"] / f["ratio"]  # both measured back to back with the same limit
            met = "yes" if ratio <= bound else "**no**"
            rows.append(
                f"| {workload} | {problem} | {label} | <= {bound:g} x {unit} | "
                f"{ratio:.2f} x {unit} | {met} |"
            )
    return rows


def _matching(records: list[dict], workload: str, problem: str, prefixes: tuple) -> list[dict]:
    """The dualdiff records of one problem whose variant starts with one of ``prefixes``."""
    return [
        r
        for r in records
        if (r["workload"], r["problem"], r["group"]) == (workload, problem, "dualdiff")
        and r["variant"].startswith(prefixes)
        and r["status"] == "ok"
    ]


def targets(records: list[dict]) -> str:
    """Each target with the best matching dualdiff figure of this run: met or not."""
    lines = [
        "| workload | problem | dualdiff variant | target | measured | met |",
        "|---|---|---|---|---|---|",
    ]
    for workload, problem, prefixes, what, bound in TARGETS:
        found = _matching(records, workload, problem, prefixes)
        if not found:
            continue
        value = (
            (lambda r: r["ratio"])
            if what == "ratio"
            else (lambda r: r["median_s"] / r["units"] * 1e6)
        )
        best = min(found, key=value)
        unit = "x limit" if what == "ratio" else f"us/{best['unit']}"
        met = "yes" if value(best) <= bound else "**no**"
        measured = f"{value(best):.2f} {unit}"
        if what != "ratio":  # an absolute target: the ratio says how much is the machine's load
            measured += f" ({best['ratio']:.0f} x limit)"
            quiet = QUIET_LIMIT_US.get(workload)
            if quiet and best.get("ratio") is not None:
                by_ratio = "yes" if best["ratio"] <= bound / quiet else "**no**"
                met += f"; by the ratio: {by_ratio}"
                measured += f"; target {bound / quiet:.0f} x the quiet limit"
        lines.append(
            f"| {workload} | {problem} | {best['variant']} | <= {bound:g} {unit} | "
            f"{measured} | {met} |"
        )
    return "\n".join(lines + relative(records))


def figures(records: list[dict]) -> dict[str, tuple[float, float]]:
    """Each target of one run as (bound, measured), both ratios: x the limit (an absolute
    target as its ratio to the quiet limit), or x the reference variant (relative ones)."""
    out = {}
    for workload, problem, prefixes, what, bound in TARGETS:
        found = [r for r in _matching(records, workload, problem, prefixes) if r.get("ratio")]
        quiet = QUIET_LIMIT_US.get(workload) if what != "ratio" else None
        if found:
            key = f"{workload} {problem}: {' or '.join(prefixes)}, x limit"
            out[key] = (bound / quiet if quiet else bound, min(r["ratio"] for r in found))
    by = {(r["workload"], r["problem"], r["variant"]): r for r in records if r["status"] == "ok"}
    for workload, problem, variant, reference, label, unit, bound in RELATIVE:
        g, f = by.get((workload, problem, variant)), by.get((workload, problem, reference))
        if f and g and f.get("ratio") and g.get("ratio"):
            out[f"{workload} {problem}: {label}, x {unit}"] = (bound, g["ratio"] / f["ratio"])
    return out


def medians(runs: list[list[dict]]) -> str:
    """The targets over several runs: each run's figure, their median, met by the median."""
    each = [figures(records) for records in runs]
    keys = list(dict.fromkeys(k for f in each for k in f))
    lines = [
        "| target | bound | "
        + " | ".join(f"run {i + 1}" for i in range(len(runs)))
        + " | median | met |",
        "|---|---|" + "---|" * len(runs) + "---|---|",
    ]
    for key in keys:
        bound = next(f[key][0] for f in each if key in f)
        values = [f[key][1] for f in each if key in f]
        middle = statistics.median(values)
        cells = " | ".join(f"{f[key][1]:.2f}" if key in f else "-" for f in each)
        met = "yes" if middle <= bound else "**no**"
        lines.append(f"| {key} | <= {bound:.3g} | {cells} | {middle:.2f} | {met} |")
    return "\n".join(lines)


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        cpu = platform.processor()
    import numpy as np

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


# --- command line ---------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of W1..W6")
    p.add_argument("--groups", default=",".join(GROUPS), help="comma list of library groups")
    p.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions")
    p.add_argument("--reps", type=int, default=None, help="repetitions per case (median)")
    p.add_argument("--min-time", type=float, default=None, help="seconds per repetition")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per library (BLAS, torch, XLA); default: each library's own",
    )
    p.add_argument("--json", default=None, help="also write the records to this file")
    p.add_argument("--markdown", default=None, help="also write the tables to this file")
    p.add_argument(
        "--from-json",
        nargs="+",
        default=None,
        help="print the tables of an earlier --json run; of several, the targets' medians",
    )
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.reps = args.reps or (3 if args.quick else 7)
    args.min_time = args.min_time if args.min_time is not None else (0.05 if args.quick else 0.2)
    return args


def _without_blas_overrides(argv: list[str] | None) -> None:
    """Re-run this process without the OpenBLAS override variables (they slow NumPy's
    matmul by ~40% here); only this benchmark's process, never the tests."""
    if not any(v in os.environ for v in _BLAS_VARS):
        return
    env = {k: v for k, v in os.environ.items() if k not in _BLAS_VARS}
    args = sys.argv[1:] if argv is None else argv
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *args], env)


def main(argv: list[str] | None = None) -> int:
    _without_blas_overrides(argv)
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    groups = [g for g in args.groups.split(",") if g]
    if args.child:
        records = run_group(args.child, groups[0], sizes, args.reps, args.min_time)
        with open(args.out, "w") as f:
            json.dump(records, f)
        return 0
    if args.from_json:
        runs = []
        for path in args.from_json:
            with open(path) as f:
                runs.append(with_ratios(json.load(f)))
        if len(runs) > 1:
            print(medians(runs))
        else:
            print(f"{table(runs[0])}\n\nTargets:\n\n{targets(runs[0])}")
        return 0
    records = []
    for workload in [w for w in args.workloads.split(",") if w]:
        for group in ["hand-written", *[g for g in groups if g != "hand-written"]]:
            print(f"{workload} / {group}", file=sys.stderr, flush=True)
            records += spawn(workload, group, args)
    with_ratios(records)
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    report = (
        f"Machine: {machine()}\n\nCommand: `{command.strip()}`\n\n{table(records)}\n\n"
        f"Targets:\n\n{targets(records)}\n"
    )
    print(report)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    return 0


__all__ = ["Case", "main"]
