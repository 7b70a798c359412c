"""`tripwire scan --label y --proba-columns ...` from the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.cli.test_cli import assert_one_line_error, run

pytest.importorskip("cleanlab")


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    rng = np.random.default_rng(5)
    n = 300
    truth = rng.integers(0, 2, n)
    given = truth.copy()
    given[[7, 70, 170]] = 1 - truth[[7, 70, 170]]
    p1 = np.where(truth == 1, 0.95, 0.05)
    path = tmp_path_factory.mktemp("labels") / "scored.csv"
    pd.DataFrame({"p0": 1 - p1, "p1": p1, "y": given}).to_csv(path, index=False)
    return path


def test_proba_columns_rank_the_rows_with_the_users_probabilities(scored):
    proc = run("scan", str(scored), "--label", "y", "--proba-columns", "p0, p1", "--only", "noisy_labels",
               "--format", "json")
    doc = json.loads(proc.stdout)
    (f,) = [f for f in doc["findings"] if f["code"] == "labels.noisy"]
    assert sorted(f["evidence"]["all_rows"]) == [7, 70, 170]
    assert f["evidence"]["proxy"]["model"] == "given out-of-sample probabilities"


def test_missing_label_column_is_one_line(scored):
    assert_one_line_error(run("scan", str(scored), "--label", "nope", "--only", "labels"), "--label 'nope'")
