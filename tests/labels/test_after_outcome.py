"""leakage.target by time: features recorded after the label's outcome (scan --time, --available)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.cli.test_cli import assert_one_line_error, run

pytest.importorskip("sklearn")


def _frame(n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    outcome = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    lab_at = outcome - pd.to_timedelta(rng.integers(1, 30, n), unit="D")
    lab_at = lab_at.to_numpy().copy()
    lab_at[:50] = (outcome[:50] + pd.Timedelta(days=2)).to_numpy()  # 50 results came in after the outcome
    return pd.DataFrame({"x": rng.normal(size=n), "lab": rng.normal(size=n), "lab_at": lab_at,
                         "outcome_at": outcome, "y": rng.integers(0, 2, n)})


def _after(report):
    return [f for f in report.by_code("leakage.target") if "AUC" not in f.title and "R²" not in f.title]


def test_a_feature_recorded_after_the_outcome_is_an_error_with_its_rows():
    report = tripwire.scan(_frame(), label="y", only=["target_leakage"],
                           options={"label_time": "outcome_at", "available": {"lab": "lab_at"}})
    (f,) = _after(report)
    assert f.severity == "error" and f.columns == ("lab", "outcome_at")
    assert f.evidence["count"] == 50 and f.evidence["compared_rows"] == 500
    assert f.evidence["median_days_after"] == pytest.approx(2.0)
    assert list(f.rows) == list(range(50))
    assert "recorded after the outcome on 50 rows (10% of 500" in f.title


def test_a_date_column_after_the_outcome_is_a_warning():
    df = _frame().drop(columns=["lab_at"])
    df["closed_at"] = df["outcome_at"] + pd.to_timedelta(np.r_[np.full(400, 5), np.full(100, -5)], unit="D")
    report = tripwire.scan(df, label="y", only=["target_leakage"], options={"label_time": "outcome_at"})
    (f,) = _after(report)
    assert f.severity == "warning" and f.columns[0] == "closed_at" and f.evidence["count"] == 400


def test_features_recorded_before_the_outcome_stay_quiet_on_flights(flights):
    df = flights.head(20_000).dropna(subset=["arr_delay"]).copy()
    df["delayed"] = df["arr_delay"] > 15
    df["time_hour"] = pd.to_datetime(df["time_hour"], utc=True)  # stored as text in the package
    df["known_at"] = df["time_hour"] + timedelta(hours=6)
    df["dep_delay_at"] = df["time_hour"] + timedelta(hours=1)
    report = tripwire.scan(df.drop(columns=["arr_delay", "arr_time"]), label="delayed",
                           only=["target_leakage"],
                           options={"label_time": "known_at", "available": {"dep_delay": "dep_delay_at"}})
    assert _after(report) == []
    assert any(c.name == "target_leakage" and c.status == "passed" for c in report.checks)


def test_a_missing_time_column_is_said_not_judged():
    report = tripwire.scan(_frame(), label="y", only=["target_leakage"], options={"label_time": "nope"})
    (f,) = _after(report)
    assert f.severity == "info" and "--time names 'nope'" in f.title


def test_without_time_only_the_one_feature_check_runs():
    report = tripwire.scan(_frame(), label="y", only=["target_leakage"])
    assert _after(report) == []
    (check,) = [c for c in report.checks if c.name == "target_leakage"]
    assert check.status == "passed"


def test_from_a_saved_profile_it_says_the_rows_are_needed():
    prof = tripwire.profile(_frame())
    report = tripwire.scan(prof, label="y", only=["target_leakage"], options={"label_time": "outcome_at"})
    (f,) = _after(report)
    assert f.severity == "info" and "rows are needed" in f.title


def test_cli(tmp_path):
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    proc = run("scan", str(path), "--label", "y", "--time", "outcome_at", "--available", "lab=lab_at",
               "--only", "leakage")
    assert proc.returncode == 1 and "lab: recorded after the outcome on 50 rows" in proc.stdout
    assert_one_line_error(run("scan", str(path), "--label", "y", "--available", "lab=lab_at"), "--available")
    assert_one_line_error(run("scan", str(path), "--label", "y", "--time", "outcome_at", "--available", "lab"),
                          "FEATURE=COLUMN")
