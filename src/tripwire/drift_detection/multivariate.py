"""drift.multivariate: can a classifier tell the batches apart from whole rows? (N16)

Catches changes no single column shows (a relation between columns moved). Runs on the
profiles' row samples (capped per side), so it also works from saved profile.json files.
Time columns, ids and free text are left out: they separate batches by design (text has
drift.text).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.drift_detection.classifier import separability
from tripwire.drift_detection.compare import partition_keys, treatment
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.features import not_features
from tripwire.report import Finding

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile

#: categories kept per column (the rest share one code); HistGradientBoosting allows < 255
MAX_CATEGORIES = 60
MIN_ROWS_PER_SIDE = 30


def sample_pair(ref: DatasetProfile, cur: DatasetProfile, rows: int) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """Return up to `rows` sampled rows per side (None when either profile has no sample)."""
    a, b = ref.sample_frame(), cur.sample_frame()
    if a is None or b is None or a.height == 0 or b.height == 0:
        return None
    # the samples are uniform already: their first rows are a uniform sub-sample
    return a.head(rows), b.head(rows)


def feature_matrix(a: pl.DataFrame, b: pl.DataFrame, kinds: dict[str, str]) -> tuple[np.ndarray, list[str], list[bool]]:
    """Stack both sides into one float matrix (NaN for missing; categories as small codes)."""
    both = pl.concat([a.select(list(kinds)), b.select(list(kinds))], how="diagonal_relaxed")
    cols, categorical = [], []
    for name, kind in kinds.items():
        s = both[name]
        if kind == "numeric":
            values = s.cast(pl.Float64, strict=False).to_numpy().astype(np.float64)
            values[~np.isfinite(values)] = np.nan
            cols.append(values)
            categorical.append(False)
        else:
            text = s.cast(pl.String, strict=False).fill_null("\x00null")
            top = text.value_counts(sort=True).head(MAX_CATEGORIES)[text.name]
            codes = pl.DataFrame({"v": top, "c": np.arange(top.len(), dtype=np.float64)})
            mapped = text.to_frame("v").join(codes, on="v", how="left", maintain_order="left")["c"]
            cols.append(mapped.fill_null(float(MAX_CATEGORIES)).to_numpy())
            categorical.append(True)
    return np.column_stack(cols), list(kinds), categorical


def comparable_columns(ref: DatasetProfile, cur: DatasetProfile, config: DriftConfig,
                       exclude: set[str]) -> dict[str, str]:
    """Return the columns both sides can be compared on, with their treatment."""
    kinds = {}
    keys = partition_keys(ref, cur)  # one value per batch: separates the batches by construction
    for name, col in cur.columns.items():
        if name in exclude or name in keys or config.skipped(name) or name not in ref:
            continue
        how = treatment(col, config.treat_as(name))
        if how in ("numeric", "categorical") and how == treatment(ref[name], config.treat_as(name)):
            kinds[name] = how
    return kinds


@register
class MultivariateDrift(Detector):
    """Report when a classifier separates current rows from reference rows, naming the features."""

    name, family = "drift.multivariate", "drift"
    codes = ("drift.multivariate",)
    requires = frozenset({"profile", "reference", "sample"})
    background = True  # a classifier: fitted beside the row pass
    weight = 5.0
    extras = ("sklearn",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        assert ctx.reference is not None
        config = DriftConfig.from_options(ctx.options)
        exclude = not_features(ctx)
        kinds = comparable_columns(ctx.reference, ctx.profile, config, exclude)
        pair = sample_pair(ctx.reference, ctx.profile, config.sample_rows)
        if not kinds or pair is None or min(pair[0].height, pair[1].height) < MIN_ROWS_PER_SIDE:
            return
        a, b = pair
        x, names, categorical = feature_matrix(a, b, kinds)
        y = np.concatenate([np.zeros(a.height), np.ones(b.height)]).astype(np.int64)
        lowest, highest = min(config.levels("auc").values()), max(config.levels("auc").values())
        # a fold whose interval lies wholly below the lowest level or above the highest decides alone
        result = separability(lambda: _model(categorical), x, y, names, importance_from=lowest,
                              screen_below=lowest, screen_above=highest)
        if result is None:
            return
        level = config.severity("auc", result.auc)
        significant = result.low > 0.5
        if level is None or (not significant and level == "info"):
            return
        severity = level if significant else "info"
        top = list(result.importance)[:5]
        named = f"; most separating: {', '.join(top)}" if top else ""
        title = (f"rows of the two batches are separable: AUC {result.auc:.2f} "
                 f"[{result.low:.2f}, {result.high:.2f}]{named}")
        if not significant:
            title += f" — only {result.n_ref} vs {result.n_cur} sampled rows; may be noise"
        evidence = {**result.evidence(), "thresholds": config.levels("auc"),
                    "features": len(names), "significant": significant}
        yield self.finding("drift.multivariate", severity, top or names[:5], title, evidence)  # type: ignore[arg-type]


def _model(categorical: list[bool]):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=60, learning_rate=0.1, max_leaf_nodes=15,
                                          categorical_features=np.array(categorical),
                                          early_stopping=False, random_state=0)
