"""data.missing_values: nulls and disguised nulls, alone or against the reference's rate."""

from __future__ import annotations

from collections.abc import Iterator

from tripwire.detectors.common import missing_expr, pct, rose_significantly
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling.stats.text import DISGUISED_NULLS
from tripwire.report import Finding

#: without a reference, a column this empty is worth a look
INFO_SHARE = 0.2


@register
class MissingValues(Detector):
    """Report columns with many missing values, or more than the reference had."""

    name, family, codes = "missing_values", "data", ("data.missing_values",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            if col.count == 0:
                continue
            missing = col.missing
            share = missing / col.count
            tokens = _disguised_tokens(col)
            evidence = {"count": missing, "share": share, "nulls": col.nulls + col.nan,
                        "disguised": tokens}
            locate = missing_expr(col.name, col.kind)
            ref = ctx.reference.columns.get(col.name) if ctx.reference is not None else None
            if ref is not None and ref.count:
                ref_share = ref.missing / ref.count
                evidence["reference_share"] = ref_share
                if not rose_significantly(missing, col.count, ref.missing, ref.count):
                    continue
                rise = share - ref_share
                if rise >= 0.25 or (share >= 0.5 and ref_share < 0.05):
                    severity = "error"
                elif rise >= 0.03 and share >= 2 * ref_share:
                    severity = "warning"
                elif rise >= 0.01 and share >= 2 * ref_share:
                    severity = "info"
                else:
                    continue
                title = f"{col.name}: {pct(share)} missing, up from {pct(ref_share)} in the reference"
            elif share == 1.0:
                severity, title = "warning", f"{col.name}: every value is missing"
            elif share >= INFO_SHARE or tokens:
                severity = "info"
                title = f"{col.name}: {missing:,} missing values ({pct(share)})"
                if tokens:
                    title += ", " + ", ".join(f"{n:,} written as {v!r}" for v, n in list(tokens.items())[:3])
            else:
                continue
            yield self.finding("data.missing_values", severity, col.name, title, evidence,
                               locate=locate)


def _disguised_tokens(col) -> dict[str, int]:  # noqa: ANN001
    """Return the disguised-null spellings seen in a column and how often."""
    if col.text is None or not col.text.disguised_nulls:
        return {}
    return {str(v): n for v, n in col.frequent.top()
            if isinstance(v, str) and v.strip().lower() in DISGUISED_NULLS}
