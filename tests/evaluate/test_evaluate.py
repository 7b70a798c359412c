"""`tripwire.evaluate` and `tripwire evaluate`: one Report with the metrics table; bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import polars as pl
import pytest
from sklearn import metrics as skm

import tripwire
from tests.cli.test_cli import assert_one_line_error, run
from tripwire.errors import UsageError
from tripwire.report import Report

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"
FAST = {"resamples": 200}


def _metric(report, metric, **kw):
    return next(r for r in report.metrics if r["metric"] == metric and all(r.get(k) == v for k, v in kw.items()))


@pytest.fixture(scope="module")
def preds() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(0, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * x))).astype(int)
    p = 1 / (1 + np.exp(-2 * x))
    region = rng.choice(["north", "south", "east"], n)
    pred = (p > 0.5).astype(int)
    flip = (region == "east") & (x > 0) & (rng.random(n) < 0.5)  # a weak slice
    pred[flip] = 1 - pred[flip]
    return pl.DataFrame({"id": np.arange(n), "x": x, "region": region, "y": y, "pred": pred, "p": p,
                         "always_no": np.zeros(n, dtype=int)})


def test_classification_report_has_the_metrics_table_and_findings(preds):
    r = tripwire.evaluate(preds, label="y", prediction="pred", proba="p", baseline="always_no", **FAST)
    assert isinstance(r, Report) and r.command == "evaluate"
    y, pred = preds["y"].to_numpy(), preds["pred"].to_numpy()
    assert _metric(r, "accuracy")["value"] == pytest.approx(skm.accuracy_score(y, pred))
    assert _metric(r, "roc_auc")["value"] == pytest.approx(skm.roc_auc_score(y, preds["p"].to_numpy()))
    assert _metric(r, "confusion", true=1, predicted=0)["value"] == int(((y == 1) & (pred == 0)).sum())
    assert _metric(r, "accuracy_gain_over_baseline", baseline="always_no")["ci_low"] > 0
    slices = r.by_code("model.weak_slice")
    assert slices and "region = 'east'" in slices[0].title
    assert not r.by_code("model.below_baseline")
    assert [p["kind"] for p in r.run.passes] == ["profile", "rows"]  # one profile pass, one row pass
    doc = json.loads(r.to_json())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["metrics"][0]["metric"] == "accuracy"
    assert Report.from_dict(doc).metrics == tuple(doc["metrics"])
    again = tripwire.evaluate(preds, label="y", prediction="pred", proba="p", baseline="always_no", **FAST)
    assert again.to_dict() | {"tripwire_version": 0} == doc | {"tripwire_version": 0}  # same input, same output


def test_groups_from_a_separate_file_joined_by_key(preds, tmp_path):
    rng = np.random.default_rng(1)
    who = pl.DataFrame({"id": preds["id"], "sex": rng.choice(["f", "m"], preds.height)})
    path = tmp_path / "who.csv"
    who.sample(fraction=1.0, shuffle=True, seed=2).write_csv(path)  # another order: the key decides
    r = tripwire.evaluate(preds.drop("region"), label="y", prediction="pred", groups=str(path), on="id",
                          slices=False, **FAST)
    sel = {row["group"]: row for row in r.metrics if row["metric"] == "selection_rate"}
    pred = preds["pred"].to_numpy()
    sex = preds.join(who, on="id")["sex"].to_numpy()
    assert sel["f"]["value"] == pytest.approx(pred[sex == "f"].mean())
    assert sel["f"]["n"] == int((sex == "f").sum())
    assert not r.by_code("model.fairness_gap")  # the groups were drawn at random
    with pytest.raises(UsageError, match="no key in 'id' matches a row"):
        tripwire.evaluate(preds, label="y", prediction="pred", groups=who.with_columns(pl.col("id") + 10**6),
                          on="id", **FAST)


def test_regression_bands_and_unscored_rows():
    rng = np.random.default_rng(3)
    y = rng.uniform(50, 150, 2000)
    pred = y * (1 + rng.normal(0, 0.1, 2000))
    pred[:25] = np.nan
    df = pl.DataFrame({"y": y, "pred": pred, "x": rng.normal(0, 1, 2000)})
    r = tripwire.evaluate(df, label="y", prediction="pred", band=0.05, band_target=0.8, **FAST)
    unscored = r.by_code("model.unscored_rows")[0]
    assert unscored.evidence["count"] == 25 and list(unscored.rows) == list(range(25))
    ok = ~np.isnan(pred)
    assert _metric(r, "mae")["value"] == pytest.approx(skm.mean_absolute_error(y[ok], pred[ok]))
    band = r.by_code("model.error_band")[0]
    share = np.mean(np.abs(pred[ok] - y[ok]) <= 0.05 * y[ok])
    assert band.evidence["value"] == pytest.approx(share) and "below the target of 80%" in band.title


def test_ranking_through_the_public_function():
    rng = np.random.default_rng(4)
    df = pl.DataFrame({"user": np.repeat(np.arange(30), 12), "item": np.tile(np.arange(12), 30),
                       "score": rng.random(360), "liked": (rng.random(360) < 0.3).astype(int)})
    r = tripwire.evaluate(df, label="liked", prediction="score", user="user", item="item", k=5, **FAST)
    assert r.extra["task"] == "ranking"
    assert {m["metric"] for m in r.metrics} >= {"precision_at_k", "ndcg_at_k", "catalogue_coverage", "novelty"}
    holes = df.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise(pl.col("score")).alias("score"))
    r2 = tripwire.evaluate(holes, label="liked", prediction="score", user="user", item="item", k=5, **FAST)
    assert r2.by_code("model.unscored_rows")[0].rows == (7,)
    with pytest.raises(UsageError, match="larger than every user's list"):
        tripwire.evaluate(df, label="liked", prediction="score", user="user", item="item", k=50, **FAST)


def test_latency_of_a_callable(preds):
    rows = tripwire.evaluate.latency(lambda batch: batch["x"].to_numpy() > 0, preds, batch_sizes=[1, 32, 1024],
                                     calls=5)
    assert [r["batch_size"] for r in rows] == [1, 32, 1024]
    assert all(r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"] and r["rows_per_s"] > 0 and r["calls"] == 5 for r in rows)
    r = tripwire.evaluate(preds, label="y", prediction="pred", slices=False, predict=lambda b: b, **FAST)
    assert {m["batch_size"] for m in r.metrics if m["metric"] == "latency_p95_ms"} == {1, 32, 1024}


@pytest.mark.parametrize("kwargs, message", [
    ({"proba": "nope"}, "--proba 'nope' is not a column"),
    ({"proba": "x"}, "values outside [0, 1]"),
    ({"prediction": "region"}, "holds text but --label 'y' holds numbers"),
    ({"task": "regression", "label": "region"}, "regression needs numbers"),
    ({"groups": "g.csv"}, "--groups needs --on KEY"),
    ({"positive": "7"}, "--positive '7' is not a class"),
])
def test_bad_input_is_one_clear_error(preds, kwargs, message):
    args = {"label": "y", "prediction": "pred", **kwargs}
    with pytest.raises(UsageError) as err:
        tripwire.evaluate(preds, **args, **FAST)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_cli_text_json_and_a_bad_column(preds, tmp_path):
    data = tmp_path / "preds.csv"
    preds.write_csv(data)
    proc = run("evaluate", str(data), "--label", "y", "--prediction", "pred", "--proba", "p", "--resamples", "100",
               "--model", "churn@3")
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "[model.weak_slice]" in proc.stdout
    assert "model: churn@3" in proc.stderr
    out = tmp_path / "r.json"
    proc = run("evaluate", str(data), "--label", "y", "--prediction", "pred", "--baseline", "always_no",
               "--resamples", "100", "--format", "json", "-o", str(out))
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert any(m["metric"] == "accuracy_gain_over_baseline" for m in doc["metrics"])
    assert_one_line_error(run("evaluate", str(data), "--label", "y", "--prediction", "predd"),
                          "--prediction 'predd' is not a column")


def test_performance_drop_against_the_last_stored_evaluation_of_the_model(preds, tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    first = tripwire.evaluate(preds, label="y", prediction="pred", model="churn@1", store=url, slices=False, **FAST)
    assert not first.by_code("model.performance_drop")
    assert first.extra["stored"]["dataset"] == "evaluate/churn"
    same = tripwire.evaluate(preds, label="y", prediction="pred", model="churn@2", store=url, slices=False, **FAST)
    assert not same.by_code("model.performance_drop")
    rng = np.random.default_rng(9)
    worse = preds.with_columns(pl.Series("pred", np.where(rng.random(preds.height) < 0.2, 1 - preds["pred"].to_numpy(),
                                                          preds["pred"].to_numpy())))
    r = tripwire.evaluate(worse, label="y", prediction="pred", model="churn@3", store=url, slices=False, **FAST)
    drops = {f.evidence["metric"]: f for f in r.by_code("model.performance_drop")}
    assert "accuracy" in drops
    acc = drops["accuracy"]
    assert acc.evidence["previous"] == pytest.approx(_metric(same, "accuracy")["value"])
    assert acc.evidence["value"] == pytest.approx(_metric(r, "accuracy")["value"])
    assert "version 2" in acc.title and "churn@3: accuracy fell from" in acc.title
    with pytest.raises(UsageError, match="pass --model"):
        tripwire.evaluate(preds, label="y", prediction="pred", store=url, **FAST)


def test_multiclass_probabilities_matched_to_classes_by_column_name():
    rng = np.random.default_rng(11)
    n, labels = 1500, np.array(["adelie", "chinstrap", "gentoo"])
    y = labels[rng.integers(0, 3, n)]
    logits = rng.normal(0, 1, (n, 3)) + 2 * (y[:, None] == labels[None, :])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    df = pl.DataFrame({"y": y, "pred": labels[proba.argmax(axis=1)],
                       # columns in another order than the classes: the names decide
                       "p_gentoo": proba[:, 2], "p_adelie": proba[:, 0], "p_chinstrap": proba[:, 1]})
    r = tripwire.evaluate(df, label="y", prediction="pred", proba=["p_gentoo", "p_adelie", "p_chinstrap"],
                          slices=False, **FAST)
    assert _metric(r, "log_loss")["value"] == pytest.approx(skm.log_loss(y, proba, labels=labels))
    assert _metric(r, "roc_auc", **{"class": "gentoo"})["value"] == pytest.approx(
        skm.roc_auc_score(y == "gentoo", proba[:, 2]))
    with pytest.raises(UsageError, match="one column but 'y' has 3 classes"):
        tripwire.evaluate(df, label="y", prediction="pred", proba="p_gentoo", **FAST)
