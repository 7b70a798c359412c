"""Predict a positive column's log from the row's other columns (ridge regression fitted on the
reference's row sample), so a unit slip on some rows shows as a shift of their residuals by
log(factor) even when the converted values stay inside the column's range.

The reference's residuals are out-of-fold (five folds), like the current's, so both samples'
residuals carry the same estimation noise. The prediction is also a Polars expression, so the
rows a finding lists come from the whole table in the shared row pass.

Every test of a scan reads the samples through `Samples` (each column cast to float64 once), and
the fits of one target that leave out the same reference rows share their eigendecompositions
(the log model of a positive column and the model of its values).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import polars as pl

from tripwire.arrays import one_thread

ROW = "__row__"
MAX_LEVELS, MIN_LEVEL_COUNT = 30, 5
MAX_FEATURES = 200
FOLDS = 5
PENALTIES = (0.1, 1.0, 10.0, 100.0, 1000.0)
#: the strongest penalty predicting within this factor of the best: collinear columns then
#: share a weight instead of cancelling big opposite ones, which a damaged column would upset
MSE_SLACK = 1.05
#: a current row is tested when each predictor lies within the reference's range widened by
#: this share of its span (a zero below a floor area of 334 is far outside through its log)
REACH_MARGIN = 0.1


class SampleColumns:
    """A row sample whose columns are read as float64 NumPy arrays (nulls as NaN) once, for every
    test that looks at them."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._arrays: dict[str, np.ndarray | None] = {}

    def __call__(self, name: str) -> np.ndarray | None:
        """Return a column cast to float64 (not to be written), or None when it is missing or
        does not cast."""
        if name not in self._arrays:
            self._read(name)
        return self._arrays[name]

    def _read(self, name: str) -> None:
        # the first read casts every numeric column in one query: a query per column and test
        # cost more than the tests on a small sample
        batch = [c for c, dtype in self.frame.schema.items()
                 if c != ROW and c not in self._arrays and dtype.is_numeric()]
        for names in ((batch, [name]) if name in batch and len(batch) > 1 else ([name],)):
            try:
                df = self.frame.select(pl.col(c).cast(pl.Float64, strict=False) for c in names)
            except pl.exceptions.PolarsError:
                continue
            for c in names:
                self._arrays[c] = df.get_column(c).to_numpy()
            return
        self._arrays[name] = None


@dataclass(frozen=True)
class Samples:
    """Both row samples of a scan, read once."""

    ref: SampleColumns
    cur: SampleColumns


@dataclass(frozen=True)
class RowModel:
    """Out-of-fold reference residuals, current residuals, the fit's R²."""

    ref_residuals: np.ndarray
    cur_residuals: np.ndarray
    r2: float
    predictors: tuple[str, ...]  # the columns used, those weighing most first
    intercept: float
    terms: tuple[tuple[pl.Expr, float], ...]  # (feature, weight) of the prediction
    ref_predicted: np.ndarray  # per reference residual: its row's out-of-fold prediction
    #: per current residual: its row's predictors are known and lie within the reference's reach
    #: (`RowFeatures.reach`, `RowFeatures.cur_unknown`)
    cur_inside: np.ndarray | None = None

    #: whether the model was left unfitted, its R² provably below the bar it was asked to reach
    weak: ClassVar[bool] = False

    @functools.cached_property
    def cur_tested(self) -> np.ndarray:
        """Return the current residuals a test compares with the reference's: of the rows whose
        predictors are known and lie within the reference's reach.

        A row whose predictor is zeroed, negative, a sentinel, converted, missing or a category
        the reference never holds is predicted from a value the model never saw (or a stand-in
        for it): its residual moves with the predictor, not with the column,
        and read as a share of the column moved or converted it alarms about the wrong column
        (zeros in ames' First_Flr_SF read as Sale_Price "3.281x (m -> ft)")."""
        return self.cur_residuals if self.cur_inside is None else self.cur_residuals[self.cur_inside]

    @functools.cached_property
    def predicted(self) -> pl.Expr:
        """Return ln(target) (or target) predicted from the other columns, as an expression (built
        only for a finding: a few dozen expressions per model)."""
        predicted = pl.lit(self.intercept)
        for expr, weight in self.terms:
            predicted = predicted + expr * weight
        return predicted


