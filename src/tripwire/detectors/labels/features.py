"""Choose the columns a label proxy model may learn from, and turn them into a matrix.

Identifier, constant and label-copy (leakage) columns are left out: a model that learns
from them says nothing about whether a label is right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from tripwire.detectors.common import is_categorical, is_free_text, is_numeric
from tripwire.profiling import ColumnProfile, DatasetProfile

#: a text or integer column with at least this share of distinct values names rows, not classes
ID_SHARE = 0.95
#: one-hot at most this many values of a categorical column (the rest share one column)
MAX_LEVELS = 30
#: a column whose values give the label this purely is a copy of it (leakage)
LEAK_PURITY = 0.98
#: hashed word features per free-text column, then reduced to this many dimensions
TEXT_HASHES, TEXT_DIMS = 2**14, 32


@dataclass
class FeatureChoice:
    """The columns a proxy uses by treatment, and the ones left out with why."""

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Return every column used, in table order of treatment."""
        return [*self.numeric, *self.categorical, *self.text]


def choose_features(prof: DatasetProfile, label: str, exclude: Iterable[str] = ()) -> FeatureChoice:
    """Sort the profile's columns into numeric, categorical and text features, or leave them out."""
    out = FeatureChoice()
    skip = {label, *exclude}
    for name, col in prof.columns.items():
        if name in skip:
            continue
        why = _unusable(col)
        if why:
            out.left_out[name] = why
        elif col.kind == "temporal" or is_numeric(col) or col.kind == "boolean":
            out.numeric.append(name)
        elif is_free_text(col):
            out.text.append(name)
        elif is_categorical(col):
            out.categorical.append(name)
        else:
            out.left_out[name] = "text with too many distinct values to use as categories"
    return out


def _unusable(col: ColumnProfile) -> str | None:
    if col.non_null == 0 or col.distinct_count <= 1:
        return "constant"
    names_rows = col.distinct_count >= ID_SHARE * col.non_null and col.non_null >= 20
    if names_rows and col.inferred_type in ("int", "string") and not is_free_text(col):
        return "identifier (a distinct value per row)"
    return None


def label_copies(df: pl.DataFrame, label: str, columns: Iterable[str]) -> dict[str, float]:
    """Return the columns whose every value points at one label (purity >= LEAK_PURITY).

    Purity is the share of rows whose label is the most common label of their value; a
    column with nearly one value per row is pure by construction and is not counted.
    """
    out: dict[str, float] = {}
    n = df.height
    for c in columns:
        groups = df.group_by(c, label).len().group_by(c).agg(pl.col("len").max().alias("top"),
                                                             pl.col("len").sum().alias("n"))
        if groups.height > max(50, n // 20):
            continue
        purity = groups["top"].sum() / max(n, 1)
        if purity >= LEAK_PURITY:
            out[c] = float(purity)
    return out


def feature_matrix(df: pl.DataFrame, choice: FeatureChoice, seed: int = 0) -> np.ndarray:
    """Return a dense float matrix: numbers (median-filled, with missing flags), one-hot categories,
    and free text as hashed words reduced by truncated SVD."""
    parts: list[np.ndarray] = []
    if choice.numeric:
        num = df.select(_as_number(df, c) for c in choice.numeric).to_numpy().astype(np.float64)
        num[~np.isfinite(num)] = np.nan
        missing = np.isnan(num)
        if missing.any():
            num[:, missing.all(axis=0)] = 0.0  # a column with no value at all: a constant
            med = np.nanmedian(num, axis=0)
            num = np.where(missing, med, num)
            parts.append(missing[:, missing.any(axis=0)].astype(np.float64))
        parts.append(num)
    for c in choice.categorical:
        s = df[c].cast(pl.String).fill_null("∅")
        levels = s.value_counts(sort=True).head(MAX_LEVELS)[c].to_list()
        codes = s.replace_strict(levels, list(range(len(levels))), default=len(levels)).to_numpy()
        parts.append(np.eye(len(levels) + 1)[codes])
    for c in choice.text:
        parts.append(_text_features(df[c], seed))
    if not parts:
        return np.zeros((df.height, 0))
    return np.hstack(parts)


def _as_number(df: pl.DataFrame, c: str) -> pl.Expr:
    dtype = df.schema[c]
    if dtype.is_temporal():
        return pl.col(c).dt.epoch("s").cast(pl.Float64)
    if dtype == pl.String:
        return pl.col(c).str.strip_chars().cast(pl.Float64, strict=False)
    return pl.col(c).cast(pl.Float64)


def _text_features(s: pl.Series, seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    texts = s.cast(pl.String).fill_null("").to_list()
    counts = HashingVectorizer(n_features=TEXT_HASHES, alternate_sign=False, norm=None,
                               ngram_range=(1, 2)).transform(texts)
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    dims = min(TEXT_DIMS, max(1, min(tfidf.shape) - 1))
    return TruncatedSVD(dims, random_state=seed).fit_transform(tfidf)
