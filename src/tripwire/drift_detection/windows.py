"""Drift over time: split a data set into time windows and compare each with a reference (N19).

Data is read once, streaming: each batch is cut by window and profiled, and the pieces merge
into one profile per window. Each window is then compared with the reference (or with the
first window) by the profile-based drift detectors (feature, label, prediction), so a year of
daily windows stays cheap; the classifiers (multivariate, text) run on whole batches only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from tripwire.drift_detection.compare import LEVEL_RANK
from tripwire.drift_detection.config import DriftConfig
from tripwire.errors import UsageError
from tripwire.io.times import as_times
from tripwire.report import Finding

WINDOWS = {"1d": "%Y-%m-%d", "1w": "%Y-%m-%d", "1mo": "%Y-%m", "1q": "q", "1y": "%Y"}
SPARK = "▁▂▃▄▅▆▇█"
_KEY = "__window__"
#: the profile-based drift detectors that compare each window
PER_WINDOW = ["drift.feature", "drift.label", "drift.prediction"]


def window_key(frame: pl.DataFrame, column: str, window: str) -> pl.Series:
    """Return each row's window start (a naive Datetime, null when unreadable) from the time column."""
    # a year column such as 1974, 1975 counts; zoned times keep their own calendar days
    s = as_times(frame[column], years=True, utc=False)
    if s is None:
        raise UsageError(f"--time-column {column!r} holds {frame[column].dtype}, not dates, times or years")
    return s.dt.truncate(window).alias(_KEY)


def window_profiles(data: Any, time_column: str, window: str, name: str | None = None) -> tuple[dict[Any, Any], str, int]:
    """Return {window start: profile of its rows} (in time order), the data's name, rows without a time."""
    from tripwire.io import open_source
    from tripwire.profiling import DatasetProfile, ProfileConfig, profile_batch

    if window not in WINDOWS:
        raise UsageError(f"--window must be one of {', '.join(WINDOWS)}, not {window!r}")
    source = open_source(data, name=name)
    if time_column not in source.schema.names:
        raise UsageError(f"--time-column {time_column!r} is not a column of {source.name}; "
                         f"columns: {', '.join(source.schema.names[:20])}")
    cfg = ProfileConfig()
    profiles: dict[Any, DatasetProfile] = {}
    offsets: dict[Any, int] = {}
    undated = 0
    for batch in source.batches():
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.with_columns(window_key(frame, time_column, window))
        undated += int(frame[_KEY].null_count())
        for part in frame.drop_nulls(_KEY).partition_by(_KEY, maintain_order=True):
            key = part[_KEY][0]
            piece = profile_batch(part.drop(_KEY).to_arrow(), offsets.get(key, 0), cfg)
            offsets[key] = offsets.get(key, 0) + part.height
            profiles[key] = profiles[key].merge(piece) if key in profiles else piece
    if not profiles:
        raise UsageError(f"--time-column {time_column!r} holds no readable date or time")
    ordered = dict(sorted(profiles.items()))
    for key, prof in ordered.items():
        prof.name = label_of(key, window)
    return ordered, source.name, undated


def label_of(start: Any, window: str) -> str:
    """Return a window's label: 2013-07, 2013-Q3, 2013, or the start day."""
    if window == "1q":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return start.strftime(WINDOWS[window])


def sparkline(values: list[float], top: float | None = None) -> str:
    """Draw values as a one-line bar chart (scaled to `top`, else their maximum)."""
    top = top if top is not None else max(values, default=0.0)
    if not values or top <= 0:
        return SPARK[0] * len(values)
    idx = np.clip(np.round(np.asarray(values) / top * (len(SPARK) - 1)), 0, len(SPARK) - 1)
    return "".join(SPARK[int(i)] for i in idx)


def trend(values: list[float], info: float) -> str:
    """Name the shape of an effect-size series: stable, gradual, recurring, recent, one-off or sustained.

    A window is "high" when its effect is at least half the peak (and reaches `info`):
    gradual = rising (Spearman >= 0.7), partway up at half time and high at the end; recurring = goes high and back at
    least twice (seasonality); recent = high only in the last windows; one-off = one high
    stretch in the middle; sustained = high from its start to the end.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), posinf=1e9)
    peak = float(v.max(initial=0.0))
    if peak < info:
        return "stable"
    high = v >= max(0.5 * peak, info)
    if len(v) >= 4 and high[-1]:
        from scipy.stats import spearmanr

        rho = spearmanr(np.arange(len(v)), v).statistic
        mid = v[len(v) // 2]  # halfway up at half time: a ramp, not a step
        if np.isfinite(rho) and rho >= 0.7 and 0.2 * peak <= mid <= 0.8 * peak:
            return "gradual"
    rises = int(np.sum(high[1:] & ~high[:-1])) + int(high[0])
    if rises >= 2:
        return "recurring"
    first = int(np.argmax(high))
    if high[-1]:
        return "sustained" if first == 0 else "recent"
    return "one-off"


def labels_first(profiles: dict[Any, Any]) -> str:
    """Return the first window's label."""
    return next(iter(profiles.values())).name


def rank(severity: str) -> int:
    return LEVEL_RANK[severity]


def column_findings(series: dict[str, dict[str, tuple[float, str | None, str]]], labels: list[str],
                     per_window: list[Finding], config: DriftConfig, window: str) -> list[Finding]:
    """Summarise each column that drifted in some window: where, how much, and the trend."""
    by_column: dict[tuple[str, str], list[Finding]] = {}
    for f in per_window:
        by_column.setdefault((f.code, f.columns[0] if f.columns else ""), []).append(f)
    out = []
    for (code, column), found in by_column.items():
        worst = max(found, key=lambda f: (LEVEL_RANK[f.severity], _effect(f)))
        values = [series.get(column, {}).get(w, (0.0, None, ""))[0] for w in labels]
        metric = worst.evidence.get("metric", "wasserstein")
        # `values` are the effect sizes of the series' own statistic (Wasserstein, PSI), whichever the
        # worst finding named ("spread" has no thresholds: a wider SD is judged by its z, not a level)
        measured = next((v[2] for v in series.get(column, {}).values()), metric)
        shape = trend(values, config.levels(measured, column)["info"]) if code == "drift.feature" else "—"
        windows_hit = [w for w, f in zip(labels, values, strict=True)
                       if series.get(column, {}).get(w, (0, None, ""))[1] is not None]
        where = worst.evidence.get("window", "")
        title = (f"{column}: drifted in {len(windows_hit) or len(found)} of {len(labels)} {window} window(s), "
                 f"{shape}; worst {where}: {worst.title.split(': ', 1)[-1]}  {sparkline(values)}")
        evidence = {"trend": shape, "by_window": {w: round(v, 4) for w, v in zip(labels, values, strict=True)},
                    "windows_drifted": windows_hit, "worst_window": where, "metric": metric,
                    "worst": {k: v for k, v in worst.evidence.items() if k != "thresholds"}}
        out.append(Finding(code=code, severity=worst.severity, columns=(column,), title=title,
                           evidence=evidence, fix=worst.fix, detector=worst.detector))
    return out


def _effect(f: Finding) -> float:
    e = f.evidence.get("effect", 0.0)
    return float("inf") if e == "inf" else float(e)
