"""data.missing_values: nulls and disguised nulls, alone or against the reference's rate.

Each column is judged on its own; then, when the rows are at hand, columns flagged together
are grouped by the rows they are missing in: rows missing the same set of flagged columns
make one finding ("1,261 rows are missing dep_time, arr_time together"), so a cell is never
reported twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from tripwire.detectors.common import missing_expr, pct, rose_significantly
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.profiling.stats.text import DISGUISED_NULLS
from tripwire.report import Finding
from tripwire.report.finding import MAX_ALL_ROWS, SEVERITY_RANK

#: without a reference, a column this empty is worth a look
INFO_SHARE = 0.2
#: missing values in a column the reference had none in: chance that the reference would
#: have drawn none of them, were both batches missing at the same rate, at most this
NEW_MISSING_CHANCE = 0.01


@dataclass(frozen=True)
class ColumnVerdict:
    """How one column's missing values were judged."""

    column: ColumnProfile
    severity: str
    title: str
    evidence: dict


@register
class MissingValues(Detector):
    """Report columns with many missing values, or more than the reference had."""

    name, family, codes = "missing_values", "data", ("data.missing_values",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        verdicts = _verdicts(ctx)
        if not _grouped(ctx, verdicts):
            for v in verdicts:
                yield self._single(v)

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """With the rows at hand, group the flagged columns by the rows they are missing in."""
        verdicts = _verdicts(ctx)
        return _MissingPatterns(self, ctx, verdicts) if _grouped(ctx, verdicts) else None

    def _single(self, v: ColumnVerdict) -> Finding:
        col = v.column
        return self.finding("data.missing_values", v.severity, col.name, v.title, v.evidence,
                            locate=missing_expr(col.name, col.kind))

    def _group(self, verdicts: list[ColumnVerdict], lead: int, members: dict[int, int], rows: int,
               located: np.ndarray) -> Finding:
        """Return the finding of rows missing the lead pattern's columns (and perhaps more)."""
        names = [v.column.name for v in verdicts]
        cols = [names[i] for i in range(len(verdicts)) if lead >> i & 1]
        n = sum(members.values())
        if len(cols) == 1 and len(members) == 1:
            alone = verdicts[names.index(cols[0])]
            if n == alone.column.missing:  # missing alone, in no shared row
                return self._single(alone).with_rows(located[:MAX_ALL_ROWS].tolist(), n)
        also: dict[str, int] = {}
        for pattern, k in members.items():
            for i in range(len(verdicts)):
                if pattern >> i & 1 and not lead >> i & 1:
                    also[names[i]] = also.get(names[i], 0) + k
        involved = [i for i in range(len(verdicts)) if (lead >> i & 1) or names[i] in also]
        severity = min((verdicts[i].severity for i in involved), key=SEVERITY_RANK.__getitem__)
        share = n / rows
        together = " together" if len(cols) > 1 else ""
        title = f"{n:,} rows are missing {', '.join(cols)}{together} ({pct(share)} of rows)"
        if also:
            title += "; " + ", ".join(f"{k:,} of them also miss {c}" for c, k in also.items())
        evidence = {"count": n, "share": share, "columns": cols, "also_missing": also,
                    "per_column": {names[i]: verdicts[i].evidence for i in involved},
                    "why": {names[i]: verdicts[i].title for i in involved}}
        return self.finding("data.missing_values", severity, cols + list(also), title,
                            evidence).with_rows(located[:MAX_ALL_ROWS].tolist(), n)


def _verdicts(ctx: ScanContext) -> list[ColumnVerdict]:
    return [v for col in ctx.profile.columns.values() if (v := judge(col, ctx)) is not None]


def _grouped(ctx: ScanContext, verdicts: list[ColumnVerdict]) -> bool:
    # one bit per flagged column in a 64-bit pattern
    return 2 <= len(verdicts) <= 62 and ctx.source is not None


class _MissingPatterns:
    """Which flagged columns each row misses (a bit pattern), kept for rows missing any."""

    def __init__(self, detector: MissingValues, ctx: ScanContext, verdicts: list[ColumnVerdict]) -> None:
        self.detector, self.ctx, self.verdicts = detector, ctx, verdicts
        self.bits = pl.sum_horizontal(
            missing_expr(v.column.name, v.column.kind).fill_null(True).cast(pl.Int64) * (1 << i)
            for i, v in enumerate(verdicts)).alias("pattern")
        self.rows: list[np.ndarray] = []
        self.patterns: list[np.ndarray] = []

    def update(self, df: pl.DataFrame, offset: int) -> None:
        pattern = df.select(self.bits).to_series().to_numpy()
        hit = np.flatnonzero(pattern)
        self.rows.append(hit + offset)
        self.patterns.append(pattern[hit])

    def finish(self) -> Iterator[Finding]:
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, np.int64)
        patterns = np.concatenate(self.patterns) if self.patterns else np.zeros(0, np.int64)
        values, counts = np.unique(patterns, return_counts=True)
        # each pattern joins the first larger group whose columns it all misses (cancelled
        # flights that also lack a tail number stay cancelled flights); the rest lead a group
        groups: list[tuple[int, dict[int, int]]] = []
        for pattern, n in sorted(zip(values.tolist(), counts.tolist(), strict=True), key=lambda kv: (-kv[1], kv[0])):
            home = next((g for g in groups if pattern & g[0] == g[0]), None)
            if home is None:
                groups.append((pattern, {pattern: n}))
            else:
                home[1][pattern] = n
        for lead, members in groups:
            located = np.sort(rows[np.isin(patterns, list(members))])
            yield self.detector._group(self.verdicts, lead, members, self.ctx.profile.rows, located)


