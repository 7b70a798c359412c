"""The one result model: ranking, exit codes, JSON contract (validated), JUnit, text."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tripwire.report import CheckResult, DatasetInfo, Finding, Report, ReportError
from tripwire.report.codes import render_markdown

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def _report(**kw) -> Report:
    findings = (
        Finding("data.outliers", "warning", ("fare",), "fare: 3 outliers", {"count": 3, "share": 0.01},
                rows=(1, 2, 3), fix="look", detector="outliers"),
        Finding("data.magnitude_error", "error", ("mrr",), "mrr: 312 values look 100x too large",
                {"count": 312, "share": 0.0003, "factor": 100, "examples": [129900.0]},
                rows=(17, 4410), fix="divide", detector="magnitude"),
        Finding("drift.feature", "info", ["age"], "age moved a little", {"psi": 0.05}, detector="drift"),
    )
    checks = (CheckResult("magnitude", "failed"), CheckResult("outliers", "failed"),
              CheckResult("duplicates", "passed"), CheckResult("labels.noisy", "skipped", "needs --label"))
    base = dict(command="scan", dataset=DatasetInfo("orders", 1000, 20, "rowhash64:00"),
                findings=findings, checks=checks)
    base.update(kw)
    return Report(**base)


def _validate(doc: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(doc, schema)


def test_findings_are_ranked_errors_first():
    r = _report()
    assert [f.severity for f in r.findings] == ["error", "warning", "info"]
    assert r.summary == {"error": 1, "warning": 1, "info": 1}
    assert r.exit_code == 1
    assert _report(findings=()).exit_code == 0


def test_json_matches_contract_and_round_trips():
    r = _report(reference=DatasetInfo("ref", 990, 20, None))
    doc = json.loads(r.to_json())
    _validate(doc)
    assert doc["findings"][0]["code"] == "data.magnitude_error"
    assert doc["checks"][3] == {"name": "labels.noisy", "status": "skipped", "reason": "needs --label"}
    back = Report.from_dict(doc)
    assert back.findings == r.findings and back.checks == r.checks


def test_rows_are_capped_and_all_rows_kept_in_evidence():
    f = Finding("data.outliers", "warning", ("x",), "x", {}).with_rows(list(range(250)), 250)
    assert len(f.rows) == 100 and len(f.evidence["all_rows"]) == 250 and f.evidence["count"] == 250
    _validate(json.loads(_report(findings=(f,)).to_json()))


def test_evidence_with_numpy_and_nan_is_valid_json():
    import numpy as np

    f = Finding("data.outliers", "warning", ("x",), "x", {"v": np.float64("nan"), "n": np.int64(3),
                                                         "arr": (np.float32(1.5),)})
    doc = json.loads(_report(findings=(f,)).to_json())
    assert doc["findings"][0]["evidence"] == {"v": "nan", "n": 3, "arr": [1.5]}


def test_raise_for_errors_lists_errors():
    with pytest.raises(ReportError, match="mrr: 312 values"):
        _report().raise_for_errors()
    _report(findings=()).raise_for_errors()


def test_junit_lists_every_check():
    root = ET.fromstring(_report().to_junit())
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["magnitude", "outliers", "duplicates", "labels.noisy"]
    assert cases[0].find("failure") is not None
    assert cases[2].find("failure") is None and cases[2].find("skipped") is None
    assert cases[3].find("skipped").get("message") == "needs --label"


def test_junit_survives_control_characters():
    f = Finding("data.encoding", "error", ("t",), "bad \x00\x07 text", {}, detector="magnitude")
    ET.fromstring(_report(findings=(f,)).to_junit())


def test_text_is_ranked_and_readable():
    text = _report().to_text()
    assert text.index("ERROR") < text.index("WARN") < text.index("info")
    assert "mrr: 312 values look 100x too large" in text
    assert "rows: 17, 4410" in text
    assert "skipped labels.noisy: needs --label" in text


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError):
        Finding("data.outliers", "fatal", ("x",), "x")  # type: ignore[arg-type]


def test_catalogue_docs_are_current():
    docs = Path(__file__).resolve().parents[2] / "docs" / "codes.md"
    assert docs.read_text() == render_markdown(), "regenerate: python -m tripwire.report.codes > docs/codes.md"
