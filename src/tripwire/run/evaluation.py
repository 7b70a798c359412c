"""`evaluate` as a run-layer composition: one context, one read of the columns, one Report.

The data is opened and profiled once (`open_context`), its rows are held in one table
(the batches the profile read, replayed when they fit the memory budget), and the metrics,
baselines, weak slices, fairness gaps and calibration are computed from that table
(tripwire.evaluation). The Report carries the findings and the metrics as a plain table
(`report.metrics`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.evaluation import Bootstrap, classification_metrics, ranking_metrics, regression_metrics
from tripwire.evaluation.baselines import compare, fit_baselines
from tripwire.evaluation.calibration import calibration
from tripwire.evaluation.classification import positive_class
from tripwire.evaluation.fairness import classification_fairness, regression_fairness
from tripwire.evaluation.findings import (
    band_finding,
    calibration_finding,
    fairness_findings,
    slice_findings,
    unscored_finding,
)
from tripwire.evaluation.latency import latency as measure_latency
from tripwire.evaluation.over_time import performance_drops
from tripwire.evaluation.slices import weak_slices
from tripwire.evaluation.task import label_task
from tripwire.io import open_source
from tripwire.report import CheckResult, Report
from tripwire.run.context import PassLog, RunContext, hold_rows, open_context, read_frame
from tripwire.run.plan import Plan, execute
from tripwire.store import Store

TASKS = ("classification", "regression", "ranking")


def evaluate(data: Any, *, label: str, prediction: str, proba: str | Sequence[str] | None = None,
             task: str | None = None, group: str | Sequence[str] | None = None, groups: Any = None,
             on: str | None = None, baseline: str | Sequence[str] | None = None, train: Any = None,
             model: str | None = None, user: str | None = None, item: str | None = None, k: int = 10,
             positive: Any = None, band: float = 0.05, band_target: float | None = None,
             min_group: int = 30, slices: bool = True, resamples: int = 1000, level: float = 0.95,
             seed: int = 0, predict: Callable[[Any], Any] | None = None,
             batch_sizes: Sequence[int] = (1, 32, 1024), store: Any = None, name: str | None = None,
             encoding: str | None = None, progress: bool = False) -> Report:
    """Evaluate a table of predictions: metrics with intervals, baselines, weak slices, fairness.

    `proba`: the positive class's probability column (binary) or one column per class, named
    `<prefix><class>` or in class order. `group` columns of `data`, or `groups` (a file or
    frame) joined `on` a key column, so the group labels never pass through the model's table.
    `baseline`: columns of baseline predictions; `train`: a training table to fit the
    majority/mean and linear baselines on. Ranking (`task="ranking"`) reads `user`, `item`,
    the score in `prediction` and the relevance in `label`, at `k`. `predict`, a callable on
    rows of `data`, adds its latency per batch size. `model` ("NAME@VERSION") is recorded;
    with a `store` (a Store or its URL) the evaluation is compared with the last stored one of
    the same model name (`model.performance_drop`) and then stored as dataset `evaluate/NAME`.
    """
    # the rows are taken from the batches the profile read (within the memory budget): one read of the file
    ctx = open_context(data, name=name, label=label, prediction=prediction, encoding=encoding, progress=progress,
                       keep_rows=True)
    if ctx.source is None:
        raise UsageError("evaluate needs the rows of the predictions, not a saved profile")
    table = hold_rows(ctx, "evaluate").with_row_index("_tw_row")
    boot = Bootstrap(resamples=resamples, level=level, seed=seed)
    probas = _as_list(proba)
    in_data = [(c, "--proba") for c in probas] + [(c, "--baseline") for c in _as_list(baseline)] + \
        [(user, "--user"), (item, "--item"), (on, "--on")]
    if groups is None:  # with --groups, the group columns are in the groups table
        in_data += [(c, "--group") for c in _as_list(group)]
    columns = [c for c in table.columns if c != "_tw_row"]
    for col, flag in in_data:
        if col is not None and col not in columns:
            raise UsageError(f"{flag} {col!r} is not a column of {ctx.profile.name}; "
                             f"columns: {', '.join(columns[:20])}")
    task = task or ("ranking" if user or item else _infer_task(table[label], probas))
    if task not in TASKS:
        raise UsageError(f"--task {task!r}: choose one of {', '.join(TASKS)}")
    rows: list[dict[str, Any]] = []
    findings: list[Any] = []
    checks: list[CheckResult] = []
    if task == "ranking":
        ranking_rows, findings = _ranking(table, label, prediction, user, item, k, boot)
        rows += ranking_rows
    else:
        group_table = _group_columns(table, _as_list(group), groups, on, ctx.passes)
        scored, findings_unscored = _scored(table, label, prediction, probas, task)
        findings += findings_unscored
        used = {label, prediction, *probas, *_as_list(baseline), *group_table.columns}
        features = scored.select([c for c in scored.columns if c not in used and not c.startswith("_tw_")])
        y, pred = scored[label].to_numpy(), scored[prediction].to_numpy()
        if task == "classification":
            new_rows, new_findings = _classification(scored, y, pred, label, prediction, probas, positive, boot,
                                                     features, group_table, min_group, slices)
        else:
            new_rows, new_findings = _regression(scored, y, pred, prediction, boot, features, group_table,
                                                 min_group, slices, band, band_target)
        rows += new_rows
        findings += new_findings
        base = {c: scored[c].to_numpy() for c in _as_list(baseline)}
        if train is not None:
            base |= fit_baselines(_read_other(train, encoding, ctx.passes), scored, label, task)
        if base:
            gain_rows, gain_findings = compare(task, y, pred, base, prediction, boot)
            rows += gain_rows
            findings += gain_findings
    if predict is not None:
        rows += _latency(predict, table, batch_sizes)
    notes = [f"model: {model}"] if model else []
    notes.append(f"intervals: {boot.level:.0%} bootstrap, {boot.resamples} resamples, seed {boot.seed}")
    sinks: tuple[tuple[str, Any], ...] = ()
    if store is not None:
        if not model:
            raise UsageError("--store keeps evaluations per model: pass --model NAME@VERSION too")
        st = store if isinstance(store, Store) else Store(store)
        history = f"evaluate/{model.partition('@')[0]}"
        findings += _against_last(st, history, rows, model)

        def keep(report: Report, ctx: RunContext) -> dict[str, Any]:
            whole = dataclasses.replace(report, metrics=tuple(rows), notes=(*report.notes, *notes))
            return {"batch_id": st.log_batch(history, ctx.profile, whole, source=str(ctx.profile.name),
                                             model=model), "dataset": history}

        sinks = (("stored", keep),)
    checks.append(CheckResult("evaluate", "passed" if not any(f.severity == "error" for f in findings) else "failed"))
    report = execute(Plan("evaluate", detectors=False, given_findings=tuple(findings), given_checks=tuple(checks),
                          sinks=sinks), ctx)
    report = dataclasses.replace(report, metrics=tuple(rows), notes=(*report.notes, *notes))
    report.extra.update({"task": task, "model": model})
    return report


#: `tripwire.evaluate.latency(predict, data, batch_sizes=[1, 32, 1024])`, timing without a Report
evaluate.latency = measure_latency  # type: ignore[attr-defined]


def _against_last(st: Store, history: str, rows: list[dict[str, Any]], model: str) -> list[Any]:
    """Return the drops against the last stored evaluation of this model (none before the first)."""
    if history not in {d["name"] for d in st.datasets()}:
        return []
    last = st.batches(history, limit=1)
    if not last:
        return []
    previous = st.report(last[-1]["id"])
    version = last[-1].get("model_version")
    label = f"version {version}, " if version else ""
    label += f"evaluated {last[-1]['logged_at']:%Y-%m-%d %H:%M}"
    return performance_drops(rows, list(previous.metrics or ()), model, label)


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _read_other(data: Any, encoding: str | None, passes: PassLog) -> pl.DataFrame:
    """Read a second input whole (the training table, the groups file): its pass is in the run's log."""
    return read_frame(passes.counting(open_source(data, encoding=encoding), ["rows"]))[0]


