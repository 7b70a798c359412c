"""Every command reads its inputs the fewest times: one profile pass, at most one row pass.

CSV files count one more pass: the reader reads the whole file once to decide column
types and check the encoding. The passes are recorded in every report (`report.run`); a row
pass that replayed the batches the profile read (an input within the memory budget) says
`"from": "memory"`: it read nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tripwire.contracts import Contract
from tripwire.run import check, check_profile, drift, ingest, log, scan
from tripwire.store import Store


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("passes")
    import palmerpenguins

    df = palmerpenguins.load_penguins()
    half = len(df) // 2
    ref, cur = df.iloc[:half], df.iloc[half:].copy()
    cur.loc[cur.index[:3], "bill_length_mm"] = -1.0  # something for the row pass to find
    ref.to_parquet(d / "ref.parquet")
    cur.to_parquet(d / "cur.parquet")
    cur.to_csv(d / "cur.csv", index=False)
    tripwire.profile(d / "ref.parquet").save(d / "ref.profile.json")
    return d


def kinds(report) -> list[str]:
    return [p["kind"] for p in report.run.to_dict()["passes"]]


def test_scan_profiles_once_and_reads_rows_once(files):
    assert kinds(scan(files / "cur.parquet")) == ["profile", "rows"]
    assert kinds(scan(files / "cur.parquet", files / "ref.parquet")) == ["profile", "profile", "rows"]
    assert kinds(scan(files / "cur.parquet", files / "ref.profile.json")) == ["profile", "rows"]
    assert kinds(scan(files / "cur.csv", files / "ref.profile.json")) == ["types", "profile", "rows"]


def test_a_saved_profile_reads_nothing(files):
    assert kinds(scan(files / "ref.profile.json")) == []
    contract = Contract.infer(files / "ref.parquet")
    assert kinds(check_profile(contract, tripwire.profile(files / "cur.parquet"))) == []


def test_drift_needs_no_row_pass(files):
    report = drift(files / "cur.parquet", files / "ref.profile.json")
    assert kinds(report) == ["profile"]


def test_check_with_quarantine_reads_each_pass_once(files, tmp_path):
    contract = Contract.loads("columns: {bill_length_mm: {min: 0}, species: {unique: true}}")
    report = check(contract, files / "cur.csv", quarantine=tmp_path / "q")
    assert kinds(report) == ["types", "profile", "rows"]
    assert report.quarantine["rows_in"] == report.dataset.rows


def test_log_with_contract_and_stored_reference(files, tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    first = log(files / "ref.parquet", "penguins", store=st)
    st.set_reference("penguins", first.batch_id)
    contract = Contract.loads("columns: {bill_length_mm: {min: 0}}")
    done = log(files / "cur.csv", "penguins", store=st, contract=contract, reference="store:penguins")
    assert kinds(done.report) == ["types", "profile", "rows"]
    assert done.report.quarantine["per_check"]["bill_length_mm.range"] == 3


def test_ingest_reads_no_data(files, tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    body = {"profile": tripwire.profile(files / "cur.parquet").to_dict()}
    out = ingest(st, "penguins", body)
    assert kinds(st.report(out["batch_id"])) == []


def test_same_findings_from_data_and_from_a_dataframe(files):
    a = scan(files / "cur.parquet", files / "ref.profile.json")
    b = scan(pd.read_parquet(files / "cur.parquet"), files / "ref.profile.json")
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


def test_annotators_profiles_once_and_reads_rows_once(tmp_path):
    ratings = pd.DataFrame({"item": [i // 3 for i in range(90)], "rater": ["a", "b", "c"] * 30,
                            "y": [(i // 3) % 2 if i % 7 else 1 for i in range(90)]})
    ratings.to_parquet(tmp_path / "ratings.parquet")
    report = tripwire.annotators(tmp_path / "ratings.parquet", item="item", annotator="rater", label="y",
                                 resamples=20)
    assert kinds(report) == ["profile", "rows"]


def test_privacy_commands_read_each_input_once(files):
    from tripwire.run import k_anonymity, synthetic_check

    assert kinds(k_anonymity(files / "cur.parquet", ["island", "sex"], k=2)) == ["profile", "rows"]
    # the real data: one read of its rows (the distances), profiled in memory as the reference;
    # the synthetic data: profile (drift), its rows then replayed from the profile's batches
    report = synthetic_check(files / "ref.parquet", files / "cur.parquet")
    assert report.run.passes == ({"kind": "rows", "input": "ref.parquet"}, {"kind": "profile", "input": "cur.parquet"},
                                 {"kind": "rows", "input": "cur.parquet", "from": "memory"})


def test_the_row_pass_replays_the_batches_the_profile_read(files, monkeypatch):
    """An input that fits the memory budget is read once: the row pass replays the profile's batches."""
    kept = scan(files / "cur.parquet", files / "ref.parquet")
    # the reference first: the data's batches are held only from its profile to its row pass
    assert kept.run.passes == ({"kind": "profile", "input": "ref.parquet"},
                               {"kind": "profile", "input": "cur.parquet"},
                               {"kind": "rows", "input": "cur.parquet", "from": "memory"})
    csv = scan(files / "cur.csv", files / "ref.profile.json")
    assert csv.run.passes[-1] == {"kind": "rows", "input": "cur.csv", "from": "memory"}
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # nothing kept: the row pass reads the file
    read = scan(files / "cur.parquet", files / "ref.parquet")
    assert read.run.passes[-1] == {"kind": "rows", "input": "cur.parquet"}
    assert [f.to_dict() for f in kept.findings] == [f.to_dict() for f in read.findings]
    assert any(f.rows for f in kept.findings)  # rows were found from the kept batches


