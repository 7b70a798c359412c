"""The guard's tables on SQLite and PostgreSQL: decisions, output batches and labels read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

import tripwire
from tripwire.run import compare_models, log_labels
from tripwire.store import Store
from tripwire.store.serving import decisions, guarded_models, labels, outputs


def test_served_outputs_and_labels_round_trip(store_url):
    batch = pd.DataFrame({"id": [f"r{i}" for i in range(200)], "x": np.arange(200.0)})
    g = tripwire.guard(lambda b: (b.x > 100).to_numpy(), store=store_url, dataset="served", model="m@2",
                       challenger=lambda b: (b.x > 50).to_numpy(), challenger_model="c@1", id="id", fallback=False)
    g(batch)
    g(batch.drop(columns=["x"]))  # routed: the fallback answers, every route is stored
    assert g.flush(60)
    g.close()
    st = Store(store_url)
    out = outputs(st, "served")
    assert out.height == 4 * 200 - 200  # the challenger fails on the second batch: nothing shadowed
    champion = out.filter(out["role"] == "champion")
    assert champion["route"].value_counts().sort("route").rows() == [("fallback", 200), ("model", 200)]
    assert champion["model_version"].unique().to_list() == ["2"]
    assert [d["action"] for d in decisions(st, model="m")] == ["served", "batch"]
    assert guarded_models(st)[0]["routed"] == 200
    truth = batch.assign(y=batch.x > 100)[["id", "y"]]
    log_labels(truth, dataset="served", id="id", label="y", store=st, resamples=20)
    assert labels(st, "served").height == 200
    report = compare_models(dataset="served", store=st, resamples=50)
    assert report.metrics[0]["verdict"] == "champion better"


def _served(dataset: str, key: str, values: list, role: str = "champion") -> dict:
    from tripwire.store.serving import dumps

    n = len(values)
    return {"dataset": dataset, "batch_key": key, "at": pd.Timestamp("2024-01-01", tz="UTC").to_pydatetime(),
            "model_name": "m", "model_version": "1", "role": role, "rows": n,
            "ids_json": dumps([f"{key}:{i}" for i in range(n)]), "values_json": dumps(values),
            "routes_json": dumps(["model"] * n)}


def test_stored_values_read_back_typed_as_written(store_url):
    """Outputs and labels are decoded by Polars, not per value in Python: the same types and values."""
    from tripwire.store.serving import write_labels, write_served

    st = Store(store_url)
    cases = {
        "numbers": ([1, 2.5, None, True, False], pl.Float64, [1.0, 2.5, None, 1.0, 0.0]),
        "texts": (["cat", None, 'say "hi"', "1"], pl.String, ["cat", None, 'say "hi"', "1"]),
        "mixed": (["cat", 2, 2.5, True], pl.String, ["cat", "2", "2.5", "True"]),  # a number among text: its text
    }
    for dataset, (values, dtype, want) in cases.items():
        half = len(values) // 2
        # an empty batch between two others: it adds no row
        write_served(st, [], [_served(dataset, "a", values[:half]), _served(dataset, "e", []),
                              _served(dataset, "b", values[half:])])
        out = outputs(st, dataset)
        assert out["value"].dtype == dtype and out["value"].to_list() == want, dataset
        assert out["request_id"].to_list() == [f"a:{i}" for i in range(half)] + \
            [f"b:{i}" for i in range(len(values) - half)]
        assert out["at"].dtype == pl.Datetime("us", "UTC") and out["route"].unique().to_list() == ["model"]
        write_labels(st, dataset, ["a:0", "b:0"], values[:1] + values[half:half + 1])
        write_labels(st, dataset, [], [])
        write_labels(st, dataset, ["a:0"], values[1:2])  # logged again: the later label wins
        got = labels(st, dataset).sort("request_id")
        assert got["request_id"].to_list() == ["a:0", "b:0"]
        assert got["label"].dtype == (pl.Float64 if dataset == "numbers" else pl.String)
    assert outputs(st, "nothing").height == 0 and labels(st, "nothing").height == 0


def test_the_model_page_reads_each_datasets_outputs_once(store_url, monkeypatch):
    """The label charts and the comparison share one read and join of the stored outputs, kept until more are stored."""
    from tripwire.run import serving as run_serving
    from tripwire.server.models import model_view

    batch = pd.DataFrame({"id": [f"r{i}" for i in range(300)], "x": np.arange(300.0)})
    g = tripwire.guard(lambda b: (b.x > 100).to_numpy(), store=store_url, dataset="page", model="pm@1",
                       challenger=lambda b: (b.x > 50).to_numpy(), challenger_model="c@1", id="id", fallback=False)
    g(batch)
    assert g.flush(60)
    g.close()
    st = Store(store_url)
    log_labels(batch.assign(y=batch.x > 100)[["id", "y"]], dataset="page", id="id", label="y", store=st, resamples=0)
    reads = []
    real = run_serving.outputs
    monkeypatch.setattr(run_serving, "outputs", lambda *a, **k: reads.append(a[1]) or real(*a, **k))
    view = model_view(st, "pm")
    assert reads == ["page"]
    assert view["labels"] and any(r["metric"] == "accuracy_gain_of_challenger" for r in view["compare"])
    assert model_view(st, "pm") == view and reads == ["page"]  # nothing stored since: nothing computed again
    log_labels(batch.assign(y=batch.x > 50)[["id", "y"]], dataset="page", id="id", label="y", store=st, resamples=0)
    reads.clear()  # log_labels read them too
    again = model_view(st, "pm")  # new labels: read again, and the comparison turns
    assert reads == ["page"] and again["compare"] != view["compare"]