def _infer_task(y: pl.Series, probas: list[str]) -> str:
    # explain decides by the same rule (tripwire.evaluation.task): one answer to "classes or numbers?"
    return "classification" if probas else label_task(y)


def _scored(table: pl.DataFrame, label: str, prediction: str, probas: list[str],
            task: str) -> tuple[pl.DataFrame, list[Any]]:
    """Return the rows that can be judged, after checking types; a finding counts the others."""
    y, p = table[label], table[prediction]
    numeric = (y.dtype.is_numeric() or y.dtype == pl.Boolean, p.dtype.is_numeric() or p.dtype == pl.Boolean)
    if task == "regression" and not all(numeric):
        bad = label if not numeric[0] else prediction
        raise UsageError(f"regression needs numbers, but {bad!r} holds {table[bad].dtype}; "
                         f"pass --task classification or fix the column")
    if task == "classification" and numeric[0] != numeric[1]:
        kinds = {True: "numbers", False: "text"}
        raise UsageError(f"--prediction {prediction!r} holds {kinds[numeric[1]]} but --label {label!r} holds "
                         f"{kinds[numeric[0]]}; predictions must be labels of the same kind "
                         "(pass probabilities with --proba)")
    for col in probas:
        if not table[col].dtype.is_numeric():
            raise UsageError(f"--proba {col!r} holds {table[col].dtype}, not probabilities")
        v = table[col].cast(pl.Float64)
        outside = table.filter((v < 0) | (v > 1))
        if outside.height:
            first = outside["_tw_row"][0]
            raise UsageError(f"--proba {col!r}: {outside.height:,} values outside [0, 1] (first at row {first}: "
                             f"{outside[col][0]}); pass probabilities, not scores or logits")
    if table.height == 0:
        raise UsageError("the data has no rows to evaluate")
    missing = pl.lit(False)
    for col in (label, prediction, *probas):
        c = pl.col(col)
        missing = missing | c.is_null() | (c.is_nan() if table[col].dtype.is_float() else pl.lit(False))
    unscored = table.filter(missing)
    findings = [unscored_finding(unscored["_tw_row"].to_list(), table.height, (label, prediction, *probas))] \
        if unscored.height else []
    scored = table.filter(~missing)
    if scored.height == 0:
        raise UsageError(f"no row has both a label ({label!r}) and a prediction ({prediction!r})")
    return scored, findings


