"""Feature ablation: retrain without a column (or group), or with a candidate added, under the same folds.

The user's `fit(train_rows) -> predict` is called once per (variant, fold): the same seeded
K folds for every variant (stratified by class when the metric scores classes), so each variant's change is paired with the full model fold by
fold, and its interval is the t-interval of the K paired differences. Folds run in worker
processes; each result is cached on disk under a key of the data's fingerprint, the columns,
the fold and the fit function's source, so a re-run retrains only what changed.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import multiprocessing
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from tripwire.errors import UsageError
from tripwire.explaining.metrics import CLASS_METRICS, Metric
from tripwire.explaining.predict import call_user, explain_call, predict_rows
from tripwire.modeltest.model import ModelCall, as_input

#: the variant every other one is compared with
FULL = "(all features)"

Fit = Callable[[Any], Any]


@dataclass(frozen=True)
class Variant:
    """One retraining: its name, what it does (full, drop, add) and the columns the model sees."""

    name: str
    action: str
    columns: tuple[str, ...]
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class AblationResult:
    """A variant's cost against the full model: mean over folds, paired t-interval, per-fold scores."""

    variant: Variant
    scores: tuple[float, ...]
    cost: float
    ci_low: float | None
    ci_high: float | None


def variants(features: Sequence[str], groups: Mapping[str, Sequence[str]], add: Sequence[str]) -> list[Variant]:
    """Return the full model, one variant per group dropped, and one per candidate column added."""
    base = tuple(f for f in features if f not in add)
    out = [Variant(FULL, "full", base)]
    for name, cols in groups.items():
        out.append(Variant(name, "drop", tuple(c for c in base if c not in cols), tuple(cols)))
    for col in add:
        out.append(Variant(col, "add", (*base, col), (col,)))
    return out


def column_digests(table: pl.DataFrame) -> dict[str, str]:
    """Return a content hash per column (values, type and row order), so a variant's key covers its own columns."""
    out = {}
    for name in table.columns:
        digest = hashlib.sha256(f"{name}:{table.schema[name]}".encode())
        digest.update(table[name].hash(seed=0).to_numpy().tobytes())
        out[name] = digest.hexdigest()[:32]
    return out


