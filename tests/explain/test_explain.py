"""Explanations: permutation importance and feature ablation rank known signal, with intervals and a cache."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from tests.explain import models
from tests.realdata import penguins
from tripwire.errors import UsageError
from tripwire.explaining import METRICS, get_metric
from tripwire.run import explain


class Truth:
    """A fixed model: y = 3 a + b + 2 d (c unused)."""

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        return 3 * rows["a"].to_numpy() + rows["b"].to_numpy() + 2 * rows["d"].to_numpy()


def test_all_class_auc_and_log_loss_match_scikit_learn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    from tripwire.explaining.metrics import ALL_CLASSES

    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 400)
    p = rng.dirichlet(np.ones(4), 400)
    p[np.arange(400), y] += 0.3
    p /= p.sum(axis=1, keepdims=True)
    assert ALL_CLASSES["auc"](y, p)[0] == pytest.approx(
        sklearn_metrics.roc_auc_score(y, p, multi_class="ovr", average="macro"))
    assert ALL_CLASSES["log_loss"](y, p)[0] == pytest.approx(sklearn_metrics.log_loss(y, p))
    # resamples along the first axis: one value each, a class missing from one left out of its mean
    two = ALL_CLASSES["auc"](np.stack([y, np.where(y == 3, 0, y)]), np.stack([p, p]))
    assert two.shape == (2,) and np.isfinite(two).all()


def test_every_metric_on_resampled_rows_equals_the_metric_of_the_gathered_rows():
    from tripwire.explaining.metrics import ALL_CLASSES

    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 300)
    p = rng.dirichlet(np.ones(5), 300)
    rows = rng.integers(0, 300, (40, 300))
    for metric in ALL_CLASSES.values():  # gathered a class at a time, not as a (40, 300, 5) copy
        assert np.array_equal(metric(y, p, rows), metric(y[rows], p[rows]))
    binary, score = (y == 1).astype(float), p[:, 1]
    for metric in METRICS.values():
        assert np.array_equal(metric(binary, score, rows), metric(binary[rows], score[rows]))


def _ranked_per_resample(y: np.ndarray, p: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The one-vs-rest AUC as it was: every class's scores ranked on every resample (the reference)."""
    from tripwire.drift_detection.stats import rank_auc

    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.stack([rank_auc(y[rows] == c, p[:, c][rows]) for c in range(p.shape[1])])
    present = np.isfinite(per_class)
    return np.where(present.any(axis=0), np.where(present, per_class, 0.0).sum(axis=0) / present.sum(axis=0).clip(1),
                    np.nan)


def test_resampled_auc_ranks_once_and_equals_ranking_every_resample(monkeypatch):
    from scipy import stats

    from tripwire.explaining import metrics

    rng = np.random.default_rng(5)
    y = rng.integers(0, 5, 900)
    y[:2] = 5  # a class of two rows: absent from some resamples, left out of their mean
    p = rng.dirichlet(np.ones(6), 900)
    p[np.arange(900), y] += 0.2
    rows = rng.integers(0, 900, (300, 900))
    # several classes, without and with ties; two classes (one score column): the rare class against the rest
    binary, score = (y == 5).astype(float), np.round(p[:, 5], 2)
    cases = [(metrics.ALL_CLASSES["auc"], y, p, _ranked_per_resample(y, p, rows)),
             (metrics.ALL_CLASSES["auc"], y, np.round(p, 2), _ranked_per_resample(y, np.round(p, 2), rows)),
             (metrics.METRICS["auc"], binary, score, metrics.METRICS["auc"](binary[rows], score[rows]))]
    assert np.isnan(cases[2][3]).any()

    def ranked(*args, **kwargs):
        raise AssertionError("a resample was ranked")

    monkeypatch.setattr(stats, "rankdata", ranked)  # ranking every resample: not done any more
    for metric, truth, scores, want in cases:
        got = metric(truth, scores, rows)
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.nanmax(np.abs(got - want)) <= 1e-12