class WeakRowModel:
    """A row model whose R² provably falls below the bar a test set: fitted in full only when one
    of its parts is read (the test itself never reads them)."""

    weak = True

    def __init__(self, fit: Callable[[], RowModel | None]) -> None:
        self._fit = fit

    @functools.cached_property
    def model(self) -> RowModel:
        """Return the model fitted in full."""
        model = self._fit()
        assert model is not None  # it passed every check before its R² was bounded
        return model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


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
            if v.len() < 0.5 * ref.height:
                continue
            lo, hi = v.min(), v.max()
            # counting distinct values hashes them all: only when min and max cannot tell
            if lo == hi and v.n_unique() < 2:
                continue
            x = pl.col(name).cast(pl.Float64, strict=False)
            x = pl.when(x.is_finite()).then(x).otherwise(None).fill_null(float(v.median()))
            out.append((name, x))
            if lo >= 0 and (((v > lo) & (v < hi)).any() or v.n_unique() > 2):
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
    #: per current row and feature: the row's value of the feature's column is missing (a
    #: number, filled with the median) or a category the reference sample never holds
    cur_unknown: np.ndarray | None = None
    #: per target and reference rows used: what a fit needs that does not depend on the values
    designs: dict[tuple[str, bytes], _Design | None] = field(default_factory=dict, compare=False, repr=False)

    @functools.cached_property
    def members(self) -> tuple[np.ndarray, ...]:
        """Return, per fold, the reference rows it holds (in order: what a mask would select)."""
        return tuple(np.flatnonzero(self.fold == f) for f in range(FOLDS))

    @functools.cached_property
    def reach(self) -> tuple[np.ndarray, np.ndarray]:
        """Return per feature the range of the reference's values widened by a tenth of its span
        on each side: where the model has seen rows (honest extremes a little beyond stay in)."""
        lo, hi = self.ref.min(axis=0, initial=np.inf), self.ref.max(axis=0, initial=-np.inf)
        margin = REACH_MARGIN * (hi - lo)
        return lo - margin, hi + margin

    @functools.cached_property
    def cur_rows_first(self) -> np.ndarray:
        """Return `cur` in row-major order (what a fit multiplies, once rather than per fit)."""
        return np.ascontiguousarray(self.cur)

    def without(self, columns: set[str]) -> RowFeatures:
        """Return the features of every column but these."""
        keep = np.array([src not in columns for src in self.sources], dtype=bool)
        return RowFeatures(tuple(s for s, k in zip(self.sources, keep, strict=True) if k),
                           tuple(e for e, k in zip(self.exprs, keep, strict=True) if k),
                           self.center[keep], self.ref[:, keep], self.cur[:, keep], self.fold,
                           self.grams[:, keep][:, :, keep], self.sums[:, keep],
                           tuple(p[:, keep] for p in self.parts),
                           None if self.cur_unknown is None else self.cur_unknown[:, keep])

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
        unknown = _unknown_values(ref, cur, [name for name, _ in feats])
        center = xr.mean(axis=0)
        xr, xc = xr - center, xc - center
        fold = np.random.default_rng(0).integers(0, FOLDS, xr.shape[0])
        parts = tuple(np.ascontiguousarray(xr[fold == f]) for f in range(FOLDS))
        with one_thread():
            grams = np.stack([p.T @ p for p in parts])
        sums = np.stack([p.sum(axis=0) for p in parts])
        return cls(tuple(n for n, _ in feats), tuple(e for _, e in feats), center, xr, xc, fold, grams, sums,
                   parts, unknown)


def _unknown_values(ref: pl.DataFrame, cur: pl.DataFrame, sources: list[str]) -> np.ndarray:
    """Return per current row and feature whether the model never saw the row's value of the
    feature's column: a category the reference sample never holds, or a missing number where the
    reference holds fewer than MIN_LEVEL_COUNT of them (where it holds more, as with a column
    empty by design on some rows, the model learned from those rows with the median standing in,
    as from a category's level)."""
    columns = list(dict.fromkeys(sources))
    flags = []
    for name in columns:
        s = cur.get_column(name)
        if s.dtype.is_numeric() or s.dtype == pl.Boolean:
            x = s.cast(pl.Float64, strict=False)
            trained = int((~ref.get_column(name).cast(pl.Float64, strict=False).is_finite().fill_null(False)).sum())
            missing = ~x.is_finite().fill_null(False)
            flags.append(missing & (trained < MIN_LEVEL_COUNT))
        else:
            seen = ref.get_column(name).cast(pl.String).drop_nulls().unique()
            flags.append(s.cast(pl.String).is_not_null() & ~s.cast(pl.String).is_in(seen.implode()))
    by_column = pl.DataFrame(flags).to_numpy() if flags else np.zeros((cur.height, 0), dtype=bool)
    return by_column[:, [columns.index(name) for name in sources]].astype(bool)


