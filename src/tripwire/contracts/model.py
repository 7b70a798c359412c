"""Contracts as data: written assumptions about a data set, loaded from and dumped to YAML.

Every check is a named field with its parameters, so a contract round-trips
(`Contract.loads(c.dumps()) == c`) and can be inferred, edited by a person, and diffed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from tripwire.errors import InputError
from tripwire.yamlfile import EXPONENT_FLOAT, LinedDict, line_of, plain
from tripwire.yamlschema import Schema, shown

TYPES = ("int", "float", "bool", "string", "category", "date", "datetime")
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Bounds:
    """An inclusive range; either end may be open."""

    min: float | None = None
    max: float | None = None

    def to_data(self) -> dict[str, float]:
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}


@dataclass(frozen=True)
class ColumnSpec:
    """What a column must be. Unset fields are not checked."""

    name: str
    type: str | None = None
    required: bool = True
    nullable: bool = True
    max_null_share: float | None = None
    min: Any = None
    max: Any = None
    allowed: tuple[Any, ...] | None = None
    regex: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    format: str | None = None
    mean: Bounds | None = None
    std: Bounds | None = None
    quantiles: tuple[tuple[float, Bounds], ...] | None = None
    max_distinct_share: float | None = None
    unique: bool = False
    monotonic: str | None = None
    severity: str = "error"
    description: str | None = None
    unit: str | None = None
    inferred_from: str | None = None


@dataclass(frozen=True)
class Rule:
    """A cross-column rule: an expression every row must satisfy (see contracts/expr.py)."""

    expr: str
    name: str | None = None
    description: str | None = None
    severity: str = "error"

    @property
    def label(self) -> str:
        """Return the rule's name, or its expression when unnamed."""
        return self.name or self.expr


@dataclass(frozen=True)
class Freshness:
    """The newest value of `column` may be at most `max_age` older than --as-of."""

    column: str
    max_age: str

    @property
    def age(self) -> timedelta:
        """Return max_age as a timedelta."""
        return parse_age(self.max_age)


@dataclass(frozen=True)
class DatasetSpec:
    """Checks on the whole data set."""

    rows: Bounds | None = None
    unique_key: tuple[str, ...] | None = None
    forbidden_columns: tuple[str, ...] = ()
    allow_extra_columns: bool = True
    freshness: Freshness | None = None


@dataclass(frozen=True)
class JoinSpec:
    """This data set must join another one (named by path or ``sql:`` query) on keys."""

    with_: str
    on: str
    expect: str | None = None
    name: str | None = None
    severity: str = "error"
    #: share of this data set's rows allowed to find no partner
    max_orphan_share: float = 0.0
    fuzzy: bool = True

    @property
    def label(self) -> str:
        """Return the join's name, or `with` and `on` when unnamed."""
        return self.name or f"{self.with_} on {self.on}"