def test_resampled_auc_is_nan_where_ranking_is_on_nan_scores():
    # a model's NaN score: ranking a resample that drew it gave NaN, the others their AUC; the count method the same
    from tripwire.drift_detection.stats import rank_auc
    from tripwire.explaining import metrics

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 200)
    p = rng.dirichlet(np.ones(3), 200)
    p[::10] = np.nan
    rows = rng.integers(0, 200, (300, 200))
    rows[:100] |= 1  # odd rows only: a third of the resamples never draw a NaN score
    binary = (y == 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cases = [(metrics.METRICS["auc"](binary, p[:, 1], rows), rank_auc(binary[rows], p[:, 1][rows])),
                 (metrics.ALL_CLASSES["auc"](y, p, rows), _ranked_per_resample(y, p, rows))]
    for got, want in cases:
        assert np.isfinite(want[:100]).all() and np.isnan(want[100:]).all()
        assert np.array_equal(np.isnan(got), np.isnan(want)) and np.nanmax(np.abs(got - want)) <= 1e-12


def test_auc_matches_scikit_learn_with_ties():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = np.round(rng.random(300), 1)  # ties
    assert METRICS["auc"](y, p)[0] == pytest.approx(sklearn_metrics.roc_auc_score(y, p))
    assert METRICS["log_loss"](y, np.clip(p, 0.05, 0.95))[0] == pytest.approx(
        sklearn_metrics.log_loss(y, np.clip(p, 0.05, 0.95)))


def test_permutation_ranks_the_signal_and_an_unused_column_costs_nothing():
    report = explain(Truth(), models.table(), label="y", metric="rmse", resamples=100, repeats=3)
    ranked = [r for r in report.metrics if r["metric"] == "permutation_importance"]
    assert [r["feature"] for r in ranked] == ["a", "d", "b", "c"]
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4]
    a, c = ranked[0], ranked[3]
    assert a["ci_low"] < a["value"] < a["ci_high"] and a["ci_low"] > 1  # shuffling a costs ~ 3·√2 of RMSE
    assert c["value"] == 0 and c["ci_low"] == 0 == c["ci_high"]
    assert report.notes[0].startswith("shuffling `a` costs ")
    assert explain(Truth(), models.table(), label="y", metric="rmse", resamples=100, repeats=3).metrics == \
        report.metrics  # seeded: the same numbers every run


def test_groups_are_shuffled_together():
    report = explain(Truth(), models.table(), label="y", metric="rmse", groups={"ab": ["a", "b"]}, resamples=50)
    ranked = [r["feature"] for r in report.metrics if r["metric"] == "permutation_importance"]
    assert ranked == ["ab", "d", "c"]


def test_ablation_ranks_dropped_groups_and_an_added_candidate(tmp_path):
    models.CALLS.clear()
    report = explain(None, models.table(), label="y", metric="rmse", fit=models.fit_linear,
                     features=["a", "b", "c"], groups={"a": ["a"], "noise": ["c"]}, add=["d"],
                     folds=4, workers=1, cache=tmp_path)
    rows = {r["feature"]: r for r in report.metrics if r["metric"] == "ablation_cost"}
    assert rows["a"]["action"] == "drop" and rows["a"]["ci_low"] > 0.5     # a carries most of y
    assert rows["d"]["action"] == "add" and rows["d"]["value"] < -0.5      # adding d lowers the RMSE
    assert abs(rows["noise"]["value"]) < 0.05
    assert [r["rank"] for r in rows.values()] == [1, 2, 3, 4]
    assert any(n.startswith("dropping `a` costs ") for n in report.notes)
    assert any(n.startswith("adding `d` gains ") for n in report.notes)
    assert len(models.CALLS) == 5 * 4  # full, drop a, drop noise, drop b, add d: 4 folds each
    assert "20 of 20 fits trained" in report.notes[-1]

    models.CALLS.clear()  # a re-run retrains nothing; a new candidate retrains only its own folds
    again = explain(None, models.table(), label="y", metric="rmse", fit=models.fit_linear, features=["a", "b", "c"],
                    groups={"a": ["a"], "noise": ["c"]}, add=["d"], folds=4, workers=1, cache=tmp_path)
    assert models.CALLS == [] and again.metrics == report.metrics
    data = models.table()
    data["b"] = data["b"] * 2  # changed values of b: every variant training on b retrains, "drop b" does not
    explain(None, data, label="y", metric="rmse", fit=models.fit_linear, features=["a", "b", "c"],
            groups={"a": ["a"], "noise": ["c"]}, add=["d"], folds=4, workers=1, cache=tmp_path)
    assert len(models.CALLS) == 4 * 4 and ("a", "c") not in models.CALLS


