"""Coverage, duplicates, cardinality and row multiplication of one join, from distinct keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tripwire.joins.keys import COUNT, HASH, comparable, example, key_hash

#: keys listed as examples per side
EXAMPLES = 10


@dataclass(frozen=True)
class Side:
    """One side's keys: rows, distinct keys, orphans (no partner), repeated keys."""

    rows: int
    null_rows: int
    keys: int
    orphan_rows: int
    orphan_keys: int
    orphan_examples: list[dict[str, Any]]
    duplicate_keys: int
    duplicate_rows: int
    duplicate_examples: list[dict[str, Any]]

    @property
    def unique(self) -> bool:
        """Tell whether every key occurs on one row at most."""
        return self.duplicate_keys == 0


@dataclass(frozen=True)
class JoinAnalysis:
    """What joining two sides on their keys gives, before anyone runs the join."""

    left: Side
    right: Side
    matched_left_rows: int
    joined_rows: int
    #: distinct keys of each side with their row counts, cast so that they compare
    left_keys: pl.DataFrame = field(repr=False)
    right_keys: pl.DataFrame = field(repr=False)
    #: left keys without a partner (in no particular order: `ranked` gives the first ones)
    left_orphans: pl.DataFrame = field(repr=False)
    right_orphans: pl.DataFrame = field(repr=False)

    @property
    def cardinality(self) -> str:
        """Return the cardinality the keys show: 1:1, 1:n, n:1 or n:m."""
        return f"{'1' if self.left.unique else 'n'}:{'1' if self.right.unique else 'n'}".replace(
            "n:n", "n:m")

    @property
    def multiplication(self) -> float:
        """Return rows of the inner join per matched left row (1.0 when no key repeats on the right)."""
        return self.joined_rows / self.matched_left_rows if self.matched_left_rows else 0.0


def ranked_keys(frame: pl.DataFrame, k: int | None = None) -> pl.DataFrame:
    """Return the keys on most rows first (ties by key), all of them or the first k."""
    keys = [c for c in frame.columns if c not in (COUNT, HASH)]
    if k is not None and frame.height > k:
        # the k-th largest count: every key at or above it, then sorted (ties stay complete)
        kth = frame.get_column(COUNT).top_k(k).min()
        frame = frame.filter(pl.col(COUNT) >= kth)
    return frame.sort([COUNT, *keys], descending=[True, *([False] * len(keys))], nulls_last=True)


def _listed(frame: pl.DataFrame) -> list[dict[str, Any]]:
    keys = [c for c in frame.columns if c not in (COUNT, HASH)]
    return [{"key": example(row[:-1]), "rows": row[-1]}
            for row in ranked_keys(frame, EXAMPLES).head(EXAMPLES).select([*keys, COUNT]).iter_rows()]


def _side(counts: pl.DataFrame, null_rows: int, orphans: pl.DataFrame) -> Side:
    dups = counts.filter(pl.col(COUNT) > 1)
    return Side(
        rows=int(counts[COUNT].sum() or 0) + null_rows, null_rows=null_rows, keys=counts.height,
        orphan_rows=int(orphans[COUNT].sum() or 0), orphan_keys=orphans.height,
        orphan_examples=_listed(orphans), duplicate_keys=dups.height,
        duplicate_rows=int(dups[COUNT].sum() or 0), duplicate_examples=_listed(dups))


def analyse(left: pl.DataFrame, right: pl.DataFrame, left_nulls: int = 0, right_nulls: int = 0) -> JoinAnalysis:
    """Analyse the join of two key-count frames (`keys.key_counts`), keys named alike on both.

    Rows with a null key part never join (as in SQL) and are counted as `null_rows`.
    """
    left, right = comparable(left, right)
    keys = [c for c in left.columns if c != COUNT]
    left, right = left.with_columns(key_hash(keys)), right.with_columns(key_hash(keys))
    in_right = left.get_column(HASH).is_in(right.get_column(HASH).implode())
    in_left = right.get_column(HASH).is_in(left.get_column(HASH).implode())
    matched = left.filter(in_right).select(HASH, COUNT).join(
        right.filter(in_left).select(HASH, pl.col(COUNT).alias("__r")), on=HASH)
    joined = matched.select((pl.col(COUNT).cast(pl.Int64) * pl.col("__r").cast(pl.Int64)).sum()).item()
    left_orphans, right_orphans = left.filter(~in_right).drop(HASH), right.filter(~in_left).drop(HASH)
    left, right = left.drop(HASH), right.drop(HASH)
    return JoinAnalysis(
        left=_side(left, left_nulls, left_orphans), right=_side(right, right_nulls, right_orphans),
        matched_left_rows=int(matched[COUNT].sum() or 0), joined_rows=int(joined or 0),
        left_keys=left, right_keys=right, left_orphans=left_orphans, right_orphans=right_orphans)
