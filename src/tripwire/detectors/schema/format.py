"""schema.format_change: the way a column's values are written changed (N3).

Compares value-pattern signatures: the reference's dominant patterns (digits -> d, letters
-> A/a) against the batch's. Free-text columns, whose patterns are all different, are left out.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from tripwire.detectors.common import pct, rose_significantly
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.profiling.stats.patterns import signatures
from tripwire.report import Finding

TOP_PATTERNS = 10
#: the reference's top patterns must describe at least this share of its values
STRUCTURED = 0.9


def pattern_coverage(col: ColumnProfile, patterns: list[str]) -> float:
    """Return the share of a column's text values written in one of the given patterns."""
    pats = col.text.patterns
    return sum(pats.count(p) for p in patterns) / pats.total if pats.total else 0.0


@register
class FormatChange(Detector):
    """Report columns whose dominant value format changed from the reference's."""

    name, family, codes = "format_change", "schema", ("schema.format_change",)
    requires = frozenset({"profile", "reference"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            ref = ctx.reference.columns.get(col.name)
            if ref is None or ref.text is None or col.text is None or col.text.patterns.total < 20:
                continue
            top = [p for p, _ in ref.text.patterns.top(TOP_PATTERNS)]
            before = pattern_coverage(ref, top)
            if before < STRUCTURED:
                continue
            now = pattern_coverage(col, top)
            total, ref_total = col.text.patterns.total, ref.text.patterns.total
            if not rose_significantly(round((1 - now) * total), total, round((1 - before) * ref_total),
                                      ref_total):
                continue
            if now > before - 0.05:
                continue
            new = [(p, n) for p, n in col.text.patterns.top(5) if p not in top]
            severity = "error" if now < 0.5 else "warning"
            yield self.finding(
                "schema.format_change", severity, col.name,
                f"{col.name}: {pct(1 - now)} of values are written in a new format "
                f"({', '.join(repr(p) for p, _ in new[:3]) or 'new patterns'} instead of "
                f"{', '.join(repr(p) for p in top[:2])})",
                {"share": 1 - now, "reference_patterns": dict(ref.text.patterns.top(5)),
                 "patterns": dict(col.text.patterns.top(5)), "reference_coverage": before,
                 "coverage": now},
                locate=pl.col(col.name).is_not_null()
                & ~pl.col(col.name).cast(pl.String).map_batches(signatures, return_dtype=pl.String).is_in(top),
            )
