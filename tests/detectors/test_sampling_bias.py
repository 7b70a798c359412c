"""data.sampling_bias: fires on a real table sampled to over-represent a group, stays quiet on
random samples of it, and its raking weights match textbook answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from tests.realdata import _rdata, gss_wages

from tripwire import scan
from tripwire.detectors.data.sampling_bias import holm, load_population, rake
from tripwire.detectors.registry import load_detectors
from tripwire.errors import InputError

# importing the detector's module registers it alone; load the rest too, so that fixtures
# elsewhere that snapshot and restore the registry see it whole
load_detectors()


@pytest.fixture(scope="module")
def resume() -> pd.DataFrame:
    """openintro/resume, 4,870 CVs sent in a field experiment: race assigned half and half."""
    return _rdata("openintro", "resume")


def shares(df: pd.DataFrame, columns: list[str]) -> dict:
    return {c: {str(k): float(v) for k, v in df[c].value_counts(normalize=True).items()} for c in columns}


def bias_findings(report):
    return [f for f in report.findings if f.code == "data.sampling_bias"]


def test_fires_on_a_sample_that_over_represents_one_group(resume, tmp_path):
    census = shares(resume, ["race", "gender", "job_city"])
    rng = np.random.default_rng(3)
    white = resume.index[resume["race"] == "white"]
    black = resume.index[resume["race"] == "black"]
    sample = resume.loc[np.concatenate([rng.choice(white, 700, replace=False),
                                        rng.choice(black, 300, replace=False)])].reset_index(drop=True)
    weights = tmp_path / "w.csv"
    report = scan(sample, only=["sampling_bias"], options={"population": census, "weights_out": str(weights)})
    found = bias_findings(report)
    assert [f.columns for f in found] == [("race",)], [f.title for f in found]
    f = found[0]
    assert f.severity == "warning"
    white_ev = f.evidence["categories"]["white"]
    assert white_ev["count"] == 700 and white_ev["share"] == 0.7 and white_ev["population_share"] == 0.5
    assert white_ev["cohens_h"] == pytest.approx(2 * math.asin(math.sqrt(0.7)) - 2 * math.asin(math.sqrt(0.5)))
    assert f.evidence["p_adjusted"] < 1e-10 and f.evidence["tvd"] == pytest.approx(0.2)
    assert f.title.startswith("race: white over-represented (70% of 1,000 rows vs 50% in the population)")
    raking = f.evidence["raking"]
    assert raking["rows_weighted"] == 1000 and raking["converged"] and raking["design_effect"] > 1
    json.dumps(f.evidence)  # evidence is plain data
    # the written weights make every census margin right
    w = pl.read_csv(weights)
    assert w["row"].to_list() == list(range(1000))
    weighted = sample.assign(w=w["weight"].to_numpy())
    for column, target in census.items():
        got = weighted.groupby(column)["w"].sum() / weighted["w"].sum()
        for value, share in target.items():
            assert got[value] == pytest.approx(share, abs=1e-6), (column, value)
    assert w["weight"].mean() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_quiet_on_random_samples_of_the_same_table(resume, seed):
    census = shares(resume, ["race", "gender", "job_city", "college_degree", "received_callback"])
    sample = resume.sample(1000, random_state=seed).reset_index(drop=True)
    report = scan(sample, only=["sampling_bias"], options={"population": census})
    assert bias_findings(report) == [], [f.title for f in bias_findings(report)]
    assert [c.status for c in report.checks if c.name == "sampling_bias"] == ["passed"]


def test_quiet_on_a_random_sample_of_gss_wages():
    df = gss_wages()
    census = shares(df, ["gender", "maritalcat"])
    report = scan(df.sample(3000, random_state=1).reset_index(drop=True), only=["sampling_bias"],
                  options={"population": census})
    assert bias_findings(report) == []


def test_fires_on_gss_wages_with_women_under_represented():
    df = gss_wages()
    census = shares(df, ["gender"])
    men = df[df.gender == "Male"].sample(1500, random_state=2)
    women = df[df.gender == "Female"].sample(1000, random_state=2)
    report = scan(pd.concat([men, women], ignore_index=True), only=["sampling_bias"],
                  options={"population": census})
    (f,) = bias_findings(report)
    assert f.columns == ("gender",) and "Male over-represented (60%" in f.title
    assert "Female under-represented (40% vs 56%)" in f.title


def test_skipped_without_a_census():
    report = scan(pd.DataFrame({"g": ["a", "b"] * 20}), only=["sampling_bias"])
    (check,) = [c for c in report.checks if c.name == "sampling_bias"]
    assert check.status == "skipped" and "--population" in check.reason


def test_from_a_saved_profile_without_rows(resume, tmp_path):
    import tripwire

    sample = pd.concat([resume[resume.race == "white"].head(600), resume[resume.race == "black"].head(200)])
    path = tripwire.profile(sample).save(tmp_path / "p.json")
    report = scan(str(path), only=["sampling_bias"], options={"population": {"race": {"white": 0.5, "black": 0.5}}})
    (f,) = bias_findings(report)
    assert f.evidence["categories"]["white"]["share"] == 0.75 and "skipped" in f.evidence["raking"]


def test_unlisted_values_and_a_remainder():
    df = pd.DataFrame({"region": ["n"] * 50 + ["s"] * 30 + ["w"] * 20})
    report = scan(df, only=["sampling_bias"], options={"population": {"region": {"n": 0.5, "s": 0.3}}})
    assert bias_findings(report) == []  # w is the remaining 20%
    report = scan(df, only=["sampling_bias"], options={"population": {"region": {"n": 0.2, "s": 0.8}}})
    (f,) = bias_findings(report)
    assert f.evidence["unlisted"] == {"rows": 20, "values": {"w": 20}}
    assert f.evidence["raking"]["rows_not_weighted"] == 20


# ---- raking against textbook answers -------------------------------------------------------


def _cells(table: np.ndarray) -> pl.DataFrame:
    rows, cols = np.indices(table.shape)
    return pl.DataFrame({"r": [f"r{i}" for i in rows.ravel()], "c": [f"c{j}" for j in cols.ravel()],
                         "count": table.ravel()})


def _fitted(table: np.ndarray, row_totals, col_totals) -> np.ndarray:
    n = table.sum()
    census = {"r": {f"r{i}": t / sum(row_totals) for i, t in enumerate(row_totals)},
              "c": {f"c{j}": t / sum(col_totals) for j, t in enumerate(col_totals)}}
    result = rake(_cells(table), census)
    weights = result["cells"]["weight"].to_numpy().reshape(table.shape)
    return table * weights * sum(row_totals) / n


def test_raking_a_two_by_two_table_matches_the_closed_form():
    """Survey [[7, 9], [12, 7]] raked to census margins rows (5, 15), columns (10, 10).

    Raking keeps the survey's odds ratio (Deming and Stephan 1940; Bishop, Fienberg and Holland
    ch. 3), so x11 solves (1 - θ) x² + (5 + 15θ) x - 50θ = 0 with θ = 7·7 / (9·12).
    """
    table = np.array([[7.0, 9.0], [12.0, 7.0]])
    fitted = _fitted(table, [5, 15], [10, 10])
    theta = 49 / 108
    a, b, c = 1 - theta, 5 + 15 * theta, -50 * theta
    x11 = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    expected = np.array([[x11, 5 - x11], [10 - x11, 5 + x11]])
    np.testing.assert_allclose(fitted, expected, rtol=1e-8)


def test_raking_the_ardilly_tille_example_keeps_margins_and_cross_ratios():
    """Ardilly and Tillé, Sampling Methods (2006), raking ratio exercise: a 3x3 sample table
    raked to known margins rows (430, 360, 210), columns (150, 300, 550). The raked table is
    the unique one with those margins and the sample's cross-product ratios."""
    table = np.array([[80.0, 170.0, 150.0], [90.0, 80.0, 210.0], [10.0, 80.0, 130.0]])
    fitted = _fitted(table, [430, 360, 210], [150, 300, 550])
    np.testing.assert_allclose(fitted.sum(axis=1), [430, 360, 210], rtol=1e-8)
    np.testing.assert_allclose(fitted.sum(axis=0), [150, 300, 550], rtol=1e-8)
    for i in range(2):
        for j in range(2):
            def ratio(t, i=i, j=j):
                return t[i, j] * t[i + 1, j + 1] / (t[i, j + 1] * t[i + 1, j])
            assert ratio(fitted) == pytest.approx(ratio(table), rel=1e-8)


