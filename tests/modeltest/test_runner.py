"""Running suites: pass rates, failing examples, model errors found by bisection, wrong shapes."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from tests.modeltest import models
from tripwire.errors import UsageError
from tripwire.modeltest import ModelCall, Suite, load_model, predict_batches, run_suite
from tripwire.run import test_model

SUITE = """\
suite: toy
synonyms: [[film, movie]]
tests:
  - name: positives
    kind: mft
    template: "a {adj} {thing}"
    fill: {adj: [good, great, excellent], thing: [film, play]}
    expect: pos
  - name: negatives
    kind: mft
    cases: ["a dull film", {input: "a bad play", expect: {in: [neg]}}]
    expect: neg
  - name: case
    kind: invariance
    perturb: case
    cases: ["a good film", "a GREAT play", "a dull film"]
  - name: synonyms
    kind: invariance
    perturb: synonyms
    cases: ["a good film", "a dull movie", "no match here"]
  - name: negation flips
    kind: directional
    perturb: negate
    expect: flip
    cases: ["it was good", "this is great", "no verb here"]
"""


def test_a_sound_model_passes_every_test():
    outcomes = run_suite(Suite.loads(SUITE), models.sentiment)
    assert [(o.spec.name, o.cases, o.failed) for o in outcomes] == [
        ("positives", 6, 0), ("negatives", 2, 0), ("case", 3, 0), ("synonyms", 2, 0), ("negation flips", 2, 0)]
    assert all(o.passed for o in outcomes)


def test_a_case_sensitive_model_fails_case_invariance_with_examples():
    report = test_model(Suite.loads(SUITE), models.case_sensitive)
    assert report.exit_code == 1
    [f] = [f for f in report.findings if f.evidence["test"] == "case"]
    assert f.code == "model.behavior_test_failed"
    assert f.evidence["count"] == 2 and f.evidence["cases"] == 3
    assert f.title == "invariance test 'case': 2 of 3 cases fail (33.3% pass, needs 95%)"
    first = f.evidence["examples"][0]
    assert first["input"] == "a good film" and first["perturbed"] == "A GOOD FILM"
    assert first["expected"] == "same output as pos" and first["actual"] == "neg"
    assert "perturbed: 'A GOOD FILM'" in report.to_text() and "actual:   'neg'" in report.to_text()
    assert "A GOOD FILM" in report.to_junit()
    json.loads(report.to_json())


def test_html_escapes_the_examples():
    suite = Suite.loads("tests:\n  - {name: t, kind: mft, cases: ['<script>alert(1)</script> good'], expect: neg}\n")
    html = test_model(suite, models.sentiment).to_html()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_rows_that_raise_are_found_by_bisection_and_the_rest_still_run():
    texts = [f"good text {i}" for i in range(50)]
    texts[7] = texts[31] = "boom good"
    outputs, errors = predict_batches(ModelCall(models.raises_on_boom), texts, batch_size=16)
    assert sorted(errors) == [7, 31]
    assert errors[7] == "the model raised ValueError: cannot handle boom"
    assert outputs[0] == "pos" and outputs[7] is None and outputs[49] == "pos"


def test_a_model_that_raises_fails_those_cases_with_the_reason():
    suite = Suite.loads("tests:\n  - {name: t, kind: mft, cases: ['good', 'boom good', 'great'], expect: pos}\n")
    report = test_model(suite, models.raises_on_boom)
    [f] = report.findings
    assert f.evidence["count"] == 1 and f.evidence["model_errors"] == 1
    assert f.evidence["examples"][0]["reason"] == "the model raised ValueError: cannot handle boom"


def test_outputs_of_the_wrong_shape_fail_the_cases_with_the_reason():
    suite = Suite.loads("tests:\n  - {name: t, kind: mft, cases: ['good', 'great'], expect: pos}\n")
    [f] = test_model(suite, models.wrong_shape).findings
    assert "the model returned outputs of shape (1,) for 2 inputs" in f.evidence["examples"][0]["reason"]


def test_scores_of_a_class_and_directional_up():
    suite = Suite.loads("""\
