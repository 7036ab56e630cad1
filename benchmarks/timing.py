"""Timing: medians over repetitions, and how busy the rest of the machine was meanwhile."""

from __future__ import annotations

import gc
import os
import statistics
from collections.abc import Callable
from time import perf_counter
from typing import Any

_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu() -> tuple[float, float, float]:
    """(wall, CPU seconds of the whole machine, CPU seconds of this process)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
        busy = (sum(ticks) - ticks[3] - ticks[4]) / _HZ
    except (OSError, ValueError, IndexError):
        busy = float("nan")
    t = os.times()
    return perf_counter(), busy, t.user + t.system


def other_cores(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
    """Cores used on average by *other* processes between two :func:`_cpu` snapshots."""
    wall = after[0] - before[0]
    if wall <= 0:
        return 0.0
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / wall)


def measure(fn: Callable[[], Any], reps: int, min_time: float) -> dict[str, Any]:
    """Per-call median and min of ``reps`` repetitions, each of enough calls to last
    ``min_time`` seconds. The garbage collector stays on (a training loop's steady state)."""
    fn()
    gc.collect()
    t0 = perf_counter()
    fn()
    number = max(1, int(min_time / max(perf_counter() - t0, 1e-9)))
    times = []
    start = _cpu()
    for _ in range(reps):
        t0 = perf_counter()
        for _ in range(number):
            fn()
        times.append((perf_counter() - t0) / number)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "reps": reps,
        "number": number,
        "other_cores": round(other_cores(start, _cpu()), 2),
    }


def measure_chain(run: Callable[[], tuple[float, float]], reps: int) -> dict[str, Any]:
    """Median forward and backward seconds of a run that times its own two phases."""
    gc.collect()
    start = _cpu()
    phases = [run() for _ in range(reps)]
    fwd = statistics.median(p[0] for p in phases)
    bwd = statistics.median(p[1] for p in phases)
    return {
        "median_s": fwd + bwd,
        "min_s": min(p[0] + p[1] for p in phases),
        "forward_s": fwd,
        "backward_s": bwd,
        "reps": reps,
        "number": 1,
        "other_cores": round(other_cores(start, _cpu()), 2),
    }


def measure_against(
    fn: Callable[[], Any], limit: Callable[[], Any], reps: int, min_time: float
) -> dict[str, Any]:
    """Like :func:`measure`, alternating with the limit: each round times ``fn`` and
    then ``limit`` back to back, and ``ratio`` is the median of the rounds' ratios. On
    a shared machine the load drifts; two timings taken seconds apart do not compare,
    two taken back to back do."""
    calls = [_calibrate(f, min_time) for f in (fn, limit)]
    times: list[float] = []
    ratios = []
    start = _cpu()
    for _ in range(reps):
        mine, theirs = (_per_call(f, n) for f, n in zip((fn, limit), calls, strict=True))
        times.append(mine)
        ratios.append(mine / theirs)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "ratio": statistics.median(ratios),
        "reps": reps,
        "number": calls[0],
        "other_cores": round(other_cores(start, _cpu()), 2),
    }


def measure_chain_against(
    run: Callable[[], tuple[float, float]], limit: Callable[[], tuple[float, float]], reps: int
) -> dict[str, Any]:
    """:func:`measure_chain`, alternating each run with a run of the limit."""
    gc.collect()
    start = _cpu()
    pairs = [(run(), limit()) for _ in range(reps)]
    fwd = statistics.median(p[0][0] for p in pairs)
    bwd = statistics.median(p[0][1] for p in pairs)
    return {
        "median_s": fwd + bwd,
        "min_s": min(sum(p[0]) for p in pairs),
        "forward_s": fwd,
        "backward_s": bwd,
        "ratio": statistics.median(sum(p[0]) / sum(p[1]) for p in pairs),
        "reps": reps,
        "number": 1,
        "other_cores": round(other_cores(start, _cpu()), 2),
    }


def _calibrate(fn: Callable[[], Any], min_time: float) -> int:
    """Calls per repetition so that one lasts about ``min_time`` (after a warm-up call)."""
    fn()
    gc.collect()
    t0 = perf_counter()
    fn()
    return max(1, int(min_time / max(perf_counter() - t0, 1e-9)))


def _per_call(fn: Callable[[], Any], number: int) -> float:
    t0 = perf_counter()
    for _ in range(number):
        fn()
    return (perf_counter() - t0) / number
