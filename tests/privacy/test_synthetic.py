"""tripwire synthetic-check: copied real rows are found; an independent sample is not a copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tripwire.run import synthetic_check

pytest.importorskip("sklearn")
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    palmerpenguins = pytest.importorskip("palmerpenguins")
    d = tmp_path_factory.mktemp("synth")
    real = pl.from_pandas(palmerpenguins.load_penguins()).drop_nulls()
    # per-column sampling: each column drawn from the real one independently (a simple generator)
    synth = pl.DataFrame({c: real[c].sample(real.height, with_replacement=True, seed=i)
                          for i, c in enumerate(real.columns)})
    copied = pl.concat([synth.head(synth.height - 30), real.sample(30, seed=5)])
    real.write_parquet(d / "real.parquet")
    synth.write_parquet(d / "synth.parquet")
    copied.write_parquet(d / "copied.parquet")
    return d


def test_copied_rows_are_found(files):
    report = synthetic_check(files / "real.parquet", files / "copied.parquet")
    f = report.by_code("privacy.synthetic_copy")[0]
    n = pl.read_parquet(files / "copied.parquet").height
    assert f.severity == "error" and f.evidence["exact_copies"] == 30
    assert list(f.rows) == list(range(n - 30, n))
    assert f.evidence["membership_risk"] > 0


def test_an_independent_sample_copies_nothing(files):
    report = synthetic_check(files / "real.parquet", files / "synth.parquet")
    assert report.by_code("privacy.synthetic_copy") == []
    metrics = {m["metric"]: m for m in report.metrics}
    assert metrics["exact copies"]["value"] == 0 and metrics["membership risk"]["value"] == 0
    # fidelity: independent columns lose the correlations, so a classifier separates the sets
    assert metrics["domain classifier AUC"]["value"] > 0.8
    assert metrics["correlation difference (max |Δr|)"]["value"] > 0.5


def test_the_same_input_gives_the_same_report(files):
    a = synthetic_check(files / "real.parquet", files / "copied.parquet")
    b = synthetic_check(files / "real.parquet", files / "copied.parquet")
    assert a.to_json() == b.to_json()


def test_other_columns_are_one_line(files, tmp_path):
    pl.DataFrame({"x": [1, 2]}).write_csv(tmp_path / "other.csv")
    r = subprocess.run([sys.executable, "-m", "tripwire", "synthetic-check", str(files / "real.parquet"),
                        str(tmp_path / "other.csv")], capture_output=True, text=True,
                       env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "other columns than REAL" in r.stderr


def test_the_json_report_validates(files):
    import json

    jsonschema = pytest.importorskip("jsonschema")
    report = synthetic_check(files / "real.parquet", files / "copied.parquet")
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "report.schema.json").read_text("utf-8"))
    jsonschema.validate(json.loads(report.to_json()), schema)


@pytest.mark.slow
@pytest.mark.parametrize(("package", "item"), [("palmerpenguins", "penguins"), ("ggplot2", "diamonds")])
def test_fresh_real_rows_are_not_copies(package, item):
    from tests import realdata

    df = realdata.penguins() if item == "penguins" else realdata._rdata(package, item)
    a, b = realdata.random_halves(df)
    report = synthetic_check(a, b)
    assert report.findings == ()  # a second sample of the same population: nothing to say
    auc = {m["metric"]: m["value"] for m in report.metrics}["domain classifier AUC"]
    assert 0.4 < auc < 0.6


@pytest.mark.parametrize("rows", [0, 1])
def test_too_few_rows_are_one_line(files, tmp_path, rows):
    real = pl.read_parquet(files / "real.parquet")
    real.head(rows).write_parquet(tmp_path / "few.parquet")
    for args in ([tmp_path / "few.parquet", files / "synth.parquet"], [files / "real.parquet", tmp_path / "few.parquet"]):
        r = subprocess.run([sys.executable, "-m", "tripwire", "synthetic-check", *map(str, args)],
                           capture_output=True, text=True, env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "at least 2" in r.stderr and "internal error" not in r.stderr
