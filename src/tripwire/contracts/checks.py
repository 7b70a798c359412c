"""The built-in kinds of contract check: each decides from the profile when it can and
describes its failing rows for the shared row pass (see `contracts/unit.py`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from tripwire.contracts.expr import compile_rule, rule_columns
from tripwire.contracts.model import ColumnSpec, Contract
from tripwire.contracts.unit import (
    FAILED,
    PASSED,
    UNKNOWN,
    Check,
    CheckKind,
    Decision,
    RowEvidence,
    register_kind,
)
from tripwire.locators import ExprLocator, MaxLocator, OrderLocator, RepeatedKeyLocator, RowLocator
from tripwire.profiling import ColumnProfile, DatasetProfile
from tripwire.report.format import pct
from tripwire.vocabulary import disguised_null, missing_expr

__all__ = ["FAILED", "PASSED", "UNKNOWN", "Check", "Decision"]

#: contract type -> profile types that satisfy it
COMPATIBLE = {
    "int": {"int"}, "float": {"int", "float"}, "bool": {"bool"}, "string": {"string", "empty"},
    "category": {"string", "empty", "bool"}, "date": {"date"}, "datetime": {"datetime", "date"},
}


def _num(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64, strict=False)


def _bound(value: Any) -> str:
    return "" if value is None else str(value)


def _as_epoch(value: Any) -> float | None:
    """Return a bound as a number (dates and datetimes as epoch seconds, like the profile)."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    try:
        return _as_epoch(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _bound_lit(value: Any, col: ColumnProfile) -> pl.Expr:
    if col.kind == "temporal" and not isinstance(value, (int, float)):
        parsed = datetime.fromisoformat(str(value)) if not isinstance(value, (date, datetime)) else value
        if col.physical_type.startswith("date"):
            return pl.lit(parsed.date() if isinstance(parsed, datetime) else parsed)
        return pl.lit(parsed)
    return pl.lit(float(value))


def _is_time_bound(value: Any) -> bool:
    return isinstance(value, (date, datetime)) or (isinstance(value, str) and _as_epoch(value) is not None)


def _bound_mismatch(col: ColumnProfile, bounds: tuple[Any, ...]) -> str:
    """Say why bounds cannot be compared with the column's values ('' when they can)."""
    for bound in bounds:
        if bound is None:
            continue
        if col.kind != "temporal" and _is_time_bound(bound) and not isinstance(bound, (int, float)):
            return f"the bound {bound} is a date or time, but the column holds {col.inferred_type} values"
        if not isinstance(bound, (int, float, date, datetime)) and _as_epoch(bound) is None:
            return f"the bound {bound!r} is neither a number nor a date"
    return ""


class RequiredColumn(Check):
    """A column the contract requires is absent (built by `expand`, not by a kind)."""

    def decide(self, prof: DatasetProfile) -> Decision:
        return Decision(PASSED if self.columns[0] in prof else FAILED)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"{self.columns[0]}: required column is missing"


@register_kind("type")
class TypeCheck(Check, CheckKind):
    """The column holds values of the declared type."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.type is not None:
            yield cls(f"{spec.name}.type", "schema.type_mismatch", spec.severity, (spec.name,),
                      {"type": spec.type, "format": spec.format})

    def decide(self, prof: DatasetProfile) -> Decision:
        col = prof[self.columns[0]]
        want, have = self.params["type"], col.inferred_type
        ev: dict[str, Any] = {"expected": want, "type": have, "physical_type": col.physical_type}
        if have in COMPATIBLE[want] or have == "empty":
            return Decision(PASSED, ev)
        if want in ("int", "float") and col.text is not None:
            ev["examples"] = col.text.examples.get("not_number", [])
        return Decision(FAILED, ev)

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        c, want = self.columns[0], self.params["type"]
        col = prof[c]
        text = pl.col(c).cast(pl.String, strict=False)
        if want in ("int", "float") and (col.text is not None or (want == "int" and col.inferred_type == "float")):
            number = text.str.strip_chars().cast(pl.Float64, strict=False)
            bad = number.is_null() & text.is_not_null() & ~disguised_null(c)
            if want == "int":
                bad = bad | (number.is_not_null() & (number != number.floor()))
            return ExprLocator(bad)
        if want in ("date", "datetime") and col.kind == "string":
            fmt = self.params.get("format")
            parsed = text.str.to_datetime(format=fmt, strict=False) if fmt else text.str.to_datetime(strict=False)
            return ExprLocator(parsed.is_null() & text.is_not_null() & ~disguised_null(c))
        return None

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        c = self.columns[0]
        if count:
            return f"{c}: {count:,} values are not {evidence['expected']} (column reads as {evidence['type']})"
        return f"{c}: expected {evidence['expected']}, found {evidence['type']}"


@register_kind("missing")
class MissingCheck(Check, CheckKind):
    """The column has no missing values (`nullable: false`) or at most a share of them."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if not spec.nullable:
            yield cls(f"{spec.name}.nullable", "data.missing_values", spec.severity, (spec.name,),
                      {"nullable": False, "kind": col.kind})
        elif spec.max_null_share is not None:
            yield cls(f"{spec.name}.max_null_share", "data.missing_values", spec.severity, (spec.name,),
                      {"nullable": True, "max_null_share": spec.max_null_share, "kind": col.kind})

    def decide(self, prof: DatasetProfile) -> Decision:
        col = prof[self.columns[0]]
        share = col.missing / col.count if col.count else 0.0
        ev = {"count": col.missing, "share": share, "max_null_share": self.params.get("max_null_share")}
        if self.params["nullable"] is False:
            return Decision(FAILED if col.missing else PASSED, ev)
        return Decision(FAILED if share > self.params["max_null_share"] else PASSED, ev)

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        if self.params["nullable"] is False:
            return ExprLocator(missing_expr(self.columns[0], self.params["kind"]))
        return None

    def settle(self, decision: Decision, found: RowEvidence) -> Decision:
        # the profile's count is exact; the rows only name them
        return Decision(decision.status, {**decision.evidence, "count": found.count}, columns=decision.columns)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        c = self.columns[0]
        if self.params["nullable"] is False:
            return f"{c}: {evidence['count']:,} missing values in a column that must not be empty"
        return f"{c}: {pct(evidence['share'])} missing, above the limit of {pct(self.params['max_null_share'])}"


@register_kind("range")
class RangeCheck(Check, CheckKind):
    """Every value lies within [min, max] (numbers, dates and times)."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.min is not None or spec.max is not None:
            yield cls(f"{spec.name}.range", "data.out_of_range", spec.severity, (spec.name,),
                      {"min": spec.min, "max": spec.max})

    def decide(self, prof: DatasetProfile) -> Decision:
        col = prof[self.columns[0]]
        num = col.numbers
        lo, hi = _as_epoch(self.params["min"]), _as_epoch(self.params["max"])
        ev = {"min": self.params["min"], "max": self.params["max"],
              "observed_min": num.min if num.n else None, "observed_max": num.max if num.n else None}
        mismatch = _bound_mismatch(col, (self.params["min"], self.params["max"]))
        if mismatch:
            return Decision(UNKNOWN, ev, reason=mismatch)
        if num.n == 0:
            if col.non_null and col.kind == "string":
                return Decision(UNKNOWN, ev, reason="the column holds text, not numbers or dates")
            return Decision(PASSED, ev)
        bad = (lo is not None and num.min < lo) or (hi is not None and num.max > hi)
        return Decision(FAILED if bad else PASSED, ev)

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        c = self.columns[0]
        col = prof[c]
        if _bound_mismatch(col, (self.params["min"], self.params["max"])) or (
                col.kind == "string" and col.numbers.n == 0):
            return None  # nothing the rows could compare: the decision stays unknown, with its reason
        x = pl.col(c) if col.kind == "temporal" else _num(c)
        out = pl.lit(False)
        if self.params["min"] is not None:
            out = out | (x < _bound_lit(self.params["min"], col))
        if self.params["max"] is not None:
            out = out | (x > _bound_lit(self.params["max"], col))
        return ExprLocator(out)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        want = f"[{_bound(self.params['min'])}, {_bound(self.params['max'])}]"
        if count:
            return f"{self.columns[0]}: {count:,} values outside {want}"
        return f"{self.columns[0]}: values outside {want}"


@register_kind("allowed")
class AllowedCheck(Check, CheckKind):
    """Every value is one of the allowed values."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.allowed is not None:
            yield cls(f"{spec.name}.allowed", "data.out_of_range", spec.severity, (spec.name,),
                      {"allowed": tuple(spec.allowed)})

    def decide(self, prof: DatasetProfile) -> Decision:
        col = prof[self.columns[0]]
        if col.kind == "temporal":  # the profile keeps times as numbers: let the rows compare them
            return Decision(UNKNOWN, reason="allowed times are compared on the rows")
        if not col.frequent.exact:
            return Decision(UNKNOWN, reason="too many distinct values to list them from the profile")
        allowed = set(self.params["allowed"])
        bad = {v: n for v, n in col.frequent.top() if v not in allowed and str(v) not in allowed}
        return Decision(FAILED if bad else PASSED, {"unexpected": dict(list(bad.items())[:20])})

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        c = self.columns[0]
        if prof[c].kind == "temporal":  # compare times as times: their text forms differ by type
            values = [_as_epoch(v) for v in self.params["allowed"]]
            seconds = pl.col(c).dt.epoch("us").cast(pl.Float64) / 1e6
            return ExprLocator(pl.col(c).is_not_null() & ~seconds.is_in([v for v in values if v is not None]))
        texts = [str(v) for v in self.params["allowed"]]
        return ExprLocator(pl.col(c).is_not_null() & ~pl.col(c).cast(pl.String, strict=False).is_in(texts))

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        shown = ", ".join(repr(v) for v in list(evidence.get("unexpected", {}))[:3])
        return f"{self.columns[0]}: {count or 0:,} values not in the allowed set" + (f" ({shown})" if shown else "")


class _TextCheck(Check):
    """A check on each value's text, decided from the rows only."""

    def decide(self, prof: DatasetProfile) -> Decision:
        return Decision(UNKNOWN, reason="needs the rows, not only a profile")


@register_kind("regex")
class RegexCheck(_TextCheck, CheckKind):
    """Every value matches a regular expression, whole."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.regex is not None:
            yield cls(f"{spec.name}.regex", "data.out_of_range", spec.severity, (spec.name,), {"regex": spec.regex})

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        text = pl.col(self.columns[0]).cast(pl.String, strict=False)
        return ExprLocator(text.is_not_null() & ~text.str.contains(f"^(?:{self.params['regex']})$"))

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"{self.columns[0]}: {count or 0:,} values do not match /{self.params['regex']}/"


@register_kind("format")
class FormatCheck(_TextCheck, CheckKind):
    """Every text value parses as a date or time in the declared format."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.format is not None and col.kind == "string":
            yield cls(f"{spec.name}.format", "data.out_of_range", spec.severity, (spec.name,),
                      {"format": spec.format})

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        text = pl.col(self.columns[0]).cast(pl.String, strict=False)
        return ExprLocator(text.is_not_null()
                           & text.str.to_datetime(format=self.params["format"], strict=False).is_null())

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"{self.columns[0]}: {count or 0:,} values are not in the format {self.params['format']}"


@register_kind("length")
class LengthCheck(Check, CheckKind):
    """Every text value's length lies within [min_length, max_length]."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.min_length is not None or spec.max_length is not None:
            yield cls(f"{spec.name}.length", "data.out_of_range", spec.severity, (spec.name,),
                      {"min_length": spec.min_length, "max_length": spec.max_length})

    def decide(self, prof: DatasetProfile) -> Decision:
        t = prof[self.columns[0]].text
        if t is None:
            return Decision(UNKNOWN, reason="not a text column in the profile")
        if t.min_length is None:
            return Decision(PASSED)
        lo, hi = self.params["min_length"], self.params["max_length"]
        bad = (lo is not None and t.min_length < lo) or (hi is not None and t.max_length > hi)
        return Decision(FAILED if bad else PASSED,
                        {"observed_min_length": t.min_length, "observed_max_length": t.max_length})

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        n = pl.col(self.columns[0]).cast(pl.String, strict=False).str.len_chars()
        out = pl.lit(False)
        if self.params["min_length"] is not None:
            out = out | (n < self.params["min_length"])
        if self.params["max_length"] is not None:
            out = out | (n > self.params["max_length"])
        return ExprLocator(out)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return (f"{self.columns[0]}: {count or 0:,} values have a length outside "
                f"[{_bound(self.params['min_length'])}, {_bound(self.params['max_length'])}]")


_STAT_NAMES = {"mean": "mean", "std": "standard deviation", "distinct_share": "share of distinct values"}


@register_kind("statistic")
class StatCheck(Check, CheckKind):
    """Bounds on a statistic of the whole column (mean, std, a quantile, distinct share)."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        c, sev = spec.name, spec.severity
        for stat, bounds in (("mean", spec.mean), ("std", spec.std)):
            if bounds is not None:
                yield cls(f"{c}.{stat}", "data.out_of_range", sev, (c,),
                          {"stat": stat, "min": bounds.min, "max": bounds.max})
        for q, bounds in spec.quantiles or ():
            yield cls(f"{c}.quantile_{q:g}", "data.out_of_range", sev, (c,),
                      {"stat": str(q), "min": bounds.min, "max": bounds.max})
        if spec.max_distinct_share is not None:
            yield cls(f"{c}.max_distinct_share", "data.out_of_range", sev, (c,),
                      {"stat": "distinct_share", "min": None, "max": spec.max_distinct_share})

    def decide(self, prof: DatasetProfile) -> Decision:
        col = prof[self.columns[0]]
        stat, num = self.params["stat"], col.numbers
        if stat == "mean":
            value = num.moments.mean if num.n else None
        elif stat == "std":
            value = num.moments.std if num.n else None
        elif stat == "distinct_share":
            value = col.distinct_count / col.non_null if col.non_null else None
        else:
            value = col.quantile(float(stat))
        lo, hi = self.params["min"], self.params["max"]
        ev = {"statistic": stat, "value": value, "min": lo, "max": hi}
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return Decision(UNKNOWN, ev, reason="the column has no values to compute it from")
        bad = (lo is not None and value < lo) or (hi is not None and value > hi)
        return Decision(FAILED if bad else PASSED, ev)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        stat = evidence["statistic"]
        label = _STAT_NAMES[stat] if stat in _STAT_NAMES else f"{float(stat):.0%} quantile"
        return (f"{self.columns[0]}: {label} {evidence['value']:.4g} outside "
                f"[{_bound(evidence.get('min'))}, {_bound(evidence.get('max'))}]")


def _unique_decision(prof: DatasetProfile, columns: tuple[str, ...]) -> Decision:
    if len(columns) == 1:
        col = prof[columns[0]]
        if col.frequent.exact:
            dup = sum(n - 1 for n in col.frequent.counts.values() if n > 1)
            return Decision(FAILED if dup else PASSED, {"count": dup})
    return Decision(UNKNOWN, reason="uniqueness of many distinct values needs the rows")


class UniqueCheck(Check):
    """A column or key that must be unique: every occurrence after the first fails."""

    def decide(self, prof: DatasetProfile) -> Decision:
        return _unique_decision(prof, self.columns)

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        return RepeatedKeyLocator(self.columns)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"{' + '.join(self.columns)}: {count or 0:,} rows repeat a key that must be unique"


@register_kind("unique")
class UniqueColumn(UniqueCheck, CheckKind):
    """`unique: true` on a column."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.unique:
            yield cls(f"{spec.name}.unique", "data.duplicates", spec.severity, (spec.name,))


@register_kind("monotonic")
class MonotonicCheck(Check, CheckKind):
    """Values only go up (or only down) in row order."""

    @classmethod
    def for_column(cls, spec: ColumnSpec, col: ColumnProfile) -> Iterable[Check]:
        if spec.monotonic is not None:
            yield cls(f"{spec.name}.monotonic", "data.rule_violation", spec.severity, (spec.name,),
                      {"direction": spec.monotonic})

    def decide(self, prof: DatasetProfile) -> Decision:
        return Decision(UNKNOWN, {"direction": self.params["direction"]}, reason="order needs the rows")

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        return OrderLocator(self.columns[0], self.params["direction"])

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"{self.columns[0]}: {count or 0:,} values break the {self.params['direction']} order"


@register_kind("unexpected_columns")
class UnexpectedColumns(Check, CheckKind):
    """No forbidden column, and no column outside the contract unless extra columns are allowed."""

    scope = "dataset"

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        ds = contract.dataset
        allowed = None if ds.allow_extra_columns else tuple(c.name for c in contract.columns)
        if ds.forbidden_columns or allowed is not None:
            yield cls("columns.unexpected", "schema.unexpected_column", "error",
                      params={"forbidden": tuple(ds.forbidden_columns), "allowed": allowed})

    def decide(self, prof: DatasetProfile) -> Decision:
        forbidden, allowed = set(self.params["forbidden"]), self.params["allowed"]
        found = tuple(c for c in prof.columns if c in forbidden or (allowed is not None and c not in allowed))
        return Decision(FAILED if found else PASSED, {"columns": list(found)}, columns=found)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"unexpected column(s): {', '.join(evidence['columns'])}"


@register_kind("rows")
class RowCountCheck(Check, CheckKind):
    """The batch has between min and max rows."""

    scope = "dataset"

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        rows = contract.dataset.rows
        if rows is not None:
            yield cls("dataset.rows", "data.volume_change", "error", params={"min": rows.min, "max": rows.max})

    def decide(self, prof: DatasetProfile) -> Decision:
        lo, hi = self.params["min"], self.params["max"]
        bad = (lo is not None and prof.rows < lo) or (hi is not None and prof.rows > hi)
        return Decision(FAILED if bad else PASSED, {"rows": prof.rows, "min": lo, "max": hi})

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        return f"{evidence['rows']:,} rows, outside the expected [{_bound(evidence['min'])}, {_bound(evidence['max'])}]"


@register_kind("unique_key")
class UniqueKey(UniqueCheck, CheckKind):
    """`dataset.unique_key`: the combination of columns is unique."""

    scope = "dataset"

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        key = contract.dataset.unique_key
        if not key:
            return
        missing = [c for c in key if c not in prof]
        if missing:
            yield ("dataset.unique_key", f"key column(s) missing: {', '.join(missing)}")
        else:
            yield cls("dataset.unique_key", "data.duplicates", "error", tuple(key))


@register_kind("freshness")
class FreshnessCheck(Check, CheckKind):
    """The newest time value is at most `max_age` older than --as-of."""

    scope = "dataset"

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        f = contract.dataset.freshness
        if f is None:
            return
        if f.column in prof:
            yield cls("dataset.freshness", "data.stale", "error", (f.column,),
                      {"as_of": as_of, "age": f.age, "max_age": f.max_age})
        else:
            yield ("dataset.freshness", f"time column {f.column!r} missing")

    def decide(self, prof: DatasetProfile) -> Decision:
        col = prof[self.columns[0]]
        if col.kind == "temporal" and col.numbers.n:
            return self._judge(datetime.fromtimestamp(col.numbers.max, UTC))
        if col.kind == "string" and col.non_null:
            return Decision(UNKNOWN, reason="the time values are text; their newest needs the rows")
        return Decision(FAILED, {"newest": None, "as_of": self.params["as_of"].isoformat()})

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        if prof[self.columns[0]].kind != "string":
            return None
        return MaxLocator(pl.col(self.columns[0]).cast(pl.String).str.to_datetime(strict=False, time_zone="UTC"))

    def settle(self, decision: Decision, found: RowEvidence) -> Decision:
        if found.value is None:
            return Decision(FAILED, {"newest": None, "as_of": self.params["as_of"].isoformat()})
        return self._judge(found.value)

    def _judge(self, newest: datetime) -> Decision:
        as_of: datetime = self.params["as_of"]
        age = as_of - newest
        ev = {"newest": newest.isoformat(), "as_of": as_of.isoformat(),
              "age_hours": round(age.total_seconds() / 3600, 2), "max_age": self.params["max_age"]}
        return Decision(FAILED if age > self.params["age"] else PASSED, ev)

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        if evidence.get("newest") is None:
            return f"{self.columns[0]}: no time values to judge freshness"
        return (f"{self.columns[0]}: newest value {evidence['newest']} is {evidence['age_hours']:,} h "
                f"older than {evidence['as_of']} (allowed: {evidence['max_age']})")


@register_kind("rules")
class RuleCheck(_TextCheck, CheckKind):
    """A cross-column rule every row must satisfy (contracts/expr.py)."""

    scope = "dataset"

    @classmethod
    def for_dataset(cls, contract: Contract, prof: DatasetProfile,
                    as_of: datetime) -> Iterable[Check | tuple[str, str]]:
        for i, rule in enumerate(contract.rules):
            cols = rule_columns(rule.expr)
            missing = [c for c in cols if c not in prof]
            name = f"rules.{rule.name or i}"
            if missing:
                yield RequiredColumn(name, "schema.missing_column", rule.severity, (missing[0],))
                continue
            yield cls(name, "data.rule_violation", rule.severity, tuple(cols),
                      {"expr": rule.expr, "label": rule.label})

    def decide(self, prof: DatasetProfile) -> Decision:
        return Decision(UNKNOWN, reason="rules are judged row by row")

    def locator(self, prof: DatasetProfile) -> RowLocator | None:
        return ExprLocator(~compile_rule(self.params["expr"], self.name).fill_null(True))

    def title(self, count: int | None, evidence: Mapping[str, Any]) -> str:
        rule, label = self.params["expr"], self.params.get("label")
        what = f"rule {label!r} ({rule})" if label and label != rule else f"rule {rule}"
        return f"{count or 0:,} rows break {what}"


# the joins kind lives in its own module; importing it registers it after the built-in kinds
from tripwire.contracts import joincheck as _joincheck  # noqa: E402,F401
