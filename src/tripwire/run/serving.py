"""Close the loop on a guarded model: delayed labels joined to what it served, champion vs challenger.

`log_labels` stores labels that arrive after the predictions and evaluates the served
outputs they match, per model version and time window, with the evaluation stage's metrics
and intervals. `compare_models` pairs the champion's and the challenger's outputs on the same
labelled requests and says whether the challenger is better beyond the interval of the paired
difference (`evaluation.baselines.paired_gain`), overall and per window. Only rows the
champion's model answered are compared: a row routed to the fallback says nothing about it.
Both build their Report with `execute` like every command: the labels file is profiled and its
rows held from the batches the profile read; each read of a store table is a pass
(`store:NAME (outputs)`, `store:NAME (labels)`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.evaluation import Bootstrap, classification_metrics, regression_metrics
from tripwire.evaluation.baselines import paired_gain
from tripwire.report import CheckResult, Report
from tripwire.report.report import DatasetInfo
from tripwire.run.context import PassLog, described_context, hold_rows, open_context
from tripwire.run.plan import Plan, execute
from tripwire.store import Store
from tripwire.store.serving import labels as stored_labels
from tripwire.store.serving import outputs, write_labels

#: metrics kept per model and window (per-class rows stay in `tripwire evaluate`)
CLASSIFICATION = ("accuracy", "balanced_accuracy", "macro_f1")
REGRESSION = ("mae", "rmse", "r2")
WINDOWS = {"day": "1d", "week": "1w", "month": "1mo"}
TASKS = ("classification", "regression")
PASSED = "passed"


def log_labels(data: Any, *, dataset: str, id: str, label: str, store: Any = None, window: str = "week",
               task: str | None = None, resamples: int = 1000, level: float = 0.95, seed: int = 0,
               encoding: str | None = None) -> Report:
    """Store true labels by request id, then evaluate the served outputs they match.

    The metrics table holds each model version's metrics per `window` (day, week or month of
    the time the prediction was served) and overall (`window="all"`).
    """
    every = _checked(window, task, resamples)
    st = _store(store)
    # profiled as every command's data is (the Report's dataset, notes and passes); rows from its batches
    ctx = open_context(data, encoding=encoding, keep_rows=True)
    table, name = hold_rows(ctx, "log-labels"), str(ctx.profile.name)
    for col, flag in ((id, "--id"), (label, "--label")):
        if col not in table.columns:
            raise UsageError(f"{flag} {col!r} is not a column of {name}; columns: {', '.join(table.columns[:20])}")
    known = table.filter(pl.col(id).is_not_null() & pl.col(label).is_not_null())
    notes = []
    if known.height < table.height:
        notes.append(f"{table.height - known.height:,} rows without an id or a label were left out")
    ids = known.get_column(id).cast(pl.String).to_list()
    served = _outputs(st, dataset, ctx.passes)
    if served.height == 0:  # before storing: labels of a data set that was never served are a typo
        raise UsageError(f"no stored predictions for {dataset!r}; serve through tripwire.guard(..., "
                         f"store=..., dataset={dataset!r}) first")
    write_labels(st, dataset, ids, known.get_column(label).to_list(), source=name)
    joined = _joined(served, st, dataset, ctx.passes).filter(pl.col("role") == "champion")
    matched = joined.filter(pl.col("request_id").is_in(ids)).height
    notes.append(f"{len(ids):,} labels stored for {dataset}; {matched:,} match a served prediction"
                 + (f", {len(ids) - matched:,} match none (wrong --id, or not served yet)" if matched < len(ids) else ""))
    model_rows = joined.filter(pl.col("route") == "model")
    routed = joined.height - model_rows.height
    if routed:
        notes.append(f"{routed:,} labelled rows were answered by the fallback: left out of the model's metrics")
    boot = Bootstrap(resamples=resamples, level=level, seed=seed)
    task = task or _task(model_rows.get_column("label") if model_rows.height else joined.get_column("label"))
    rows = metrics_by_window(model_rows, task, every, boot)
    report = execute(Plan("log-labels", detectors=False, given_checks=(CheckResult("labels joined", PASSED),)), ctx)
    report = replace(report, notes=(*report.notes, *notes), metrics=tuple(rows))
    report.extra.update({"task": task})
    return report


def compare_models(*, dataset: str, store: Any = None, window: str = "week", task: str | None = None,
                   resamples: int = 1000, level: float = 0.95, seed: int = 0,
                   labelled: pl.DataFrame | None = None) -> Report:
    """Say whether the challenger beats the champion on the labelled requests both answered.

    `labelled`: the dataset's `labelled_outputs`, when the caller read them already.
    """
    every = _checked(window, task, resamples)
    st = _store(store)
    passes = PassLog()  # the store's tables this run reads (none when the caller read them)
    joined = labelled if labelled is not None else labelled_outputs(st, dataset, passes)
    champion = joined.filter((pl.col("role") == "champion") & (pl.col("route") == "model"))
    challenger = joined.filter(pl.col("role") == "challenger")
    if challenger.height == 0:
        raise UsageError(f"no challenger outputs with labels for {dataset!r}; run a challenger in the shadow "
                         "(tripwire.guard(..., challenger=...)) and log the labels first")
    pairs = champion.select("request_id", "at", "label", "model_name", "model_version",
                            pl.col("value").alias("champion")).join(
        challenger.select("request_id", pl.col("value").alias("challenger"),
                          pl.col("model_name").alias("challenger_name"),
                          pl.col("model_version").alias("challenger_version")), on="request_id", how="inner")
    pairs = pairs.filter(pl.col("champion").is_not_null() & pl.col("challenger").is_not_null())
    if pairs.height == 0:
        raise UsageError(f"no labelled request of {dataset!r} has both a champion and a challenger output")
    boot = Bootstrap(resamples=resamples, level=level, seed=seed)
    task = task or _task(pairs.get_column("label"))
    names = (_model(pairs.row(0, named=True), "model_name", "model_version"),
             _model(pairs.row(0, named=True), "challenger_name", "challenger_version"))
    rows, notes = [], []
    pairs = pairs.with_columns(pl.col("at").dt.truncate(every).alias("window")).sort("window")
    groups = [("all", pairs), *[(str(w.date()), g) for (w,), g in pairs.group_by("window", maintain_order=True)]]
    for i, (win, part) in enumerate(groups):
        y, a, b = (_typed(part, c, task) for c in ("label", "champion", "challenger"))
        metric, gain, (low, high) = paired_gain(task, y, b, a, boot, 200 + i)
        verdict = ("challenger better" if low is not None and low > 0 else
                   "champion better" if high is not None and high < 0 else "no clear difference")
        rows.append({"metric": f"{metric}_gain_of_challenger", "value": gain, "ci_low": low, "ci_high": high,
                     "n": part.height, "window": win, "verdict": verdict})
        if win == "all":
            scale, unit = (100, "points of accuracy") if metric == "accuracy" else (1, "lower MAE")
            ci = "" if low is None else f" [{low * scale:+.3g}, {high * scale:+.3g}]"
            notes.append(f"{names[1]} vs {names[0]} on {part.height:,} labelled requests: {verdict} "
                         f"({gain * scale:+.3g} {unit}{ci}, {boot.level:.0%} interval of the paired difference)")
    for role, col in (("champion", "champion"), ("challenger", "challenger")):
        y, a = _typed(pairs, "label", task), _typed(pairs, col, task)
        rows += [{**r, "model": names[role == "challenger"], "window": "all"} for r in _point(task, y, a, boot)]
    # nothing is profiled: the run's data is the stored pairs of labelled outputs, as described here
    ctx = described_context(DatasetInfo(dataset, pairs.height, 2), passes=passes)
    report = execute(Plan("compare-models", detectors=False,
                          given_checks=(CheckResult("champion vs challenger", PASSED),)), ctx)
    report = replace(report, notes=(*report.notes, *notes), metrics=tuple(rows))
    report.extra.update({"task": task, "champion": names[0], "challenger": names[1]})
    return report


def metrics_by_window(rows: pl.DataFrame, task: str, every: str, boot: Bootstrap) -> list[dict[str, Any]]:
    """Return metrics rows per model version, overall and per window of serving time."""
    out: list[dict[str, Any]] = []
    if rows.height == 0:
        return out
    rows = rows.with_columns(pl.col("at").dt.truncate(every).alias("window"),
                             pl.concat_str(pl.col("model_name").fill_null("model"),
                                           pl.lit("@"), pl.col("model_version").fill_null("")).str.strip_suffix("@")
                             .alias("model")).sort("window")
    for (model,), part in rows.group_by("model", maintain_order=True):
        y, p = _typed(part, "label", task), _typed(part, "value", task)
        out += [{**r, "model": model, "window": "all"} for r in _point(task, y, p, boot)]
        for (win,), w in part.group_by("window", maintain_order=True):
            y, p = _typed(w, "label", task), _typed(w, "value", task)
            out += [{**r, "model": model, "window": str(win.date())} for r in _point(task, y, p, boot)]
    return out


def labelled_outputs(store: Store, dataset: str, passes: PassLog | None = None) -> pl.DataFrame:
    """Return the dataset's served outputs that have a label, with the label (one read of each table, in `passes`)."""
    return _joined(_outputs(store, dataset, passes), store, dataset, passes)


