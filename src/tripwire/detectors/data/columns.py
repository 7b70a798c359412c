"""data.constant_column and data.identifier_column: columns that carry no signal."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from tripwire.detectors.common import is_free_text, is_slice_of, pct, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.report import Finding

ID_NAME = re.compile(r"(^|_|\b)(id|uuid|guid|key|code|number|no)$|id$", re.IGNORECASE)
NEAR_CONSTANT = 0.999
#: whole numbers spanning at most this many times their count form a sequence (row ids)
SEQUENCE_SLACK = 1.5


@register
class ConstantColumn(Detector):
    """Report columns holding one value (or one value in 99.9% of rows)."""

    name, family, codes = "constant_column", "data", ("data.constant_column",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            if col.non_null < 2:
                continue
            top = col.frequent.top(1)
            if not top:
                continue
            value, count = top[0]
            share = count / col.non_null
            ref = ctx.reference.columns.get(col.name) if ctx.reference is not None else None
            varied_before = (ref is not None and ref.non_null > 1 and ref.distinct_count > 1.5
                             and _others_expected(value, ref, col.non_null))
            if col.distinct_count <= 1.0 and share == 1.0:
                sliced = ref is not None and is_slice_of(col, ref)
                severity = "warning" if varied_before and not sliced else "info"
                title = f"{col.name}: every value is {short(value)}"
                if sliced:
                    title += (f", one of the reference's {ref.distinct_count:,.0f} values: "
                              "this batch is a slice of it")
                elif varied_before:
                    title += f" (the reference had {ref.distinct_count:,.0f} distinct values)"
            elif share >= NEAR_CONSTANT and col.non_null >= 1000:
                severity = "info"
                title = f"{col.name}: {pct(share)} of values are {short(value)}"
            else:
                continue
            yield self.finding("data.constant_column", severity, col.name, title,
                               {"value": value, "share": share, "distinct": col.distinct_count})


def _others_expected(value: object, ref: ColumnProfile, n: int) -> bool:
    """Tell whether n values drawn like the reference would hardly all be `value` (chance <= 1%);
    a reference with a handful of other values says little about a small batch."""
    same = ref.frequent.counts.get(value, 0) / ref.non_null if ref.frequent.exact else 0.0
    if same >= 1.0:
        return False
    if same <= 0.0:
        return True
    return n * math.log(same) <= math.log(0.01)


def identifier_evidence(col: ColumnProfile) -> list[str]:
    """Return why a column looks like an identifier (empty when it does not).

    Near-uniqueness alone is no evidence: weights in lbs, prices in cents and counts are
    unique per row too. It takes a key-like name, a dense sequence of whole numbers (max - min
    close to the count), or codes in text or of nine digits and more.
    """
    if col.non_null < 100 or col.inferred_type not in ("int", "string") or is_free_text(col):
        return []
    ratio = col.distinct_count / col.non_null
    named = bool(ID_NAME.search(col.name))
    # HLL estimates are within a few % of the truth; a name like *_id lowers the bar
    if ratio < (0.9 if named else 0.97):
        return []
    why = ["a key-like name"] if named else []
    num = col.numbers
    if col.inferred_type == "string" and col.kind == "string":
        why.append("unique text codes")
    elif num.n and num.integral == num.n and num.min is not None:
        if num.max - num.min + 1 <= SEQUENCE_SLACK * col.non_null:
            why.append("a dense sequence of whole numbers")
        if num.min >= 1e8:
            why.append("codes of nine digits or more")
    return why


@register
class IdentifierColumn(Detector):
    """Report columns unique per row (ids): no predictive signal, a leakage risk."""

    name, family, codes = "identifier_column", "data", ("data.identifier_column",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            why = identifier_evidence(col)
            if not why:
                continue
            ratio = col.distinct_count / col.non_null
            yield self.finding(
                "data.identifier_column", "info", col.name,
                f"{col.name}: unique per row ({col.distinct_count:,.0f} distinct in "
                f"{col.non_null:,} values) with {' and '.join(why)}: an identifier, not a feature",
                {"distinct": col.distinct_count, "values": col.non_null, "ratio": min(ratio, 1.0),
                 "name_suggests_id": "a key-like name" in why, "evidence": why},
            )


@register
class LowQuantity(Detector):
    """Report a batch without a single row: nothing else can be judged on it."""

    name, family, codes = "low_quantity", "data", ("data.low_quantity",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        prof = ctx.profile
        if prof.rows:
            return
        yield self.finding(
            "data.low_quantity", "error", list(prof.columns),
            f"no rows: the batch has {len(prof.columns)} column(s) and not a single row",
            {"count": 0, "rows": 0, "columns": len(prof.columns)},
            fix="Find why the export or query returned no rows (a failed job, a filter on the "
                "wrong date) before using the batch.",
        )