def _eig(gram: np.ndarray, sx: np.ndarray, n: float, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the eigendecomposition of the standardised features' covariance."""
    mx = sx / n
    cov = (gram - n * np.outer(mx, mx)) / np.outer(scale, scale)
    return np.linalg.eigh(cov)


def _ridge_path(eig: tuple[np.ndarray, np.ndarray], sx: np.ndarray, xy: np.ndarray, sy: float, n: float,
                scale: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Return (intercept, coefficients) of the ridge fit on standardised features for every
    penalty, from sufficient statistics and `_eig` of the same rows."""
    mx, my = sx / n, sy / n
    vals, vecs = eig
    proj = vecs.T @ ((xy - n * mx * my) / scale)
    shrink = np.maximum(vals, 0.0)
    out = []
    for penalty in PENALTIES:
        beta = vecs @ (proj / (shrink + penalty)) / scale
        out.append((float(my - mx @ beta), beta))
    return out


def fit_row_model(feats: RowFeatures, samples: Samples, target: str, log: bool = True,
                  min_r2: float | None = None) -> RowModel | WeakRowModel | None:
    """Return the model of ln(target) (of target with `log` false) from the other columns, or None
    without enough to fit.

    With `min_r2`, a model whose R² provably falls below it (its out-of-fold error on some folds
    already exceeds that share of the variance) is returned as a `WeakRowModel`, fitted in full
    only if read.
    """
    with one_thread():
        return _fit(feats, samples, target, log, min_r2)


@dataclass(frozen=True)
class _Design:
    """What the fits of a target on given reference rows share whatever its values: per fold the
    rows kept, the sufficient statistics of the features used, their eigendecompositions."""

    ok: tuple[np.ndarray, ...]  # per fold: its rows with a value
    used: np.ndarray  # features used (the other columns', not constant)
    grams: np.ndarray  # per fold, features used
    sums: np.ndarray
    sizes: np.ndarray
    scale: np.ndarray  # per feature (all of them)
    total: tuple[np.ndarray, np.ndarray, float]  # Gram matrix, feature sums and rows of all folds
    eigs: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, compare=False, repr=False)

    def eig(self, fold: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return the eigendecomposition of the rows of every fold but `fold` (all with None),
        made when first asked for."""
        key = -1 if fold is None else fold
        if key not in self.eigs:
            gram, sx, n = self.total
            sc = self.scale[self.used]
            self.eigs[key] = (_eig(gram, sx, n, sc) if fold is None else
                              _eig(gram - self.grams[fold], sx - self.sums[fold], n - self.sizes[fold], sc))
        return self.eigs[key]


def _design(feats: RowFeatures, target: str, kr: np.ndarray) -> _Design | None:
    """Return the design of a target whose reference rows with a value are `kr` (None when no
    feature is left), made once per target and rows."""
    key = (target, kr.tobytes())
    if key not in feats.designs:
        feats.designs[key] = _make_design(feats, target, kr)
    return feats.designs[key]


def _make_design(feats: RowFeatures, target: str, kr: np.ndarray) -> _Design | None:
    others = np.array([src != target for src in feats.sources])
    ok = tuple(kr[m] for m in feats.members)
    grams, sums = feats.grams.copy(), feats.sums.copy()
    for f, part in enumerate(feats.parts):
        if not ok[f].all():
            gone = part[~ok[f]]
            grams[f] -= gone.T @ gone
            sums[f] -= gone.sum(axis=0)
    sizes = np.array([k.sum() for k in ok], dtype=np.float64)
    n = sizes.sum()
    scale = np.sqrt(np.maximum(np.diag(grams.sum(axis=0)) / n - (sums.sum(axis=0) / n) ** 2, 0.0))
    used = others & (scale > 1e-12 * np.maximum(1.0, np.abs(feats.center)))
    if not used.any():
        return None
    ix = np.ix_(used, used)
    grams = np.stack([g[ix] for g in grams])
    sums = sums[:, used]
    return _Design(ok, used, grams, sums, sizes, scale, (grams.sum(axis=0), sums.sum(axis=0), n))


def _fit(feats: RowFeatures, samples: Samples, target: str, log: bool,
         min_r2: float | None) -> RowModel | WeakRowModel | None:
    if not feats.sources:
        return None
    y_ref, y_cur = samples.ref(target), samples.cur(target)
    if y_ref is None or y_cur is None:
        return None
    kr, kc = np.isfinite(y_ref), np.isfinite(y_cur)
    if log:
        kr, kc = kr & (y_ref > 0), kc & (y_cur > 0)
    y0 = np.zeros(y_ref.size)
    y0[kr] = np.log(y_ref[kr]) if log else y_ref[kr]
    yc = np.log(y_cur[kc]) if log else y_cur[kc]
    if kr.sum() < 100 or yc.size < 50 or y0[kr].var() <= 0:
        return None
    design = _design(feats, target, kr)
    if design is None:
        return None
    # per fold: the target's values (0 on the rows lacking one) and their sufficient statistics
    ok, used, sc = design.ok, design.used, design.scale[design.used]
    ys = [y0[m] for m in feats.members]
    xys = np.stack([part.T @ y for part, y in zip(feats.parts, ys, strict=True)])[:, used]
    sy = np.array([y.sum() for y in ys])
    _, sx, n = design.total
    xy, sy_all = xys.sum(axis=0), float(sy.sum())
    oof = [np.empty((len(PENALTIES), int(k.sum()))) for k in ok]
    full = np.zeros((feats.center.size, len(PENALTIES)))
    # R² = 1 - (out-of-fold squared error) / (n * variance): the folds done bound it from above
    bar = None if min_r2 is None else (1.0 - min_r2) * float(n) * float(y0[kr].var())
    seen = np.zeros(len(PENALTIES))
    for f, part in enumerate(feats.parts):
        if not ok[f].any():  # no row of this fold has a value
            continue
        path = _ridge_path(design.eig(f), sx - design.sums[f], xy - xys[f], sy_all - sy[f],
                           n - design.sizes[f], sc)
        full[used] = np.stack([beta for _, beta in path], axis=1)
        b0s = np.array([b0 for b0, _ in path])
        oof[f] = (ys[f][:, None] - b0s[None, :] - part @ full)[ok[f]].T
        if bar is not None:
            seen += (oof[f] * oof[f]).sum(axis=1)
            # a margin far above rounding (sums of squares: no cancellation) makes it a proof
            if seen.min() > bar * (1.0 + 1e-9):
                return WeakRowModel(functools.partial(fit_row_model, feats, samples, target, log))
    ref_res = np.concatenate(oof, axis=1)
    y_kept = np.concatenate([y[k] for y, k in zip(ys, ok, strict=True)])
    mse = (ref_res * ref_res).mean(axis=1)
    best = int(np.flatnonzero(mse <= MSE_SLACK * mse.min())[-1])
    b0, beta = _ridge_path(design.eig(), sx, xy, sy_all, n, sc)[best]
    coef = np.zeros(feats.center.size)
    coef[used] = beta
    # the same product as on the rows kept alone (row-major either way: same arithmetic)
    xc = feats.cur_rows_first if kc.all() else feats.cur_rows_first[kc]
    cur_res = yc - b0 - xc @ coef
    lo, hi = feats.reach
    inside = ((xc[:, used] >= lo[used]) & (xc[:, used] <= hi[used])).all(axis=1)
    if feats.cur_unknown is not None:
        unknown = feats.cur_unknown if kc.all() else feats.cur_unknown[kc]
        inside &= ~unknown[:, used].any(axis=1)
    weight: dict[str, float] = {}  # the columns weighing most first (standardised coefficients)
    terms = []
    for i in np.flatnonzero(used):
        terms.append((feats.exprs[i], float(coef[i])))
        name = feats.sources[i]
        weight[name] = weight.get(name, 0.0) + abs(float(coef[i] * design.scale[i]))
    leading = tuple(sorted(weight, key=lambda name: (-weight[name], name)))
    return RowModel(ref_res[best], cur_res, 1.0 - float(mse[best]) / float(y_kept.var()), leading,
                    float(b0 - coef @ feats.center), tuple(terms), y_kept - ref_res[best], inside)
