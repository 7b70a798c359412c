"""labels.conflicting: identical feature rows (also once text is normalised) with different labels.

One pass hashes each labelled row's features twice (as read, and with text lower-cased
and whitespace collapsed) and keeps the label; groups of equal hashes with more than one
label are the conflicts. Identifier columns are left out (they make every row unique).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl

from tripwire.detectors.common import pct, short
from tripwire.detectors.labels.after_outcome import timing_columns
from tripwire.detectors.labels.features import choose_features
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.report import Finding
from tripwire.report.finding import MAX_ALL_ROWS
from tripwire.vocabulary import hash_rows

#: groups listed in the evidence (largest first), rows listed per group
GROUPS_SHOWN, ROWS_PER_GROUP = 20, 10
#: a warning from this share of labelled rows in conflict (below: info)
WARNING_SHARE = 0.01
#: with fewer distinct feature rows than this share of rows, the features are too coarse to
#: decide the label and conflicts are expected (info)
COARSE_SHARE = 0.5


@register
class ConflictingLabels(Detector):
    """Find rows that are the same input with different labels."""

    name, family = "conflicting_labels", "labels"
    codes = ("labels.conflicting",)
    requires = frozenset({"profile", "rows", "labels"})

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Hash the feature columns of every labelled row in the shared row pass."""
        label = ctx.label or ""
        if label not in ctx.profile.columns:
            return None
        skip = {c for c in (ctx.prediction,) if c} | set(ctx.options.get("proba_columns") or ()) | timing_columns(ctx.options)
        choice = choose_features(ctx.profile, label, skip)
        features = [c for c in ctx.profile.columns if c not in skip and c != label
                    and not choice.left_out.get(c, "").startswith("identifier")]
        if not features:
            return None
        texts = [c for c in features if ctx.profile.columns[c].kind == "string"]
        return _HashFeatures(self, label, features, texts)


class _HashFeatures:
    def __init__(self, detector: ConflictingLabels, label: str, features: list[str], texts: list[str]) -> None:
        self.detector, self.label, self.features, self.texts = detector, label, features, texts
        self.parts: list[pl.DataFrame] = []

    def update(self, df: pl.DataFrame, offset: int) -> None:
        df = df.with_row_index("__row__", offset=offset).filter(pl.col(self.label).is_not_null())
        feats = df.select(self.features)
        norm = feats.with_columns(pl.col(t).cast(pl.String).str.to_lowercase()
                                  .str.replace_all(r"\s+", " ").str.strip_chars() for t in self.texts)
        self.parts.append(pl.DataFrame({
            "row": df["__row__"], "exact": hash_rows(feats, seed=5), "norm": hash_rows(norm, seed=7),
            "label": df[self.label].cast(pl.String),
        }))

    def finish(self) -> Iterator[Finding]:
        if not self.parts:
            return
        det, label = self.detector, self.label
        rows = pl.concat(self.parts)
        groups = (rows.group_by("norm").agg(
            pl.col("label").n_unique().alias("labels"), pl.len().alias("n"),
            pl.col("exact").n_unique().alias("spellings"), pl.col("row").sort().alias("rows"),
            pl.col("label").alias("values"))
            .filter(pl.col("labels") > 1)
            .with_columns(pl.col("rows").list.first().alias("first"))
            .sort(["n", "first"], descending=[True, False]))
        if groups.height == 0:
            return
        in_conflict = np.sort(np.concatenate([np.asarray(r) for r in groups["rows"].to_list()]))
        share = in_conflict.size / rows.height
        coarse = rows["norm"].n_unique() < COARSE_SHARE * rows.height
        only_normalised = int((groups["spellings"] > 1).sum())
        shown = []
        for g in groups.head(GROUPS_SHOWN).iter_rows(named=True):
            counts = (pl.Series("label", g["values"]).value_counts()
                      .sort(["count", "label"], descending=[True, False]))
            shown.append({"rows": g["rows"][:ROWS_PER_GROUP], "count": g["n"],
                          "labels": dict(zip(counts["label"].to_list(), counts["count"].to_list(), strict=True))})
        severity = "warning" if share >= WARNING_SHARE and not coarse else "info"
        first = shown[0]
        example = ", ".join(f"{short(k, 20)}: {v}" for k, v in list(first["labels"].items())[:3])
        title = (f"{label}: {groups.height:,} groups of identical inputs carry different labels "
                 f"({in_conflict.size:,} rows, {pct(share)}; largest: {example})")
        evidence = {"count": int(in_conflict.size), "share": share, "groups": groups.height,
                    "groups_only_after_normalising_text": only_normalised, "features": self.features,
                    "coarse_features": coarse, "largest_groups": shown,
                    "all_rows": in_conflict[:MAX_ALL_ROWS].tolist()}
        yield det.finding("labels.conflicting", severity, [label, *self.features][:20], title, evidence,
                          rows=in_conflict[:100].tolist())
