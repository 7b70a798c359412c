"""The checks a contract expands to: each decides from the profile when it can, and gives a
row predicate (true on failing rows) for row indices, examples and quarantine."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from tripwire.contracts.expr import compile_rule
from tripwire.contracts.model import ColumnSpec, Contract
from tripwire.detectors.common import missing_expr, pct
from tripwire.profiling import ColumnProfile, DatasetProfile

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"

#: contract type -> profile types that satisfy it
COMPATIBLE = {
    "int": {"int"}, "float": {"int", "float"}, "bool": {"bool"}, "string": {"string", "empty"},
    "category": {"string", "empty", "bool"}, "date": {"date"}, "datetime": {"datetime", "date"},
}


@dataclass
class Check:
    """One check of a contract: a stable name, the code it emits, how bad a failure is."""

    name: str
    code: str
    severity: str
    columns: tuple[str, ...] = ()
    #: row-level checks are evaluated per row (indices, examples, quarantine)
    row_level: bool = False
    params: dict[str, Any] = field(default_factory=dict)

    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        """Return (passed | failed | unknown, evidence) from the profile alone."""
        raise NotImplementedError

    def failing(self) -> pl.Expr | None:
        """Return an expression true on the rows that fail (row-level checks)."""
        return None

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        """Return the one-line title of a failure."""
        return f"{self.name} failed"


def _num(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64, strict=False)


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


class RequiredColumn(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        return (PASSED if self.columns[0] in prof else FAILED), {}

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        return f"{self.columns[0]}: required column is missing"


class UnexpectedColumns(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        found = [c for c in prof.columns if c in self.params["forbidden"]
                 or (self.params["allowed"] is not None and c not in self.params["allowed"])]
        self.columns = tuple(found)
        return (FAILED if found else PASSED), {"columns": found}

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        return f"unexpected column(s): {', '.join(evidence['columns'])}"


class TypeCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]]
        want = self.params["type"]
        have = col.inferred_type
        ev: dict[str, Any] = {"expected": want, "type": have, "physical_type": col.physical_type}
        if have in COMPATIBLE[want] or have == "empty":
            return PASSED, ev
        if want in ("int", "float") and col.text is not None:
            ev["examples"] = col.text.examples.get("not_number", [])
            self.row_level = True
            return FAILED, ev
        if want == "int" and have == "float":
            self.row_level = True
            return FAILED, ev
        if want in ("date", "datetime") and col.kind == "string":
            self.row_level = True
            return FAILED, ev
        return FAILED, ev

    def failing(self) -> pl.Expr | None:
        c, want = self.columns[0], self.params["type"]
        text = pl.col(c).cast(pl.String, strict=False)
        from tripwire.detectors.common import disguised_null

        if want in ("int", "float"):
            number = text.str.strip_chars().cast(pl.Float64, strict=False)
            bad = number.is_null() & text.is_not_null() & ~disguised_null(c)
            if want == "int":
                bad = bad | (number.is_not_null() & (number != number.floor()))
            return bad
        if want in ("date", "datetime"):
            fmt = self.params.get("format")
            parsed = text.str.to_datetime(format=fmt, strict=False) if fmt else \
                text.str.to_datetime(strict=False)
            return parsed.is_null() & text.is_not_null() & ~disguised_null(c)
        return None

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        c = self.columns[0]
        if count:
            return f"{c}: {count:,} values are not {evidence['expected']} (column reads as {evidence['type']})"
        return f"{c}: expected {evidence['expected']}, found {evidence['type']}"


class MissingCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]]
        share = col.missing / col.count if col.count else 0.0
        ev = {"count": col.missing, "share": share, "max_null_share": self.params.get("max_null_share")}
        if self.params.get("nullable") is False:
            return (FAILED if col.missing else PASSED), ev
        return (FAILED if share > self.params["max_null_share"] else PASSED), ev

    def failing(self) -> pl.Expr | None:
        return missing_expr(self.columns[0], self.params["kind"]) if self.row_level else None

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        c = self.columns[0]
        if self.params.get("nullable") is False:
            return f"{c}: {evidence['count']:,} missing values in a column that must not be empty"
        return (f"{c}: {pct(evidence['share'])} missing, above the limit of "
                f"{pct(self.params['max_null_share'])}")


class RangeCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]]
        lo, hi = _as_epoch(self.params.get("min")), _as_epoch(self.params.get("max"))
        num = col.numbers
        ev = {"min": self.params.get("min"), "max": self.params.get("max"),
              "observed_min": num.min, "observed_max": num.max}
        if num.n == 0:
            return PASSED, ev
        bad = (lo is not None and num.min < lo) or (hi is not None and num.max > hi)
        self.params["profile"] = col  # temporal columns compare as dates, not numbers
        return (FAILED if bad else PASSED), ev

    def failing(self) -> pl.Expr | None:
        c = self.columns[0]
        col: ColumnProfile | None = self.params.get("profile")
        x = pl.col(c) if col is not None and col.kind == "temporal" else _num(c)
        out = pl.lit(False)
        if self.params.get("min") is not None:
            out = out | (x < _bound_lit(self.params["min"], col) if col else x < float(self.params["min"]))
        if self.params.get("max") is not None:
            out = out | (x > _bound_lit(self.params["max"], col) if col else x > float(self.params["max"]))
        return out

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        lo, hi = self.params.get("min"), self.params.get("max")
        want = f"[{'' if lo is None else lo}, {'' if hi is None else hi}]"
        if count:
            return f"{self.columns[0]}: {count:,} values outside {want}"
        return f"{self.columns[0]}: values outside {want}"


class AllowedCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]]
        allowed = set(self.params["allowed"])
        if not col.frequent.exact:
            return UNKNOWN, {}
        bad = {v: n for v, n in col.frequent.top() if v not in allowed and str(v) not in allowed}
        return (FAILED if bad else PASSED), {"unexpected": dict(list(bad.items())[:20])}

    def failing(self) -> pl.Expr | None:
        c = self.columns[0]
        values = list(self.params["allowed"])
        texts = [str(v) for v in values]
        return pl.col(c).is_not_null() & ~pl.col(c).cast(pl.String, strict=False).is_in(texts)

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        shown = ", ".join(repr(v) for v in list(evidence.get("unexpected", {}))[:3])
        return f"{self.columns[0]}: {count:,} values not in the allowed set" + (f" ({shown})" if shown else "")


class RowPredicateCheck(Check):
    """A row-level check decided only from the rows (regex, format) or from a profile figure."""

    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]] if self.columns and self.columns[0] in prof else None
        kind = self.params["kind"]
        if kind == "length" and col is not None and col.text is not None:
            lo, hi = self.params.get("min_length"), self.params.get("max_length")
            t = col.text
            if t.min_length is None:
                return PASSED, {}
            bad = (lo is not None and t.min_length < lo) or (hi is not None and t.max_length > hi)
            return (FAILED if bad else PASSED), {"observed_min_length": t.min_length,
                                                  "observed_max_length": t.max_length}
        return UNKNOWN, {}

    def failing(self) -> pl.Expr | None:
        c = self.columns[0] if self.columns else None
        kind = self.params["kind"]
        if kind == "regex":
            text = pl.col(c).cast(pl.String, strict=False)
            return text.is_not_null() & ~text.str.contains(f"^(?:{self.params['regex']})$")
        if kind == "format":
            text = pl.col(c).cast(pl.String, strict=False)
            parsed = text.str.to_datetime(format=self.params["format"], strict=False)
            return text.is_not_null() & parsed.is_null()
        if kind == "length":
            n = pl.col(c).cast(pl.String, strict=False).str.len_chars()
            out = pl.lit(False)
            if self.params.get("min_length") is not None:
                out = out | (n < self.params["min_length"])
            if self.params.get("max_length") is not None:
                out = out | (n > self.params["max_length"])
            return out
        if kind == "rule":
            return ~compile_rule(self.params["expr"], self.name).fill_null(True)
        raise AssertionError(kind)

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        kind = self.params["kind"]
        if kind == "rule":
            rule = self.params["expr"]
            label = self.params.get("label")
            what = f"rule {label!r} ({rule})" if label and label != rule else f"rule {rule}"
            return f"{count:,} rows break {what}"
        what = {"regex": f"do not match /{self.params.get('regex')}/",
                "format": f"are not in the format {self.params.get('format')}",
                "length": "have a length outside "
                          f"[{self.params.get('min_length') or ''}, {self.params.get('max_length') or ''}]"}[kind]
        return f"{self.columns[0]}: {count:,} values {what}"


class StatCheck(Check):
    """Bounds on a statistic of the whole column (mean, std, a quantile, distinct share)."""

    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]]
        stat = self.params["stat"]
        num = col.numbers
        if stat == "mean":
            value = num.moments.mean if num.n else None
        elif stat == "std":
            value = num.moments.std
        elif stat == "distinct_share":
            value = col.distinct_count / col.non_null if col.non_null else None
        else:
            value = num.quantiles.quantile(float(stat)) if num.n else None
        lo, hi = self.params.get("min"), self.params.get("max")
        ev = {"statistic": stat, "value": value, "min": lo, "max": hi}
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return PASSED, ev
        bad = (lo is not None and value < lo) or (hi is not None and value > hi)
        return (FAILED if bad else PASSED), ev

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        stat = evidence["statistic"]
        names = {"mean": "mean", "std": "standard deviation", "distinct_share": "share of distinct values"}
        label = names[stat] if stat in names else f"{float(stat):.0%} quantile"
        lo, hi = evidence.get("min"), evidence.get("max")
        return (f"{self.columns[0]}: {label} {evidence['value']:.4g} outside "
                f"[{'' if lo is None else lo}, {'' if hi is None else hi}]")


class UniqueCheck(Check):
    """A column or key that must be unique: every occurrence after the first fails."""

    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        if len(self.columns) == 1:
            col = prof[self.columns[0]]
            if col.frequent.exact and col.frequent.counts and max(col.frequent.counts.values()) == 1:
                return PASSED, {}
            if col.frequent.exact:
                dup = sum(n - 1 for n in col.frequent.counts.values() if n > 1)
                return FAILED, {"count": dup}
        return UNKNOWN, {}

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        key = " + ".join(self.columns)
        return f"{key}: {count:,} rows repeat a key that must be unique"


class MonotonicCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        return UNKNOWN, {"direction": self.params["direction"]}

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        return f"{self.columns[0]}: {count:,} values break the {self.params['direction']} order"


class RowCountCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        lo, hi = self.params.get("min"), self.params.get("max")
        bad = (lo is not None and prof.rows < lo) or (hi is not None and prof.rows > hi)
        return (FAILED if bad else PASSED), {"rows": prof.rows, "min": lo, "max": hi}

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        return (f"{evidence['rows']:,} rows, outside the expected "
                f"[{evidence['min'] if evidence['min'] is not None else ''}, "
                f"{evidence['max'] if evidence['max'] is not None else ''}]")


class FreshnessCheck(Check):
    def decide(self, prof: DatasetProfile) -> tuple[str, dict[str, Any]]:
        col = prof[self.columns[0]]
        as_of: datetime = self.params["as_of"]
        newest = None
        if col.kind == "temporal" and col.numbers.n:
            newest = datetime.fromtimestamp(col.numbers.max, UTC)
        elif col.kind == "string" and col.numbers.n == 0:
            return UNKNOWN, {}
        if newest is None:
            return FAILED, {"newest": None, "as_of": as_of.isoformat()}
        return self._judge(newest)

    def _judge(self, newest: datetime) -> tuple[str, dict[str, Any]]:
        as_of: datetime = self.params["as_of"]
        age = as_of - newest
        ev = {"newest": newest.isoformat(), "as_of": as_of.isoformat(),
              "age_hours": round(age.total_seconds() / 3600, 2), "max_age": self.params["max_age"]}
        return (FAILED if age > self.params["age"] else PASSED), ev

    def aggregate(self) -> pl.Expr:
        """Return an expression giving a batch's newest value of a text time column."""
        return pl.col(self.columns[0]).cast(pl.String).str.to_datetime(strict=False, time_zone="UTC").max()

    def title(self, count: int | None, evidence: dict[str, Any]) -> str:
        if evidence.get("newest") is None:
            return f"{self.columns[0]}: no time values to judge freshness"
        return (f"{self.columns[0]}: newest value {evidence['newest']} is {evidence['age_hours']:,} h "
                f"older than {evidence['as_of']} (allowed: {evidence['max_age']})")


