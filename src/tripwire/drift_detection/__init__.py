"""Drift: how a batch's composition moved from a reference, per feature, jointly, in text,
in labels and predictions, and over time (docs/drift.md).

`drift(data, reference)` runs the drift detectors alone (the same ones `scan` runs);
with `time_column` and `window` it splits the data into time windows and compares each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tripwire.report import Report

__all__ = ["drift"]


def drift(
    data: Any,
    reference: Any = None,
    *,
    label: str | None = None,
    prediction: str | None = None,
    options: Mapping[str, Any] | None = None,
    time_column: str | None = None,
    window: str | None = None,
    name: str | None = None,
) -> Report:
    """Compare `data` with `reference`: which columns moved, by how much, in words.

    `data` and `reference` are anything `tripwire.profile` reads, a saved profile.json or a
    DatasetProfile. `options` may hold {"drift": {...}} thresholds (docs/drift.md). With
    `time_column` and `window` ("1d", "1w", "1mo", "1q", "1y") each window of `data` is
    compared with `reference`, or with the first window when there is no reference; the
    per-window table is in `report.extra["windows"]`.
    """
    from tripwire.drift_detection.config import DriftConfig
    from tripwire.errors import UsageError

    opts = dict(options or {})
    DriftConfig.from_options(opts)  # bad settings fail before any data is read
    if (time_column is None) != (window is None):
        raise UsageError("--time-column and --window go together (e.g. --time-column date --window 1mo)")
    if time_column is not None:
        from tripwire.drift_detection.windows import drift_over_time

        return drift_over_time(data, reference, time_column=time_column, window=window or "",
                               label=label, prediction=prediction, options=opts, name=name)
    if reference is None:
        raise UsageError("drift needs a reference (or --time-column and --window to compare "
                         "time windows with the first)")
    from tripwire.scanning import scan

    report = scan(data, reference, label=label, prediction=prediction, only=["drift"],
                  options=opts, name=name, command="drift")
    return _with_table(report, opts, label, prediction)


def _with_table(report: Report, options: Mapping[str, Any], label: str | None,
                prediction: str | None) -> Report:
    """Put every compared column's effect sizes in `report.extra["columns"]` (for the CLI table)."""
    from tripwire.drift_detection.config import DriftConfig
    from tripwire.drift_detection.features import decide, feature_table

    ref, cur = report.extra.get("reference"), report.extra.get("profile")
    if ref is None or cur is None:
        return report
    config = DriftConfig.from_options(options)
    rows = []
    for r in feature_table(ref, cur, config, {c for c in (label, prediction) if c}):
        severity, significant = decide(r, config.alpha)
        rows.append({"column": r.column, "treatment": r.treatment, "metric": r.metric,
                     "effect": r.score, "p_adjusted": r.padj, "severity": severity,
                     "significant": significant, "change": r.words})
    report.extra["columns"] = rows
    return report