def test_ablation_reuses_the_cache_only_for_unchanged_variants(tmp_path):
    models.CALLS.clear()
    kwargs = {"label": "y", "metric": "rmse", "fit": models.fit_linear, "folds": 3, "workers": 1, "cache": tmp_path}
    explain(None, models.table(), features=["a", "b"], groups={"a": ["a"]}, **kwargs)
    assert len(models.CALLS) == 3 * 3  # full, drop a, drop b
    models.CALLS.clear()
    explain(None, models.table(), features=["a", "b"], groups={"a": ["a"]}, add=["c"], **kwargs)
    assert models.CALLS == [("a", "b", "c")] * 3  # only the new candidate's folds


@pytest.mark.slow
def test_ablation_in_two_worker_processes_gives_the_same_numbers(tmp_path):
    kwargs = {"label": "y", "metric": "rmse", "fit": models.fit_linear, "features": ["a", "b"], "folds": 3,
              "cache": None}
    one = explain(None, models.table(), workers=1, **kwargs)
    two = explain(None, models.table(), workers=2, **kwargs)
    assert one.metrics == two.metrics


def test_bad_input_is_one_line():
    with pytest.raises(UsageError, match="--metric 'f1': choose one of auc, accuracy"):
        get_metric("f1")
    with pytest.raises(UsageError, match="--label 'nope' is not a column"):
        explain(Truth(), models.table(), label="nope")
    with pytest.raises(UsageError, match=r"^auc scores classes, but 'y' holds numbers \(Float64 with fractional "
                                         r"values\): use --metric rmse, mae or r2"):
        explain(Truth(), models.table(), label="y", metric="auc")
    with pytest.raises(UsageError, match=r"needs --model .* or --fit"):
        explain(None, models.table(), label="y")
    with pytest.raises(UsageError, match="'zz' \\(in --feature/--group/--add\\) is not a column"):
        explain(Truth(), models.table(), label="y", metric="rmse", groups={"g": ["zz"]})


class _TwoOfThree:
    """Scores for classes 0 and 1 only, on a label of three classes."""

    classes_ = np.array([0, 1])

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(rows), dtype=int)

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        return np.full((len(rows), 2), 0.5)


def test_a_model_missing_a_class_is_told_so_not_to_use_accuracy():
    table = models.table(60).drop(columns="y").assign(k=np.arange(60) % 3)
    with pytest.raises(UsageError, match=r"no score column for class 2; its classes: \['0', '1'\]$"):
        explain(_TwoOfThree(), table, label="k", resamples=10, repeats=1)


def test_the_report_is_valid_json_with_a_ranked_metrics_table():
    report = explain(Truth(), models.table(200), label="y", metric="mae", resamples=20, repeats=2)
    data = json.loads(report.to_json())
    assert data["command"] == "explain" and data["metrics"][0]["metric"] == "mae"
    schema = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"
    jsonschema.validate(data, json.loads(schema.read_text()))


def test_text_view_gives_no_verdict_for_a_ranking():
    report = explain(Truth(), models.table(), label="y", metric="rmse", resamples=20, repeats=1)
    text = report.to_text()
    assert "No issues found." not in text and "Measured only: nothing here passes or fails." in text
    assert report.checks == () and report.exit_code == 0


def test_the_users_model_or_fit_raising_is_their_error_in_one_line():
    with pytest.raises(UsageError, match=r"^the model raised KeyError: 'zz'$"):
        explain(lambda rows: rows["zz"], models.table(), label="y", metric="rmse", resamples=20)

    def broken(rows):
        raise ValueError("no good")

    with pytest.raises(UsageError, match=r"^the fit function raised ValueError: no good$"):
        explain(None, models.table(), label="y", metric="rmse", fit=broken, workers=1, cache=None)