def expand(contract: Contract, prof: DatasetProfile, as_of: datetime) -> tuple[list[Check], list[tuple[str, str]]]:
    """Return the checks of a contract that apply to this data, and (name, reason) of skipped ones."""
    checks: list[Check] = []
    skipped: list[tuple[str, str]] = []
    for spec in contract.columns:
        if spec.name not in prof:
            if spec.required:
                checks.append(RequiredColumn(f"{spec.name}.required", "schema.missing_column", "error",
                                             (spec.name,)))
            else:
                skipped.append((f"{spec.name}.*", "optional column absent"))
            continue
        checks.extend(_column_checks(spec, prof[spec.name]))
    ds = contract.dataset
    allowed = None if ds.allow_extra_columns else {c.name for c in contract.columns}
    if ds.forbidden_columns or allowed is not None:
        checks.append(UnexpectedColumns("columns.unexpected", "schema.unexpected_column", "error",
                                        params={"forbidden": set(ds.forbidden_columns), "allowed": allowed}))
    if ds.rows is not None:
        checks.append(RowCountCheck("dataset.rows", "data.volume_change", "error",
                                    params={"min": ds.rows.min, "max": ds.rows.max}))
    if ds.unique_key:
        missing = [c for c in ds.unique_key if c not in prof]
        if missing:
            skipped.append(("dataset.unique_key", f"key column(s) missing: {', '.join(missing)}"))
        else:
            checks.append(UniqueCheck("dataset.unique_key", "data.duplicates", "error", tuple(ds.unique_key),
                                      row_level=True))
    if ds.freshness is not None:
        f = ds.freshness
        if f.column in prof:
            checks.append(FreshnessCheck("dataset.freshness", "data.stale", "error", (f.column,),
                                         params={"as_of": as_of, "age": f.age, "max_age": f.max_age}))
        else:
            skipped.append(("dataset.freshness", f"time column {f.column!r} missing"))
    from tripwire.contracts.expr import rule_columns

    for i, rule in enumerate(contract.rules):
        cols = rule_columns(rule.expr)
        missing = [c for c in cols if c not in prof]
        name = f"rules.{rule.name or i}"
        if missing:
            checks.append(RequiredColumn(name, "schema.missing_column", rule.severity, (missing[0],)))
            continue
        checks.append(RowPredicateCheck(name, "data.rule_violation", rule.severity, tuple(cols), row_level=True,
                                        params={"kind": "rule", "expr": rule.expr, "label": rule.label}))
    return checks, skipped


