"""A cross-validated domain classifier: how well can a model tell current rows from reference rows?

An AUC near 0.5 means the batches are indistinguishable; 1.0 means every row betrays its
batch. The AUC is out-of-fold (each row scored by a model that did not see it), with a
Hanley-McNeil 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tripwire.arrays import one_thread
from tripwire.drift_detection.stats import auc_interval, rank_auc

FOLDS = 3
SEED = 0
#: cells of the shuffled-fold copies predicted at once for feature importance (32 MB of float64)
STACKED_CELLS = 4_000_000


@dataclass(frozen=True)
class Separability:
    """The out-of-fold AUC of reference-vs-current, its interval, and what drives it."""

    auc: float
    low: float
    high: float
    n_ref: int
    n_cur: int
    importance: dict[str, float] = field(default_factory=dict)  # feature -> AUC lost when shuffled
    #: held-out rows the AUC is scored on: every row, or one fold's when that fold decided alone
    scored_rows: int = 0

    def evidence(self) -> dict[str, Any]:
        """Return the numbers behind a finding."""
        return {"auc": round(self.auc, 4), "auc_95ci": [round(self.low, 4), round(self.high, 4)],
                "rows_per_side": [self.n_ref, self.n_cur], "auc_scored_rows": self.scored_rows,
                "top_features": {k: round(v, 4) for k, v in list(self.importance.items())[:10]}}


def separability(model_factory: Any, x: Any, y: np.ndarray, names: list[str] | None = None,
                 importance: bool = True, importance_from: float = 0.0,
                 screen_below: float | None = None, screen_above: float | None = None) -> Separability | None:
    """Return the out-of-fold AUC of `model_factory()` fit on x (rows) to y (1 = current).

    With `names` (one per column of a dense x) and `importance`, the first fold's model also
    measures how much AUC each feature carries (permutation: shuffle it, score again) — only
    when the AUC reaches `importance_from`, since nobody reads what drives an AUC of 0.5.
    With `screen_below`, the first fold screens: when even the top of its AUC's interval (at
    3 standard errors) stays below that value, the other folds are not fitted and that fold's
    AUC is returned (most batches are not separable; this spares two of three fits). With
    `screen_above`, likewise when even the bottom of that interval lies above it: a batch that
    plainly separable is judged, and its features ranked, on the first fold alone.
    """
    n_cur, n_ref = int(y.sum()), int(len(y) - y.sum())
    folds = min(FOLDS, n_cur, n_ref)
    if folds < 2:
        return None
    import sklearn  # noqa: F401  (loads OpenMP before the limit is set, so the limit covers it)

    with one_thread():
        return _separability(model_factory, x, y, names, importance, importance_from, screen_below,
                             screen_above, folds, n_cur, n_ref)


def _separability(model_factory: Any, x: Any, y: np.ndarray, names: list[str] | None, importance: bool,
                  importance_from: float, screen_below: float | None, screen_above: float | None,
                  folds: int, n_cur: int, n_ref: int) -> Separability:
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(y))
    first: tuple[Any, np.ndarray] | None = None
    scored = np.arange(len(y))
    for k, (train, test) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=SEED).split(x, y)):
        model = model_factory()
        model.fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
        if k == 0:
            first = (model, test)
            if len(np.unique(y[test])) == 2 and (screen_below is not None or screen_above is not None):
                pos = int(y[test].sum())
                fold_auc = float(rank_auc(y[test], scores[test]))
                low3, high3 = auc_interval(fold_auc, pos, len(test) - pos, z=3.0)
                if screen_below is not None and high3 < screen_below:
                    low, high = auc_interval(fold_auc, pos, len(test) - pos)
                    return Separability(fold_auc, low, high, n_ref, n_cur, scored_rows=len(test))
                if screen_above is not None and low3 > screen_above:
                    scored = test
                    break
    auc = float(rank_auc(y[scored], scores[scored]))
    imp = _importance(first, x, y, scores, names) if (
        importance and names and first is not None and auc >= importance_from
        and len(np.unique(y[first[1]])) == 2) else {}
    n_pos = int(y[scored].sum())
    low, high = auc_interval(auc, n_pos, len(scored) - n_pos)
    ranked = dict(sorted(((k, v) for k, v in imp.items() if v > 0), key=lambda kv: -kv[1]))
    return Separability(auc, low, high, n_ref, n_cur, ranked, scored_rows=len(scored))


def _importance(first: tuple[Any, np.ndarray], x: Any, y: np.ndarray, scores: np.ndarray,
                names: list[str]) -> dict[str, float]:
    """Return the AUC the first fold's model loses on its held-out rows when each feature is shuffled."""
    model, test = first
    rng = np.random.default_rng(SEED)
    base = rank_auc(y[test], scores[test])
    n = len(test)
    trees = tree_scorer(model, x[test])
    if trees is not None:
        shuffled = np.stack([trees.shuffled(j, rng.permutation(n)) for j in range(len(names))])
        lost = base - rank_auc(y[test], shuffled)
        return {name: float(lost[j]) for j, name in enumerate(names)}
    imp: dict[str, float] = {}
    # several features' shuffled copies of the fold in one matrix: one prediction call per chunk, not
    # one per feature; chunked because all of them at once is rows x features² (2.4 GB for 300 features at 5,000 rows a side)
    per = max(1, STACKED_CELLS // (len(test) * x.shape[1]))
    for start in range(0, len(names), per):
        chunk = range(start, min(start + per, len(names)))
        stacked = np.tile(x[test], (len(chunk), 1))
        for b, j in enumerate(chunk):
            block = stacked[b * n:(b + 1) * n]
            block[:, j] = block[rng.permutation(n), j]
        shuffled_scores = model.predict_proba(stacked)[:, 1].reshape(len(chunk), n)
        lost = base - rank_auc(y[test], shuffled_scores)
        for b, j in enumerate(chunk):
            imp[names[j]] = float(lost[b])
    return imp


class TreeScorer:
    """Score rows with one feature's values reordered by re-running only the trees that split on it.

    The scores equal `model.predict_proba(rows)[:, 1]` on the reordered rows bit for bit: every
    tree's output is added to the model's baseline in the model's order, as scikit-learn does,
    and its loss turns the sum into probabilities. A tree that never splits on the feature gives
    what it gave on the rows as they were (in the drift classifier 60% of (tree, feature) pairs),
    and the rows are encoded once: reordering a column's values reorders its codes.
    """

    def __init__(self, model: Any, rows: np.ndarray) -> None:
        self._model = model
        self._predictors = [it[0] for it in model._predictors]
        self._bitsets, self._f_idx_map = model._bin_mapper.make_known_categories_bitsets()
        self._rows = model._preprocess_X(rows, reset=False)
        self._column = _encoded_columns(model._preprocessor, rows.shape[1])
        self._outputs = [self._predict(p, self._rows) for p in self._predictors]
        # per tree, per encoded column: does the tree split on it?
        self._splits_on = np.zeros((len(self._predictors), self._rows.shape[1]), dtype=bool)
        for t, p in enumerate(self._predictors):
            self._splits_on[t, p.nodes["feature_idx"][p.nodes["is_leaf"] == 0]] = True

    def _predict(self, predictor: Any, rows: np.ndarray) -> np.ndarray:
        return predictor.predict(rows, self._bitsets, self._f_idx_map, 1)

    def shuffled(self, feature: int, order: np.ndarray) -> np.ndarray:
        """Return the positive class's scores of the rows with column `feature`'s values taken in `order`."""
        k = self._column[feature]
        rows = self._rows.copy()
        rows[:, k] = self._rows[order, k]
        baseline = self._model._baseline_prediction
        raw = np.zeros((len(rows), 1), dtype=baseline.dtype, order="F")
        raw += baseline
        for predictor, output, again in zip(self._predictors, self._outputs, self._splits_on[:, k].tolist(),
                                            strict=True):
            raw[:, 0] += self._predict(predictor, rows) if again else output
        return self._model._loss.predict_proba(raw)[:, 1]


def _encoded_columns(preprocessor: Any, features: int) -> list[int]:
    """Return where each input column lands in the model's encoding (a ColumnTransformer that maps
    columns one to one, e.g. ordinal-encoded categories first, or none)."""
    if preprocessor is None:
        return list(range(features))
    where = [-1] * features
    for name, _, columns in preprocessor.transformers_:
        picked = np.flatnonzero(columns) if np.asarray(columns).dtype == bool else np.asarray(columns, dtype=int)
        out = preprocessor.output_indices_[name]
        if out.stop - out.start != picked.size:
            raise ValueError("an encoding that is not one column per column")
        for i, j in enumerate(picked.tolist()):
            where[j] = out.start + i
    if -1 in where:
        raise ValueError("a column the encoding drops")
    return where


def tree_scorer(model: Any, rows: np.ndarray) -> TreeScorer | None:
    """Return a TreeScorer for a fitted binary HistGradientBoostingClassifier; None for any other model,
    or when scikit-learn's internals it reads have changed (then the caller predicts whole copies)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if not isinstance(model, HistGradientBoostingClassifier) or getattr(model, "n_trees_per_iteration_", 0) != 1:
        return None
    try:
        return TreeScorer(model, rows)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        return None