output: score
tests:
  - {name: more praise, kind: directional, perturb: append, text: "Excellent!", expect: up, cases: ["good", "meh"]}
  - {name: range, kind: mft, cases: ["good great"], expect: {min: 0.4, max: 0.6}}
""")
    outcomes = run_suite(suite, models.score)
    assert [(o.cases, o.failed) for o in outcomes] == [(2, 0), (1, 0)]


def test_table_models_get_noise_column_order_and_monotonic_cases_from_real_rows():
    rows = pl.DataFrame({"size": np.arange(1, 101, dtype=np.int64), "garden": ["yes", "no"] * 50})
    suite = Suite.loads("""\
input: table
output: score
tests:
  - {name: order, kind: invariance, perturb: column_order, rows: 30}
  - {name: noise, kind: invariance, perturb: noise, columns: [size], pct: 10, rows: 30, tolerance: 0.5}
  - {name: bigger costs more, kind: directional, perturb: increase, columns: size, by: 10%, expect: up, rows: 40}
  - {name: small house, kind: mft, cases: [{input: {size: 10, garden: "no"}, expect: 20}]}
""")
    outcomes = run_suite(suite, models.price, rows)
    assert [(o.spec.name, o.cases) for o in outcomes if o.spec.name != "noise"] == [
        ("order", 30), ("bigger costs more", 40), ("small house", 1)]
    assert [o.failed for o in outcomes if o.spec.name != "noise"] == [0, 0, 0]
    # sizes rounded back to themselves are no case; ±10% of the others moves the price by more than 0.5
    noise = outcomes[1]
    assert 0 < noise.cases <= 30 and noise.failed > 0


def test_the_same_seed_gives_the_same_cases():
    suite = Suite.loads("tests:\n  - {name: t, kind: invariance, perturb: typos, cases: ['a good film today']}\n")
    a = run_suite(suite, models.case_sensitive)
    b = run_suite(suite, models.case_sensitive)
    assert a == b


def test_a_model_path_that_does_not_import_is_one_line():
    with pytest.raises(UsageError, match=r"cannot import no_such_pkg.models \(ModuleNotFoundError"):
        load_model("no_such_pkg.models:predict")
    with pytest.raises(UsageError, match=r"write it as package\.module:attribute"):
        load_model("no_colon")
    with pytest.raises(UsageError, match="has no attribute 'nope'"):
        load_model("tests.modeltest.models:nope")


def test_test_model_profiles_its_rows_once_and_reports_like_every_command(tmp_path, monkeypatch):
    """The rows are profiled as every command's data (dataset, notes, passes), then held from the batches read."""
    import tripwire

    rows = pl.DataFrame({"size": np.arange(1, 101, dtype=np.int64), "garden": ["yes", "no"] * 50})
    path = tmp_path / "houses.csv"
    rows.write_csv(path)
    suite = Suite.loads("input: table\noutput: score\ntests:\n"
                        "  - {name: bigger costs more, kind: directional, perturb: increase, columns: size, by: 10%,"
                        " expect: up, rows: 40}\n")
    report = test_model(suite, models.price, path)
    assert report.run.to_dict()["passes"] == [{"kind": "types", "input": "houses.csv"},
                                              {"kind": "profile", "input": "houses.csv"},
                                              {"kind": "rows", "input": "houses.csv", "from": "memory"}]
    whole = tripwire.profile(path)
    assert report.dataset.to_dict() == {"name": "houses.csv", "rows": 100, "columns": 2, "fingerprint": whole.fingerprint}
    assert report.extra["cases"] == 40 and "1 tests, 40 cases" in report.notes[-1]
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # nothing kept: the rows are read again
    again = test_model(suite, models.price, path)
    assert [p.get("from") for p in again.run.to_dict()["passes"]] == [None, None, None]
    assert again.to_dict() | {"run": None} == report.to_dict() | {"run": None}
    assert again.to_text() == report.to_text()


def test_a_suite_without_data_reads_nothing_and_counts_its_cases():
    report = test_model(Suite.loads(SUITE), models.sentiment)
    assert report.run.to_dict() == {"passes": []}
    assert report.dataset.to_dict() == {"name": "toy", "rows": report.extra["cases"], "columns": 0, "fingerprint": None}
