"""join-check and fix from the command line: exit codes, one-line errors, nothing written on refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="160")
    return subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def one_line(proc: subprocess.CompletedProcess, needle: str) -> None:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.fixture
def sides(tmp_path):
    pl.DataFrame({"id": [1, 2, 3, 4, 4], "x": 1}).write_parquet(tmp_path / "left.parquet")
    pl.DataFrame({"key": [1, 2, 3], "y": 2}).write_csv(tmp_path / "right.csv")
    return tmp_path


def test_join_check_exit_codes(sides):
    ok = run("join-check", "left.parquet", "right.csv", "--on", "id=key", "--expect", "n:1", cwd=sides)
    assert ok.returncode == 0 and "2 of 5 left.parquet rows" in ok.stdout
    broken = run("join-check", "left.parquet", "right.csv", "--on", "id=key", "--expect", "1:1", cwd=sides)
    assert broken.returncode == 1 and "expected 1:1" in broken.stdout
    one_line(run("join-check", "left.parquet", "right.csv", "--on", "id", cwd=sides),
             "no key column 'id' on the right side")


def test_fix_refuses_in_one_line_and_writes_nothing(sides):
    assert run("scan", "left.parquet", "--format", "json", "-o", "report.json", cwd=sides).returncode in (0, 1)
    one_line(run("fix", "right.csv", "--report", "report.json", "-o", "out.parquet", cwd=sides),
             "the report is of other data")
    one_line(run("fix", "left.parquet", "--report", "report.json", "-o", "left.parquet", cwd=sides), "is the input")
    (sides / "fixes.yaml").write_text("version: 1\nrules:\n  exact_duplicate: true\n")
    one_line(run("fix", "left.parquet", "--mapping", "fixes.yaml", "-o", "out.parquet", cwd=sides),
             "fixes.yaml:3: unknown rule 'exact_duplicate'; did you mean 'exact_duplicates'?")
    assert not (sides / "out.parquet").exists()


def test_fix_prints_rules_audit_and_counts(sides):
    pl.DataFrame({"id": [1, 2, 2, 3] * 50, "x": list(range(100)) * 2}).write_parquet(sides / "d.parquet")
    run("scan", "d.parquet", "--format", "json", "-o", "r.json", cwd=sides)
    proc = run("fix", "d.parquet", "--report", "r.json", "-o", "clean.parquet", cwd=sides)
    assert proc.returncode == 0, proc.stderr
    assert "exact_duplicates" in proc.stdout and "data.duplicates" in proc.stdout and "1 -> 0" in proc.stdout
    assert (sides / "clean.audit.parquet").exists()


def test_fix_format_json_is_the_summary_as_data(sides):
    rows = pl.DataFrame({"city": ["Duluth", "DULUTH", "Edina", "N/A"] * 60, "n": list(range(240))})
    pl.concat([rows, rows.head(5)]).write_parquet(sides / "d.parquet")
    run("scan", "d.parquet", "--format", "json", "-o", "r.json", cwd=sides)
    proc = run("fix", "d.parquet", "--report", "r.json", "-o", "clean.parquet", "--format", "json", cwd=sides)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # stdout holds the JSON document and nothing else
    assert doc["input"] == "d.parquet" and (doc["rows_in"], doc["rows_out"]) == (245, 240)
    assert doc["output"] == "clean.parquet" and doc["audit"]["path"] == "clean.audit.parquet"
    audit = pl.read_parquet(sides / "clean.audit.parquet")
    assert doc["audit"]["cells"] == audit.height
    per_rule = audit.group_by("rule").len()
    assert {a["rule"]: a["cells"] for a in doc["applied"]} == dict(per_rule.iter_rows())
    assert {a["rule"] for a in doc["applied"]} == {"disguised_nulls", "category_variants", "exact_duplicates"}
    counts = {f["code"]: (f["before"], f["after"]) for f in doc["findings"]}
    assert counts["data.duplicates"] == (1, 0) and counts["data.category_variants"] == (1, 0)
    quiet = run("fix", "d.parquet", "--report", "r.json", "-o", "c2.parquet", "-f", "json", "--no-rescan",
                cwd=sides)
    assert all(f["after"] is None and f["before"] is not None for f in json.loads(quiet.stdout)["findings"])