def _classification(scored: pl.DataFrame, y: np.ndarray, pred: np.ndarray, label: str, prediction: str,
                    probas: list[str], positive: Any, boot: Bootstrap, features: pl.DataFrame,
                    group_table: pl.DataFrame, min_group: int, slices: bool) -> tuple[list, list]:
    labels = np.unique(y)
    positive = positive_class(positive, labels, label)
    proba = proba_classes = None
    if len(probas) == 1:
        if len(labels) > 2:
            raise UsageError(f"--proba {probas[0]!r} is one column but {label!r} has {len(labels)} classes; "
                             "pass one probability column per class")
        proba = scored[probas[0]].cast(pl.Float64).to_numpy()
    elif probas:
        proba_classes = _proba_classes(probas, labels)
        proba = scored.select([pl.col(c).cast(pl.Float64) for c in probas]).to_numpy()
    rows, conf = classification_metrics(y, pred, boot, proba=proba, proba_classes=proba_classes, positive=positive)
    for i, t in enumerate(conf["classes"]):
        for j, q in enumerate(conf["classes"]):
            rows.append({"metric": "confusion", "value": conf["matrix"][i][j], "ci_low": None, "ci_high": None,
                         "n": len(y), "true": t, "predicted": q})
    findings: list[Any] = []
    if proba is not None and proba.ndim == 1:
        curve, ece_rows = calibration(y == positive, proba, boot)
        rows += ece_rows
        rows += [{"metric": "reliability", "value": b["observed_rate"], "ci_low": None, "ci_high": None,
                  "n": b["rows"], "mean_predicted": b["mean_predicted"], "low": b["low"], "high": b["high"]}
                 for b in curve["bins"]]
        findings += calibration_finding(ece_rows[0], curve, probas[0])
    if slices and features.width:
        found, overall = weak_slices(features, (y != pred).astype(float), "error rate", proportion=True, boot=boot)
        findings += slice_findings(found, overall, "error rate", True, len(y), prediction)
    if group_table.width and len(labels) == 2:
        for g in _group_names(group_table):
            groups = _group_values(scored, group_table, g)
            fair = classification_fairness(groups, y == positive, pred == positive, boot, min_group)
            rows += [r | {"group_column": g} for r in fair.rows + fair.gaps]
            findings += fairness_findings(fair, g, prediction, 0.05, "points")
    return rows, findings


def _proba_classes(probas: list[str], labels: np.ndarray) -> list[Any]:
    """Match probability columns to classes by name suffix (p_cat, p_dog), else by class order."""
    out = []
    for col in probas:
        match = [c for c in labels if col.endswith(str(c))]
        out.append(max(match, key=lambda c: len(str(c))) if match else None)
    if None in out or len(set(map(str, out))) != len(out):
        if len(probas) != len(labels):
            raise UsageError(f"--proba has {len(probas)} columns but the label has {len(labels)} classes "
                             f"({', '.join(map(str, labels[:10]))}); name each column after its class")
        out = list(labels)
    missing = [c for c in labels if str(c) not in set(map(str, out))]
    if missing:
        raise UsageError(f"no --proba column for class {missing[0]!r}; name each column after its class")
    return [c.item() if hasattr(c, "item") else c for c in out]


