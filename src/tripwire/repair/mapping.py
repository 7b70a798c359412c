"""Repairs saved as YAML: a person can read and edit them, and a later batch reuses them.

    # tripwire fix: apply with `tripwire fix DATA --mapping fixes.yaml -o CLEAN`
    version: 1
    rules:
      category_variants:
        city: {new york: New York, NYC: New York}
      encoding: {name: ftfy}
      disguised_nulls: {income: [N/A, '-']}
      numbers_as_text: {price: {thousands: ',', decimal: '.'}}
      rescale: {mrr: {factor: 100, min: 1000, max: 5000}}
      exact_duplicates: true

A typo is one line naming the file, the line and the closest known name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tripwire.errors import InputError
from tripwire.repair.rules import FIXERS, RULE_CODES, Rule, merged
from tripwire.yamlfile import line_of, plain, read_yaml

HEADER = ("# tripwire fix: the repairs to apply. Edit freely, then reuse on later batches:\n"
          "#   tripwire fix DATA --mapping THIS_FILE -o CLEAN\n")


def dumps(rules: Iterable[Rule]) -> str:
    """Return the rules as the YAML a person edits (one section per rule, columns beneath)."""
    import yaml

    sections: dict[str, Any] = {}
    for r in rules:
        if r.name == "exact_duplicates":
            sections["exact_duplicates"] = True
            continue
        section = sections.setdefault(r.name, {})
        if r.name == "category_variants":
            section[r.column] = dict(r.params["mapping"])
        elif r.name == "encoding":
            section[r.column] = r.params["fixer"]
        elif r.name == "disguised_nulls":
            section[r.column] = list(r.params["values"])
        else:
            section[r.column] = {k: v for k, v in r.params.items() if v is not None}
    body = yaml.safe_dump({"version": 1, "rules": sections}, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def save(rules: Iterable[Rule], path: str | Path) -> Path:
    """Write the rules as YAML."""
    path = Path(path)
    path.write_text(dumps(rules), encoding="utf-8")
    return path


def _refuse(path: str, data: Any, key: Any, problem: str, options: Sequence[str] = ()) -> InputError:
    close = difflib.get_close_matches(str(key), list(options), n=1, cutoff=0.6) if options else []
    hint = f"did you mean {close[0]!r}?" if close else (f"choose from {', '.join(options)}" if options else None)
    return InputError(problem, path=path, line=line_of(data, key), hint=hint)


def load(path: str | Path, columns: Sequence[str] | None = None) -> list[Rule]:
    """Read a mapping file; a wrong rule or column name is one line with its line number.

    `columns` (the data's columns) lets a misspelt column be caught with a did-you-mean.
    """
    where = str(path)
    if not Path(path).exists():
        raise InputError("mapping file not found", path=where,
                         hint="write one with `tripwire fix DATA --report REPORT.json --save-mapping FILE`")
    data = read_yaml(path, "mapping file")
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        raise InputError("expected a mapping with a 'rules' section", path=where, line=line_of(data))
    for key in data:
        if key not in ("version", "rules"):
            raise _refuse(where, data, key, f"unknown key {key!r}", ["version", "rules"])
    sections = data["rules"]
    rules: list[Rule] = []
    for name, section in sections.items():
        if name not in RULE_CODES:
            raise _refuse(where, sections, name, f"unknown rule {name!r}", list(RULE_CODES))
        if name == "exact_duplicates":
            if section is not True and section is not False:
                raise _refuse(where, sections, name, "exact_duplicates: expected true or false")
            if section:
                rules.append(Rule(name, None, {}))
            continue
        if not isinstance(section, dict):
            raise _refuse(where, sections, name, f"{name}: expected a mapping of column names to their repair")
        for col, spec in section.items():
            if columns is not None and col not in columns:
                raise _refuse(where, section, col, f"{name}: no column {col!r} in the data", list(columns))
            rules.append(_rule(where, name, section, col, spec))
    return merged(rules)


def _rule(where: str, name: str, section: dict, col: str, spec: Any) -> Rule:
    bad = lambda what: _refuse(where, section, col, f"{name}.{col}: expected {what}")  # noqa: E731
    if name == "category_variants":
        if not isinstance(spec, dict) or not spec:
            raise bad("a mapping of variant: canonical value")
        return Rule(name, str(col), {"mapping": {str(k): str(v) for k, v in plain(spec).items()}})
    if name == "encoding":
        fixers = sorted(set(FIXERS.values()))
        if spec not in fixers:
            raise _refuse(where, section, col, f"{name}.{col}: unknown fixer {spec!r}", fixers)
        return Rule(name, str(col), {"fixer": spec})
    if name == "disguised_nulls":
        if not isinstance(spec, list) or not all(isinstance(v, str) for v in spec):
            raise bad("a list of the texts that mean 'no value'")
        return Rule(name, str(col), {"values": sorted(spec)})
    if name == "numbers_as_text":
        spec = plain(spec) if isinstance(spec, dict) else None
        if spec is None or set(spec) - {"thousands", "decimal"} or not all(
                isinstance(v, str) and len(v) <= 1 for v in spec.values()):
            raise bad("{thousands: ',', decimal: '.'} (one character each, '' for none)")
        return Rule(name, str(col), {"thousands": spec.get("thousands", ","), "decimal": spec.get("decimal", ".")})
    spec = plain(spec) if isinstance(spec, dict) else None
    if (spec is None or not isinstance(spec.get("factor"), (int, float)) or isinstance(spec.get("factor"), bool)
            or not spec["factor"] or set(spec) - {"factor", "min", "max"}):
        raise bad("{factor: 100, min: LOW, max: HIGH} (the values in [min, max) are divided by factor)")
    return Rule(name, str(col), {"factor": float(spec["factor"]), "min": spec.get("min"), "max": spec.get("max")})