@dataclass(frozen=True)
class Contract:
    """A data set's written assumptions: columns, data-set checks, rules, drift thresholds."""

    columns: tuple[ColumnSpec, ...] = ()
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    rules: tuple[Rule, ...] = ()
    name: str | None = None
    description: str | None = None
    #: joins with other data sets, checked on every batch (docs/join-check.md)
    joins: tuple[JoinSpec, ...] = ()
    #: drift thresholds, kept as plain data for the drift detectors (docs/drift.md)
    drift: dict[str, Any] = field(default_factory=dict, hash=False)

    def column(self, name: str) -> ColumnSpec | None:
        """Return a column's spec, or None."""
        return next((c for c in self.columns if c.name == name), None)

    # ---- YAML ------------------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        """Return the contract as plain data, in the order a person reads it."""
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        if self.description is not None:
            out["description"] = self.description
        out["columns"] = {c.name: _column_data(c) for c in self.columns}
        ds = _dataset_data(self.dataset)
        if ds:
            out["dataset"] = ds
        if self.rules:
            out["rules"] = [_drop_none({"name": r.name, "expr": r.expr, "description": r.description,
                                        "severity": None if r.severity == "error" else r.severity})
                            for r in self.rules]
        if self.joins:
            out["joins"] = [_join_data(j) for j in self.joins]
        if self.drift:
            out["drift"] = self.drift
        return out

    def dumps(self) -> str:
        """Return the contract as YAML text."""
        import yaml

        return yaml.dump(self.to_data(), Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100)

    def save(self, path: str | Path) -> Path:
        """Write the contract as YAML."""
        path = Path(path)
        path.write_text(self.dumps(), encoding="utf-8")
        return path

    dump = dumps

    @classmethod
    def from_data(cls, data: Any, source: str = "contract") -> Contract:
        """Build a contract from plain data; a wrong key or value is one line naming the key and line."""
        where = Schema(source, HINT)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise where.error("", f"a contract is a mapping with a 'columns' section, got {shown(data)}")
        where.keys(data, {"name", "description", "columns", "dataset", "rules", "joins", "drift"}, "")
        columns = where.mapping(data, "columns", "columns", "a mapping of column names to their checks")
        specs = tuple(_column_spec(name, columns, where) for name in columns)
        rules_data = data.get("rules")
        if rules_data is not None and not isinstance(rules_data, list):
            raise where.wrong(data, "rules", "rules", "a list of {name, expr, severity}")
        rules = tuple(_rule(rules_data, i, data, where) for i in range(len(rules_data or ())))
        joins_data = data.get("joins")
        if joins_data is not None and not isinstance(joins_data, list):
            raise where.wrong(data, "joins", "joins", "a list of {with: PATH, on: KEY, expect: n:1}")
        joins = tuple(_join(joins_data, i, data, where) for i in range(len(joins_data or ())))
        drift = plain(where.mapping(data, "drift", "drift", "a mapping (see docs/drift.md)"))
        if drift:
            from tripwire.drift_detection.config import DriftConfig
            from tripwire.errors import UsageError

            try:
                DriftConfig.from_options({"drift": drift})
            except UsageError as exc:
                raise where.error("drift", str(exc).removeprefix("drift: "), line_of(data, "drift")) from None
        return cls(columns=specs, dataset=_dataset_spec(data, where), rules=rules, joins=joins,
                   name=where.text(data, "name", "name"), description=where.text(data, "description", "description"),
                   drift=drift)

    @classmethod
    def loads(cls, text: str, source: str = "contract") -> Contract:
        """Parse YAML text."""
        from tripwire.yamlfile import parse_yaml

        return cls.from_data(parse_yaml(text, source), source)

    @classmethod
    def load(cls, path: str | Path) -> Contract:
        """Read a YAML contract file."""
        from tripwire.yamlfile import read_yaml

        path = Path(path)
        if not path.exists():
            raise InputError("contract file not found", path=str(path),
                             hint="write one with `tripwire infer DATA -o contract.yaml`")
        return cls.from_data(read_yaml(path, "contract file"), str(path))

    def check(self, data: Any, *, as_of: Any = None, quarantine: str | Path | bool | None = None,
              name: str | None = None, progress: bool = False, strict: bool = False,
              encoding: str | None = None, show_pii: Sequence[str] = ()) -> Any:
        """Check data against the contract; return a Report (command "check").

        `strict=True` fails a check that cannot judge instead of reporting it as unknown;
        `show_pii` names columns whose values are shown although they look personal.
        """
        from tripwire.run import check  # the facade method composes the run layer above

        return check(self, data, as_of=as_of, quarantine=quarantine, name=name, progress=progress,
                     strict=strict, encoding=encoding, show_pii=show_pii)

    @classmethod
    def infer(cls, data: Any, **kwargs: Any) -> Contract:
        """Propose a contract from reference data or its profile (see contracts/infer.py)."""
        from tripwire.contracts.infer import infer

        return infer(data, **kwargs)


# ---- conversion helpers -------------------------------------------------------------------


