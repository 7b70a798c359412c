"""Predict a positive column's log from the row's other columns (ridge regression fitted on the
reference's row sample), so a unit slip on some rows shows as a shift of their residuals by
log(factor) even when the converted values stay inside the column's range.

The reference's residuals are out-of-fold (five folds), like the current's, so both samples'
residuals carry the same estimation noise. The prediction is also a Polars expression, so the
rows a finding lists come from the whole table in the shared row pass.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import polars as pl

ROW = "__row__"
MAX_LEVELS, MIN_LEVEL_COUNT = 30, 5
MAX_FEATURES = 200
FOLDS = 5
PENALTIES = (0.1, 1.0, 10.0, 100.0, 1000.0)
#: the strongest penalty predicting within this factor of the best: collinear columns then
#: share a weight instead of cancelling big opposite ones, which a damaged column would upset
MSE_SLACK = 1.05


@dataclass(frozen=True)
class RowModel:
    """Out-of-fold reference residuals, current residuals (with their rows), the fit's R²."""

    predicted: pl.Expr  # ln(target) (or target) predicted from the other columns
    ref_residuals: np.ndarray
    cur_residuals: np.ndarray
    cur_rows: np.ndarray
    r2: float
    predictors: tuple[str, ...]  # the columns used, those weighing most first


def _features(ref: pl.DataFrame) -> list[tuple[str, pl.Expr]]:
    """Return (source column, expression) of every feature, from the reference sample."""
    out: list[tuple[str, pl.Expr]] = []
    for name, dtype in ref.schema.items():
        if name == ROW:
            continue
        s = ref.get_column(name)
        if dtype.is_numeric() or dtype == pl.Boolean:
            v = s.cast(pl.Float64, strict=False)
            v = v.filter(v.is_finite())
            if v.len() < 0.5 * ref.height or v.n_unique() < 2:
                continue
            x = pl.col(name).cast(pl.Float64, strict=False)
            x = pl.when(x.is_finite()).then(x).otherwise(None).fill_null(float(v.median()))
            out.append((name, x))
            if v.min() >= 0 and v.n_unique() > 2:
                out.append((name, x.clip(0.0, None).log1p()))
        elif dtype in (pl.String, pl.Categorical, pl.Enum):
            counts = s.cast(pl.String).drop_nulls().value_counts(sort=True)
            if counts.height < 2 or counts.height > MAX_LEVELS:
                continue
            for level, k in counts.iter_rows():
                if k >= MIN_LEVEL_COUNT:
                    out.append((name, (pl.col(name).cast(pl.String) == level).fill_null(False)
                                .cast(pl.Float64)))
    return out[:MAX_FEATURES]


@dataclass(frozen=True)
class RowFeatures:
    """Every column's features, evaluated once on both row samples (each target leaves out its own)."""

    sources: tuple[str, ...]  # per feature, the column it comes from
    exprs: tuple[pl.Expr, ...]
    ref: np.ndarray
    cur: np.ndarray

    def without(self, columns: set[str]) -> RowFeatures:
        """Return the features of every column but these."""
        keep = np.array([src not in columns for src in self.sources], dtype=bool)
        return RowFeatures(tuple(s for s, k in zip(self.sources, keep, strict=True) if k),
                           tuple(e for e, k in zip(self.exprs, keep, strict=True) if k),
                           self.ref[:, keep], self.cur[:, keep])

    @classmethod
    def of(cls, ref: pl.DataFrame, cur: pl.DataFrame) -> RowFeatures | None:
        """Return the features of both samples, or None when there are none."""
        feats = _features(ref)
        if not feats:
            return None
        exprs = [e.alias(f"_f{i}") for i, (_, e) in enumerate(feats)]
        try:
            xr = ref.select(exprs).to_numpy().astype(np.float64)
            xc = cur.select(exprs).to_numpy().astype(np.float64)
        except pl.exceptions.PolarsError:
            return None
        return cls(tuple(n for n, _ in feats), tuple(e for _, e in feats), xr, xc)


