"""The history store on SQLite and PostgreSQL: batches, series, references, lineage, history
judgements, and writes that survive SIGKILL and concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tests.realdata import flights
from tripwire.run import log
from tripwire.store import Store
from tripwire.store import schema as t

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def days():
    df = flights()
    jan = df[df.month == 1]
    return [jan[jan.day == d].reset_index(drop=True) for d in range(1, 32)]


def test_log_and_read_back(store_url, days):
    st = Store(store_url)
    assert st.schema_version == len(t.MIGRATIONS)  # v2 added label_noise_share, v3 the guard's tables
    t0 = datetime(2013, 1, 1, 6, tzinfo=UTC)
    ids = [log(days[i], "flights", store=st, logged_at=t0 + timedelta(days=i), model="delay@2",
               trained_on="rowhash64:abc").batch_id for i in range(3)]
    batches = st.batches("flights")
    assert [b["id"] for b in batches] == ids
    assert [b["rows"] for b in batches] == [len(days[i]) for i in range(3)]
    assert st.datasets()[0]["name"] == "flights" and st.datasets()[0]["batches"] == 3
    series = st.series("flights", "null_share", "dep_delay")
    assert len(series) == 3 and all(0 <= v < 0.2 for _, _, v in series)
    assert st.series("flights", "rows")[0][2] == len(days[0])
    report = st.report(ids[1])
    assert report.dataset.rows == len(days[1])
    assert st.profile(ids[2]).rows == len(days[2])
    lineage = st.lineage("delay@2")
    assert [b["id"] for b in lineage["seen"]] == ids and lineage["trained_on"] == ["rowhash64:abc"]


def test_stored_reference(store_url, days):
    st = Store(store_url)
    first = log(days[0], "flights", store=st).batch_id
    st.set_reference("flights", first)
    second = log(days[1], "flights", store=st, reference="store:flights")
    assert second.report.reference is not None and second.report.reference.rows == len(days[0])
    drift = st.series("flights", "drift_score", "dep_delay")
    assert drift[0][2] is None and drift[1][2] is not None and drift[1][2] >= 0  # a point per batch
    import tripwire

    os.environ["TRIPWIRE_STORE"] = store_url
    try:
        assert tripwire.scan(days[1], "store:flights").reference.rows == len(days[0])
    finally:
        del os.environ["TRIPWIRE_STORE"]


def test_volume_change_and_stale_from_history(store_url, days):
    st = Store(store_url)
    t0 = datetime(2013, 1, 1, 6, tzinfo=UTC)
    for i in range(7):
        log(days[i], "flights", store=st, logged_at=t0 + timedelta(days=i))
    half = log(days[7].head(len(days[7]) // 4), "flights", store=st, logged_at=t0 + timedelta(days=7))
    vol = half.report.by_code("data.volume_change")
    assert vol and vol[0].severity == "error" and vol[0].evidence["change"] < -0.5
    late = log(days[8], "flights", store=st, logged_at=t0 + timedelta(days=11))
    assert late.report.by_code("data.stale") and not late.report.by_code("data.volume_change")
    normal = log(days[9], "flights", store=st, logged_at=t0 + timedelta(days=12))
    assert not normal.report.by_code("data.stale") and not normal.report.by_code("data.volume_change")


def test_contract_quarantine_counts_are_stored(store_url, days, tmp_path):
    from tripwire.contracts import Contract

    st = Store(store_url)
    contract = Contract.loads("columns: {dep_delay: {max: 60}}")
    done = log(days[0], "flights", store=st, contract=contract)
    b = st.batches("flights")[-1]
    assert b["rows_in"] == len(days[0]) and b["rows_kept"] < b["rows_in"]
    assert st.series("flights", "rows_dropped_share")[-1][2] == pytest.approx(1 - b["rows_kept"] / b["rows_in"])
    assert done.report.quarantine["per_check"]["dep_delay.range"] > 0


def _writer(url: str, dataset: str, n: int, pause: float = 0.0) -> subprocess.Popen:
    code = (
        "import sys, time, pandas as pd\n"
        "from tripwire.store import Store\nfrom tripwire.run import scan\n"
        f"st = Store({url!r})\n"
        "def inside():\n"
        "    print('inside', flush=True)\n"
        f"    time.sleep({pause})\n"
        f"for i in range({n}):\n"
        "    df = pd.DataFrame({'x': range(100 + i), 'y': ['a'] * (100 + i)})\n"
        "    r = scan(df)\n"
        f"    st.log_batch({dataset!r}, r.extra['profile'], r, _inside=inside if {pause} else None)\n"
        "    print('written', flush=True)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)


def test_sigkill_mid_write_leaves_batch_absent_and_store_readable(store_url):
    Store(store_url)
    proc = _writer(store_url, "killed", 1, pause=60.0)
    assert proc.stdout.readline().strip() == "inside"  # the batch row is written, not committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    st2 = Store(store_url)
    names = [d["name"] for d in st2.datasets()]
    assert "killed" not in names or st2.batches("killed") == []
    done = log(pd.DataFrame({"x": [1, 2, 3]}), "after", store=st2)
    assert st2.report(done.batch_id).dataset.rows == 3


def test_concurrent_writers_lose_nothing(store_url):
    Store(store_url)  # create the schema once, as a deployment would
    procs = [_writer(store_url, "shared", 5) for _ in range(4)]
    for p in procs:
        out, _ = p.communicate(timeout=240)
        assert p.returncode == 0
        assert out.count("written") == 5
    assert len(Store(store_url).batches("shared")) == 20


def test_unknown_dataset_and_bad_url_are_clear(tmp_path):
    from tripwire.errors import TripwireError

    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    with pytest.raises(TripwireError, match="no dataset 'nope'"):
        st.batches("nope")
    with pytest.raises(TripwireError, match="no stored reference"):
        log(pd.DataFrame({"x": [1]}), "a", store=st)
        st.reference("a")
    with pytest.raises(TripwireError):
        Store("notadb://x")
