"""No false alarms: random halves of real data sets raise no drift at warning or error."""

from __future__ import annotations

import pytest

import tripwire
from tests.realdata import CLEAN_SETS, birthdays, random_halves

SETS = {**CLEAN_SETS, "birthdays": birthdays}
FAST = ["penguins", "seattle_weather", "gss_wages", "trump_tweets", "mpls_stops", "hotel_rates"]


def _loud(report):
    return [(f.severity, f.code, f.title) for f in report.findings
            if f.code.startswith("drift.") and f.severity != "info"]


@pytest.mark.parametrize("name", FAST)
def test_random_halves_raise_no_drift(name):
    ref, cur = random_halves(SETS[name](), seed=0)
    report = tripwire.drift(cur, ref)
    assert not _loud(report)
    assert {c.name for c in report.checks if c.status != "skipped"} >= {"drift.feature", "drift.multivariate"}


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 11))
def test_random_halves_raise_no_drift_over_ten_seeds(seed):
    for name, load in SETS.items():
        ref, cur = random_halves(load(), seed=seed)
        assert not _loud(tripwire.drift(cur, ref)), name
