"""Seconds per task for chains of n ops (n = 1e4, 1e5, 1e6): the cost must grow linearly.

    python -m benchmarks.size                  # n = 1e4, 1e5, 1e6
    python -m benchmarks.size --sizes 1e4,1e5  # quicker

The chain is ``sin(sin(... sin(x)))`` on a Python float. Each task runs once per
size in this process (the machine is shared: read the ratios between sizes, not
the absolute times). Columns: recording on a tape, the reverse sweep, the same
chain in forward mode, ``str(tape)``, ``tape.to_dot``, ``dd.evaluation_trace`` and its
``to_dot`` (with formulas), the bytes the tape holds (``tape.nbytes``) and the
peak traced memory while recording.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import dualdiff as dd


def chain(n: int) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range(n):
            x = dd.sin(x)
        return x

    return f


def seconds(task: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = task()
    return time.perf_counter() - start, result


def record(n: int) -> tuple[dd.Tape, Any, Any]:
    with dd.Tape() as tape:
        x = dd.Var(0.5)
        y = chain(n)(x)
    return tape, x, y


def peak_recording_bytes(n: int) -> int:
    tracemalloc.start()
    try:
        record(n)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def row(n: int) -> dict[str, float]:
    took, (tape, x, y) = seconds(lambda: record(n))
    out: dict[str, float] = {"record": took}
    out["backward"], _ = seconds(lambda: tape.gradient(y, x))
    out["forward"], _ = seconds(lambda: chain(n)(dd.Dual(0.5, 1.0)))
    out["str(tape)"], _ = seconds(lambda: str(tape))
    out["to_dot"], _ = seconds(lambda: tape.to_dot(y))
    took, tr = seconds(lambda: dd.evaluation_trace(chain(n), 0.5))
    out["dd.evaluation_trace"] = took
    out["trace.dot"], _ = seconds(lambda: tr.to_dot())
    out["nbytes MB"] = tape.nbytes / 1e6
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.size", description=__doc__)
    parser.add_argument("--sizes", default="1e4,1e5,1e6", help="comma-separated chain lengths")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = {n: {**row(n), "peak MB": peak_recording_bytes(n) / 1e6} for n in sizes}
    columns = list(next(iter(rows.values())))
    print(f"{'n':>9} " + " ".join(f"{c:>10}" for c in columns))
    for n, r in rows.items():
        print(f"{n:>9} " + " ".join(f"{r[c]:>10.3f}" for c in columns))
    first = sizes[0]
    for n in sizes[1:]:
        ratios = " ".join(f"{rows[n][c] / rows[first][c]:>10.1f}" for c in columns)
        print(f"{f'x{n // first}':>9} {ratios}   (ratio to n = {first})")


if __name__ == "__main__":
    main()
