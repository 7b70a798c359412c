"""Predict a positive column's log from the row's other columns (ridge regression fitted on the
reference's row sample), so a unit slip on some rows shows as a shift of their residuals by
log(factor) even when the converted values stay inside the column's range.

The reference's residuals are out-of-fold (five folds), like the current's, so both samples'
residuals carry the same estimation noise. The prediction is also a Polars expression, so the
rows a finding lists come from the whole table in the shared row pass.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any

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
    """Every column's features, evaluated once on both row samples (each target leaves out its own),
    centred on the reference's means, with the reference's per-fold Gram matrices (each target's
    fit then only subtracts the rows it lacks)."""

    sources: tuple[str, ...]  # per feature, the column it comes from
    exprs: tuple[pl.Expr, ...]
    center: np.ndarray
    ref: np.ndarray
    cur: np.ndarray
    fold: np.ndarray  # per reference row
    grams: np.ndarray  # per fold: X'X
    sums: np.ndarray  # per fold: column sums
    parts: tuple[np.ndarray, ...]  # per fold: its rows of `ref`

    def without(self, columns: set[str]) -> RowFeatures:
        """Return the features of every column but these."""
        keep = np.array([src not in columns for src in self.sources], dtype=bool)
        return RowFeatures(tuple(s for s, k in zip(self.sources, keep, strict=True) if k),
                           tuple(e for e, k in zip(self.exprs, keep, strict=True) if k),
                           self.center[keep], self.ref[:, keep], self.cur[:, keep], self.fold,
                           self.grams[:, keep][:, :, keep], self.sums[:, keep],
                           tuple(p[:, keep] for p in self.parts))

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
        # features whose squares overflow (values near 1e308) cannot enter a Gram matrix
        with np.errstate(over="ignore", invalid="ignore"):
            sane = (np.isfinite(xr).all(axis=0) & np.isfinite(xc).all(axis=0)
                    & (np.abs(xr).max(axis=0, initial=0.0) < 1e100) & (np.abs(xc).max(axis=0, initial=0.0) < 1e100))
        if not sane.any():
            return None
        feats = [f for f, ok in zip(feats, sane, strict=True) if ok]
        xr, xc = xr[:, sane], xc[:, sane]
        center = xr.mean(axis=0)
        xr, xc = xr - center, xc - center
        fold = np.random.default_rng(0).integers(0, FOLDS, xr.shape[0])
        parts = tuple(np.ascontiguousarray(xr[fold == f]) for f in range(FOLDS))
        with _one_thread():
            grams = np.stack([p.T @ p for p in parts])
        sums = np.stack([p.sum(axis=0) for p in parts])
        return cls(tuple(n for n, _ in feats), tuple(e for _, e in feats), center, xr, xc, fold, grams, sums,
                   parts)


def _ridge_path(gram: np.ndarray, sx: np.ndarray, xy: np.ndarray, sy: float, n: float,
                scale: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Return (intercept, coefficients) of the ridge fit on standardised features for every
    penalty, from sufficient statistics (one eigendecomposition)."""
    mx, my = sx / n, sy / n
    cov = (gram - n * np.outer(mx, mx)) / np.outer(scale, scale)
    vals, vecs = np.linalg.eigh(cov)
    proj = vecs.T @ ((xy - n * mx * my) / scale)
    out = []
    for penalty in PENALTIES:
        beta = vecs @ (proj / (np.maximum(vals, 0.0) + penalty)) / scale
        out.append((float(my - mx @ beta), beta))
    return out


def _one_thread() -> contextlib.AbstractContextManager:
    """Return a context running BLAS on one thread (its workers spin on a shared machine)."""
    controller = _blas_controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1)


@functools.cache
def _blas_controller() -> Any:
    """Return threadpoolctl's controller, made once: finding the loaded libraries costs 5 ms a call."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # without scikit-learn's helper: numpy's default threads
        return None
    return ThreadpoolController()


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
    y0 = np.zeros(y_ref.size)
    y0[kr] = np.log(y_ref[kr]) if log else y_ref[kr]
    yc = np.log(y_cur[kc]) if log else y_cur[kc]
    rows = cur.get_column(ROW).to_numpy()[kc]
    if kr.sum() < 100 or yc.size < 50 or y0[kr].var() <= 0:
        return None
    # per fold: the target's values, and the sufficient statistics without the rows lacking one
    ys = [y0[feats.fold == f] for f in range(FOLDS)]
    ok = [kr[feats.fold == f] for f in range(FOLDS)]
    grams, sums = feats.grams.copy(), feats.sums.copy()
    for f, part in enumerate(feats.parts):
        if not ok[f].all():
            gone = part[~ok[f]]
            grams[f] -= gone.T @ gone
            sums[f] -= gone.sum(axis=0)
    xys = np.stack([part.T @ y for part, y in zip(feats.parts, ys, strict=True)])
    sy = np.array([y.sum() for y in ys])
    sizes = np.array([k.sum() for k in ok], dtype=np.float64)
    n = sizes.sum()
    scale = np.sqrt(np.maximum(np.diag(grams.sum(axis=0)) / n - (sums.sum(axis=0) / n) ** 2, 0.0))
    used = others & (scale > 1e-12 * np.maximum(1.0, np.abs(feats.center)))
    if not used.any():
        return None
    ix = np.ix_(used, used)
    grams = np.stack([g[ix] for g in grams])
    sums, xys, sc = sums[:, used], xys[:, used], scale[used]
    total = (grams.sum(axis=0), sums.sum(axis=0), xys.sum(axis=0), float(sy.sum()), n)
    oof = [np.empty((len(PENALTIES), int(k.sum()))) for k in ok]
    full = np.zeros((feats.center.size, len(PENALTIES)))
    for f, part in enumerate(feats.parts):
        if not ok[f].any():
            continue
        train = (total[0] - grams[f], total[1] - sums[f], total[2] - xys[f], total[3] - sy[f], n - sizes[f])
        path = _ridge_path(*train, sc)
        full[used] = np.stack([beta for _, beta in path], axis=1)
        b0s = np.array([b0 for b0, _ in path])
        oof[f] = (ys[f][:, None] - b0s[None, :] - part @ full)[ok[f]].T
    ref_res = np.concatenate(oof, axis=1)
    y_kept = np.concatenate([y[k] for y, k in zip(ys, ok, strict=True)])
    mse = (ref_res * ref_res).mean(axis=1)
    best = int(np.flatnonzero(mse <= MSE_SLACK * mse.min())[-1])
    b0, beta = _ridge_path(*total, sc)[best]
    coef = np.zeros(feats.center.size)
    coef[used] = beta
    cur_res = yc - b0 - feats.cur[kc] @ coef
    predicted = pl.lit(float(b0 - coef @ feats.center))
    weight: dict[str, float] = {}  # the columns weighing most first (standardised coefficients)
    for i in np.flatnonzero(used):
        predicted = predicted + feats.exprs[i] * float(coef[i])
        name = feats.sources[i]
        weight[name] = weight.get(name, 0.0) + abs(float(coef[i] * scale[i]))
    leading = tuple(sorted(weight, key=lambda name: (-weight[name], name)))
    return RowModel(predicted, ref_res[best], cur_res, rows, 1.0 - float(mse[best]) / float(y_kept.var()),
                    leading)