def test_html_page_gives_no_verdict_for_a_ranking():
    report = explain(Truth(), models.table(), label="y", metric="rmse", resamples=20, repeats=1)
    page = report.to_html()
    assert "Measured only: nothing here passes or fails." in page and "No issues found" not in page


def _penguin_species() -> pd.DataFrame:
    cols = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "species"]
    return penguins()[cols].dropna().reset_index(drop=True)


def test_three_penguin_species_explain_with_every_class_or_one_species_against_the_rest():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    df = _penguin_species()
    model = models.fit_species(df)

    def ranked(**kw):
        report = explain(model, df, label="species", resamples=50, repeats=2, **kw)
        return [r["feature"] for r in report.metrics if r["metric"] == "permutation_importance"], report

    # no class named: AUC over all three species (macro one-vs-rest), as scikit-learn computes it
    order, report = ranked()
    base = report.metrics[0]
    features = df.drop(columns="species")
    assert base["metric"] == "auc_ovr" and base["value"] == pytest.approx(sklearn_metrics.roc_auc_score(
        df["species"], model.predict_proba(features), multi_class="ovr", average="macro"))
    assert order[0] == "bill_length_mm" and "of one-vs-rest AUC" in report.notes[0]
    order, report = ranked(metric="log_loss")
    assert report.metrics[0]["metric"] == "log_loss_classes" and report.metrics[0]["value"] == pytest.approx(
        sklearn_metrics.log_loss(df["species"], model.predict_proba(features)))
    # accuracy takes the three classes as they are
    order, report = ranked(metric="accuracy")
    assert report.metrics[0]["value"] > 0.95 and order[0] == "bill_length_mm"
    # one species against the other two: each species has its own tell
    assert ranked(metric="auc", positive="Gentoo")[0][0] == "bill_depth_mm"
    assert ranked(metric="auc", positive="Chinstrap")[0][0] == "bill_length_mm"
    assert ranked(metric="log_loss", positive="Adelie")[1].metrics[0]["value"] < 0.1
    with pytest.raises(UsageError, match=r"^--positive 'Emperor' is not a class of 'species'; classes: "
                                         r"Adelie, Chinstrap, Gentoo$"):
        explain(model, df, label="species", positive="Emperor")
    # labels where AUC over every class wants scores per class, and the reverse: say so in one line
    with pytest.raises(UsageError, match=r"^the model returned outputs of shape \(342,\) for 342 inputs; expected "
                                         r"\(342, 3\) scores, one column per class \(predict_proba\); for a model "
                                         r"that only predicts labels, use --metric accuracy$"):
        explain(model.predict, df, label="species")
    with pytest.raises(UsageError, match=r"^the model returned 3 columns per row \(scores per class\?\); accuracy"):
        explain(model.predict_proba, df, label="species", metric="accuracy")


def _rare_chinstrap(n: int) -> pd.DataFrame:
    """Penguins with only `n` Chinstrap rows left (seeded pick): a rare class."""
    df = _penguin_species()
    keep = np.random.default_rng(0).choice(np.flatnonzero(df["species"] == "Chinstrap"), n, replace=False)
    return pd.concat([df[df["species"] != "Chinstrap"], df.loc[np.sort(keep)]]).reset_index(drop=True)


