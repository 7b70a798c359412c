"""Drift over time windows: a table, a trend, seasonality on a long real series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.realdata import seattle_weather
from tripwire.drift_detection.windows import sparkline, trend
from tripwire.errors import UsageError


def test_trend_shapes():
    assert trend([0.0, 0.01, 0.02], 0.1) == "stable"
    assert trend([0.1, 0.2, 0.3, 0.5, 0.7], 0.1) == "gradual"
    assert trend([0.5, 0.0, 0.6, 0.0, 0.5, 0.0], 0.1) == "recurring"
    assert trend([0.0, 0.0, 0.0, 0.9, 1.0], 0.1) == "recent"
    assert trend([0.0, 0.9, 0.0, 0.0, 0.0], 0.1) == "one-off"
    assert sparkline([0, 1, 2]) == "▁▅█"


def test_seattle_weather_quarters_show_seasonal_temperature():
    report = tripwire.drift(seattle_weather(), time_column="date", window="1q")
    windows = report.extra["windows"]
    assert len(windows) == 15 and windows[0]["window"] == "2012-Q2"
    temp = next(f for f in report.by_code("drift.feature") if f.columns == ("temp_max",))
    assert temp.evidence["trend"] == "recurring"
    assert set(temp.evidence["by_window"]) == {w["window"] for w in windows}


def test_gradual_drift_against_a_reference_is_named_gradual():
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=360, freq="D").repeat(50)
    month = days.month.to_numpy()
    df = pd.DataFrame({"when": days, "x": rng.normal(0, 1, len(days)) + 0.1 * (month - 1),
                       "y": rng.normal(0, 1, len(days))})
    ref = df[df.when < "2024-02-01"].drop(columns="when")
    report = tripwire.drift(df, ref, time_column="when", window="1mo")
    by_col = {f.columns[0]: f for f in report.by_code("drift.feature")}
    assert by_col["x"].evidence["trend"] == "gradual" and "y" not in by_col


def test_year_integers_are_windows_and_bad_arguments_are_one_line_errors():
    df = pd.DataFrame({"year": np.repeat([2001, 2002, 2003], 200), "v": np.arange(600) % 7})
    assert len(tripwire.drift(df, time_column="year", window="1y").extra["windows"]) == 2
    with pytest.raises(UsageError, match="--window"):
        tripwire.drift(df, time_column="year", window="1fortnight")
    with pytest.raises(UsageError, match="not a column"):
        tripwire.drift(df, time_column="nope", window="1y")
    words = pd.DataFrame({"when": ["soon", "later"] * 50, "v": np.arange(100)})  # no date format fits
    with pytest.raises(UsageError, match="'when' holds no readable date or time"):
        tripwire.drift(words, time_column="when", window="1d")
    with pytest.raises(UsageError, match="go together"):
        tripwire.drift(df, time_column="year")
    with pytest.raises(UsageError, match="needs a reference"):
        tripwire.drift(df)


def test_label_prediction_and_time_columns_are_not_feature_drift_in_any_window():
    # the label and the prediction move with the months as much as x does: they belong to
    # drift.label / drift.prediction, never to a window's drifted features or the trend table
    rng = np.random.default_rng(1)
    days = pd.date_range("2024-01-01", periods=180, freq="D").repeat(40)
    step = days.month.to_numpy() - 1
    x = rng.normal(0, 1, len(days)) + 0.3 * step
    df = pd.DataFrame({"when": days, "x": x, "y": x + rng.normal(0, 0.5, len(days)),
                       "pred": x + rng.normal(0, 0.5, len(days))})
    report = tripwire.drift(df, time_column="when", window="1mo", label="y", prediction="pred")
    drifted = {c for w in report.extra["windows"] for c in w["drifted"]}
    assert drifted == {"x"}
    assert set(report.extra["trend"]) == {"x"}
    assert {f.columns[0] for f in report.by_code("drift.feature")} == {"x"}


def test_windows_read_a_file_in_the_encoding_given(tmp_path):
    # the windowed run reads the file itself: --encoding must reach it as it reaches the plain drift
    from tripwire.errors import InputError

    df = seattle_weather().head(200)
    df = df.assign(station=["Sé" if i % 2 else "Zürich" for i in range(len(df))])
    path = tmp_path / "w.csv"
    df.to_csv(path, index=False, encoding="cp1252")
    report = tripwire.drift(path, time_column="date", window="1mo", encoding="cp1252")
    words = {v for p in report.extra["profiles"].values() for v, _ in p["station"].top(5)}
    assert words == {"Sé", "Zürich"}
    with pytest.raises(InputError, match="not valid utf8"):  # the named encoding is used, not guessed
        tripwire.drift(path, time_column="date", window="1mo", encoding="utf-8")


def test_a_window_whose_spread_widened_gets_a_trend_not_a_crash():
    """drift.feature names a widened SD 'spread' (no thresholds); the trend is of the Wasserstein series."""
    rng = np.random.default_rng(1)
    days = pd.date_range("2024-01-01", periods=180, freq="D").repeat(100)
    x = rng.normal(0, 1, len(days))
    later = np.asarray(days.month >= 4)
    x[later] *= 1.3  # the same centre, a wider spread: noise added from April
    report = tripwire.drift(pd.DataFrame({"when": days, "x": x}), time_column="when", window="1mo")
    found = next(f for f in report.by_code("drift.feature") if f.columns == ("x",))
    assert found.evidence["metric"] == "spread" and found.evidence["worst"]["metric"] == "spread"
    assert found.evidence["trend"] == "recent" and found.severity == "warning"


def test_drift_over_time_is_reported_by_the_run_layer_like_every_command():
    """The windows merged are the run's profile: dataset, passes and extra as `execute` fills them for any drift."""
    df = seattle_weather()
    ref = df[["temp_max", "temp_min", "weather"]].head(200)  # fewer columns than the data
    report = tripwire.drift(df, ref, time_column="date", window="1y")
    assert report.run.to_dict()["passes"] == [{"kind": "profile", "input": "dataframe"},
                                              {"kind": "profile", "input": "dataframe"}]
    whole = tripwire.profile(df)
    assert report.dataset.to_dict() == {"name": "dataframe", "rows": len(df), "columns": len(df.columns),
                                        "fingerprint": whole.fingerprint}  # the data's columns, not the reference's
    assert report.extra["profile"] is report.extra["merged"] and report.extra["reference"].rows == 200
    assert report.notes == ("4 window(s) of 1y compared with the reference",)
