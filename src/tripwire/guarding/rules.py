"""Routing rules: which findings send the batch, or only its failing rows, to the fallback.

```yaml
rules:
  - name: broken upstream
    when: {code: schema}                 # a family, or one code (schema.missing_column)
    route: batch
  - name: bad values
    when: {severity: error}              # any error finding with rows: route those rows
    route: rows
  - name: drifted
    when: {code: drift.feature, drift_above: 0.5}
    route: batch
  - name: too many bad rows
    when: {failing_share_above: 0.3}
    route: batch
```

A rule matches the findings that have its code (or family), column and at least its
severity; it fires when some finding matches and the drift score / share of failing rows
passes its bounds. `route: rows` sends the matched findings' failing rows to the fallback,
and the whole batch when a matched finding has no rows (a missing column, drift). Rules are
tried in order; every one that fires is recorded, and the batch goes to the fallback when
any of them routes the batch. No rules: route the rows of any error finding.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tripwire.errors import InputError, UsageError
from tripwire.report.codes import CODES
from tripwire.report.finding import Finding
from tripwire.yamlfile import line_of

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
ROUTES = ("rows", "batch")
HINT = "see docs/guard.md"


@dataclass(frozen=True)
class RouteRule:
    """One rule: which findings it matches, the bounds that make it fire, and what it routes."""

    name: str
    route: str = "rows"
    code: str | None = None
    column: str | None = None
    severity: str = "info"
    drift_above: float | None = None
    failing_share_above: float | None = None
    #: a Python escape hatch: called with the matched findings, returns whether the rule fires
    when: Callable[[list[Finding]], bool] | None = None

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise UsageError(f"guard rule {self.name!r}: route {self.route!r} is not one of {', '.join(ROUTES)}")
        if self.severity not in SEVERITY_RANK:
            raise UsageError(f"guard rule {self.name!r}: severity {self.severity!r} is not one of "
                             f"{', '.join(SEVERITY_RANK)}")
        if self.code is not None:
            check_code(self.code, f"guard rule {self.name!r}")

    def matches(self, f: Finding) -> bool:
        """Return whether the rule is about this finding."""
        if self.code is not None and f.code != self.code and f.code.split(".")[0] != self.code:
            return False
        if self.column is not None and self.column not in f.columns:
            return False
        return SEVERITY_RANK.get(f.severity, 0) >= SEVERITY_RANK[self.severity]

    def fires(self, matched: list[Finding], drift: float, failing_share: float) -> bool:
        """Return whether the rule holds for these matched findings and batch figures."""
        if self.drift_above is not None and not drift > self.drift_above:
            return False
        if self.failing_share_above is not None and not failing_share > self.failing_share_above:
            return False
        if self.when is not None:
            return bool(self.when(matched))
        return bool(matched) or (self.code is None and (self.drift_above is not None
                                                        or self.failing_share_above is not None))


#: no rules given: an error finding routes its rows (the batch when it has none)
DEFAULT_RULES = (RouteRule("any error", route="rows", severity="error"),)


@dataclass(frozen=True)
class Routing:
    """What the rules decided for one batch."""

    rules: tuple[str, ...]  # the rules that fired, in order
    batch: bool  # the whole batch goes to the fallback
    mask: np.ndarray  # rows going to the fallback (all true when batch)

    @property
    def routed(self) -> int:
        """Return how many rows go to the fallback."""
        return int(self.mask.sum())


def route(rules: Sequence[RouteRule], findings: list[Finding], masks: dict[int, np.ndarray], n: int,
          drift: float) -> Routing:
    """Apply the rules to one batch's findings (masks: finding index -> failing rows)."""
    any_rows = np.zeros(n, dtype=bool)
    for m in masks.values():
        any_rows |= m
    failing_share = float(any_rows.mean()) if n else 0.0
    fired: list[str] = []
    batch = False
    mask = np.zeros(n, dtype=bool)
    for rule in rules:
        matched = [i for i, f in enumerate(findings) if rule.matches(f)]
        if rule.drift_above is not None and rule.code is None:
            matched = [i for i in matched if findings[i].code.startswith("drift.")] or matched
        if not rule.fires([findings[i] for i in matched], drift, failing_share):
            continue
        fired.append(rule.name)
        if rule.route == "batch" or not matched or any(i not in masks for i in matched):
            batch = True
        else:
            for i in matched:
                mask |= masks[i]
    if batch:
        mask = np.ones(n, dtype=bool)
    return Routing(tuple(fired), batch, mask)


