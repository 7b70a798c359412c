"""Repair rules: what a finding proposes, as data (rule name, column, parameters).

A rule is immutable and says what it does without the data: a value mapping, values to
null, a number layout to parse, a factor to rescale by, or dropping exact duplicate rows.
The encoding rule names a fixer; its value mapping is worked out on the column's distinct
values when applied, so a later batch's new damage is repaired the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tripwire.errors import UsageError
from tripwire.report import Finding, Report

#: rule name -> the finding code it comes from (also the order rules are applied in: text
#: repairs first, then variant mappings, whose damaged keys are repaired the same way)
RULE_CODES = {
    "disguised_nulls": "data.missing_values",
    "encoding": "data.encoding",
    "category_variants": "data.category_variants",
    "numbers_as_text": "schema.type_mismatch",
    "rescale": "data.magnitude_error",
    "exact_duplicates": "data.duplicates",
}
#: encoding damage kinds a fixer can undo, and the fixer (the rest lost bytes or are style)
FIXERS = {"mojibake": "ftfy", "html_entity": "html", "control": "control"}


@dataclass(frozen=True)
class Rule:
    """One repair: `name` (see RULE_CODES), the column (None for whole rows), its parameters."""

    name: str
    column: str | None
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def code(self) -> str:
        """Return the issue code this rule repairs."""
        return RULE_CODES[self.name]


@dataclass(frozen=True)
class Skipped:
    """A finding whose repair was not applied, and why."""

    code: str
    column: str | None
    reason: str


def rules_from_report(report: Report, rescale: Mapping[str, float] | None = None) -> tuple[list[Rule], list[Skipped]]:
    """Return the repairs a report's findings propose, and the findings left alone with the reason.

    A magnitude error is rescaled only when `rescale` names its column and the factor the
    finding measured (a guessed factor must not silently change values).
    """
    rules: list[Rule] = []
    skipped: list[Skipped] = []
    for f in report.findings:
        made, why = _from_finding(f, rescale or {})
        rules += made
        if why:
            skipped.append(Skipped(f.code, f.columns[0] if len(f.columns) == 1 else None, why))
    return merged(rules), skipped


def _from_finding(f: Finding, rescale: Mapping[str, float]) -> tuple[list[Rule], str]:
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    col = f.columns[0] if f.columns else None
    if f.code == "data.category_variants" and isinstance(ev.get("mapping"), dict):
        return [Rule("category_variants", col, {"mapping": dict(ev["mapping"])})], ""
    if f.code == "data.encoding":
        fixer = FIXERS.get(str(ev.get("kind")))
        if fixer is None:
            return [], f"{ev.get('kind')}: nothing to undo automatically (lost bytes or a style choice)"
        return [Rule("encoding", col, {"fixer": fixer})], ""
    if f.code == "data.missing_values":
        per = ev.get("per_column") if isinstance(ev.get("per_column"), dict) else {col: ev}
        out = [Rule("disguised_nulls", c, {"values": sorted(e["disguised"])})
               for c, e in per.items() if isinstance(e, dict) and e.get("disguised")]
        return out, "" if out else "real nulls: nothing to repair"
    if f.code == "schema.type_mismatch":
        if ev.get("expected") == "number" and "thousands" in f.title:
            return [Rule("numbers_as_text", col, {"thousands": ",", "decimal": "."})], ""
        return [], "values that are not numbers: the rows are listed, the right value is not known"
    if f.code == "data.magnitude_error":
        factor = ev.get("factor")
        if col not in rescale:
            return [], f"name the factor to rescale by (--rescale {col}={factor:g})" if factor else "no factor"
        if factor and abs(float(rescale[col]) - float(factor)) > 1e-9 * abs(float(factor)):
            raise UsageError(f"--rescale {col}={rescale[col]:g}: the finding measured a factor of {factor:g}; "
                             "name that factor, or leave the column out")
        lo, hi = (ev.get("range") or [None, None])[:2]
        return [Rule("rescale", col, {"factor": float(rescale[col]), "min": lo, "max": hi})], ""
    if f.code == "data.duplicates":
        return [Rule("exact_duplicates", None, {})], ""
    return [], ""


def merged(rules: Iterable[Rule]) -> list[Rule]:
    """Return one rule per (name, column), later ones winning, in the order repairs apply."""
    by_key: dict[tuple[str, str | None], Rule] = {}
    for r in rules:
        if r.name == "category_variants" and (r.name, r.column) in by_key:
            old = by_key[(r.name, r.column)].params["mapping"]
            r = Rule(r.name, r.column, {"mapping": {**old, **r.params["mapping"]}})
        if r.name == "disguised_nulls" and (r.name, r.column) in by_key:
            old = by_key[(r.name, r.column)].params["values"]
            r = Rule(r.name, r.column, {"values": sorted({*old, *r.params["values"]})})
        by_key[(r.name, r.column)] = r
    order = list(RULE_CODES)
    return sorted(by_key.values(), key=lambda r: (order.index(r.name), r.column or ""))


def select(rules: list[Rule], apply: Iterable[str] | None, skip: Iterable[str] | None) -> list[Rule]:
    """Keep the rules `apply` names (all when None) minus those `skip` names; codes or rule names."""
    known = set(RULE_CODES) | set(RULE_CODES.values())
    for given in (*(apply or ()), *(skip or ())):
        if given not in known:
            import difflib

            close = difflib.get_close_matches(given, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(sorted(known))}"
            raise UsageError(f"--apply/--skip {given!r} is not a repair; {hint}")
    wanted = set(apply) if apply is not None else None
    dropped = set(skip or ())
    return [r for r in rules if (wanted is None or r.name in wanted or r.code in wanted)
            and r.name not in dropped and r.code not in dropped]