def judge(col: ColumnProfile, ctx: ScanContext) -> ColumnVerdict | None:
    """Return how worrying a column's missing values are (None when they are not)."""
    if col.count == 0:
        return None
    missing = col.missing
    share = missing / col.count
    tokens = _disguised_tokens(col)
    evidence = {"count": missing, "share": share, "nulls": col.nulls + col.nan,
                "disguised": tokens}
    ref = ctx.reference.columns.get(col.name) if ctx.reference is not None else None
    if ref is not None and ref.count:
        ref_share = ref.missing / ref.count
        evidence["reference_share"] = ref_share
        if missing and ref.missing == 0 and new_missing_chance(missing, col.count, ref.count) <= NEW_MISSING_CHANCE:
            severity = "error" if share >= 0.25 else "warning"
            title = (f"{col.name}: {missing:,} missing values ({pct(share)}) in a column the "
                     f"reference ({ref.count:,} rows) had none in")
            return ColumnVerdict(col, severity, title, evidence)
        if not rose_significantly(missing, col.count, ref.missing, ref.count):
            return None
        rise = share - ref_share
        if rise >= 0.25 or (share >= 0.5 and ref_share < 0.05):
            severity = "error"
        elif rise >= 0.03 and share >= 2 * ref_share:
            severity = "warning"
        elif rise >= 0.01 and share >= 2 * ref_share:
            severity = "info"
        else:
            return None
        title = f"{col.name}: {pct(share)} missing, up from {pct(ref_share)} in the reference"
    elif share == 1.0:
        severity, title = "warning", f"{col.name}: every value is missing"
    elif share >= INFO_SHARE or tokens:
        severity = "info"
        title = f"{col.name}: {missing:,} missing values ({pct(share)})"
        if tokens:
            title += ", " + ", ".join(f"{n:,} written as {v!r}" for v, n in list(tokens.items())[:3])
    else:
        return None
    return ColumnVerdict(col, severity, title, evidence)


def new_missing_chance(missing: int, rows: int, ref_rows: int) -> float:
    """Return the chance that all of `missing` values fall in the current batch, none in the
    reference, were each row of both equally likely to hold one (the conditional test)."""
    return math.exp(missing * math.log(rows / (rows + ref_rows)))


def _disguised_tokens(col: ColumnProfile) -> dict[str, int]:
    """Return the disguised-null spellings seen in a column and how often."""
    if col.text is None or not col.text.disguised_nulls:
        return {}
    return {str(v): n for v, n in col.frequent.top()
            if isinstance(v, str) and v.strip().lower() in DISGUISED_NULLS}
