"""privacy.k_anonymity: k, l, the rows in small classes, and generalisations that reach k."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tripwire.errors import UsageError
from tripwire.privacy.kanonymity import measure, suggest_quasi
from tripwire.run import k_anonymity


def _table() -> pl.DataFrame:
    # 3 classes of 10 rows, 1 class of 2 rows (rows 30, 31), 1 class of 1 row (row 32)
    age = [30] * 10 + [40] * 10 + [50] * 10 + [61, 61] + [77]
    zip_ = ["10001"] * 10 + ["10002"] * 10 + ["10003"] * 10 + ["10004", "10004"] + ["10009"]
    sex = ["F"] * 10 + ["M"] * 10 + ["F"] * 10 + ["M", "M"] + ["F"]
    dx = ["a", "b"] * 5 + ["a"] * 10 + ["a", "b"] * 5 + ["a", "b"] + ["c"]
    return pl.DataFrame({"age": age, "zip": zip_, "sex": sex, "dx": dx})


def test_k_l_and_the_rows_below():
    r = measure(_table(), ["age", "zip", "sex"], k=5, sensitive="dx")
    assert (r.k, r.classes, r.rows_below, r.below_rows) == (1, 5, 3, (30, 31, 32))
    assert r.l_div == 1  # the age-40 class holds one diagnosis only


def test_generalisations_reach_the_target():
    r = measure(_table(), ["age", "zip", "sex"], k=3)
    assert r.reached_k is not None and r.reached_k >= 3 and r.rows_below_after == 0  # 33 rows: no budget
    assert r.generalisation and set(r.information_lost) == set(r.generalisation)
    assert all(0 <= v <= 1 for v in r.information_lost.values())


def test_a_k_anonymous_table_passes():
    r = measure(_table().head(30), ["age", "zip", "sex"], k=5)
    assert r.k == 10 and r.rows_below == 0 and not r.generalisation


def test_generalisation_on_a_larger_table_keeps_some_information():
    rng = np.random.default_rng(0)
    n = 3000
    df = pl.DataFrame({"age": rng.integers(18, 90, n), "zip": [f"{z:05d}" for z in rng.integers(10000, 10999, n)],
                       "sex": rng.choice(["F", "M"], n)})
    r = measure(df, ["age", "zip", "sex"], k=5)
    assert r.k < 5 and r.reached_k >= 5 and r.rows_below_after <= 30  # at most 1% left to suppress
    # every zip starts with "10": cutting it to two characters costs one column, age and sex stay whole
    assert r.generalisation == {"zip": "first 2 characters"}


def test_quasi_identifiers_are_suggested_by_name():
    assert suggest_quasi(_table()) == ["age", "zip", "sex"]


def test_the_command_reports_the_finding(tmp_path):
    path = tmp_path / "p.parquet"
    _table().write_parquet(path)
    report = k_anonymity(path, ["age", "zip", "sex"], k=5, sensitive="dx", l_target=2)
    ks = report.by_code("privacy.k_anonymity")
    assert len(ks) == 2 and report.exit_code == 1
    f = ks[0]
    assert f.columns == ("age", "zip", "sex") and f.rows == (30, 31, 32)
    assert f.evidence["k"] == 1 and f.evidence["rows_below_k"] == 3 and f.evidence["k_after"] >= 5
    assert ks[1].evidence["l"] == 1
    assert [m["value"] for m in report.metrics][:3] == [1, 5, 3]
    with pytest.raises(UsageError, match="'height'"):
        k_anonymity(path, ["age", "height"])
    for sensitive, l_target in ((None, 2), ("dx", 0)):  # an --l that measures nothing or asks nothing
        with pytest.raises(UsageError, match="--l"):
            k_anonymity(path, ["age"], sensitive=sensitive, l_target=l_target)
    assert k_anonymity(path, None, k=2).by_code("privacy.k_anonymity")[0].evidence["suggested"] is True


def test_cli_exit_codes_and_json(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "p.csv"
    _table().write_csv(path)
    env = {**os.environ, "PYTHONPATH": str(root / "src")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tripwire", "k-anonymity", str(path), *args],
                              capture_output=True, text=True, env=env)

    bad = run("--quasi", "age,height")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "'height'" in bad.stderr
    out = run("--quasi", "age,zip,sex", "--format", "json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["command"] == "k-anonymity" and doc["findings"][0]["code"] == "privacy.k_anonymity"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads((root / "docs" / "report.schema.json").read_text(encoding="utf-8")))
    assert run("--quasi", "sex", "--k", "2").returncode == 0