def _dumper() -> type:
    """Return a safe YAML dumper that quotes strings YAML would otherwise read back differently."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        # NEL and the Unicode line separators are line breaks to a YAML reader, control
        # characters are not printable: double quotes keep them as escapes
        odd = any(c in data for c in "\x85\u2028\u2029") or any(ord(c) < 32 and c != "\n" for c in data)
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"' if odd else None)

    Dumper.add_representer(str, text)
    Dumper.add_representer(LinedDict, yaml.SafeDumper.represent_dict)
    Dumper.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, list("-+0123456789"))
    return Dumper


_COLUMN_KEYS = {f.name for f in fields(ColumnSpec)} - {"name"}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour|hours|d|day|days|w|week|weeks)\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "hours": 3600,
          "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800}


def parse_age(text: str) -> timedelta:
    """Parse an age such as '36h', '1d', '2 weeks'."""
    m = _AGE.match(str(text))
    if not m:
        raise ValueError(f"cannot read the age {text!r}: use a number and a unit, e.g. 36h, 1d, 2w")
    try:
        return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])
    except OverflowError:
        raise ValueError(f"the age {text!r} is too long: at most 999999999 days") from None


HINT = "see docs/contracts.md for every check and its parameters"


def _bounds(data: dict, name: str, key: str, where: Schema, *, lo: float | None = None,
            integer: bool = False) -> Bounds | None:
    value = where.mapping(data, name, key, "{min: NUMBER, max: NUMBER}")
    if name not in data or data[name] is None:
        return None
    where.keys(value, {"min", "max"}, key)
    low = where.number(value, "min", f"{key}.min", lo=lo, integer=integer)
    high = where.number(value, "max", f"{key}.max", lo=lo, integer=integer)
    where.ordered(low, high, value, key)
    return Bounds(low, high)


def _column_spec(name: Any, columns: dict, where: Schema) -> ColumnSpec:
    key = f"columns.{name}"
    data = columns[name]
    if data is None:
        data = {}
    if isinstance(data, str):  # shorthand: `age: int`
        where.choice(columns, name, key, TYPES, None)
        return ColumnSpec(name=str(name), type=data)
    if not isinstance(data, dict):
        raise where.wrong(columns, name, key, "a mapping of checks or a type name (" + ", ".join(TYPES) + ")")
    where.keys(data, _COLUMN_KEYS, key)
    kw: dict[str, Any] = {"name": str(name)}
    kw["type"] = where.choice(data, "type", f"{key}.type", TYPES, None)
    for flag, default in (("required", True), ("nullable", True), ("unique", False)):
        kw[flag] = where.boolean(data, flag, f"{key}.{flag}", default)
    for share in ("max_null_share", "max_distinct_share"):
        kw[share] = where.number(data, share, f"{key}.{share}", lo=0, hi=1)
    kw["min"] = where.bound(data, "min", f"{key}.min")
    kw["max"] = where.bound(data, "max", f"{key}.max")
    where.ordered(kw["min"], kw["max"], data, key)
    _bounds_fit_type(kw, data, key, where)
    kw["allowed"] = where.scalars(data, "allowed", f"{key}.allowed")
    kw["regex"] = where.regex(data, "regex", f"{key}.regex")
    for length in ("min_length", "max_length"):
        kw[length] = where.number(data, length, f"{key}.{length}", lo=0, integer=True)
    where.ordered(kw["min_length"], kw["max_length"], data, f"{key}.min_length")
    kw["format"] = where.text(data, "format", f"{key}.format")
    if kw["format"] is not None and "%" not in kw["format"]:
        raise where.error(f"{key}.format", f"expected a strftime format such as '%Y-%m-%d', got "
                          f"{shown(kw['format'])}", line_of(data, "format"))
    kw["mean"] = _bounds(data, "mean", f"{key}.mean", where)
    kw["std"] = _bounds(data, "std", f"{key}.std", where, lo=0)
    quantiles = where.mapping(data, "quantiles", f"{key}.quantiles", "a mapping of quantiles (0-1) to {min, max}")
    if quantiles:
        qs = []
        for q in quantiles:
            if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 <= q <= 1:
                raise where.error(f"{key}.quantiles", f"expected quantiles from 0 to 1 as keys, got {shown(q)}",
                                  line_of(quantiles, q))
            qs.append((float(q), _bounds(quantiles, q, f"{key}.quantiles.{q}", where)))
        kw["quantiles"] = tuple(sorted(qs, key=lambda p: p[0]))
    kw["monotonic"] = where.choice(data, "monotonic", f"{key}.monotonic", ("increasing", "decreasing"), None)
    kw["severity"] = where.choice(data, "severity", f"{key}.severity", SEVERITIES, "error")
    for text in ("description", "unit", "inferred_from"):
        kw[text] = where.text(data, text, f"{key}.{text}")
    return ColumnSpec(**kw)


def _bounds_fit_type(kw: dict[str, Any], data: dict, key: str, where: Schema) -> None:
    """Refuse min/max of another kind than the column's stated type (a date bound on an int)."""
    kind = kw.get("type")
    for name in ("min", "max"):
        bound = kw.get(name)
        if bound is None or kind is None:
            continue
        number = isinstance(bound, (int, float)) and not isinstance(bound, bool)
        if kind in ("int", "float") and not number:
            raise where.error(f"{key}.{name}", f"expected a number for a {kind} column, got {shown(bound)}",
                              line_of(data, name))
        if kind in ("date", "datetime") and number:
            raise where.error(f"{key}.{name}", f"expected a date such as 2026-01-31 for a {kind} column, "
                              f"got {shown(bound)}", line_of(data, name))
        if kind not in ("int", "float", "date", "datetime"):
            raise where.error(f"{key}.{name}", f"min and max bound numbers and dates, not a {kind} column; "
                              "use allowed, regex or min_length/max_length", line_of(data, name))


