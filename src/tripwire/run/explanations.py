"""`explain` as a run-layer composition: profile the data once, hold its rows, rank the features, one Report.

Permutation importance scores the user's `predict` on the held-out `data`; feature ablation
retrains the user's `fit` under K-fold cross-validation on `train` (or `data`). Both rank
features (or named groups of columns) by what losing them costs in the chosen metric; the
Report's `metrics` table holds the ranking with intervals, and its notes say it in words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.evaluation.bootstrap import Bootstrap
from tripwire.explaining import ablate, explain_call, get_metric, permutation_importance, variants
from tripwire.explaining.ablation import scarce_classes, stratifies
from tripwire.explaining.metrics import BINARY, Metric, for_label, truth
from tripwire.io import open_source
from tripwire.modeltest import load_model
from tripwire.report import Report
from tripwire.run.context import hold_rows, open_context, read_frame
from tripwire.run.plan import Plan, execute

#: where ablation keeps each fold's score, so a re-run retrains only what changed
DEFAULT_CACHE = Path(".tripwire") / "cache" / "explain"


def explain(predict: Any, data: Any, *, label: str, metric: str = "auc", fit: Any = None,
            groups: Mapping[str, Sequence[str]] | None = None, features: Sequence[str] | None = None,
            add: Sequence[str] = (), train: Any = None, permutation: bool = True, repeats: int = 5,
            resamples: int = 200, folds: int = 5, seed: int = 0, workers: int = 2,
            cache: str | Path | None = DEFAULT_CACHE, positive: Any = None, frame: str = "pandas",
            name: str | None = None, encoding: str | None = None, progress: bool = False) -> Report:
    """Rank the features of a model: permutation importance on `data`, and ablation when `fit` is given.

    `predict`: a callable on rows, an object with predict/predict_proba, or "module:attr"
    (None to run only the ablation). `fit(train_rows) -> predict`: retrained per fold with each
    group of columns dropped and each `add` column added. `groups`: name -> columns moved
    together; other features count one by one. Rows reach the functions as pandas frames
    (`frame="polars"` or "arrow" for those). `cache=None` retrains everything. `positive`: the
    class AUC and log-loss score against the rest (the larger of two labels by default); on a
    label of three classes or more without it, AUC is the macro one-vs-rest AUC and log-loss
    the multiclass one, over predict_proba's columns.
    """
    scorer = get_metric(metric)
    model = load_model(predict) if isinstance(predict, str) else predict
    fitter = load_model(fit, "--fit") if isinstance(fit, str) else fit
    if model is None and fitter is None:
        raise UsageError("explain needs --model (permutation importance) or --fit (ablation), or both")
    if model is not None and permutation and (repeats < 1 or resamples < 10):
        raise UsageError(f"--repeats {repeats} --resamples {resamples}: give at least 1 shuffle and 10 resamples")
    # profiled as every command's data is (the Report's dataset, notes and passes come from it); the rows
    # are then taken from the batches the profile read (within the memory budget): one read of the file
    ctx = open_context(data, name=name, encoding=encoding, progress=progress, keep_rows=True)
    table = hold_rows(ctx, "explain")
    data_name = str(ctx.profile.name)
    used = _features(table, label, features, add, groups or {})
    scorer = for_label(scorer, table[label], positive, label)  # AUC over 3+ classes: one-vs-rest
    blocks = {**{g: list(c) for g, c in (groups or {}).items()},
              **{c: [c] for c in used if not any(c in cols for cols in (groups or {}).values())}}
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    bar = _bar(progress, data_name)
    try:
        if model is not None and permutation:
            target = truth(scorer, _label(table, label), positive, label)
            pred = explain_call(model, frame, scorer.name in BINARY, target.class_, target.classes)
            boot = Bootstrap(resamples=resamples, seed=seed)
            base, ranked = permutation_importance(pred, table.select(used), target.y, scorer, blocks, repeats=repeats,
                                                  boot=boot, progress=bar)
            rows.append({"metric": scorer.name, "value": base, "ci_low": None, "ci_high": None, "n": table.height,
                         "on": "held-out"})
            rows += [{"metric": "permutation_importance", "value": imp.value, "ci_low": imp.ci_low,
                      "ci_high": imp.ci_high, "n": table.height, "feature": imp.feature, "columns": list(imp.columns),
                      "scorer": scorer.name, "rank": i + 1} for i, imp in enumerate(ranked)]
            notes += [f"shuffling `{imp.feature}` costs {_told(scorer, imp.value, imp.ci_low, imp.ci_high)}"
                      for imp in ranked[:5]]
            notes.append(f"permutation: {repeats} shuffles per feature, {boot.level:.0%} paired row bootstrap "
                         f"({resamples} resamples, seed {seed})")
        if fitter is not None:
            source = table
            if train is not None:
                source, _ = read_frame(ctx.passes.counting(open_source(train, encoding=encoding), ["rows"]))
                _features(source, label, used + [a for a in add if a not in used], add, groups or {})
            abl_rows, abl_notes = _ablation(fitter, source, label, scorer, used, dict(groups or {}), blocks, add,
                                            folds, seed, workers, cache, positive, frame, bar)
            rows += abl_rows
            notes += abl_notes
    finally:
        if bar is not None:
            bar.close()
    report = execute(Plan("explain", detectors=False), ctx)
    report = dataclasses.replace(report, metrics=tuple(rows), notes=(*report.notes, *notes))
    report.extra.update({"metric": scorer.name, "label": label})
    return report


def _ablation(fitter: Callable[[Any], Any], source: pl.DataFrame, label: str, scorer: Metric, used: list[str],
              groups: dict[str, Sequence[str]], blocks: dict[str, list[str]], add: Sequence[str], folds: int,
              seed: int, workers: int, cache: str | Path | None, positive: Any, frame: str,
              bar: Any) -> tuple[list[dict[str, Any]], list[str]]:
    target = truth(scorer, _label(source, label), positive, label)
    plan = variants([*used, *add], blocks, list(add))
    results, trained = ablate(fitter, source.select([*used, *add, label]), label, target.y, scorer, plan, folds=folds,
                              seed=seed, workers=workers, cache=cache,
                              predictor=explain_call(None, frame, scorer.name in BINARY, target.class_, target.classes),
                              frame=frame, progress=bar)
    full = results[0]
    rows: list[dict[str, Any]] = [{"metric": f"cv_{scorer.name}", "value": float(np.mean(full.scores)),
                                   "ci_low": None, "ci_high": None, "n": folds, "folds": list(full.scores)}]
    notes = []
    for i, r in enumerate(results[1:]):
        rows.append({"metric": "ablation_cost", "value": r.cost, "ci_low": r.ci_low, "ci_high": r.ci_high, "n": folds,
                     "feature": r.variant.name, "action": r.variant.action, "columns": list(r.variant.changed),
                     "scorer": scorer.name, "rank": i + 1, "folds": list(r.scores)})
        verb = "dropping" if r.variant.action == "drop" else "adding"
        if r.variant.action == "add" or r.cost < 0:
            gain = -r.cost
            interval = "" if r.ci_low is None else f" [{scorer.amount(-r.ci_high)}, {scorer.amount(-r.ci_low)}]"
            notes.append(f"{verb} `{r.variant.name}` gains {scorer.told(gain)}{interval}")
        else:
            notes.append(f"{verb} `{r.variant.name}` costs {_told(scorer, r.cost, r.ci_low, r.ci_high)}")
    if stratifies(scorer):  # a label of numbers has no classes to count
        notes += [f"class {c!r} of {label!r} has {k} row(s), fewer than the {folds} folds: {folds - k} held-out "
                  "fold(s) score without it" for c, k in scarce_classes(source[label].to_numpy(), folds)]
    total = len(plan) * folds
    where = f" (cache: {cache})" if cache is not None else " (no cache)"
    how = ", stratified by class" if stratifies(scorer) else ""
    notes.append(f"ablation: {folds}-fold cross-validation (seed {seed}{how}), the same folds for every variant, "
                 f"95% t-intervals of the paired fold differences; {trained} of {total} fits trained, "
                 f"{total - trained} from the cache{where}")
    return rows, notes


def _told(scorer: Metric, value: float, low: float | None, high: float | None) -> str:
    interval = "" if low is None or high is None else f" [{scorer.amount(low)}, {scorer.amount(high)}]"
    return scorer.told(value) + interval


def _label(table: pl.DataFrame, label: str) -> np.ndarray:
    y = table[label]
    if y.null_count():
        raise UsageError(f"--label {label!r} has {y.null_count():,} missing values; drop those rows first")
    return y.to_numpy()


def _features(table: pl.DataFrame, label: str, features: Sequence[str] | None, add: Sequence[str],
              groups: Mapping[str, Sequence[str]]) -> list[str]:
    """Return the model's columns, after checking every named column exists."""
    if label not in table.columns:
        raise UsageError(f"--label {label!r} is not a column; columns: {', '.join(table.columns[:20])}")
    named = [*(features or ()), *add, *(c for cols in groups.values() for c in cols)]
    missing = [c for c in named if c not in table.columns]
    if missing:
        raise UsageError(f"{missing[0]!r} (in --feature/--group/--add) is not a column; "
                         f"columns: {', '.join(table.columns[:20])}")
    used = list(features) if features else [c for c in table.columns if c != label and c not in add]
    return [c for c in used if c not in add]


def _bar(progress: bool, label: str) -> Any:
    if not progress:
        return None
    from tripwire.progress import ProgressBar

    return ProgressBar(label, verb="explaining")