def fingerprint(table: pl.DataFrame) -> str:
    """Return a content hash of the table (values, types and order of rows)."""
    digest = hashlib.sha256(str(table.schema).encode())
    digest.update(table.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def fit_identity(fit: Fit) -> str:
    """Return what identifies the fit function: its qualified name and its source (when readable)."""
    name = f"{getattr(fit, '__module__', '')}.{getattr(fit, '__qualname__', type(fit).__name__)}"
    try:
        source = inspect.getsource(fit)
    except (OSError, TypeError):
        source = repr(fit)
    return name + "\n" + source


def fold_of_rows(n: int, folds: int, seed: int, strata: np.ndarray | None = None) -> np.ndarray:
    """Return each row's fold (0..folds-1): a seeded shuffle cut into equal parts.

    With `strata` (each row's class), the shuffled rows are dealt out class by class, so every
    fold holds each class's rows within one of an equal share: a rare class is in every
    training fold, and in every held-out fold when it has at least `folds` rows.
    """
    out = np.empty(n, dtype=np.int64)
    order = np.random.default_rng([seed, 7]).permutation(n)
    if strata is not None:
        codes = np.unique(np.asarray(strata), return_inverse=True)[1].reshape(-1)
        order = order[np.argsort(codes[order], kind="stable")]
    out[order] = np.arange(n) % folds
    return out


def stratifies(metric: Metric) -> bool:
    """Return whether the folds are stratified by class for this metric: it scores classes."""
    return metric.class_axis or metric.name in CLASS_METRICS


def scarce_classes(labels: np.ndarray, folds: int) -> list[tuple[Any, int]]:
    """Return the classes with fewer rows than folds (so some held-out folds have none), with their counts."""
    classes, counts = np.unique(np.asarray(labels), return_counts=True)
    return [(c.item() if hasattr(c, "item") else c, int(k)) for c, k in zip(classes, counts, strict=True) if k < folds]


# the table is handed to worker processes once, through the pool's initializer
_SHARED: dict[str, Any] = {}


def _share(table: pl.DataFrame, label: str, y: np.ndarray, fold: np.ndarray, fit: Fit, metric: Metric,
           predictor: ModelCall, frame: str) -> None:
    _SHARED.update(table=table, label=label, y=y, fold=fold, fit=fit, metric=metric, predictor=predictor, frame=frame)


def _worker(*shared: Any) -> None:
    """Set up a worker process: one thread for the model's own kernels, then the shared data."""
    global _LIMITS
    try:  # two processes each running one OpenMP/BLAS thread per core would fight over the cores
        from threadpoolctl import threadpool_limits

        _LIMITS = threadpool_limits(limits=1)
    except ImportError:
        pass
    _share(*shared)


_LIMITS: Any = None


def _fold_score(columns: tuple[str, ...], k: int) -> float:
    """Train on every fold but k with these columns, score fold k."""
    s = _SHARED
    table, fold = s["table"], s["fold"]
    train = table.filter(pl.Series(fold != k)).select([*columns, s["label"]])
    test = table.filter(pl.Series(fold == k)).select(columns)
    model = call_user("the fit function", s["fit"], as_input(train, s["frame"]))
    scores = predict_rows(replace(s["predictor"], model=model), test)
    return float(s["metric"](s["y"][fold == k], scores)[0])


def ablate(fit: Fit, table: pl.DataFrame, label: str, y: np.ndarray, metric: Metric, plan: list[Variant], *,
           folds: int = 5, seed: int = 0, workers: int = 2, cache: str | Path | None = None,
           predictor: ModelCall | None = None, frame: str = "pandas",
           progress: Callable[[int, int | None], None] | None = None) -> tuple[list[AblationResult], int]:
    """Return each variant's result (the full model first, then by cost) and how many folds were trained.

    `fit(train_rows)` gets the training rows with the variant's columns and the `label` column
    and returns a predict function (or a fitted object with predict/predict_proba); `y` is the
    label as the metric reads it.
    """
    if folds < 2 or folds > table.height:
        raise UsageError(f"--folds {folds}: give 2 to {table.height} folds")
    # a label of classes gets stratified folds: an unlucky cut leaves a rare class out of a fold (NaN AUC, a model
    # without that class's column); numbers keep the plain cut
    stratified = stratifies(metric)
    fold = fold_of_rows(table.height, folds, seed, table[label].to_numpy() if stratified else None)
    predictor = predictor or explain_call(None, frame)
    # the key of a fold's score: the content of the columns it trains on, the label, the folds,
    # the metric and the fit function's source; other columns changing does not retrain it
    digests = column_digests(table)
    scores_proba = predictor.output != "label"  # the key as it was before ModelCall: old caches stay valid
    ident = hashlib.sha256(json.dumps([digests[label], table.height, folds, seed, metric.name, scores_proba,
                                       str(predictor.class_), frame, fit_identity(fit),
                                       *(["stratified"] if stratified else [])]).encode()).hexdigest()
    folder = Path(cache) if cache is not None else None
    tasks = sorted({(v.columns, k) for v in plan for k in range(folds)})
    scores: dict[tuple[tuple[str, ...], int], float] = {}
    todo = []
    for columns, k in tasks:
        path = _cache_path(folder, ident, columns, k, digests)
        if path is not None and path.exists():
            try:
                scores[(columns, k)] = float(json.loads(path.read_text())["score"])
                continue
            except (ValueError, KeyError, OSError):
                pass  # a damaged cache entry is retrained
        todo.append((columns, k))
    _share(table, label, y, fold, fit, metric, predictor, frame)
    done = len(tasks) - len(todo)
    if progress is not None:
        progress(done, len(tasks))
    if workers > 1 and len(todo) > 1 and _picklable(fit):
        # spawn, not fork: forking after Polars' thread pool has run can deadlock the child
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_worker,
                                 initargs=(table, label, y, fold, fit, metric, predictor, frame)) as pool:
            futures = [(task, pool.submit(_fold_score, *task)) for task in todo]
            for task, future in futures:
                scores[task] = _store(folder, ident, task, future.result(), digests)
                done += 1
                if progress is not None:
                    progress(done, len(tasks))
    else:
        for task in todo:
            scores[task] = _store(folder, ident, task, _fold_score(*task), digests)
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    full = np.array([scores[(plan[0].columns, k)] for k in range(folds)])
    results = []
    for v in plan:
        mine = np.array([scores[(v.columns, k)] for k in range(folds)])
        costs = metric.cost(full, mine)
        mean = float(costs.mean())
        if v.action == "full":
            low = high = None
        else:
            half = float(stats.t.ppf(0.975, folds - 1) * costs.std(ddof=1) / np.sqrt(folds))
            low, high = mean - half, mean + half
        results.append(AblationResult(v, tuple(float(s) for s in mine), mean, low, high))
    results[1:] = sorted(results[1:], key=lambda r: (-r.cost, r.variant.name))
    return results, len(todo)


def _picklable(fit: Fit) -> bool:
    try:
        pickle.dumps(fit)
    except Exception:  # a lambda or a local function: run the folds in this process instead
        return False
    return True


def _cache_path(folder: Path | None, ident: str, columns: tuple[str, ...], k: int,
                digests: Mapping[str, str]) -> Path | None:
    if folder is None:
        return None
    key = hashlib.sha256(json.dumps([ident, [(c, digests[c]) for c in columns], k]).encode()).hexdigest()[:40]
    return folder / f"{key}.json"


def _store(folder: Path | None, ident: str, task: tuple[tuple[str, ...], int], score: float,
           digests: Mapping[str, str]) -> float:
    path = _cache_path(folder, ident, *task, digests)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"columns": list(task[0]), "fold": task[1], "score": score}))
        tmp.replace(path)  # atomic: a crash never leaves half an entry
    return score
