"""leakage.target, by time: features whose values were recorded after the label's outcome.

The `target_leakage` detector runs this as its row task when a label time is given.

With `options={"label_time": COL}` (`scan --time COL`: when each row's label became known)
every row compares, in the shared row pass:

- each feature named in `options["available"]` ({feature: column of the time its value was
  recorded}, `--available FEATURE=COL`) — a value recorded after the outcome is one the
  model will not have when it predicts: an error from 1% of rows, else a warning;
- every other date or time column, as a feature itself — dates that fall after the outcome
  on most rows (at least half) are recorded after it (a closing date, a follow-up visit): a
  warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl

from tripwire.detectors.common import pct
from tripwire.detectors.registry import Detector, RowTask, ScanContext
from tripwire.io.times import as_times
from tripwire.report import Finding
from tripwire.report.finding import MAX_ALL_ROWS, MAX_ROWS

#: share of rows from which an explicitly timed feature is an error (below: a warning)
ERROR_SHARE = 0.01
#: share of rows on which a date column must fall after the outcome to be called post-outcome
DATE_SHARE = 0.5


def time_options(options: Any) -> tuple[str | None, dict[str, str]]:
    """Return the label's time column and the {feature: recorded-at column} map from scan options."""
    label_time = options.get("label_time") if options else None
    available = dict(options.get("available") or {}) if options else {}
    return (str(label_time) if label_time else None), {str(k): str(v) for k, v in available.items()}


def timing_columns(options: Any) -> set[str]:
    """Return the columns that only say when things happened (never model features)."""
    label_time, available = time_options(options)
    return ({label_time} if label_time else set()) | set(available.values())


def why_not_timed(ctx: ScanContext) -> str | None:
    """Return why the recording times cannot be compared (a named column that does not exist)."""
    label_time, available = time_options(ctx.options)
    named = [("--time", label_time)] + [("--available", c) for pair in available.items() for c in pair]
    for flag, col in named:
        if col is not None and col not in ctx.profile.columns:
            return f"{flag} names {col!r}, which is not a column"
    if ctx.source is None:
        return "the rows are needed (not available from a saved profile)"
    return None


def after_outcome_task(detector: Detector, ctx: ScanContext) -> RowTask | None:
    """Return the row task comparing recording times with the label's time (None without --time)."""
    label_time, available = time_options(ctx.options)
    if label_time is None or why_not_timed(ctx):
        return None
    pairs = dict(available)
    for name, col in ctx.profile.columns.items():  # date columns are features recorded at their own value
        if col.kind == "temporal" and name not in timing_columns(ctx.options) and name not in pairs \
                and name != ctx.label:
            pairs[name] = name
    return _AfterOutcomeTask(detector, label_time, pairs, set(available))


def _as_time(values: pl.Series) -> pl.Series:
    s = as_times(values)
    return s if s is not None else pl.Series(values.name, [None] * values.len(), dtype=pl.Datetime("us"))


class _AfterOutcomeTask:
    def __init__(self, detector: Detector, label_time: str, pairs: dict[str, str],
                 explicit: set[str]) -> None:
        self.detector, self.label_time, self.pairs, self.explicit = detector, label_time, pairs, explicit
        self.compared = dict.fromkeys(pairs, 0)
        self.after = dict.fromkeys(pairs, 0)
        self.rows: dict[str, list[np.ndarray]] = {f: [] for f in pairs}
        self.lags: dict[str, list[np.ndarray]] = {f: [] for f in pairs}

    def update(self, df: pl.DataFrame, offset: int) -> None:
        outcome = _as_time(df[self.label_time])
        index = np.arange(offset, offset + df.height)
        for feature, column in self.pairs.items():
            recorded = _as_time(df[column])
            both = (outcome.is_not_null() & recorded.is_not_null()).to_numpy()
            later = ((recorded > outcome).fill_null(False)).to_numpy()
            self.compared[feature] += int(both.sum())
            self.after[feature] += int(later.sum())
            if later.any() and sum(map(len, self.rows[feature])) < MAX_ALL_ROWS:
                self.rows[feature].append(index[later])
                lag = (recorded - outcome).dt.total_seconds().to_numpy()[later]
                self.lags[feature].append(lag)

    def finish(self) -> Iterator[Finding]:
        det = self.detector
        for feature, column in self.pairs.items():
            n, after = self.compared[feature], self.after[feature]
            if n == 0 or after == 0:
                continue
            share = after / n
            explicit = feature in self.explicit
            if not explicit and share < DATE_SHARE:
                continue
            severity = "error" if explicit and share >= ERROR_SHARE else "warning"
            rows = np.concatenate(self.rows[feature])[:MAX_ALL_ROWS]
            lag = float(np.median(np.concatenate(self.lags[feature]))) / 86400
            if explicit:
                title = (f"{feature}: recorded after the outcome on {after:,} rows ({pct(share)} of {n:,}; "
                         f"{column} later than {self.label_time}, median {lag:.3g} days): the model will not "
                         "have it when it predicts")
            else:
                title = (f"{feature}: its dates fall after the outcome on {after:,} rows ({pct(share)} of {n:,}; "
                         f"later than {self.label_time} by a median {lag:.3g} days): a value recorded after the "
                         "label is known")
            evidence = {"count": after, "share": share, "compared_rows": n, "recorded_at": column,
                        "label_time": self.label_time, "median_days_after": lag,
                        "how": "explicit recording time" if explicit else "a date column later than the outcome",
                        "all_rows": rows.tolist()}
            yield det.finding("leakage.target", severity, [feature, self.label_time], title, evidence,
                              rows=rows[:MAX_ROWS].tolist())