def test_ablation_folds_keep_a_rare_class_in_every_fold():
    pytest.importorskip("sklearn")
    from tripwire.explaining.ablation import fold_of_rows

    df = _rare_chinstrap(6)
    fold = fold_of_rows(len(df), 5, 0, df["species"].to_numpy())
    per_class = [np.bincount(fold[df["species"].to_numpy() == c], minlength=5) for c in df["species"].unique()]
    assert all(c.max() - c.min() <= 1 for c in per_class)  # every class shared out evenly: Chinstrap 1-2 per fold
    assert np.array_equal(fold, fold_of_rows(len(df), 5, 0, df["species"].to_numpy()))  # seeded
    kwargs = {"label": "species", "fit": models.fit_species, "features": ["bill_length_mm", "bill_depth_mm"],
              "folds": 5, "workers": 1, "cache": None}
    # Chinstrap against the rest: a held-out fold without a Chinstrap had no AUC (NaN)
    report = explain(None, df, metric="auc", positive="Chinstrap", **kwargs)
    scored = [r for r in report.metrics if r["metric"] in ("cv_auc", "ablation_cost")]
    assert all(np.isfinite(r["folds"]).all() for r in scored) and scored[0]["value"] > 0.9
    assert "5-fold cross-validation (seed 0, stratified by class)" in report.notes[-1]
    # fewer Chinstraps than folds: every training fold still has one, and the report says what the others lack
    report = explain(None, _rare_chinstrap(3), **kwargs)
    assert report.metrics[0]["metric"] == "cv_auc_ovr" and np.isfinite(report.metrics[0]["folds"]).all()
    assert "class 'Chinstrap' of 'species' has 3 row(s), fewer than the 5 folds: 2 held-out fold(s) score without " \
           "it" in report.notes


def _penguin_mass() -> tuple[pd.DataFrame, object]:
    """Penguins with body mass in kg to 0.1 (37 distinct values: a number, not 37 classes), and a linear model of it."""
    cols = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
    df = penguins()[[*cols, "body_mass_g", "species"]].dropna().reset_index(drop=True)
    df["mass_kg"] = (df.pop("body_mass_g") / 1000).round(1)
    x = np.column_stack([df[cols].to_numpy(float), np.ones(len(df))])
    coef = np.linalg.lstsq(x, df["mass_kg"].to_numpy(float), rcond=None)[0]
    return df, lambda rows: np.column_stack([rows[cols].to_numpy(float), np.ones(len(rows))]) @ coef


def test_a_number_with_few_values_is_scored_as_a_number_by_the_rule_evaluate_uses():
    from tripwire.evaluation.task import label_task
    from tripwire.run import evaluate

    df, model = _penguin_mass()
    assert 20 < df["mass_kg"].nunique() < 100  # once taken for classes: one-vs-rest AUC of 37 "classes"
    data = df[["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "mass_kg"]]
    for metric in ("auc", "log_loss", "accuracy"):
        with pytest.raises(UsageError, match=rf"^{metric} scores classes, but 'mass_kg' holds numbers \(Float64 with "
                                             r"fractional values\): use --metric rmse, mae or r2 "):
            explain(model, data, label="mass_kg", metric=metric)
    report = explain(model, data, label="mass_kg", metric="rmse", resamples=20, repeats=1)
    assert report.metrics[0]["metric"] == "rmse" and 0.3 < report.metrics[0]["value"] < 0.5
    # whole numbers: few are classes (a year), many are numbers (flipper length in mm: 55 values)
    with pytest.raises(UsageError, match=r"holds numbers \(Float64 with 55 distinct values, more than 20\)"):
        explain(model, data, label="flipper_length_mm", metric="auc")
    # text is classes: a number metric on it is one line too
    with pytest.raises(UsageError, match=r"^rmse scores numbers, but 'species' holds classes \(String\): use "
                                         r"--metric auc, log_loss or accuracy$"):
        explain(model, df, label="species", metric="rmse")
    # evaluate decides by the same rule
    scored = data.assign(pred=model(data))
    assert evaluate(scored, label="mass_kg", prediction="pred", resamples=20).extra["task"] == "regression"
    assert label_task(df["mass_kg"]) == "regression" and label_task(df["species"]) == "classification"
    assert label_task(penguins()["year"]) == "classification"


def test_a_change_reads_the_same_in_every_note_and_never_as_minus_zero():
    auc, rmse = METRICS["auc"], METRICS["rmse"]
    assert auc.told(0.0412) == "4.1 points of AUC" and auc.amount(0.0412) == "4.1"
    assert auc.amount(-0.0004) == "0.0" and auc.amount(-0.05) == "-5.0"
    assert rmse.told(0.31416) == "0.3142 of RMSE" and rmse.amount(-0.0) == "0"
