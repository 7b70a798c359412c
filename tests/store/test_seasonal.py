"""Seasons are not drift: with a year of history, a batch is judged against the same season."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tripwire.run import log
from tripwire.store import Store


@pytest.fixture(scope="module")
def months():
    from vega_datasets import local_data

    df = local_data.seattle_weather().drop(columns=["date"]).assign(date=local_data.seattle_weather()["date"])
    key = df["date"].dt.strftime("%Y-%m")
    return {k: part.drop(columns=["date"]).reset_index(drop=True) for k, part in df.groupby(key)}


def at(month: str) -> datetime:
    year, m = map(int, month.split("-"))
    return datetime(year, m, 28, tzinfo=UTC)


def drift_errors(report) -> list[str]:
    return sorted(f.columns[0] for f in report.findings if f.code == "drift.feature" and f.severity == "error")


@pytest.mark.slow
def test_july_against_january_is_drift_but_against_last_july_it_is_not(months, tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    first = log(months["2012-01"], "weather", store=st, logged_at=at("2012-01"))
    st.set_reference("weather", first.batch_id)
    for month in [f"2012-{m:02d}" for m in range(2, 13)] + [f"2013-{m:02d}" for m in range(1, 7)]:
        log(months[month], "weather", store=st, reference="store:weather", logged_at=at(month))
    fixed = log(months["2013-07"], "weather", store=st, reference="store:weather", logged_at=at("2013-07"),
                seasonal=False)
    assert "temp_max" in drift_errors(fixed.report)  # July is not January
    seasonal = log(months["2013-07"], "weather", store=st, reference="store:weather", logged_at=at("2013-07"))
    # temperatures follow the season; 'weather' is another story: July 2012 was labelled
    # rain and drizzle half the time, July 2013 sun, a real change the data set is known for
    assert not {"temp_max", "temp_min"} & set(drift_errors(seasonal.report))
    assert any("same season last year" in n for n in seasonal.report.notes)
    assert seasonal.report.reference.name.startswith("weather, 1 batch(es) around 2012-07")


def test_no_seasonal_reference_before_a_year_of_history(months, tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    first = log(months["2012-01"], "weather", store=st, logged_at=at("2012-01"))
    st.set_reference("weather", first.batch_id)
    done = log(months["2012-07"], "weather", store=st, reference="store:weather", logged_at=at("2012-07"))
    assert not any("same season" in n for n in done.report.notes)
    assert "temp_max" in drift_errors(done.report)
