"""Issue 21 review: a share of a column shifted or noised is no unit slip. `rescaled_share` reads
a column both ways (a known unit map, a shift or noise of part of it) and titles it a conversion
only when the unit explains the same values better; else the shift is what it says."""

from __future__ import annotations

import numpy as np
import pytest

import tripwire
from tests.scan.conftest import convert_share, noised_share
from tripwire.detectors.data.share_tests import unit_beats_moves


def _on(report, column: str):
    return [f for f in report.findings if f.detector == "rescaled_share" and f.severity == "warning"
            and f.columns[0] == column]


@pytest.mark.parametrize(("column", "sds"), [("air_time", 1.0), ("distance", 2.0)])
def test_a_shifted_share_is_said_as_a_shift_not_a_conversion(flight_halves, column, sds):
    """+1 SD on 5% of air times fit '1.567x (mi -> km)' on 7.3% within noise, and +2 SD on 5% of
    distances '2.265x (kg -> lb)': a shift of the same share fits the same values better."""
    ref, cur = flight_halves
    sd = float(cur[column].std())
    bad, rows = convert_share(cur, column, 0.05, lambda v: v + sds * sd)
    found = _on(tripwire.scan(bad, ref, only=["rescaled_share"]), column)
    assert len(found) == 1
    f = found[0]
    assert f.code == "drift.feature" and "converted" not in f.title and "data.magnitude_error" != f.code
    assert f.evidence["fit"] in ("offset", "moved")
    moved_by = f.evidence["offset"] / sd if f.evidence["fit"] == "offset" else f.evidence["size_sd"]
    assert moved_by > 0  # the direction it moved
    assert f.evidence["estimated_share"] == pytest.approx(0.05, abs=0.02)
    # rows only where a moved value is at least 95% likely (a share moved by +1 SD mostly
    # overlaps the bulk: none may be)
    listed = set(f.evidence.get("all_rows") or f.rows)
    assert len(listed & set(rows.tolist())) >= 0.9 * len(listed)


def test_noise_that_lands_values_near_zero_is_noise_not_a_tenth(flight_halves):
    """Noise of 1 SD takes some short flights' times near zero, where they look like x0.1 of the
    reference on 0.2% of the values; noise (drawn given the value stays positive) explains the
    same values better, and the rows moved off their relation to distance are the finding."""
    ref, cur = flight_halves
    bad = noised_share(cur, "air_time", 0.05, seed=1)
    found = _on(tripwire.scan(bad, ref, only=["rescaled_share"]), "air_time")
    assert len(found) == 1
    assert found[0].code == "drift.feature" and found[0].evidence["move"] == "noise"


@pytest.mark.parametrize(("column", "factor", "share"), [("air_time", 60.0, 0.02), ("distance", 0.45359237, 0.03),
                                                         ("distance", 10.0, 0.05)])
def test_true_unit_slips_still_beat_a_shift(flight_halves, column, factor, share):
    ref, cur = flight_halves
    bad, _ = convert_share(cur, column, share, lambda v: v * factor)
    found = _on(tripwire.scan(bad, ref, only=["rescaled_share"]), column)
    assert len(found) == 1
    assert found[0].code == "data.magnitude_error" and found[0].evidence["factor"] == pytest.approx(factor, rel=0.05)


def test_each_family_is_charged_for_the_maps_it_chose_from():
    # equal best ratios: the family with fewer maps to choose from has the stronger evidence
    assert unit_beats_moves(20.0, 2, np.array([20.0] * 30))
    assert not unit_beats_moves(20.0, 30, np.array([20.0, 0.0]))
    # a clear difference wins whatever the counts
    assert unit_beats_moves(60.0, 26, np.array([30.0] * 33))
    assert not unit_beats_moves(30.0, 26, np.array([60.0] * 33))


def test_clean_flight_halves_stay_quiet(flight_halves):
    ref, cur = flight_halves
    report = tripwire.scan(cur, ref, only=["rescaled_share"])
    assert not [f.title for f in report.findings if f.severity != "info"]
