"""schema.type_mismatch: values of another type than the column's (alone or vs the reference)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from tripwire.detectors.common import disguised_null, real_values, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.report import Finding

#: a text column is "mostly numbers" when at least this share of its real values parse
MOSTLY = 0.9
NUMERIC = ("int", "float")


def not_a_number(name: str) -> pl.Expr:
    """Return an expression true on values of a text column that do not parse as numbers."""
    text = pl.col(name).cast(pl.String, strict=False)
    parsed = text.str.strip_chars().cast(pl.Float64, strict=False)
    return parsed.is_null() & text.is_not_null() & ~disguised_null(name)


@register
class TypeMismatch(Detector):
    """Report strings inside numeric columns, numbers stored as text, and type changes."""

    name, family, codes = "type_mismatch", "schema", ("schema.type_mismatch",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            ref = ctx.reference.columns.get(col.name) if ctx.reference is not None else None
            if ref is not None and (found := self._against_reference(col, ref)) is not None:
                yield found
                continue
            if col.text is None:
                continue
            yield from self._within_column(col)

    def _within_column(self, col: ColumnProfile) -> Iterator[Finding]:
        real = real_values(col)
        if real < 20:
            return
        numbers = col.text.parses.get("float", 0)
        odd = real - numbers
        if MOSTLY * real <= numbers < real:
            examples = col.text.examples.get("not_number", [])
            yield self.finding(
                "schema.type_mismatch", "error", col.name,
                f"{col.name}: {odd:,} values are not numbers in a column of numbers "
                f"(e.g. {', '.join(short(e, 30) for e in examples[:3])})",
                {"count": odd, "share": odd / col.count, "expected": "number",
                 "numeric_share": numbers / real, "examples": examples},
                locate=not_a_number(col.name),
            )
            return
        thousands = col.text.parses.get("thousands", 0)
        if thousands and numbers + thousands >= 0.98 * real:
            yield self.finding(
                "schema.type_mismatch", "warning", col.name,
                f"{col.name}: numbers stored as text with thousands separators "
                f"({thousands:,} values like '1,234')",
                {"count": thousands, "share": thousands / col.count, "expected": "number"},
                fix="Parse the column as numbers after removing the thousands separators.",
                locate=pl.col(col.name).cast(pl.String, strict=False).str.contains(r"^\s*[+-]?\d{1,3}(,\d{3})+"),
            )
            return
        for kind in ("date", "datetime"):
            parsed = col.text.parses.get(kind, 0)
            if MOSTLY * real <= parsed < real and parsed > numbers:
                odd = real - parsed
                yield self.finding(
                    "schema.type_mismatch", "warning", col.name,
                    f"{col.name}: {odd:,} values are not {kind}s in a column of {kind}s",
                    {"count": odd, "share": odd / col.count, "expected": kind},
                )
                return

    def _against_reference(self, col: ColumnProfile, ref: ColumnProfile) -> Finding | None:
        was, now = ref.inferred_type, col.inferred_type
        if "empty" in (was, now) or was == now or {was, now} <= set(NUMERIC):
            return None
        if {was, now} <= {"date", "datetime"}:
            return None
        evidence = {"reference_type": was, "type": now, "physical_type": col.physical_type}
        locate = None
        if was in NUMERIC and col.text is not None:
            numbers = col.text.parses.get("float", 0)
            odd = real_values(col) - numbers
            examples = col.text.examples.get("not_number", [])
            evidence |= {"count": odd, "share": odd / max(col.count, 1), "examples": examples}
            locate = not_a_number(col.name)
            title = (f"{col.name}: was {was}, now holds text: {odd:,} values are not numbers"
                     + (f" (e.g. {', '.join(short(e, 30) for e in examples[:3])})" if examples else ""))
        else:
            title = f"{col.name}: type changed from {was} to {now}"
        return self.finding("schema.type_mismatch", "error", col.name, title, evidence, locate=locate)
