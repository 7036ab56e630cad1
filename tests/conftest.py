"""Shared test settings: a fixed hypothesis profile so failures reproduce, and a check
that a test leaves no global state behind."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    derandomize=False,
    deadline=None,
    max_examples=20_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("DUALDIFF_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def unchanged_global_state() -> Iterator[None]:
    """Fail a test that leaves a nesting level, an active tape, anomaly detection or a
    changed registry behind."""
    import dualdiff as dd
    from dualdiff.anomaly import is_detecting_anomalies
    from dualdiff.core import current_level
    from dualdiff.reverse import active_tape

    registry = dict(dd.REGISTRY)
    process, record = dd.Dual._process, dd.Tape._record
    yield
    assert current_level() == 0, "a nesting level was left open"
    assert active_tape() is None, "a tape was left active"
    assert not is_detecting_anomalies(), "a detect_anomaly block was left open"
    assert (dd.Dual._process, dd.Tape._record) == (process, record), "checks left installed"
    assert registry == dd.REGISTRY, "the op registry changed"