def _column_checks(spec: ColumnSpec, col: ColumnProfile) -> list[Check]:
    c, sev, out = spec.name, spec.severity, []
    cols = (c,)
    if spec.type is not None:
        out.append(TypeCheck(f"{c}.type", "schema.type_mismatch", sev, cols,
                             params={"type": spec.type, "format": spec.format}))
    if not spec.nullable:
        out.append(MissingCheck(f"{c}.nullable", "data.missing_values", sev, cols, row_level=True,
                                params={"nullable": False, "kind": col.kind}))
    elif spec.max_null_share is not None:
        out.append(MissingCheck(f"{c}.max_null_share", "data.missing_values", sev, cols,
                                params={"nullable": True, "max_null_share": spec.max_null_share, "kind": col.kind}))
    if spec.min is not None or spec.max is not None:
        out.append(RangeCheck(f"{c}.range", "data.out_of_range", sev, cols, row_level=True,
                              params={"min": spec.min, "max": spec.max}))
    if spec.allowed is not None:
        out.append(AllowedCheck(f"{c}.allowed", "data.out_of_range", sev, cols, row_level=True,
                                params={"allowed": spec.allowed}))
    if spec.regex is not None:
        out.append(RowPredicateCheck(f"{c}.regex", "data.out_of_range", sev, cols, row_level=True,
                                     params={"kind": "regex", "regex": spec.regex}))
    if spec.format is not None and col.kind == "string":
        out.append(RowPredicateCheck(f"{c}.format", "data.out_of_range", sev, cols, row_level=True,
                                     params={"kind": "format", "format": spec.format}))
    if spec.min_length is not None or spec.max_length is not None:
        out.append(RowPredicateCheck(f"{c}.length", "data.out_of_range", sev, cols, row_level=True,
                                     params={"kind": "length", "min_length": spec.min_length,
                                             "max_length": spec.max_length}))
    for stat, bounds in (("mean", spec.mean), ("std", spec.std)):
        if bounds is not None:
            out.append(StatCheck(f"{c}.{stat}", "data.out_of_range", sev, cols,
                                 params={"stat": stat, "min": bounds.min, "max": bounds.max}))
    for q, bounds in spec.quantiles or ():
        out.append(StatCheck(f"{c}.quantile_{q:g}", "data.out_of_range", sev, cols,
                             params={"stat": str(q), "min": bounds.min, "max": bounds.max}))
    if spec.max_distinct_share is not None:
        out.append(StatCheck(f"{c}.max_distinct_share", "data.out_of_range", sev, cols,
                             params={"stat": "distinct_share", "max": spec.max_distinct_share}))
    if spec.unique:
        out.append(UniqueCheck(f"{c}.unique", "data.duplicates", sev, cols, row_level=True))
    if spec.monotonic is not None:
        out.append(MonotonicCheck(f"{c}.monotonic", "data.rule_violation", sev, cols, row_level=True,
                                  params={"direction": spec.monotonic}))
    return out
