"""`tripwire scan` from the command line: formats, exit codes, saved profiles as input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.cli.test_cli import assert_one_line_error, run
from tests.realdata import flights

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    d = tmp_path_factory.mktemp("months")
    df = flights()
    jan, feb = d / "jan.csv", d / "feb.csv"
    df[df.month == 1].to_csv(jan, index=False)
    bad = df[df.month == 2].copy()
    bad["dep_delay"] = bad["dep_delay"].astype(object)
    bad.iloc[[3, 30], bad.columns.get_loc("dep_delay")] = "delayed"
    bad.to_csv(feb, index=False)
    return jan, feb


def test_json_report_validates_and_exit_code_is_1_on_errors(months, tmp_path):
    jan, feb = months
    out = tmp_path / "r.json"
    proc = run("scan", str(feb), "--reference", str(jan), "--format", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    codes = {(f["code"], tuple(f["columns"])) for f in doc["findings"]}
    assert ("schema.type_mismatch", ("dep_delay",)) in codes
    f = next(f for f in doc["findings"] if f["code"] == "schema.type_mismatch")
    assert f["rows"] == [3, 30]


def test_text_output_and_junit(months, tmp_path):
    jan, feb = months
    proc = run("scan", str(feb), "--reference", str(jan))
    assert proc.returncode == 1
    assert "ERROR [schema.type_mismatch] dep_delay" in proc.stdout
    junit = tmp_path / "r.xml"
    run("scan", str(feb), "--format", "junit", "-o", str(junit))
    assert "<testcase" in junit.read_text() and "type_mismatch" in junit.read_text()


def test_clean_batch_exits_0_and_saved_profile_works_as_reference(months, tmp_path):
    jan, _ = months
    prof = tmp_path / "jan.json"
    assert run("profile", str(jan), "-o", str(prof), "-q").returncode == 0
    proc = run("scan", str(jan), "--reference", str(prof), "--only", "schema,data")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


def test_scan_of_saved_profile_skips_row_detectors(months, tmp_path):
    jan, _ = months
    prof = tmp_path / "jan.json"
    run("profile", str(jan), "-o", str(prof), "-q")
    proc = run("scan", str(prof), "--format", "json")
    doc = json.loads(proc.stdout)
    dup = next(c for c in doc["checks"] if c["name"] == "duplicates")
    assert dup["status"] == "skipped" and "rows" in dup["reason"]


def test_unknown_label_is_one_line(months):
    jan, _ = months
    assert_one_line_error(run("scan", str(jan), "--label", "nope"), "--label 'nope'")
