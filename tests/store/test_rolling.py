"""log --rolling: the reference is the merge of the stored profiles in a window, no data re-read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import tripwire
from tests.cli.test_cli import run
from tests.realdata import flights
from tripwire.errors import UsageError
from tripwire.store import Store
from tripwire.store.rolling import parse_rolling


def _days():
    df = flights()
    jan = df[df.month == 1]
    return [jan[jan.day == d].reset_index(drop=True) for d in range(1, 6)]


def test_rolling_window_merges_the_last_days_profiles(tmp_path, monkeypatch):
    days = _days()
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    t0 = datetime(2013, 1, 1, 23, tzinfo=UTC)
    for i, day in enumerate(days[:4]):
        done = tripwire.log(day, "daily", store=st, logged_at=t0 + timedelta(days=i), rolling="2d")
    # day 4 is judged against days 2 and 3 (the 2 days before it), from their stored profiles
    assert done.report.reference.rows == len(days[1]) + len(days[2])
    merged = tripwire.profile(__import__("pandas").concat([days[1], days[2]]))
    ref = done.report.extra["reference"]
    assert ref.fingerprint == merged.fingerprint
    assert ref["dep_delay"].to_dict() == merged["dep_delay"].to_dict()
    # no old batch is read again: only stored profiles are opened
    monkeypatch.setattr("tripwire.io.open_source", None)
    every = tripwire.store.rolling.rolling_reference(st, "daily", "all", t0 + timedelta(days=9))
    assert every.rows == sum(len(d) for d in days[:4])


def test_the_first_batch_has_no_rolling_reference(tmp_path):
    done = tripwire.log(_days()[0], "fresh", store=f"sqlite:///{tmp_path / 'h.db'}", rolling="all")
    assert done.report.reference is None


@pytest.mark.parametrize("bad", ["7", "0d", "week", "-1d"])
def test_a_bad_window_is_one_line(bad):
    with pytest.raises(UsageError, match="--rolling"):
        parse_rolling(bad)


def test_rolling_on_the_command_line(tmp_path):
    data = tmp_path / "day.csv"
    _days()[0].to_csv(data, index=False)
    store = f"sqlite:///{tmp_path / 'h.db'}"
    assert run("log", str(data), "--dataset", "d", "--store", store, "--rolling", "7d").returncode in (0, 1)
    again = run("log", str(data), "--dataset", "d", "--store", store, "--rolling", "7d", "--format", "json")
    assert again.returncode in (0, 1) and '"reference"' in again.stdout
    bad = run("log", str(data), "--dataset", "d", "--store", store, "--rolling", "soon")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
