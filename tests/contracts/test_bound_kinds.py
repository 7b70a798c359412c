"""Bounds that do not fit a column's kind are `unknown` with the reason; times compare as times."""

from __future__ import annotations

import pandas as pd
import pytest

from tripwire.contracts import Contract
from tripwire.run import check

DATA = pd.DataFrame({"n": [1, 2, 3], "t": ["a", "b", "c"],
                     "d": pd.to_datetime(["2020-01-01", "2020-01-02", "2021-01-01"])})


@pytest.mark.parametrize(("text", "reason"), [
    ("columns: {n: {min: 2020-01-01}}", "is a date or time, but the column holds int"),
    ("columns: {t: {min: 0}}", "holds text, not numbers"),
])
def test_a_bound_of_another_kind_cannot_judge(text, reason):
    report = check(Contract.loads(text), DATA)
    (result,) = report.checks
    assert result.status == "unknown" and reason in result.reason
    assert report.exit_code == 0 and not report.findings
    assert check(Contract.loads(text), DATA, strict=True).exit_code == 1


def test_allowed_and_bounds_on_times_compare_times():
    report = check(Contract.loads("columns: {d: {allowed: [2020-01-01, 2020-01-02]}}"), DATA)
    (f,) = report.findings
    assert f.rows == (2,) and f.evidence["count"] == 1
    report = check(Contract.loads("columns: {d: {min: 2020-01-02}}"), DATA)
    (f,) = report.findings
    assert f.rows == (0,)
