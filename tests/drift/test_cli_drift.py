"""`tripwire drift` on the command line: tables, JSON that validates, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tripwire.cli.main import app

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("drift")
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"a": rng.normal(0, 1, 2000), "c": rng.choice(["x", "y"], 2000),
                        "day": pd.date_range("2024-01-01", periods=2000, freq="h").astype(str)})
    cur = ref.assign(a=ref.a + 1.0)
    ref.to_csv(d / "ref.csv", index=False)
    cur.to_csv(d / "cur.csv", index=False)
    (d / "cfg.yaml").write_text("drift:\n  wasserstein: {error: 5}\n")
    (d / "bad.yaml").write_text("wasserstein: {warnnig: 1}\n")
    return d


def test_text_table_and_exit_code(files):
    r = CliRunner().invoke(app, ["drift", str(files / "cur.csv"), "--reference", str(files / "ref.csv")])
    assert r.exit_code == 1, r.output
    assert "per-column drift" in r.output and "drift.feature" in r.output


def test_json_validates_against_the_schema(files, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["drift", str(files / "cur.csv"), "-r", str(files / "ref.csv"),
                                 "--format", "json", "-o", str(out), "--drift-config", str(files / "cfg.yaml")])
    assert r.exit_code == 0, r.output  # the config raised the error threshold: a warning only
    data = json.loads(out.read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["command"] == "drift"
    assert [f["severity"] for f in data["findings"] if f["columns"] == ["a"]] == ["warning"]


def test_windows_table(files):
    r = CliRunner().invoke(app, ["drift", str(files / "ref.csv"), "--time-column", "day", "--window", "1w"])
    assert r.exit_code in (0, 1), r.output
    assert "drift by window" in r.output


def test_bad_settings_exit_2_with_one_line(files):
    from tripwire.cli.main import main

    for argv in (["drift", str(files / "cur.csv"), "-r", str(files / "ref.csv"), "--drift-config",
                  str(files / "bad.yaml")],
                 ["drift", str(files / "cur.csv"), "--time-column", "day", "--window", "2d"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
