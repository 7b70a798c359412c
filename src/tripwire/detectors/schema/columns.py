"""schema.missing_column, schema.unexpected_column, schema.serving_skew (against a reference)."""

from __future__ import annotations

from collections.abc import Iterator

from tripwire.detectors.common import pct
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.report import Finding


@register
class SchemaDifference(Detector):
    """Report columns that vanished, appeared, or arrive empty compared with the reference (N4)."""

    name, family = "schema", "schema"
    codes = ("schema.missing_column", "schema.unexpected_column", "schema.serving_skew")
    requires = frozenset({"profile", "reference"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        cur, ref = ctx.profile.columns, ctx.reference.columns
        for name in ref:
            if name not in cur:
                yield self.finding(
                    "schema.missing_column", "error", name,
                    f"{name}: in the reference, missing from this batch",
                    {"reference_type": ref[name].inferred_type,
                     "reference_null_share": ref[name].null_share},
                )
        for name, col in cur.items():
            if name not in ref:
                yield self.finding(
                    "schema.unexpected_column", "warning", name,
                    f"{name}: new column, not in the reference ({col.inferred_type})",
                    {"type": col.inferred_type, "null_share": col.null_share},
                )
                continue
            before = ref[name]
            if before.non_null > 0 and before.null_share < 0.5 and col.count > 0 and col.non_null == 0:
                yield self.finding(
                    "schema.serving_skew", "error", name,
                    f"{name}: every value is missing, but only {pct(before.null_share)} was in the reference",
                    {"null_share": 1.0, "reference_null_share": before.null_share},
                )
