"""The guard's tables on SQLite and PostgreSQL: decisions, output batches and labels read back."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