def _regression(scored: pl.DataFrame, y: np.ndarray, pred: np.ndarray, prediction: str, boot: Bootstrap,
                features: pl.DataFrame, group_table: pl.DataFrame, min_group: int, slices: bool, band: float,
                band_target: float | None) -> tuple[list, list]:
    rows = regression_metrics(y, pred, boot)
    findings: list[Any] = []
    if band_target is not None:
        findings += band_finding(rows, band, band_target, prediction)
    abs_err = np.abs(pred.astype(float) - y.astype(float))
    if slices and features.width:
        found, overall = weak_slices(features, abs_err, "mean absolute error", proportion=False, boot=boot)
        findings += slice_findings(found, overall, "mean absolute error", False, len(y), prediction)
    for g in _group_names(group_table):
        groups = _group_values(scored, group_table, g)
        fair = regression_fairness(groups, abs_err, boot, min_group)
        rows += [r | {"group_column": g} for r in fair.rows + fair.gaps]
        findings += fairness_findings(fair, g, prediction, 0.1 * float(abs_err.mean()), "MAE")
    return rows, findings


def _group_names(group_table: pl.DataFrame) -> list[str]:
    return [c for c in group_table.columns if c != "_tw_row"]


def _group_values(scored: pl.DataFrame, group_table: pl.DataFrame, column: str) -> np.ndarray:
    """Return each judged row's group (as text; rows the groups table does not cover: '(no group)')."""
    joined = scored.select("_tw_row").join(group_table.select("_tw_row", pl.col(column).cast(pl.String)),
                                           on="_tw_row", how="left", maintain_order="left")
    return joined[column].fill_null("(no group)").to_numpy()


def _group_columns(table: pl.DataFrame, group: list[str], groups: Any, on: str | None,
                   passes: PassLog) -> pl.DataFrame:
    """Return `_tw_row` plus the group columns, from the data or joined from a separate table by key."""
    if groups is None:
        if on is not None:
            raise UsageError("--on names the key of a --groups file; pass --groups FILE too")
        return table.select("_tw_row", *group) if group else pl.DataFrame()
    if on is None:
        raise UsageError("--groups needs --on KEY: the column both tables share")
    other = _read_other(groups, None, passes) if not isinstance(groups, pl.DataFrame) else groups
    label = str(groups) if isinstance(groups, (str, Path)) else "the groups table"
    if on not in other.columns:
        raise UsageError(f"--on {on!r} is not a column of {label}; columns: {', '.join(other.columns[:20])}")
    cols = group or [c for c in other.columns if c != on]
    missing = [c for c in cols if c not in other.columns]
    if missing:
        raise UsageError(f"--group {missing[0]!r} is not a column of {label}; columns: {', '.join(other.columns[:20])}")
    dupes = other[on].is_duplicated()
    if dupes.any():
        raise UsageError(f"{label}: key {other.filter(dupes)[on][0]!r} of {on!r} appears more than once; "
                         "each key needs one group")
    keyed = other.select(pl.col(on).cast(pl.String), *cols)
    joined = table.select("_tw_row", pl.col(on).cast(pl.String)).join(keyed, on=on, how="left",
                                                                       maintain_order="left").drop(on)
    if joined.select(pl.all_horizontal(pl.col(cols).is_null())).to_series().all():
        raise UsageError(f"{label}: no key in {on!r} matches a row of the data; check the key column and its type")
    return joined


def _ranking(table: pl.DataFrame, label: str, prediction: str, user: str | None, item: str | None, k: int,
             boot: Bootstrap) -> tuple[list[dict[str, Any]], list[Any]]:
    if user is None or item is None:
        raise UsageError("ranking needs --user and --item (and the score in --prediction, relevance in --label)")
    if k < 1:
        raise UsageError(f"--k must be at least 1, not {k}")
    for col in (label, prediction):
        if not (table[col].dtype.is_numeric() or table[col].dtype == pl.Boolean):
            raise UsageError(f"ranking needs numbers in {col!r} (a score, a relevance), but it holds {table[col].dtype}")
    longest = int(table.group_by(user).len()["len"].max() or 0)
    if k > longest:
        raise UsageError(f"--k {k} is larger than every user's list (the longest has {longest} items); "
                         f"pass --k {longest} or less")
    known = pl.all_horizontal([pl.col(c).is_not_null() for c in (user, item, prediction, label)])
    known &= ~pl.col(prediction).cast(pl.Float64).is_nan() & ~pl.col(label).cast(pl.Float64).is_nan()
    judged = table.filter(known)
    left_out = table.filter(~known)["_tw_row"].to_list()
    findings = [unscored_finding(left_out, table.height, (user, item, prediction, label))] if left_out else []
    return ranking_metrics(judged, user, item, prediction, label, k, boot), findings


def _latency(predict: Callable[[Any], Any], table: pl.DataFrame, batch_sizes: Sequence[int]) -> list[dict[str, Any]]:
    out = []
    for r in measure_latency(predict, table.drop("_tw_row"), batch_sizes):
        for q in ("p50_ms", "p95_ms", "p99_ms", "rows_per_s"):
            out.append({"metric": f"latency_{q}", "value": r[q], "ci_low": None, "ci_high": None, "n": r["calls"],
                        "batch_size": r["batch_size"]})
    return out
