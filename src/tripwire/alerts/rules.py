"""Alert rules as data (YAML), evaluated against the history after a batch is written.

```yaml
- name: income drift
  when: {code: drift.feature, column: income, severity: warning, batches: 2}
  notify: [slack]
- name: filters dropping data
  when: {metric: rows_dropped_share, above: 0.05}
  notify: [email]
```

A `code` rule fires when each of the last `batches` batches (default 1) has a finding with
that code (on that column, at that severity or worse). A `metric` rule fires when the latest
batch's metric (a batch metric, or a column metric with `column:`) is above / below a bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tripwire.alerts.notifiers import NOTIFIERS
from tripwire.errors import InputError
from tripwire.report.codes import CODES
from tripwire.store.store import BATCH_METRICS, COLUMN_METRICS, Store
from tripwire.yamlfile import line_of

RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class AlertRule:
    """One rule: when it fires, and whom to tell."""

    name: str
    notify: tuple[str, ...]
    code: str | None = None
    column: str | None = None
    severity: str = "info"
    batches: int = 1
    metric: str | None = None
    above: float | None = None
    below: float | None = None

    def fires(self, store: Store, dataset: str) -> str | None:
        """Return the alert message when the rule holds on the latest batches, else None."""
        if self.code is not None:
            recent = store.batches(dataset, self.batches)
            if len(recent) < self.batches:
                return None
            found = store.findings(dataset, self.batches)
            hits = []
            for b in recent:
                mine = [f for f in found if f["batch_id"] == b["id"] and f["code"] == self.code
                        and RANK[f["severity"]] >= RANK[self.severity]
                        and (self.column is None or self.column in f["columns"])]
                if not mine:
                    return None
                hits.append(mine[0]["title"])
            where = f" on {self.column}" if self.column else ""
            return (f"{self.code}{where} in the last {self.batches} batch(es) of {dataset}: "
                    + " | ".join(hits[-3:]))
        series = store.series(dataset, self.metric, self.column, limit=1)
        if not series or series[-1][2] is None:
            return None
        value = series[-1][2]
        if (self.above is not None and value > self.above) or (self.below is not None and value < self.below):
            bound = f"above {self.above}" if self.above is not None and value > self.above else f"below {self.below}"
            col = f" of {self.column}" if self.column else ""
            return f"{self.metric}{col} is {value:.4g} in the latest batch of {dataset}, {bound}"
        return None


#: a rule may look back over at most this many batches
MAX_BATCHES = 1_000
HINT = "see docs/alerts.md"


def load_rules(path: str | Path) -> list[AlertRule]:
    """Read alert rules from YAML; a wrong key or value is one line naming the file, line and key."""
    from tripwire.yamlfile import read_yaml

    path = Path(path)
    return rules_from_data(read_yaml(path, "alert rules file"), str(path))


def rules_from_data(data: Any, source: str = "alert rules") -> list[AlertRule]:
    """Build alert rules from YAML data (a list of rules, or a mapping with `rules:`)."""
    from tripwire.yamlschema import Schema, shown

    where = Schema(source, HINT)
    if isinstance(data, dict):
        where.keys(data, {"rules"}, "")
        data = data.get("rules")
    if not isinstance(data, list):
        raise InputError(f"expected a list of rules (name, when, notify), got {shown(data)}", path=source,
                         line=line_of(data), hint=HINT)
    return [_rule(data, i, where) for i in range(len(data))]


def _rule(rules: list, i: int, where: Any) -> AlertRule:
    from tripwire.yamlschema import shown

    key = f"rules[{i}]"
    data = rules[i]
    if not isinstance(data, dict):
        raise where.error(key, f"expected a mapping with name, when and notify, got {shown(data)}")
    where.keys(data, {"name", "when", "notify"}, key)
    missing = [k for k in ("name", "when", "notify") if data.get(k) is None]
    if missing:
        raise where.error(key, f"needs {', '.join(missing)} (every rule has name, when and notify)", line_of(data))
    name = data["name"]
    if isinstance(name, bool) or not isinstance(name, (str, int, float)):
        raise where.wrong(data, "name", f"{key}.name", "text")
    key = f"rules[{i}] ({name})"
    notify = data["notify"]
    notify = [notify] if isinstance(notify, str) else notify
    if not isinstance(notify, list) or not notify or not all(isinstance(n, str) for n in notify):
        raise where.wrong(data, "notify", f"{key}.notify", f"a list of notifiers ({', '.join(NOTIFIERS)})")
    for n in notify:
        if n not in NOTIFIERS:
            raise where.error(f"{key}.notify", f"unknown notifier {n!r}; choose from {', '.join(NOTIFIERS)}",
                              line_of(data, "notify"))
    when = where.mapping(data, "when", f"{key}.when", "a mapping (code: ... or metric: ...)")
    where.keys(when, {"code", "column", "severity", "batches", "metric", "above", "below"}, f"{key}.when")
    k = f"{key}.when"
    if ("code" in when) == ("metric" in when):
        raise where.error(k, "needs exactly one of code or metric", line_of(data, "when"))
    code = where.text(when, "code", f"{k}.code")
    if "code" in when and code not in CODES:
        import difflib

        close = difflib.get_close_matches(str(code), list(CODES), n=1)
        raise where.error(f"{k}.code", f"unknown code {code!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                          + " (codes: docs/codes.md)", line_of(when, "code"))
    column = where.text(when, "column", f"{k}.column")
    metric = None
    if "metric" in when:
        metric = where.choice(when, "metric", f"{k}.metric", COLUMN_METRICS if column else BATCH_METRICS, None)
        if when.get("above") is None and when.get("below") is None:
            raise where.error(k, "a metric rule needs above or below", line_of(data, "when"))
    elif "above" in when or "below" in when:
        raise where.error(k, "above and below go with metric, not code", line_of(when, "above"))
    return AlertRule(name=str(name), notify=tuple(notify), code=code, column=column,
                     severity=where.choice(when, "severity", f"{k}.severity", tuple(RANK), "info") or "info",
                     batches=int(where.number(when, "batches", f"{k}.batches", lo=1, hi=MAX_BATCHES,
                                              integer=True) or 1),
                     metric=metric, above=where.number(when, "above", f"{k}.above"),
                     below=where.number(when, "below", f"{k}.below"))