def _ridge_path(x: np.ndarray, y: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Return (intercept, coefficients) of the ridge fit for every penalty (one eigendecomposition)."""
    mx, my = x.mean(axis=0), y.mean()
    xc = x - mx
    vals, vecs = np.linalg.eigh(xc.T @ xc)
    proj = vecs.T @ (xc.T @ (y - my))
    out = []
    for penalty in PENALTIES:
        beta = vecs @ (proj / (np.maximum(vals, 0.0) + penalty))
        out.append((float(my - mx @ beta), beta))
    return out


def _one_thread() -> contextlib.AbstractContextManager:
    """Return a context running BLAS on one thread (its workers spin on a shared machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without scikit-learn's helper: numpy's default threads
        return contextlib.nullcontext()
    return threadpool_limits(1)


def fit_row_model(feats: RowFeatures, ref: pl.DataFrame, cur: pl.DataFrame, target: str,
                  log: bool = True) -> RowModel | None:
    """Return the model of ln(target) (of target with `log` false) from the other columns, or None
    without enough to fit."""
    with _one_thread():
        return _fit(feats, ref, cur, target, log)


def _fit(feats: RowFeatures, ref: pl.DataFrame, cur: pl.DataFrame, target: str, log: bool) -> RowModel | None:
    if not feats.sources:
        return None
    y_expr = pl.col(target).cast(pl.Float64, strict=False)
    try:
        y_ref = ref.select(y_expr).to_series().to_numpy().astype(np.float64)
        y_cur = cur.select(y_expr).to_series().to_numpy().astype(np.float64)
    except pl.exceptions.PolarsError:
        return None
    others = np.array([src != target for src in feats.sources])
    kr, kc = np.isfinite(y_ref), np.isfinite(y_cur)
    if log:
        kr, kc = kr & (y_ref > 0), kc & (y_cur > 0)
    to_y = np.log if log else np.asarray
    yr, xr = to_y(y_ref[kr]), feats.ref[kr][:, others]
    yc, xc = to_y(y_cur[kc]), feats.cur[kc][:, others]
    rows = cur.get_column(ROW).to_numpy()[kc]
    if yr.size < 100 or yc.size < 50 or yr.var() <= 0:
        return None
    mu, sd = xr.mean(axis=0), xr.std(axis=0)
    used = sd > 0
    if not used.any():
        return None
    mu, sd = mu[used], sd[used]
    xr, xc = (xr[:, used] - mu) / sd, (xc[:, used] - mu) / sd
    fold = np.random.default_rng(0).integers(0, FOLDS, yr.size)
    oof = np.empty((len(PENALTIES), yr.size))
    for f in range(FOLDS):
        test = fold == f
        for i, (b0, beta) in enumerate(_ridge_path(xr[~test], yr[~test])):
            oof[i, test] = yr[test] - b0 - xr[test] @ beta
    mse = (oof * oof).mean(axis=1)
    best = int(np.flatnonzero(mse <= MSE_SLACK * mse.min())[-1])
    b0, beta = _ridge_path(xr, yr)[best]
    ref_res = oof[best]
    kept = [f for f, u in zip(zip(feats.sources, feats.exprs, strict=True), others, strict=True) if u]
    kept = [f for f, u in zip(kept, used, strict=True) if u]
    predicted = pl.lit(float(b0 - np.sum(beta * mu / sd)))
    for (_, e), coef, s in zip(kept, beta, sd, strict=True):
        predicted = predicted + e * float(coef / s)
    # the columns that weigh most in the prediction first (standardised coefficients, summed)
    weight: dict[str, float] = {}
    for (name, _), coef in zip(kept, beta, strict=True):
        weight[name] = weight.get(name, 0.0) + abs(float(coef))
    leading = tuple(sorted(weight, key=lambda name: (-weight[name], name)))
    return RowModel(predicted, ref_res, yc - b0 - xc @ beta, rows, 1.0 - float(mse[best]) / float(yr.var()),
                    leading)