def check_code(code: str, where: str, line: int | None = None, path: str | None = None) -> None:
    """Refuse a code (or family) that tripwire does not know, with the closest known one."""
    families = {c.split(".")[0] for c in CODES}
    if code in CODES or code in families:
        return
    close = difflib.get_close_matches(code, [*CODES, *sorted(families)], n=1)
    hint = f"did you mean {close[0]!r}? (codes: docs/codes.md)" if close else "codes: docs/codes.md"
    if path is not None:
        raise InputError(f"{where}: unknown code {code!r}", path=path, line=line, hint=hint)
    raise UsageError(f"{where}: unknown code {code!r}; {hint}")


def load_rules(rules: Any) -> tuple[RouteRule, ...]:
    """Return routing rules from a YAML file, YAML data, or RouteRule objects (None: the defaults)."""
    if rules is None:
        return DEFAULT_RULES
    if isinstance(rules, RouteRule):
        return (rules,)
    if isinstance(rules, (str, Path)):
        from tripwire.yamlfile import read_yaml

        return rules_from_data(read_yaml(Path(rules), "guard rules file"), str(rules))
    if isinstance(rules, dict):
        return rules_from_data(rules, "guard rules")
    items = list(rules)
    if all(isinstance(r, RouteRule) for r in items):
        return tuple(items)
    return rules_from_data(items, "guard rules")


def rules_from_data(data: Any, source: str) -> tuple[RouteRule, ...]:
    """Build rules from YAML data: a list, or a mapping with `rules:`; one line per mistake."""
    from tripwire.yamlschema import Schema, shown

    where = Schema(source, HINT)
    if isinstance(data, dict):
        where.keys(data, {"rules"}, "")
        data = data.get("rules")
    if not isinstance(data, list) or not data:
        raise InputError(f"expected a list of rules (name, when, route), got {shown(data)}", path=source,
                         line=line_of(data), hint=HINT)
    out = []
    for i, item in enumerate(data):
        key = f"rules[{i}]"
        if not isinstance(item, dict):
            raise where.error(key, f"expected a mapping with name, when and route, got {shown(item)}")
        where.keys(item, {"name", "when", "route"}, key)
        name = str(item.get("name") or f"rule {i + 1}")
        key = f"rules[{i}] ({name})"
        when = where.mapping(item, "when", f"{key}.when", "a mapping (code, column, severity, drift_above, "
                                                          "failing_share_above)")
        where.keys(when, {"code", "column", "severity", "drift_above", "failing_share_above"}, f"{key}.when")
        code = where.text(when, "code", f"{key}.when.code")
        if code is not None:
            check_code(code, f"{key}.when.code", line_of(when, "code"), source)
        out.append(RouteRule(
            name=name, code=code, column=where.text(when, "column", f"{key}.when.column"),
            route=where.choice(item, "route", f"{key}.route", ROUTES, "rows") or "rows",
            severity=where.choice(when, "severity", f"{key}.when.severity", tuple(SEVERITY_RANK), "info") or "info",
            drift_above=where.number(when, "drift_above", f"{key}.when.drift_above", lo=0),
            failing_share_above=where.number(when, "failing_share_above", f"{key}.when.failing_share_above",
                                             lo=0, hi=1)))
    return tuple(out)
