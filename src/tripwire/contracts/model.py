"""Contracts as data: written assumptions about a data set, loaded from and dumped to YAML.

Every check is a named field with its parameters, so a contract round-trips
(`Contract.loads(c.dumps()) == c`) and can be inferred, edited by a person, and diffed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from tripwire.errors import InputError

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
class Contract:
    """A data set's written assumptions: columns, data-set checks, rules, drift thresholds."""

    columns: tuple[ColumnSpec, ...] = ()
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    rules: tuple[Rule, ...] = ()
    name: str | None = None
    description: str | None = None
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
        """Build a contract from plain data; errors name the key that is wrong."""
        where = _Where(source)
        if not isinstance(data, dict):
            raise where.error("", "a contract is a mapping with a 'columns' section")
        where.keys(data, {"name", "description", "columns", "dataset", "rules", "drift"}, "")
        columns = data.get("columns") or {}
        if not isinstance(columns, dict):
            raise where.error("columns", "must map column names to their checks")
        specs = tuple(_column_spec(str(name), spec or {}, where) for name, spec in columns.items())
        rules_data = data.get("rules") or []
        if not isinstance(rules_data, list):
            raise where.error("rules", "must be a list of {name, expr, severity}")
        rules = tuple(_rule(r, i, where) for i, r in enumerate(rules_data))
        drift = data.get("drift") or {}
        if not isinstance(drift, dict):
            raise where.error("drift", "must be a mapping (see docs/drift.md)")
        return cls(columns=specs, dataset=_dataset_spec(data.get("dataset") or {}, where), rules=rules,
                   name=data.get("name"), description=data.get("description"), drift=drift)

    @classmethod
    def loads(cls, text: str, source: str = "contract") -> Contract:
        """Parse YAML text."""
        from tripwire.yamlfile import parse_yaml

        data = parse_yaml(text, source)
        return cls.from_data(data if data is not None else {}, source)

    @classmethod
    def load(cls, path: str | Path) -> Contract:
        """Read a YAML contract file."""
        from tripwire.yamlfile import read_yaml

        path = Path(path)
        if not path.exists():
            raise InputError("contract file not found", path=str(path),
                             hint="write one with `tripwire infer DATA -o contract.yaml`")
        data = read_yaml(path, "contract file")
        return cls.from_data(data if data is not None else {}, str(path))

    def check(self, data: Any, *, as_of: Any = None, quarantine: str | Path | bool | None = None,
              name: str | None = None, progress: bool = False, strict: bool = False,
              encoding: str | None = None) -> Any:
        """Check data against the contract; return a Report (command "check").

        `strict=True` fails a check that cannot judge instead of reporting it as unknown.
        """
        from tripwire.run import check  # the facade method composes the run layer above

        return check(self, data, as_of=as_of, quarantine=quarantine, name=name, progress=progress,
                     strict=strict, encoding=encoding)

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
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])


class _Where:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, key: str, problem: str) -> InputError:
        return InputError(f"{key + ': ' if key else ''}{problem}", path=self.source,
                          hint="see docs/contracts.md for every check and its parameters")

    def keys(self, data: dict, allowed: set[str], where: str) -> None:
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            raise self.error(where or unknown[0],
                             f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")


def _bounds(value: Any, key: str, where: _Where) -> Bounds | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"min", "max"}:
        raise where.error(key, "must be {min: ..., max: ...}")
    return Bounds(value.get("min"), value.get("max"))


def _column_spec(name: str, data: Any, where: _Where) -> ColumnSpec:
    key = f"columns.{name}"
    if isinstance(data, str):  # shorthand: `age: int`
        data = {"type": data}
    if not isinstance(data, dict):
        raise where.error(key, "must be a mapping of checks (or a type name)")
    where.keys(data, _COLUMN_KEYS, key)
    kw: dict[str, Any] = dict(data)
    if kw.get("type") is not None and kw["type"] not in TYPES:
        raise where.error(f"{key}.type", f"{kw['type']!r} is not one of {', '.join(TYPES)}")
    if kw.get("severity", "error") not in SEVERITIES:
        raise where.error(f"{key}.severity", "must be error or warning")
    if kw.get("monotonic") not in (None, "increasing", "decreasing"):
        raise where.error(f"{key}.monotonic", "must be increasing or decreasing")
    if "allowed" in kw and kw["allowed"] is not None:
        if not isinstance(kw["allowed"], list):
            raise where.error(f"{key}.allowed", "must be a list of values")
        kw["allowed"] = tuple(kw["allowed"])
    for b in ("mean", "std"):
        kw[b] = _bounds(kw.get(b), f"{key}.{b}", where)
    if kw.get("quantiles") is not None:
        q = kw["quantiles"]
        if not isinstance(q, dict):
            raise where.error(f"{key}.quantiles", "must map quantiles (0-1) to {min, max}")
        kw["quantiles"] = tuple(sorted((float(k), _bounds(v, f"{key}.quantiles.{k}", where))
                                       for k, v in q.items()))
    if kw.get("regex") is not None:
        try:
            re.compile(kw["regex"])
        except re.error as exc:
            raise where.error(f"{key}.regex", f"not a valid regular expression ({exc})") from None
    return ColumnSpec(name=name, **kw)


def _rule(data: Any, i: int, where: _Where) -> Rule:
    if isinstance(data, str):
        data = {"expr": data}
    if not isinstance(data, dict) or "expr" not in data:
        raise where.error(f"rules[{i}]", "must have an 'expr'")
    where.keys(data, {"expr", "name", "description", "severity"}, f"rules[{i}]")
    rule = Rule(str(data["expr"]), data.get("name"), data.get("description"), data.get("severity", "error"))
    if rule.severity not in SEVERITIES:
        raise where.error(f"rules[{i}].severity", "must be error or warning")
    from tripwire.contracts.expr import compile_rule

    compile_rule(rule.expr, rule.label)  # refuse a bad rule when the contract loads
    return rule


def _dataset_spec(data: Any, where: _Where) -> DatasetSpec:
    if not isinstance(data, dict):
        raise where.error("dataset", "must be a mapping")
    where.keys(data, {"rows", "unique_key", "forbidden_columns", "allow_extra_columns", "freshness"},
               "dataset")
    fresh = data.get("freshness")
    freshness = None
    if fresh is not None:
        if not isinstance(fresh, dict) or set(fresh) != {"column", "max_age"}:
            raise where.error("dataset.freshness", "must be {column: NAME, max_age: 1d}")
        try:
            parse_age(fresh["max_age"])
        except ValueError as exc:
            raise where.error("dataset.freshness.max_age", str(exc)) from None
        freshness = Freshness(str(fresh["column"]), str(fresh["max_age"]))
    key = data.get("unique_key")
    if isinstance(key, str):
        key = [key]
    return DatasetSpec(
        rows=_bounds(data.get("rows"), "dataset.rows", where),
        unique_key=tuple(key) if key else None,
        forbidden_columns=tuple(data.get("forbidden_columns") or ()),
        allow_extra_columns=bool(data.get("allow_extra_columns", True)),
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
