"""`tripwire infer` and `tripwire check` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pandas as pd

from tests.cli.test_cli import assert_one_line_error, run
from tests.realdata import penguins

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def test_infer_then_check_clean_and_broken(tmp_path):
    df = penguins()
    data, contract = tmp_path / "penguins.csv", tmp_path / "contract.yaml"
    df.to_csv(data, index=False)
    proc = run("infer", str(data), "-o", str(contract))
    assert proc.returncode == 0, proc.stderr
    assert "inferred_from" in contract.read_text()
    ok = run("check", str(data), "--contract", str(contract))
    assert ok.returncode == 0, ok.stdout
    bad = df.copy()
    bad["body_mass_g"] = bad["body_mass_g"].astype(object)
    bad.loc[10, "body_mass_g"] = "heavy"
    bad.loc[20, "species"] = "Emperor"
    bad_path = tmp_path / "bad.csv"
    bad.to_csv(bad_path, index=False)
    out = tmp_path / "r.json"
    proc = run("check", str(bad_path), "-c", str(contract), "--format", "json", "-o", str(out),
               "--quarantine", str(tmp_path / "q"))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    by_col = {(f["code"], f["columns"][0]): f for f in doc["findings"]}
    assert by_col[("schema.type_mismatch", "body_mass_g")]["rows"] == [10]
    assert by_col[("data.out_of_range", "species")]["rows"] == [20]
    assert doc["quarantine"]["rows_kept"] == len(df) - 2
    assert (tmp_path / "q" / "rejected.parquet").exists()


def test_junit_lists_every_check(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}).to_csv(data, index=False)
    contract = tmp_path / "c.yaml"
    contract.write_text("columns:\n  x: {type: int, min: 2}\n  y: {allowed: [a, b, c]}\n")
    junit = tmp_path / "r.xml"
    proc = run("check", str(data), "-c", str(contract), "--format", "junit", "-o", str(junit))
    assert proc.returncode == 1
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert set(cases) == {"x.type", "x.range", "y.allowed"}
    assert cases["x.range"].find("failure") is not None
    assert cases["x.type"].find("failure") is None


def test_bad_contract_and_bad_as_of_are_one_line(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": [1]}).to_csv(data, index=False)
    contract = tmp_path / "c.yaml"
    contract.write_text("columns:\n  x: {type: integer}\n")
    assert_one_line_error(run("check", str(data), "-c", str(contract)), "c.yaml", "columns.x.type")
    contract.write_text("rules: ['exec(1)']\n")
    assert_one_line_error(run("check", str(data), "-c", str(contract)), "exec(1)")
    contract.write_text("columns: {x: int}\n")
    assert_one_line_error(run("check", str(data), "-c", str(contract), "--as-of", "tuesday"), "--as-of")
    assert_one_line_error(run("check", str(data), "-c", str(tmp_path / "none.yaml")), "contract file not found")