def _rule(rules: list, i: int, contract: dict, where: Schema) -> Rule:
    key = f"rules[{i}]"
    data = rules[i]
    if isinstance(data, str):
        data = {"expr": data}
    if not isinstance(data, dict) or data.get("expr") is None:
        raise where.error(key, f"expected {{expr: ..., name: ...}} with an expr, got {shown(rules[i])}",
                          line_of(data) or line_of(contract, "rules"))
    where.keys(data, {"expr", "name", "description", "severity"}, key)
    expr = where.text(data, "expr", f"{key}.expr")
    rule = Rule(expr or "", where.text(data, "name", f"{key}.name"),
                where.text(data, "description", f"{key}.description"),
                where.choice(data, "severity", f"{key}.severity", SEVERITIES, "error") or "error")
    from tripwire.contracts.expr import RuleSyntaxError, compile_rule

    try:
        compile_rule(rule.expr, rule.label)  # refuse a bad rule when the contract loads
    except RuleSyntaxError as exc:
        raise RuleSyntaxError(f"{where.source}:{line_of(data, 'expr') or '?'}: {key}.expr: {exc}") from None
    return rule


def _join(joins: list, i: int, contract: dict, where: Schema) -> JoinSpec:
    key = f"joins[{i}]"
    data = _on_key(joins[i])
    if not isinstance(data, dict) or data.get("with") is None or data.get("on") is None:
        raise where.error(key, f"expected {{with: PATH, on: KEY}}, got {shown(data)}",
                          line_of(data) or line_of(contract, "joins"))
    where.keys(data, {"with", "on", "expect", "name", "severity", "max_orphan_share", "fuzzy"}, key)
    on = data["on"]
    if isinstance(on, list) and all(isinstance(v, str) for v in on):
        on = ",".join(on)
    elif isinstance(on, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in on.items()):
        on = ",".join(f"{k}={v}" for k, v in on.items())
    elif not isinstance(on, str):
        raise where.wrong(data, "on", f"{key}.on", "a key column, LEFT=RIGHT, or a list of them")
    if data.get("expect") == 61:  # YAML 1.1 reads an unquoted 1:1 as the base-60 number 61
        data["expect"] = "1:1"
    share = where.number(data, "max_orphan_share", f"{key}.max_orphan_share", lo=0, hi=1)
    return JoinSpec(
        with_=where.text(data, "with", f"{key}.with") or "", on=on,
        expect=where.choice(data, "expect", f"{key}.expect", ("1:1", "1:n", "n:1", "n:m"), None),
        name=where.text(data, "name", f"{key}.name"),
        severity=where.choice(data, "severity", f"{key}.severity", SEVERITIES, "error") or "error",
        max_orphan_share=float(share) if share is not None else 0.0,
        fuzzy=where.boolean(data, "fuzzy", f"{key}.fuzzy", True))


