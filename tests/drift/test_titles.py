"""Every number in a drift.feature title is the statistic it names (issue 21 review: a x60 slip
on 3% of a column was titled 'median 138 → 141 (moved 2.60 SD)', the 2.60 being the Wasserstein
distance, which the median does not show)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tripwire
from tests.realdata import flights, random_halves
from tripwire.drift_detection.stats import GRID


def _q(x: np.ndarray, q):
    return np.quantile(x, q, method="inverted_cdf")  # the smallest value with F(x) >= q, as drift reads it


@pytest.mark.parametrize("share", [0.03, 0.2])
def test_a_x60_slip_title_numbers_are_recomputable_from_the_named_statistics(share):
    ref, cur = random_halves(flights().head(20_000), seed=3)
    bad = cur.copy()
    rows = np.random.default_rng(1).choice(len(bad), size=round(share * len(bad)), replace=False)
    bad.loc[rows, "air_time"] = bad.loc[rows, "air_time"] * 60
    [f] = [f for f in tripwire.scan(bad, ref, only=["drift.feature"]).findings if f.columns == ("air_time",)]
    assert f.severity in ("warning", "error") and "moved" not in f.title
    m = re.search(r"median (\S+) → (\S+);.*Wasserstein ([\d.]+) robust SD$", f.title)
    assert m, f.title
    r = ref["air_time"].dropna().to_numpy(float)
    c = bad["air_time"].dropna().to_numpy(float)
    assert float(m.group(1)) == pytest.approx(_q(r, 0.5), rel=1e-3)
    assert float(m.group(2)) == pytest.approx(_q(c, 0.5), rel=1e-3)
    robust_sd = (_q(r, 0.75) - _q(r, 0.25)) / 1.349
    wasserstein = np.mean(np.abs(_q(c, GRID) - _q(r, GRID)))
    assert float(m.group(3)) == pytest.approx(wasserstein / robust_sd, abs=0.006)
    # the evidence holds the parts, and the title's number is their ratio
    ev = f.evidence
    assert ev["wasserstein"] == pytest.approx(wasserstein) and ev["robust_sd"] == pytest.approx(robust_sd)
    assert f"Wasserstein {ev['wasserstein'] / ev['robust_sd']:.2f} robust SD" in f.title
    assert ev["median"] == [m.group(1), m.group(2)]
