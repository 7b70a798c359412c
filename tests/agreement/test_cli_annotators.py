"""`tripwire annotators` from the command line: text, JSON, the consensus file, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import polars as pl
import pytest

from tests.agreement.simulate import annotate
from tests.cli.test_cli import assert_one_line_error, run

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


@pytest.fixture(scope="module")
def ratings_csv(tmp_path_factory) -> Path:
    truth = np.random.default_rng(0).integers(0, 3, 300)
    path = tmp_path_factory.mktemp("annotators") / "ratings.csv"
    annotate(truth, (0.95, 0.95, 0.95, 0.6), 3, seed=1).write_csv(path)
    return path


def test_json_report_has_metrics_findings_and_validates(ratings_csv, tmp_path):
    out = tmp_path / "consensus.csv"
    proc = run("annotators", str(ratings_csv), "--item", "item", "--annotator", "rater", "--label", "y",
               "--resamples", "200", "--consensus", str(out), "--format", "json")
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["command"] == "annotators"
    codes = {f["code"]: f for f in doc["findings"]}
    assert codes["labels.annotator_bias"]["evidence"]["annotator"] == "r3"
    alpha = next(m for m in doc["metrics"] if m["metric"] == "krippendorff_alpha")
    assert alpha["ci_low"] < alpha["value"] < alpha["ci_high"]
    assert sum(m["metric"] == "cohen_kappa" for m in doc["metrics"]) == 6
    consensus = pl.read_csv(out)
    assert consensus.height == 300 and "dawid_skene_confidence" in consensus.columns
    again = run("annotators", str(ratings_csv), "--item", "item", "--annotator", "rater", "--label", "y",
                "--resamples", "200", "--format", "json")
    assert json.loads(again.stdout)["metrics"] == doc["metrics"]  # seeded: same input, same numbers


def test_text_output_lists_the_metrics(ratings_csv):
    proc = run("annotators", str(ratings_csv), "--item", "item", "--annotator", "rater", "--label", "y",
               "--resamples", "50")
    assert proc.returncode in (0, 1), proc.stderr
    assert "krippendorff_alpha[level=nominal]" in proc.stdout
    assert "[labels.annotator_bias]" in proc.stdout


def test_wide_table(tmp_path):
    wide = tmp_path / "wide.csv"
    pl.DataFrame({"id": range(50), "ann1": [i % 3 for i in range(50)], "ann2": [i % 3 for i in range(50)],
                  "ann3": [(i % 3) if i % 10 else 0 for i in range(50)]}).write_csv(wide)
    proc = run("annotators", str(wide), "--item", "id", "--raters", "ann1,ann2,ann3", "--resamples", "50",
               "--format", "json")
    doc = json.loads(proc.stdout)
    alpha = next(m for m in doc["metrics"] if m["metric"] == "krippendorff_alpha")
    assert 0.8 < alpha["value"] < 1 and alpha["n"] == 50


@pytest.mark.parametrize(("args", "needle"), [
    (("--item", "nope", "--annotator", "rater", "--label", "y"), "--item 'nope'"),
    (("--item", "item", "--annotator", "rater"), "--label"),
    (("--item", "item", "--annotator", "rater", "--label", "y", "--level", "ratio"), "--level"),
    (("--item", "item", "--annotator", "rater", "--label", "y", "--time", "rater"), "--time"),
])
def test_bad_input_is_one_line(ratings_csv, args, needle):
    assert_one_line_error(run("annotators", str(ratings_csv), *args), needle)


def test_items_labelled_once_is_one_line(tmp_path):
    once = tmp_path / "once.csv"
    pl.DataFrame({"item": [1, 2, 3], "rater": ["a", "b", "c"], "y": [0, 1, 0]}).write_csv(once)
    assert_one_line_error(run("annotators", str(once), "--item", "item", "--annotator", "rater", "--label", "y"),
                          "labelled once")
