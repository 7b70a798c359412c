"""The one Wilson interval: right against statsmodels, and written once in src."""

from __future__ import annotations

from pathlib import Path

import pytest

from tripwire.intervals import wilson

SRC = Path(__file__).resolve().parents[1] / "src" / "tripwire"


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 20), (3, 20), (20, 20), (517, 1000), (1, 100_000)])
def test_wilson_matches_statsmodels(k, n):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    z = 1.959963984540054
    assert wilson(k, n, z) == pytest.approx((max(low, 0.0), min(high, 1.0)), abs=1e-12)


def test_no_trials_know_nothing():
    assert wilson(0, 0) == (0.0, 1.0)


def test_the_wilson_formula_is_written_once():
    """A second copy drifts (a different z, no clipping, another answer for n = 0): import this one."""
    copies = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                    if "z * z / (4 * n * n)" in p.read_text(encoding="utf-8") or
                    "z * z / (2 * n)) / (1 + z * z / n)" in p.read_text(encoding="utf-8"))
    assert copies == []
