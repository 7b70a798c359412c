"""Calibrated severity: clean real data raises no error and few warnings (a tool that cries
wolf is worse than none)."""

from __future__ import annotations

import pytest

import tripwire
from tests.realdata import CLEAN_SETS, random_halves

FAST = ["penguins", "seattle_weather", "hotel_rates", "gss_wages", "trump_tweets", "mpls_stops"]


def _loud(report):
    return [(f.severity, f.code, f.title) for f in report.findings if f.severity != "info"]


@pytest.mark.parametrize("name", FAST)
def test_random_halves_raise_no_error_and_at_most_five_warnings(name):
    ref, cur = random_halves(CLEAN_SETS[name](), seed=0)
    report = tripwire.scan(cur, ref)
    assert report.summary["error"] == 0, _loud(report)
    assert report.summary["warning"] <= 5, _loud(report)


@pytest.mark.parametrize("name", FAST)
def test_whole_clean_set_alone_raises_no_error(name):
    report = tripwire.scan(CLEAN_SETS[name]())
    assert report.summary["error"] == 0, _loud(report)
    assert report.summary["warning"] <= 5, _loud(report)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", [*FAST, "flights"])
def test_random_halves_quiet_over_seeds(name, seed):
    ref, cur = random_halves(CLEAN_SETS[name](), seed=seed + 1)
    report = tripwire.scan(cur, ref)
    assert report.summary["error"] == 0, _loud(report)
    assert report.summary["warning"] <= 5, _loud(report)
