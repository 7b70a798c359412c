"""Consensus, annotator bias and agreement drift on generated annotators of known accuracy."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import pytest

from tests.agreement.simulate import annotate
from tripwire.agreement import dawid_skene, majority_vote, ratings_from_frame
from tripwire.agreement.judge import judge
from tripwire.errors import UsageError
from tripwire.evaluation.bootstrap import Bootstrap

COLUMNS = ("item", "rater", "y")


def _judge(df, **kw):
    r, _ = ratings_from_frame(df, "item", "rater", "y", kw.pop("time", None))
    return judge(r, COLUMNS, boot=Bootstrap(kw.pop("resamples", 0)), **kw), r


def test_dawid_skene_recovers_known_accuracies():
    accuracies = (0.95, 0.9, 0.8, 0.7, 0.6)
    truth = np.random.default_rng(0).integers(0, 3, 2000)
    r, _ = ratings_from_frame(annotate(truth, accuracies, 3, seed=1), *COLUMNS)
    ds = dawid_skene(r)
    assert ds.converged
    np.testing.assert_allclose(ds.accuracy(), accuracies, atol=0.03)
    items = np.array(r.items, dtype=np.int64)
    assert (np.array(r.classes, dtype=np.int64)[ds.label] == truth[items]).mean() > 0.97
    vote = majority_vote(r)
    # weighting the better annotators beats one vote each
    assert (ds.label == truth[items]).mean() >= (vote.label == truth[items]).mean()


def test_majority_vote_confidence_and_ties():
    df = pl.DataFrame({"item": [1, 1, 1, 2, 2], "rater": ["a", "b", "c", "a", "b"], "y": ["x", "x", "z", "x", "z"]})
    r, _ = ratings_from_frame(df, *COLUMNS)
    vote = majority_vote(r)
    assert vote.confidence.tolist() == pytest.approx([2 / 3, 0.5])
    assert vote.tied.tolist() == [False, True]
    assert [r.classes[i] for i in vote.label] == ["x", "x"]  # the tie goes to the class given more often


def test_a_lower_accuracy_annotator_is_flagged_with_their_disagreeing_rows():
    truth = np.random.default_rng(2).integers(0, 3, 600)
    found, r = _judge(annotate(truth, (0.9, 0.9, 0.9, 0.6), 3, seed=3))
    (bias,) = [f for f in found.findings if f.code == "labels.annotator_bias"]
    assert bias.evidence["annotator"] == "r3" and bias.columns == ("rater", "y")
    assert "agrees with the other annotators on" in bias.title
    mine = r.rows[(r.annotator == r.annotators.index("r3"))]
    assert set(bias.evidence["all_rows"]) <= set(mine.tolist())
    assert bias.evidence["count"] == len(bias.evidence["all_rows"]) > 100
    assert bias.evidence["accuracy_vs_consensus"] == pytest.approx(0.6, abs=0.05)


def test_a_known_confusion_is_flagged_with_the_class():
    truth = np.random.default_rng(4).integers(0, 4, 800)
    found, _ = _judge(annotate(truth, (0.92,) * 5, 4, seed=5, confusion=(1, 0, 2, 0.7)))
    (bias,) = [f for f in found.findings if f.code == "labels.annotator_bias"]
    assert bias.evidence["annotator"] == "r1"
    assert "gives '2'" in bias.title
    confusion = np.array(bias.evidence["confusion_vs_consensus"]["rows_consensus_cols_given"])
    assert confusion[0, 2] > 0.6 * confusion[0].sum()


@pytest.mark.parametrize("seed", range(8))
def test_unbiased_annotators_stay_quiet(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 6))
    truth = rng.integers(0, k, 500)
    found, _ = _judge(annotate(truth, (0.85,) * int(rng.integers(3, 7)), k, seed=seed))
    assert not [f for f in found.findings if f.code in ("labels.annotator_bias", "labels.agreement_drift")]


def test_sparse_design_of_many_annotators_stays_quiet():
    rng = np.random.default_rng(9)
    n, k = 3000, 4
    truth = rng.integers(0, k, n)
    who = np.argsort(rng.random((n, 40)), axis=1)[:, :3]
    item = np.repeat(np.arange(n), 3)
    right = rng.random(item.size) < 0.8
    label = np.where(right, truth[item], (truth[item] + rng.integers(1, k, item.size)) % k)
    found, _ = _judge(pl.DataFrame({"item": item, "rater": who.ravel().astype(str), "y": label}))
    assert not [f for f in found.findings if f.code == "labels.annotator_bias"]


def _cohorts(later_accuracy: float) -> pl.DataFrame:
    rng = np.random.default_rng(11)
    frames = []
    for part, (accuracy, year) in enumerate(((0.95, 2024), (later_accuracy, 2025))):
        truth = rng.integers(0, 3, 300)
        df = annotate(truth, (accuracy,) * 4, 3, seed=20 + part).with_columns(pl.col("item") + 1000 * part)
        frames.append(df.with_columns(
            (pl.lit(datetime(year, 1, 1)) + pl.duration(hours=pl.col("item") - 1000 * part)).alias("at")))
    return pl.concat(frames)


def test_a_new_cohort_that_agrees_less_is_agreement_drift():
    found, r = _judge(_cohorts(0.7), time="at", resamples=300, window="1y")
    (drift,) = [f for f in found.findings if f.code == "labels.agreement_drift"]
    assert drift.evidence["window"].startswith("2025-01-01")
    assert drift.evidence["drop"] > 0.3 and drift.evidence["drop_interval"][0] > 0
    later = set(r.rows[r.time >= np.datetime64("2025-01-01")].tolist())
    assert set(drift.evidence["all_rows"]) == later
    assert [w["window"][:4] for w in found.windows] == ["2024", "2025"]


def test_steady_agreement_over_time_is_quiet():
    found, _ = _judge(_cohorts(0.95), time="at", resamples=300)
    assert len(found.windows) == 4
    assert not [f for f in found.findings if f.code == "labels.agreement_drift"]


def test_disagreement_severity_follows_krippendorffs_thresholds():
    truth = np.random.default_rng(6).integers(0, 3, 400)
    low, _ = _judge(annotate(truth, (0.6,) * 4, 3, seed=1), resamples=200)
    (f,) = [f for f in low.findings if f.code == "labels.annotator_disagreement"]
    assert f.severity == "error" and f.evidence["ci_high"] < 0.667
    high, _ = _judge(annotate(truth, (0.97,) * 4, 3, seed=1), resamples=200)
    assert not [f for f in high.findings if f.code == "labels.annotator_disagreement"]


def test_consensus_table_has_dawid_skene_with_three_ratings_per_item():
    truth = np.random.default_rng(7).integers(0, 2, 100)
    found, _ = _judge(annotate(truth, (0.9, 0.8, 0.7), 2, seed=2))
    assert found.consensus.columns == ["item", "ratings", "majority", "majority_share", "tied", "dawid_skene",
                                       "dawid_skene_confidence"]
    assert found.consensus.height == 100
    two, _ = _judge(annotate(truth, (0.9, 0.8), 2, seed=2))
    assert "dawid_skene" not in two.consensus.columns


def test_items_labelled_once_cannot_be_judged():
    df = pl.DataFrame({"item": [1, 2, 3], "rater": ["a", "b", "c"], "y": [1, 0, 1]})
    with pytest.raises(UsageError, match="labelled once"):
        _judge(df)


def test_text_labels_refuse_interval_distances():
    df = pl.DataFrame({"item": [1, 1, 2, 2], "rater": ["a", "b", "a", "b"], "y": ["x", "y", "x", "x"]})
    with pytest.raises(UsageError, match="numeric labels"):
        _judge(df, level="interval")


def test_generated_annotators_on_real_penguin_species_stay_quiet_and_recover_the_truth():
    from tests.realdata import penguins

    species = penguins()["species"].to_numpy()
    names = np.array(sorted(set(species)))
    truth = np.searchsorted(names, species)
    found, r = _judge(annotate(truth, (0.9,) * 5, 3, seed=4))
    assert not [f for f in found.findings if f.code == "labels.annotator_bias"]
    items = np.array(r.items, dtype=np.int64)
    assert (found.consensus["dawid_skene"].cast(pl.Int64).to_numpy() == truth[items]).mean() > 0.98


def test_wide_table_names_the_biased_annotators_column():
    import tripwire

    truth = np.random.default_rng(8).integers(0, 3, 400)
    long = annotate(truth, (0.92, 0.92, 0.92, 0.55), 3, seed=9)
    wide = long.pivot(on="rater", index="item", values="y")
    report = tripwire.annotators(wide, item="item", raters=["r0", "r1", "r2", "r3"], resamples=50)
    (bias,) = report.by_code("labels.annotator_bias")
    assert bias.columns == ("r3",)
    assert set(bias.rows) <= set(range(400))  # rows of the wide table: one per item
    assert report.extra["consensus"].columns[0] == "item"


def test_edge_inputs_give_figures_or_one_clear_reason():
    import tripwire

    same = pl.DataFrame({"i": [1, 1, 2, 2], "a": ["x", "y", "x", "y"], "l": ["k"] * 4})
    report = tripwire.annotators(same, item="i", annotator="a", label="l", resamples=20)
    assert report.metrics[0]["value"] is None and any("same label" in n for n in report.notes)
    huge = pl.DataFrame({"i": [1, 1, 2, 2, 3, 3], "a": ["x", "y"] * 3, "l": [1e300, 1e300, -1e300, 1e300, 0, 0]})
    interval = next(m for m in tripwire.annotators(huge, item="i", annotator="a", label="l", resamples=20).metrics
                    if m.get("level") == "interval")
    assert np.isfinite(interval["value"])
    odd = pl.DataFrame({"i": ["ü", "ü", "😀", "😀"], "a": ["é", "ß", "é", "ß"], "l": ["日本", "日本", "x", "y"]})
    assert "日本" in tripwire.annotators(odd, item="i", annotator="a", label="l", resamples=20).to_html()
    empty = pl.DataFrame({"i": [], "a": [], "l": []}, schema={"i": pl.Int64, "a": pl.String, "l": pl.Int64})
    with pytest.raises(UsageError, match="no rating"):
        tripwire.annotators(empty, item="i", annotator="a", label="l")