def label_trend(store: Store, dataset: str, every: str = "1w", labelled: pl.DataFrame | None = None) -> list[dict[str, Any]]:
    """Return each model version's point metric per window (accuracy or MAE), for the dashboard.

    `labelled`: the dataset's `labelled_outputs`, when the caller read them already.
    """
    joined = labelled if labelled is not None else labelled_outputs(store, dataset)
    rows = joined.filter((pl.col("role") == "champion") & (pl.col("route") == "model"))
    if rows.height == 0:
        return []
    task = _task(rows.get_column("label"))
    return [r for r in metrics_by_window(rows, task, every, Bootstrap(resamples=0))
            if r["metric"] in ("accuracy", "mae") and r["window"] != "all"]


def _point(task: str, y: np.ndarray, p: np.ndarray, boot: Bootstrap) -> list[dict[str, Any]]:
    if len(y) == 0:
        return []
    if task == "classification":
        found, _ = classification_metrics(y, p, boot)
        keep = CLASSIFICATION
    else:
        found = regression_metrics(y.astype(float), p.astype(float), boot)
        keep = REGRESSION
    return [r for r in found if r["metric"] in keep and len(r) == 5]


def _outputs(st: Store, dataset: str, passes: PassLog | None = None) -> pl.DataFrame:
    """Return the dataset's served outputs (one read of the store's table, recorded in `passes`)."""
    if passes is not None:
        passes.record("rows", f"store:{dataset} (outputs)")
    return outputs(st, dataset)


