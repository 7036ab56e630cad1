"""Freed array memory stays in the heap for the next step (glibc): page faults counted."""

import os
import subprocess
import sys

import pytest

from dualdiff import _heap

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
    reason="the thresholds are glibc's",
)

# Three 4 MB arrays allocated and freed per step, as a gradient step does with its
# gradients and temporaries; the minor page faults per step after a warm-up.
_STEPS = """
import resource, sys
import numpy as np
if sys.argv[1] == "dualdiff":
    import dualdiff

def step():
    a, b = np.ones(1 << 19), np.ones(1 << 19)
    return float((a + b)[0])

for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 40)
"""


def _faults_per_step(which: str, **env: str) -> float:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    clean.pop("DUALDIFF_KEEP_FREED_MEMORY", None)
    out = subprocess.run(
        [sys.executable, "-c", _STEPS, which],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


@glibc_only
def test_importing_dualdiff_keeps_freed_arrays_for_the_next_step():
    plain = _faults_per_step("numpy")
    # each step faults a fresh 4 MB (1,024 pages) or more in again without the tuning
    assert plain > 500
    assert _faults_per_step("dualdiff") < 0.05 * plain


@glibc_only
def test_the_tuning_can_be_turned_off_and_yields_to_the_environment():
    plain = _faults_per_step("numpy")
    assert _faults_per_step("dualdiff", DUALDIFF_KEEP_FREED_MEMORY="0") > 0.5 * plain
    # a threshold the user set wins: dualdiff changes neither
    set_by_user = _faults_per_step("dualdiff", MALLOC_TRIM_THRESHOLD_=str(128 * 1024))
    assert set_by_user > 0.5 * plain


def test_off_glibc_or_turned_off_it_does_nothing(monkeypatch):
    monkeypatch.setenv("DUALDIFF_KEEP_FREED_MEMORY", "0")
    assert _heap.keep_freed_memory() is False
    monkeypatch.delenv("DUALDIFF_KEEP_FREED_MEMORY")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert _heap.keep_freed_memory() is False
