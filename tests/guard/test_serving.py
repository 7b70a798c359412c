"""Delayed labels joined to what the guard served; champion vs challenger on the same requests."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

import tripwire
from tripwire.errors import UsageError
from tripwire.run import compare_models, log_labels
from tripwire.store import Store
from tripwire.store.serving import decisions, outputs
from tripwire.store.serving import labels as stored_labels

FEATURES = ["dep_delay", "distance", "hour", "carrier", "origin"]
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def valid(report) -> None:
    import jsonschema

    jsonschema.validate(json.loads(report.to_json()), json.loads(SCHEMA.read_text()))


@pytest.fixture(scope="module")
def served(flights, tmp_path_factory):
    """Serve four February days through a guard with a challenger; return (store URL, the rows)."""
    df = flights[flights.dep_delay.notna() & flights.arr_delay.notna()].reset_index(drop=True)
    df["flight_id"] = df.index.astype(str)
    df["delayed"] = (df.arr_delay > 15).astype(int)
    url = f"sqlite:///{tmp_path_factory.mktemp('store')}/h.db"
    clock = [datetime(2013, 2, 1, tzinfo=UTC)]
    truth = dict(zip(df.flight_id, df.delayed, strict=True))

    def champion(batch: pd.DataFrame) -> np.ndarray:
        return (batch.dep_delay.to_numpy() > 15).astype(int)

    def oracle(batch: pd.DataFrame) -> np.ndarray:  # knows the answer: must come out better
        return np.array([truth[i] for i in batch.flight_id])

    g = tripwire.guard(champion, reference=df[df.month == 1][["flight_id", *FEATURES]], store=url,
                       dataset="flights", model="delay@1", challenger=oracle, challenger_model="oracle@1",
                       id="flight_id", fallback=0, clock=lambda: clock[0])
    rows = []
    for d in (4, 5, 12, 13):
        clock[0] = datetime(2013, 2, d, 12, tzinfo=UTC)
        batch = df[(df.month == 2) & (df.day == d)]
        g(batch[["flight_id", *FEATURES]])
        rows.append(batch)
    assert g.flush(60)
    g.close()
    return url, pd.concat(rows)


def test_served_outputs_and_decisions_are_stored(served):
    url, rows = served
    st = Store(url)
    out = outputs(st, "flights")
    assert out.filter(out["role"] == "champion").height == len(rows)
    assert out.filter(out["role"] == "challenger").height == len(rows)
    assert [d["action"] for d in decisions(st, dataset="flights")] == ["served"] * 4


def test_log_labels_joins_by_id_and_matches_sklearn(served, tmp_path):
    url, rows = served
    labels = rows[["flight_id", "delayed"]]
    path = tmp_path / "labels.csv"
    labels.iloc[: len(labels) // 2].to_csv(path, index=False)
    report = log_labels(str(path), dataset="flights", id="flight_id", label="delayed", store=url, resamples=50)
    half = rows.iloc[: len(rows) // 2]
    want = accuracy_score(half.delayed, (half.dep_delay > 15).astype(int))
    overall = next(m for m in report.metrics if m["metric"] == "accuracy" and m["window"] == "all")
    assert overall["model"] == "delay@1" and overall["n"] == len(half)
    assert overall["value"] == pytest.approx(want)
    weeks = {m["window"] for m in report.metrics if m["metric"] == "accuracy"} - {"all"}
    assert weeks <= {"2013-02-04", "2013-02-11"} and weeks
    assert any(f"{len(half):,} match a served prediction" in n for n in report.notes)
    valid(report)


def test_log_labels_reports_its_file_and_store_reads_like_every_command(served, tmp_path, monkeypatch):
    """The labels file is profiled once and its rows held from the batches read; each store table read is a pass."""
    url, rows = served
    path = tmp_path / "labels.csv"
    rows[["flight_id", "delayed"]].iloc[:500].to_csv(path, index=False)
    report = log_labels(str(path), dataset="flights", id="flight_id", label="delayed", store=url, resamples=50)
    assert report.run.to_dict()["passes"] == [
        {"kind": "types", "input": "labels.csv"}, {"kind": "profile", "input": "labels.csv"},
        {"kind": "rows", "input": "labels.csv", "from": "memory"},
        {"kind": "rows", "input": "store:flights (outputs)"}, {"kind": "rows", "input": "store:flights (labels)"}]
    assert report.dataset.to_dict() == {"name": "labels.csv", "rows": 500, "columns": 2,
                                        "fingerprint": tripwire.profile(path).fingerprint}
    assert report.notes[0] == "500 labels stored for flights; 500 match a served prediction"
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # nothing kept: the file is read again (a label logged again replaces itself)
    again = log_labels(str(path), dataset="flights", id="flight_id", label="delayed", store=url, resamples=50)
    assert "from" not in again.run.passes[2]
    assert again.to_dict() | {"run": None} == report.to_dict() | {"run": None}
    assert again.to_text() == report.to_text()


def test_compare_models_says_the_oracle_is_better(served):
    url, rows = served
    log_labels(rows[["flight_id", "delayed"]], dataset="flights", id="flight_id", label="delayed", store=url,
               resamples=50)
    report = compare_models(dataset="flights", store=url, resamples=200)
    overall = next(m for m in report.metrics if m["metric"] == "accuracy_gain_of_challenger" and m["window"] == "all")
    champion_acc = accuracy_score(rows.delayed, (rows.dep_delay > 15).astype(int))
    assert overall["value"] == pytest.approx(1 - champion_acc)
    assert overall["verdict"] == "challenger better" and overall["ci_low"] > 0
    windows = [m for m in report.metrics if m["metric"] == "accuracy_gain_of_challenger" and m["window"] != "all"]
    assert [m["window"] for m in windows] == ["2013-02-04", "2013-02-11"]
    assert "oracle@1 vs delay@1" in report.notes[0]
    valid(report)


def test_compare_models_records_its_store_reads_and_reads_nothing_it_is_handed(served, monkeypatch):
    from tripwire.run.serving import labelled_outputs

    url, rows = served
    log_labels(rows[["flight_id", "delayed"]], dataset="flights", id="flight_id", label="delayed", store=url,
               resamples=0)
    report = compare_models(dataset="flights", store=url, resamples=50)
    assert report.run.to_dict()["passes"] == [{"kind": "rows", "input": "store:flights (outputs)"},
                                              {"kind": "rows", "input": "store:flights (labels)"}]
    pairs = next(m["n"] for m in report.metrics if m["window"] == "all")
    assert report.dataset.to_dict() == {"name": "flights", "rows": pairs, "columns": 2, "fingerprint": None}
    handed = compare_models(dataset="flights", store=url, resamples=50, labelled=labelled_outputs(Store(url), "flights"))
    assert handed.run.to_dict() == {"passes": []}  # the caller (the dashboard) read the tables
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # no file is read: nothing to keep either way
    again = compare_models(dataset="flights", store=url, resamples=50)
    for other in (handed, again):
        assert other.to_dict() | {"run": None} == report.to_dict() | {"run": None}
        assert other.to_text() == report.to_text()
    valid(report)


def test_same_model_twice_is_no_clear_difference(flights, tmp_path):
    df = flights[flights.dep_delay.notna() & flights.arr_delay.notna()].reset_index(drop=True)
    df["flight_id"] = df.index.astype(str)
    url = f"sqlite:///{tmp_path}/h.db"

    def model(batch):
        return (batch.dep_delay.to_numpy() > 15).astype(int)

    g = tripwire.guard(model, store=url, dataset="f", challenger=model, id="flight_id", fallback=0)
    batch = df[(df.month == 2) & (df.day == 4)]
    g(batch[["flight_id", *FEATURES]])
    g.flush(60)
    log_labels(batch.assign(y=(batch.arr_delay > 15).astype(int))[["flight_id", "y"]], dataset="f", id="flight_id",
               label="y", store=url, resamples=50)
    overall = compare_models(dataset="f", store=url, resamples=200).metrics[0]
    assert overall["value"] == 0 and overall["verdict"] == "no clear difference"


def test_bad_input_is_one_clear_line(served, tmp_path):
    url, rows = served
    with pytest.raises(UsageError, match="--label 'late' is not a column"):
        log_labels(rows[["flight_id", "delayed"]], dataset="flights", id="flight_id", label="late", store=url)
    with pytest.raises(UsageError, match="no stored predictions for 'nothing'"):
        log_labels(rows[["flight_id", "delayed"]], dataset="nothing", id="flight_id", label="delayed", store=url)
    path = tmp_path / "l.csv"
    rows[["flight_id", "delayed"]].head(5).to_csv(path, index=False)
    proc = subprocess.run([sys.executable, "-m", "tripwire", "log-labels", str(path), "--dataset", "flights",
                           "--id", "nope", "--label", "delayed", "--store", url], capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "--id 'nope'" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "tripwire", "compare-models", "--dataset", "flights", "--store", url,
                           "--resamples", "50"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy_gain_of_challenger[window=all, verdict=challenger better]" in proc.stdout


def test_bad_options_are_refused_before_labels_are_stored(served):
    url, rows = served
    labels = rows[["flight_id", "delayed"]]
    for kwargs, message in (({"task": "foo"}, "--task 'foo': choose one of"),
                            ({"resamples": -3}, "--resamples -3: give 0"),
                            ({"window": "year"}, "--window 'year': choose one of")):
        with pytest.raises(UsageError, match=message):
            log_labels(labels, dataset="nothing", id="flight_id", label="delayed", store=url, **kwargs)
        with pytest.raises(UsageError, match=message):
            compare_models(dataset="flights", store=url, **kwargs)
    assert stored_labels(Store(url, create=False), "nothing").height == 0
