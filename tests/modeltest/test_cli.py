"""`tripwire test-model` and `tripwire explain` as a user meets them: subprocesses, formats, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

SUITE = """\
suite: toy
tests:
  - name: positives
    kind: mft
    cases: ["a good film", "great <b>acting</b>"]
    expect: pos
  - name: case
    kind: invariance
    perturb: case
    rows: 4
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}", COLUMNS="160")
    return subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert needle in lines[0], lines[0]


def test_test_model_in_every_format(tmp_path):
    (tmp_path / "suite.yaml").write_text(SUITE)
    pd.DataFrame({"text": ["good one", "Good one", "a GREAT day", "dull", "fine"]}).to_csv(tmp_path / "rows.csv",
                                                                                        index=False)
    model = "tests.modeltest.models:case_sensitive"
    text = run("test-model", "suite.yaml", "--model", model, "--data", "rows.csv", cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert "case" in text.stdout and "pass rate" in text.stdout
    assert "[model.behavior_test_failed] invariance test 'case'" in text.stdout
    report = json.loads(run("test-model", "suite.yaml", "-m", model, "--data", "rows.csv", "-f", "json",
                            cwd=tmp_path).stdout)
    assert [c["name"] for c in report["checks"]] == ["mft: positives", "invariance: case"]
    assert report["metrics"][1]["test"] == "case"
    jsonschema.validate(report, json.loads((ROOT / "docs" / "report.schema.json").read_text()))
    junit = run("test-model", "suite.yaml", "-m", model, "--data", "rows.csv", "-f", "junit", cwd=tmp_path).stdout
    assert 'name="invariance: case"' in junit and "<failure" in junit
    html = run("test-model", "suite.yaml", "-m", model, "--data", "rows.csv", "-f", "html", cwd=tmp_path).stdout
    assert "great <b>acting" not in html


def test_test_model_bad_input_is_one_line(tmp_path):
    (tmp_path / "suite.yaml").write_text(SUITE)
    one_line_error(run("test-model", "suite.yaml", "--model", "nosuch.module:predict", cwd=tmp_path),
                   "cannot import nosuch.module (ModuleNotFoundError")
    one_line_error(run("test-model", "suite.yaml", "--model", "tests.modeltest.models:sentiment", cwd=tmp_path),
                   "test 'case' samples `rows:` of real data: pass them with --data ROWS")
    (tmp_path / "typo.yaml").write_text(SUITE.replace("perturb: case", "pertrub: case"))
    one_line_error(run("test-model", "typo.yaml", "-m", "tests.modeltest.models:sentiment", cwd=tmp_path),
                   "typo.yaml:9: tests[1] (invariance): unknown key 'pertrub'; did you mean 'perturb'?")
    (tmp_path / "kind.yaml").write_text(SUITE.replace("kind: mft", "kind: minimum"))
    one_line_error(run("test-model", "kind.yaml", "-m", "tests.modeltest.models:sentiment", cwd=tmp_path),
                   "kind.yaml:4: tests[0].kind: expected one of mft, invariance, directional")


def test_explain_ranks_features_and_bad_input_is_one_line(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 300))
    pd.DataFrame({"a": a, "b": b, "y": 3 * a + b}).to_csv(tmp_path / "rows.csv", index=False)
    proc = run("explain", "rows.csv", "--label", "y", "--fit", "tests.explain.models:fit_linear", "--metric",
               "rmse", "--folds", "3", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1. a" in proc.stdout and "dropping `a` costs" in proc.stderr
    assert list((tmp_path / ".tripwire" / "cache" / "explain").glob("*.json"))
    one_line_error(run("explain", "rows.csv", "--label", "y", "--fit", "tests.explain.models:fit_linear",
                       "--group", "nocolumns", cwd=tmp_path), "--group 'nocolumns': write it as NAME=col1,col2")
    one_line_error(run("explain", "rows.csv", "--label", "y", "--model", "x:y", cwd=tmp_path),
                   "cannot import x")
    one_line_error(run("explain", "rows.csv", "--label", "y", "--model", "tests.explain.test_explain:Truth",
                       cwd=tmp_path), "auc scores classes, but 'y' holds numbers (Float64 with fractional values): "
                   "use --metric rmse, mae or r2")


def test_explain_scores_one_of_three_penguin_species_with_positive(tmp_path):
    from tests.realdata import penguins

    cols = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "species"]
    penguins()[cols].dropna().to_csv(tmp_path / "penguins.csv", index=False)
    args = ("explain", "penguins.csv", "--label", "species", "--fit", "tests.explain.models:fit_species",
            "--folds", "3", "--workers", "1", "--no-cache")
    proc = run(*args, "--positive", "Gentoo", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["metrics"]
    assert rows[0]["metric"] == "cv_auc" and rows[0]["value"] > 0.99
    assert {r["feature"] for r in rows if r["metric"] == "ablation_cost"} == set(cols[:4])
    every = run(*args, cwd=tmp_path)  # no class named: AUC over the three species
    assert every.returncode == 0, every.stderr
    assert "cv_auc_ovr" in every.stdout and "of one-vs-rest AUC" in every.stderr + every.stdout
    one_line_error(run(*args, "--positive", "Emperor", cwd=tmp_path), "--positive 'Emperor' is not a class of 'species'")


def test_explain_without_shuffles_or_resamples_is_one_line(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "rows.csv", index=False)
    for option in ("--repeats", "--resamples"):
        one_line_error(run("explain", "rows.csv", "--label", "y", "--model", "tests.explain.test_explain:Truth",
                           "--metric", "rmse", option, "0", cwd=tmp_path), "give at least 1 shuffle and 10 resamples")


def test_explain_names_the_fit_option_when_it_cannot_import(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "rows.csv", index=False)
    one_line_error(run("explain", "rows.csv", "--label", "y", "--fit", "nosuch:fit", cwd=tmp_path),
                   "--fit 'nosuch:fit': cannot import nosuch")