def _joined(served: pl.DataFrame, st: Store, dataset: str, passes: PassLog | None = None) -> pl.DataFrame:
    """Return the served outputs that have a label, with the label (types made to match)."""
    if passes is not None:
        passes.record("rows", f"store:{dataset} (labels)")
    lab = stored_labels(st, dataset)
    if lab.height == 0 or served.height == 0:
        return served.with_columns(pl.lit(None, dtype=pl.Float64).alias("label")).head(0)
    value, label = served.get_column("value"), lab.get_column("label")
    if value.dtype != label.dtype:  # "1" and 1.0 are the same label: compare as text
        served = served.with_columns(_as_text(pl.col("value")))
        lab = lab.with_columns(_as_text(pl.col("label")))
    return served.join(lab, on="request_id", how="inner")


def _as_text(expr: pl.Expr) -> pl.Expr:
    """Return values as text, whole numbers without a trailing '.0' (1.0 -> "1")."""
    return expr.cast(pl.String).str.replace(r"\.0$", "")


def _checked(window: str, task: str | None, resamples: int) -> str:
    """Return the window's truncation step; refuse bad options before any label is stored."""
    every = WINDOWS.get(window)
    if every is None:
        raise UsageError(f"--window {window!r}: choose one of {', '.join(WINDOWS)}")
    if task is not None and task not in TASKS:
        raise UsageError(f"--task {task!r}: choose one of {', '.join(TASKS)}")
    if resamples < 0:
        raise UsageError(f"--resamples {resamples}: give 0 (no intervals) or more")
    return every


def _typed(part: pl.DataFrame, col: str, task: str) -> np.ndarray:
    """Return one column of a frame as an array typed for the task (numbers for regression)."""
    s = part.get_column(col)
    return s.cast(pl.Float64, strict=False).to_numpy() if task == "regression" else s.to_numpy()


def _task(y: pl.Series) -> str:
    if not y.dtype.is_numeric():
        return "classification"
    known = y.drop_nulls()
    whole = bool((known == known.round(0)).all()) if known.len() else True
    return "classification" if whole and known.n_unique() <= 20 else "regression"


def _model(row: dict[str, Any], name: str, version: str) -> str:
    return f"{row[name]}@{row[version]}" if row[version] else str(row[name])


def _store(store: Any) -> Store:
    return store if isinstance(store, Store) else Store(store, create=False)
