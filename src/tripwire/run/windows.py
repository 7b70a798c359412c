"""Drift over time: one profile pass cut by time window, each window compared with a reference.

The statistics (window keys, trends, sparklines, per-column summaries) live in
`drift_detection/windows.py`; this is the run that reads the data once and composes them.
The windows merged are the run's profile; the findings and checks of every window go to the
one `execute(Plan)`, which builds the Report as for every command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from tripwire.detectors.registry import ScanContext, run_detectors
from tripwire.drift_detection.compare import LEVEL_RANK
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.features import decide, feature_table, not_features
from tripwire.drift_detection.windows import PER_WINDOW, column_findings, labels_first, rank, window_profiles
from tripwire.errors import UsageError
from tripwire.io import open_source
from tripwire.profiling import merge_all
from tripwire.report import Report
from tripwire.run.context import PassLog, RunContext, resolve_reference
from tripwire.run.plan import Plan, execute


def drift_over_time(data: Any, reference: Any, *, time_column: str, window: str,
                    label: str | None, prediction: str | None, options: Mapping[str, Any],
                    name: str | None = None, encoding: str | None = None) -> Report:
    """Compare each time window of `data` with `reference` (or the first window) into one Report."""
    passes = PassLog()
    source = passes.counting(open_source(data, name=name, encoding=encoding), ["profile"])
    profiles, data_name, undated = window_profiles(source, time_column, window, name)
    keys = list(profiles)
    if reference is not None:
        ref = resolve_reference(reference, passes=passes, encoding=encoding)
        assert ref is not None
        compared = keys
    else:
        if len(keys) < 2:
            raise UsageError(f"only one {window} window in {time_column!r}: nothing to compare; "
                             "give --reference or a shorter --window")
        ref, compared = profiles[keys[0]], keys[1:]
    config = DriftConfig.from_options(options)
    opts = {**options, "time_column": time_column}
    table, series, per_window, checks = [], {}, [], []
    for key in compared:
        prof = profiles[key]
        ctx = ScanContext(profile=prof, reference=ref, label=label, prediction=prediction, options=opts)
        found, checks = run_detectors(ctx, only=PER_WINDOW)
        found = [replace(f, evidence={**f.evidence, "window": prof.name}) for f in found]
        per_window.extend(found)
        results = feature_table(ref, prof, config, not_features(ctx))  # the columns drift.feature leaves out
        moved = [r for r in results if decide(r, config.alpha)[0] is not None]
        worst = max(moved, key=lambda r: (LEVEL_RANK[decide(r, config.alpha)[0]], r.score), default=None)
        table.append({"window": prof.name, "rows": prof.rows, "drifted": [r.column for r in moved],
                      "severity": max((f.severity for f in found), key=rank, default=None),
                      "worst_column": worst.column if worst else None,
                      "worst_effect": round(worst.score, 4) if worst else 0.0})
        for r in results:
            series.setdefault(r.column, {})[prof.name] = (r.score if np.isfinite(r.score) else 1e9,
                                                         decide(r, config.alpha)[0], r.metric)
    labels = [profiles[k].name for k in compared]
    findings = column_findings(series, labels, per_window, config, window)
    # every window together is the whole batch (and every window's sample): the run's profile
    merged = replace(merge_all(profiles.values()), name=data_name)
    notes = [f"{len(compared)} window(s) of {window} compared with "
             f"{'the reference' if reference is not None else 'the first window, ' + labels_first(profiles)}"]
    if undated:
        notes.append(f"{undated:,} row(s) without a readable {time_column!r} were left out")
    ctx = RunContext(profile=merged, source=None, reference=ref, label=label, prediction=prediction,
                     options=opts, passes=passes)
    report = execute(Plan("drift", detectors=False, given_findings=tuple(findings), given_checks=tuple(checks)), ctx)
    report = replace(report, notes=(*report.notes, *notes))
    report.extra.update({"windows": table, "trend": {c: {w: v[0] for w, v in s.items()} for c, s in series.items()},
                         "profiles": profiles, "merged": merged})
    return report