def test_a_quarantine_from_kept_batches_writes_the_same_files(files, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    contract = Contract.loads("columns: {bill_length_mm: {min: 0}}")
    kept = check(contract, files / "cur.csv", quarantine=tmp_path / "kept")
    assert kinds(kept) == ["types", "profile", "rows"] and kept.run.passes[-1]["from"] == "memory"
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")
    read = check(contract, files / "cur.csv", quarantine=tmp_path / "read")
    assert "from" not in read.run.passes[-1]
    for name in ("kept.parquet", "rejected.parquet"):
        assert pq.read_table(tmp_path / "kept" / name).equals(pq.read_table(tmp_path / "read" / name))
    assert kept.quarantine["per_check"] == read.quarantine["per_check"] == {"bill_length_mm.range": 3}


def test_commands_without_a_row_pass_keep_nothing(files):
    from tripwire.run import open_context

    ctx = open_context(files / "cur.parquet")  # as tripwire.profile and drift open their data
    assert ctx.source is not None and len(list(ctx.source.batches())) >= 1
    assert kinds_of(ctx.passes.passes) == ["profile", "rows"] and "from" not in ctx.passes.passes[-1]


def kinds_of(passes) -> list[str]:
    return [p["kind"] for p in passes]


def test_explain_records_a_csvs_types_pass_like_every_command(files):
    """explain opens its CSV through the run layer: the types pass, the profile, the rows from the profile's batches."""
    from tripwire.run import explain

    def predict(rows: pd.DataFrame):
        return np.where(rows["bill_length_mm"] > 45, "male", "female")

    report = explain(predict, files / "cur.csv", label="sex", metric="accuracy", features=["bill_length_mm"],
                     repeats=1, resamples=10)
    assert kinds(report) == ["types", "profile", "rows"] and report.run.passes[-1]["from"] == "memory"
    # the Report is execute's: the data described by its profile, as every command describes it
    assert report.dataset.fingerprint == tripwire.profile(files / "cur.csv").fingerprint
    assert report.extra["profile"].rows == report.dataset.rows and report.metrics


def test_k_anonymity_reads_its_rows_from_the_profiles_batches(files, monkeypatch):
    from tripwire.run import k_anonymity

    kept = k_anonymity(files / "cur.csv", ["island", "sex"], k=2)
    assert kinds(kept) == ["types", "profile", "rows"] and kept.run.passes[-1]["from"] == "memory"
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")
    read = k_anonymity(files / "cur.csv", ["island", "sex"], k=2)
    assert "from" not in read.run.passes[-1]
    assert [f.to_dict() for f in kept.findings] == [f.to_dict() for f in read.findings]


def test_the_row_pass_reuses_the_profiles_polars_frames_and_row_hashes(files, tmp_path, monkeypatch):
    """Kept batches were converted and hashed by the profile: duplicates and overlap read those, with the same findings."""
    import pandas as pd

    import tripwire.detectors.rowhash as rowhash
    import tripwire.io.kept as kept

    cur = pd.read_parquet(files / "cur.parquet")
    ref = pd.read_parquet(files / "ref.parquet")
    both = pd.concat([cur, cur.iloc[:40], ref.iloc[:25]], ignore_index=True)  # repeats and reference rows
    both.to_parquet(tmp_path / "dups.parquet")
    computed: list[int] = []
    hash_rows = rowhash.hash_rows
    monkeypatch.setattr(rowhash, "hash_rows", lambda df, seed: computed.append(df.height) or hash_rows(df, seed=seed))
    reused = scan(tmp_path / "dups.parquet", files / "ref.parquet")
    # only the reference's sampled rows are hashed here: the batch's hashes are the profile's, then let go
    assert computed == [len(ref)] and not kept._FRAMES and not kept._HASHES
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")
    read = scan(tmp_path / "dups.parquet", files / "ref.parquet")
    assert sorted(computed) == sorted([len(ref), len(ref), len(both)])  # read again, hashed again
    codes = {f.code for f in reused.findings}
    assert {"data.duplicates", "leakage.train_test_overlap"} <= codes
    assert [f.to_dict() for f in reused.findings] == [f.to_dict() for f in read.findings]


def same_output(a, b) -> bool:
    """Tell whether two reports say the same: findings, checks, metrics, notes (not how the rows were read)."""
    def said(r):
        return ([f.to_dict() for f in r.findings], [c.to_dict() for c in r.checks], r.metrics, r.notes)
    return said(a) == said(b)


def test_commands_holding_every_row_take_them_from_the_profiles_batches(files, tmp_path, monkeypatch):
    """synthetic-check, evaluate and annotators profile their data, then hold its rows: one read of each file."""
    from tripwire.run import synthetic_check

    ratings = pd.DataFrame({"item": [i // 3 for i in range(90)], "rater": ["a", "b", "c"] * 30,
                            "y": [(i // 3) % 2 if i % 7 else 1 for i in range(90)]})
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    preds = pd.read_parquet(files / "cur.parquet").dropna(subset=["sex"])
    preds["guess"] = np.where(preds["bill_depth_mm"] > 17, "male", "female")
    preds.to_csv(tmp_path / "preds.csv", index=False)

    def run():
        return (synthetic_check(files / "ref.parquet", files / "cur.csv"),
                tripwire.evaluate(tmp_path / "preds.csv", label="sex", prediction="guess", group="island",
                                  resamples=20),
                tripwire.annotators(tmp_path / "ratings.csv", item="item", annotator="rater", label="y", resamples=20))

    kept = run()
    for report in kept:
        assert report.run.passes[-1] == {"kind": "rows", "input": report.dataset.name, "from": "memory"}
        assert kinds(report)[-3:] == ["types", "profile", "rows"]  # one read of the CSV to type it, one to profile
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # nothing kept: the rows are read again, as before
    read = run()
    for a, b in zip(kept, read, strict=True):
        assert "from" not in b.run.passes[-1]
        assert same_output(a, b) and a.metrics
    assert kept[0].by_code("privacy.synthetic_copy") == read[0].by_code("privacy.synthetic_copy")


def test_held_rows_let_the_kept_batches_go(files):
    from tripwire.run.context import hold_rows, open_context

    ctx = open_context(files / "cur.parquet", keep_rows=True)
    assert all(k.in_memory for k in ctx.passes.kept)
    table = hold_rows(ctx, "evaluate")
    assert table.height == ctx.profile.rows and not any(k.in_memory for k in ctx.passes.kept)
    with pytest.raises(tripwire.errors.UsageError, match="evaluate needs the rows"):
        hold_rows(open_context(files / "ref.profile.json"), "evaluate")


def test_evaluate_records_the_training_and_groups_tables_it_reads(files, tmp_path):
    preds = pd.read_parquet(files / "cur.parquet").dropna(subset=["sex"]).reset_index(drop=True)
    preds["guess"] = np.where(preds["bill_depth_mm"] > 17, "male", "female")
    preds["id"] = range(len(preds))
    preds.drop(columns=["island"]).to_parquet(tmp_path / "preds.parquet")
    preds[["id", "island"]].to_csv(tmp_path / "groups.csv", index=False)
    pd.read_parquet(files / "ref.parquet").dropna(subset=["sex"]).to_parquet(tmp_path / "train.parquet")
    report = tripwire.evaluate(tmp_path / "preds.parquet", label="sex", prediction="guess", groups=tmp_path / "groups.csv",
                               on="id", group="island", train=tmp_path / "train.parquet", resamples=20)
    assert report.run.to_dict()["passes"] == [
        {"kind": "profile", "input": "preds.parquet"}, {"kind": "rows", "input": "preds.parquet", "from": "memory"},
        {"kind": "types", "input": "groups.csv"}, {"kind": "rows", "input": "groups.csv"},
        {"kind": "rows", "input": "train.parquet"}]
    assert any(m.get("group_column") == "island" for m in report.metrics)


def test_holding_the_rows_takes_the_frames_the_profile_converted(files, monkeypatch):
    import polars as pl

    from tripwire.run.context import hold_rows, open_context

    ctx = open_context(files / "cur.csv", keep_rows=True)
    calls = []
    real = pl.from_arrow
    monkeypatch.setattr(pl, "from_arrow", lambda *a, **k: calls.append(1) or real(*a, **k))
    table = hold_rows(ctx, "evaluate")
    assert table.height == ctx.profile.rows and calls == []  # no batch converted a second time
