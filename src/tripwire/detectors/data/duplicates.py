"""data.duplicates (exact rows) and data.near_duplicates (text equal once normalised).

Both need the rows: one pass hashes every row (and the normalised text columns) per batch;
only 8-byte hashes are kept, so 10M rows cost about 80 MB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import polars as pl

from tripwire.detectors.common import is_free_text, pct, rose_significantly
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.detectors.rowhash import batch_row_hashes, repeated_rows, sample_row_hashes
from tripwire.profiling import DatasetProfile
from tripwire.report import Finding
from tripwire.report.finding import MAX_ALL_ROWS
from tripwire.vocabulary import later_occurrences

#: duplicates are suspicious in data with a column this close to unique per row
HIGH_CARDINALITY = 0.5
#: duplicates where the reference had none: chance it drew none, were both alike, at most this
NEW_DUPLICATES_CHANCE = 0.01


def normalised_text(name: str) -> pl.Expr:
    """Return text lower-cased, without punctuation, with single spaces."""
    return (pl.col(name).cast(pl.String).str.to_lowercase()
            .str.replace_all(r"[\p{P}\p{S}]+", " ").str.replace_all(r"\s+", " ").str.strip_chars())


@register
class Duplicates(Detector):
    """Report exact duplicate rows and texts repeated with trivial differences."""

    name, family = "duplicates", "data"
    codes = ("data.duplicates", "data.near_duplicates")
    requires = frozenset({"profile", "rows"})

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Hash every row (and each free-text column, normalised) in the shared row pass."""
        prof = ctx.profile
        if prof.rows < 2 or not prof.columns:
            return None
        return _DuplicateHashes(self, ctx, [c.name for c in prof.columns.values() if is_free_text(c)])

    def _exact(self, ctx: ScanContext, dup_rows: np.ndarray) -> Finding:
        prof = ctx.profile
        share = dup_rows.size / prof.rows
        evidence = {"count": int(dup_rows.size), "share": share,
                    "all_rows": dup_rows[:MAX_ALL_ROWS].tolist()}
        ref_dups = reference_duplicates(ctx.reference, list(prof.columns))
        if ref_dups is not None:
            k_ref, n_ref = ref_dups
            evidence["reference_share"] = k_ref / n_ref if n_ref else 0.0
            if k_ref == 0:
                chance = (prof.rows / (prof.rows + n_ref)) ** dup_rows.size
                severity = "warning" if chance <= NEW_DUPLICATES_CHANCE else "info"
            else:
                severity = ("warning" if rose_significantly(dup_rows.size, prof.rows, k_ref, n_ref)
                            and share >= 2 * k_ref / n_ref else "info")
        else:
            # rows mostly distinct, yet some repeat: suspicious; measured on rows, not on
            # columns, so heavy duplication cannot hide itself by lowering a column's
            # distinctness. In data made only of a few categories repeats are expected.
            unique_rows = prof.rows - dup_rows.size
            unique_ish = unique_rows >= HIGH_CARDINALITY * prof.rows or any(
                c.distinct_count >= HIGH_CARDINALITY * c.non_null and c.non_null >= 0.5 * prof.rows
                for c in prof.columns.values())
            severity = "warning" if unique_ish and share >= 0.001 else "info"
        title = f"{dup_rows.size:,} rows are exact duplicates of an earlier row ({pct(share)})"
        if ref_dups is not None:
            title += f"; the reference had {pct(evidence['reference_share'])}"
        return self.finding("data.duplicates", severity, list(prof.columns), title, evidence,
                            rows=dup_rows[:100].tolist())


def reference_duplicates(ref: DatasetProfile | None, order: Sequence[str] = ()) -> tuple[int, int] | None:
    """Return (duplicate rows, rows) of the reference when its row sample holds all of it.

    `order`: the batch's columns; when the reference has the same, its rows are hashed in
    that order, the very hashes the train/test-overlap task looks rows up in (made once).
    """
    if ref is None or ref.rows == 0 or ref.sample.num_rows != ref.rows:
        return None
    frame = ref.sample_frame()
    if frame is None:
        return None
    columns = [c for c in frame.columns if c != "__row__"]
    if set(order) == set(columns):
        columns = list(order)
    return int(later_occurrences(sample_row_hashes(ref, columns, frame)).size), ref.rows


class _DuplicateHashes:
    """Keeps 8-byte hashes of every row and of each normalised text, then finds the repeats."""

    def __init__(self, detector: Duplicates, ctx: ScanContext, texts: list[str]) -> None:
        self.detector, self.ctx, self.texts = detector, ctx, texts
        self.row_hashes: list[np.ndarray] = []
        self.text_hashes: dict[str, list[np.ndarray]] = {t: [] for t in texts}
        self.raw_hashes: dict[str, list[np.ndarray]] = {t: [] for t in texts}

    def update(self, df: pl.DataFrame, offset: int) -> None:
        self.row_hashes.append(batch_row_hashes(df))  # computed once per batch, shared with the overlap check
        if not self.texts:
            return
        df = df.with_row_index("__row__", offset=offset)
        for t in self.texts:
            # empty and missing texts are missing values (reported elsewhere), not duplicates
            kept = df.select("__row__", norm=normalised_text(t), raw=pl.col(t)).filter(
                pl.col("norm").is_not_null() & (pl.col("norm") != ""))
            self.text_hashes[t].append(kept.select("__row__", pl.col("norm").hash(seed=2)).to_numpy())
            self.raw_hashes[t].append(kept.select("__row__", pl.col("raw").hash(seed=1)).to_numpy())

    def finish(self) -> Iterator[Finding]:
        det, prof = self.detector, self.ctx.profile
        dup_rows = repeated_rows(self.row_hashes)  # the sort the overlap check also needs, made once
        if dup_rows.size:
            yield det._exact(self.ctx, dup_rows)
        for t in self.texts:
            # rows that are whole duplicates are reported above; here, texts that repeat
            norm = np.concatenate(self.text_hashes[t]) if self.text_hashes[t] else np.zeros((0, 2), np.uint64)
            raw = np.concatenate(self.raw_hashes[t]) if self.raw_hashes[t] else np.zeros((0, 2), np.uint64)
            repeats = np.setdiff1d(norm[later_occurrences(norm[:, 1]), 0].astype(np.int64), dup_rows)
            if repeats.size == 0:
                continue
            verbatim = int(np.isin(repeats, raw[later_occurrences(raw[:, 1]), 0].astype(np.int64)).sum())
            share = repeats.size / prof.rows
            yield det.finding(
                "data.near_duplicates", "warning" if share >= 0.01 else "info", t,
                f"{t}: {repeats.size:,} texts repeat an earlier one once case, spacing and "
                f"punctuation are ignored ({pct(share)} of rows)",
                {"count": int(repeats.size), "share": share, "verbatim_repeats": verbatim,
                 "all_rows": repeats[:MAX_ALL_ROWS].tolist()},
                rows=repeats[:100].tolist(),
            )
