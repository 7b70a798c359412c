"""A day's batch against a month's reference: `day` is a slice key, not drift or a broken column."""

from __future__ import annotations

import pytest

from tripwire.run import scan


@pytest.fixture(scope="module")
def months(flights):
    jan = flights[flights["month"] == 1].reset_index(drop=True)
    feb = flights[flights["month"] == 2].reset_index(drop=True)
    return jan, feb


def test_a_days_batch_is_a_slice_of_the_month(months):
    jan, feb = months
    day = feb[feb["day"] == 12].reset_index(drop=True)
    report = scan(day, jan)
    loud = [f for f in report.findings if "day" in f.columns and f.severity in ("error", "warning")]
    assert not loud, [f.title for f in loud]
    assert any(f.code == "data.constant_column" and "slice" in f.title for f in report.by_code("data.constant_column"))
    joint = report.by_code("drift.multivariate")
    assert all("day" not in f.evidence.get("top_features", {}) for f in joint)


def test_a_column_stuck_on_a_value_the_reference_never_had_still_warns(months):
    jan, feb = months
    day = feb[feb["day"] == 12].reset_index(drop=True).assign(day=40)
    report = scan(day, jan)
    assert any(f.code == "data.constant_column" and f.severity == "warning" for f in report.findings)
