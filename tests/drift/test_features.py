"""drift.feature on data with a known answer, from data and from saved profiles."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import tripwire
from tripwire.profiling import profile


def _batches(n=20_000, seed=0):
    probs = 1 / np.arange(1, 21) ** 1.1
    probs /= probs.sum()
    cats = np.array([f"c{i:02d}" for i in range(20)])

    def make(r, drifted):
        return pd.DataFrame({
            "shift": r.normal(50, 10, n) + (5 if drifted else 0),
            "spread": r.normal(0, 1.5 if drifted else 1, n),
            "same": r.gamma(2, 2, n),
            "score": np.clip(np.round(r.normal(60, 15, n)), 0, 100).astype(int) + (3 if drifted else 0),
            "cat": cats[r.choice(20, n, p=probs[::-1] if drifted else probs)],
            "ids": [f"id{v}" for v in r.integers(0, 10**9, n)],
            "code": r.choice(["A", "B", "C"], n),
        })

    return make(np.random.default_rng(seed), False), make(np.random.default_rng(seed + 1), True)


def test_moved_columns_are_flagged_and_nothing_else():
    ref, cur = _batches()
    report = tripwire.drift(cur, ref, options={"drift": {"skip": []}})
    loud = {f.columns[0]: f for f in report.by_code("drift.feature") if f.severity != "info"}
    assert set(loud) == {"shift", "spread", "cat"}
    assert loud["shift"].severity == "warning" and loud["shift"].evidence["effect"] == pytest.approx(0.5, abs=0.05)
    assert re.search(r"median (49|50)(\.\d+)? → (54|55)(\.\d+)?", loud["shift"].title)
    assert re.search(r"IQR ×1\.[45]", loud["spread"].title)
    assert f'IQR ×{loud["spread"].evidence["iqr_ratio"]:.2f}' in loud["spread"].title  # the title's number is the evidence's
    assert "spread ×" not in loud["spread"].title  # one word, one meaning: "IQR ×" here, "SD ×" for the SD test
    assert loud["cat"].severity == "error" and "new top value 'c19'" in loud["cat"].title
    quiet = {f.columns[0] for f in report.by_code("drift.feature")} - set(loud)
    assert quiet <= {"score"}  # +3 on a 0-100 score: at most info
    assert report.exit_code == 1


def test_drift_works_from_saved_profiles(tmp_path):
    ref, cur = _batches(5000)
    profile(ref).save(tmp_path / "ref.json")
    profile(cur).save(tmp_path / "cur.json")
    report = tripwire.drift(str(tmp_path / "cur.json"), str(tmp_path / "ref.json"))
    assert {"shift", "spread", "cat"} <= {f.columns[0] for f in report.by_code("drift.feature")}
    assert report.command == "drift"


def test_big_change_on_few_rows_is_info_with_its_uncertainty():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 12)})
    cur = pd.DataFrame({"x": rng.normal(0.8, 1, 12)})
    found = tripwire.drift(cur, ref).by_code("drift.feature")
    assert all(f.severity == "info" for f in found)
    for f in found:
        assert "may be noise" in f.title and "mean_shift_sd_95ci" in f.evidence


def test_tiny_change_on_many_rows_is_no_alarm():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 300_000)})
    cur = pd.DataFrame({"x": rng.normal(0.03, 1, 300_000)})  # significant, but does not matter
    assert not tripwire.drift(cur, ref).by_code("drift.feature")


def test_per_column_threshold_override_turns_info_into_warning():
    ref, cur = _batches(20_000)
    opts = {"drift": {"columns": {"score": {"wasserstein": {"warning": 0.15}}, "cat": {"skip": True}}}}
    report = tripwire.drift(cur, ref, options=opts)
    by_col = {f.columns[0]: f.severity for f in report.by_code("drift.feature")}
    assert by_col["score"] == "warning" and "cat" not in by_col


def test_new_category_is_named():
    ref = pd.DataFrame({"device": ["web"] * 900 + ["android"] * 100})
    cur = pd.DataFrame({"device": ["web"] * 300 + ["android"] * 80 + ["iPhone"] * 620})
    [f] = tripwire.drift(cur, ref).by_code("drift.feature")
    assert f.severity == "error" and "new top value 'iPhone' 62% (was absent)" in f.title
    assert f.evidence["new_values"] == ["iPhone"]
