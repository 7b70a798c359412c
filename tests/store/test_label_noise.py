"""Each batch logged with --label keeps labels.noisy's estimated noise share, as a trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from tests.realdata import penguins
from tripwire.run import log
from tripwire.store import Store

pytest.importorskip("cleanlab")


def _batches():
    df = penguins().dropna().reset_index(drop=True)
    clean = df.iloc[::2].reset_index(drop=True)
    noisy = df.iloc[1::2].reset_index(drop=True)
    rng = np.random.default_rng(0)
    flip = rng.choice(len(noisy), 25, replace=False)
    species = sorted(df.species.unique())
    noisy.loc[flip, "species"] = [species[(species.index(s) + 1) % 3] for s in noisy.loc[flip, "species"]]
    return clean, noisy


def test_noise_share_is_stored_per_batch_and_read_as_a_series(store_url):
    st = Store(store_url)
    clean, noisy = _batches()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    a = log(clean, "penguins", store=st, label="species", logged_at=t0)
    b = log(noisy, "penguins", store=st, label="species", logged_at=t0 + timedelta(days=1))
    c = log(clean, "penguins-unlabelled", store=st, logged_at=t0)
    series = st.series("penguins", "label_noise_share")
    shares = [v for _, _, v in series]
    (found_b,) = b.report.by_code("labels.noisy")
    assert shares[1] == pytest.approx(found_b.evidence["share"])
    assert shares[0] < 0.05 < shares[1]  # 25 of 166 rows flipped: about 15%
    assert a.report.by_code("labels.noisy")[0].evidence["share"] == pytest.approx(shares[0])
    assert st.batches("penguins-unlabelled")[0]["label_noise_share"] is None
    assert c.batch_id


def test_a_version_1_store_gains_the_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    st = Store(url)
    with st.engine.begin() as conn:  # make it look like a store written before v2
        conn.execute(sa.text("ALTER TABLE tripwire_batches DROP COLUMN label_noise_share"))
        conn.execute(sa.text("DELETE FROM tripwire_schema_version WHERE version >= 2"))
    st.engine.dispose()
    again = Store(url)
    assert again.schema_version == 3  # v2 added the column back; v3 (the guard's tables) ran again, idempotently
    columns = {c["name"] for c in sa.inspect(again.engine).get_columns("tripwire_batches")}
    assert "label_noise_share" in columns


def test_dashboard_draws_the_noise_trend_only_when_stored(tmp_path):
    from tripwire.server import pages

    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    clean, noisy = _batches()
    log(noisy, "labelled", store=st, label="species")
    log(clean.drop(columns=["species"]), "plain", store=st)
    assert "label noise" in pages.dataset(st, "labelled", None)
    assert "label noise" not in pages.dataset(st, "plain", None)