def _on_key(data: Any) -> Any:
    """Return a join entry with YAML 1.1's `on:` (read as the boolean true) as the key 'on'."""
    if not isinstance(data, dict) or True not in data or "on" in data:
        return data
    fixed = LinedDict({("on" if k is True else k): v for k, v in data.items()})
    fixed.line = line_of(data)
    fixed.lines = {("on" if k is True else k): n for k, n in getattr(data, "lines", {}).items()}
    return fixed


def _join_data(j: JoinSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"with": j.with_, "on": j.on}
    if j.expect is not None:
        out["expect"] = j.expect
    if j.name is not None:
        out["name"] = j.name
    if j.severity != "error":
        out["severity"] = j.severity
    if j.max_orphan_share:
        out["max_orphan_share"] = j.max_orphan_share
    if not j.fuzzy:
        out["fuzzy"] = False
    return out


def _dataset_spec(contract: dict, where: Schema) -> DatasetSpec:
    data = where.mapping(contract, "dataset", "dataset")
    where.keys(data, {"rows", "unique_key", "forbidden_columns", "allow_extra_columns", "freshness"}, "dataset")
    fresh = where.mapping(data, "freshness", "dataset.freshness", "{column: NAME, max_age: 1d}")
    freshness = None
    if fresh:
        where.keys(fresh, {"column", "max_age"}, "dataset.freshness")
        column = where.text(fresh, "column", "dataset.freshness.column")
        age = fresh.get("max_age")
        if column is None or age is None:
            raise where.error("dataset.freshness", "needs both column and max_age, e.g. {column: ts, max_age: 1d}",
                              line_of(fresh))
        try:
            parse_age(age)
        except ValueError as exc:
            raise where.error("dataset.freshness.max_age", str(exc), line_of(fresh, "max_age")) from None
        freshness = Freshness(column, str(age))
    key = where.texts(data, "unique_key", "dataset.unique_key", single=True)
    return DatasetSpec(
        rows=_bounds(data, "rows", "dataset.rows", where, lo=0, integer=True),
        unique_key=key or None,
        forbidden_columns=where.texts(data, "forbidden_columns", "dataset.forbidden_columns") or (),
        allow_extra_columns=where.boolean(data, "allow_extra_columns", "dataset.allow_extra_columns", True),
        freshness=freshness,
    )


def _column_data(c: ColumnSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(ColumnSpec):
        if f.name == "name":
            continue
        value = getattr(c, f.name)
        if value == f.default:
            continue
        if isinstance(value, Bounds):
            value = value.to_data()
        elif f.name == "quantiles":
            value = {q: b.to_data() for q, b in value}
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _dataset_data(d: DatasetSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if d.rows is not None:
        out["rows"] = d.rows.to_data()
    if d.unique_key:
        out["unique_key"] = list(d.unique_key)
    if d.forbidden_columns:
        out["forbidden_columns"] = list(d.forbidden_columns)
    if not d.allow_extra_columns:
        out["allow_extra_columns"] = False
    if d.freshness is not None:
        out["freshness"] = {"column": d.freshness.column, "max_age": d.freshness.max_age}
    return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