def test_holm():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


# ---- the census file -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "needle"), [
    ("population: {race: {white: 0.7, black: 0.5}}", "population.race: shares sum to 1.2"),
    ("population: {race: {white: abc}}", "population.race.white: expected a share in (0, 1], got 'abc'"),
    ("population: {race: {white: 0}}", "expected a share"),
    ("population: {race: [white]}", "population.race: expected a mapping of values to shares"),
    ("population: {}", "expected `population:`"),
    ("population: {race: {white: 0.5}}\nextra: 1", "unknown key 'extra'"),
    ("population: {race: {1: 0.5, '1': 0.2}}", "listed twice"),
])
def test_bad_census_files_are_one_line(tmp_path, text, needle):
    path = tmp_path / "census.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_population(path)
    assert needle in str(err.value) and str(err.value).startswith(str(path))


def test_cli_scan_with_population_and_weights(resume, tmp_path, capsys):
    from tripwire.cli.main import main

    sample = pd.concat([resume[resume.race == "white"].head(450), resume[resume.race == "black"].head(150)])
    data, census, weights, out = (tmp_path / "s.csv", tmp_path / "census.yaml", tmp_path / "w.parquet",
                                  tmp_path / "r.json")
    sample.to_csv(data, index=False)
    census.write_text("population:\n  race: {white: 0.5, black: 0.5}\n")
    with pytest.raises(SystemExit) as exit_:
        main(["scan", str(data), "--only", "sampling_bias", "--population", str(census), "--weights-out",
              str(weights), "--format", "json", "-o", str(out)])
    first = capsys.readouterr().err
    assert exit_.value.code == 0, first
    doc = json.loads(out.read_text())
    (f,) = [f for f in doc["findings"] if f["code"] == "data.sampling_bias"]
    assert f["evidence"]["raking"]["weight_by_value"] == pytest.approx({"black": 2.0, "white": 2 / 3})
    assert pl.read_parquet(weights).height == 600

    census.write_text("population:\n  race: {white: lots}\n")
    with pytest.raises(SystemExit) as exit_:
        main(["scan", str(data), "--population", str(census)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and f"{census}:2:" in err
    with pytest.raises(SystemExit) as exit_:
        main(["scan", str(data), "--weights-out", str(weights)])
    assert exit_.value.code == 2 and "--weights-out needs --population" in capsys.readouterr().err


def test_a_census_value_absent_from_the_batch_is_named_and_the_rest_rescaled():
    df = pd.DataFrame({"region": ["n"] * 60 + ["s"] * 40})
    report = scan(df, only=["sampling_bias"], options={"population": {"region": {"n": 0.4, "s": 0.4, "e": 0.2}}})
    (f,) = bias_findings(report)
    assert f.evidence["categories"]["e"]["count"] == 0
    raking = f.evidence["raking"]
    assert raking["absent_values"] == {"region": ["e"]}
    assert raking["weight_by_value"] == pytest.approx({"n": 50 / 60, "s": 50 / 40})
