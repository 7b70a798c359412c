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


def load_rules(path: str | Path) -> list[AlertRule]:
    """Read alert rules from YAML; errors name the file and the rule."""
    from tripwire.yamlfile import read_yaml

    path = Path(path)
    data = read_yaml(path, "alert rules file")
    if isinstance(data, dict):
        data = data.get("rules")
    if not isinstance(data, list):
        raise InputError("expected a list of rules (name, when, notify)", path=str(path))
    return [_rule(r, i, str(path)) for i, r in enumerate(data)]


def _rule(data: Any, i: int, path: str) -> AlertRule:
    def bad(problem: str) -> InputError:
        return InputError(f"rule {i + 1}: {problem}", path=path, hint="see docs/alerts.md")

    if not isinstance(data, dict) or not {"name", "when", "notify"} <= set(data):
        raise bad("needs name, when and notify")
    when, notify = data["when"], data["notify"]
    notify = [notify] if isinstance(notify, str) else list(notify or [])
    unknown = [n for n in notify if n not in NOTIFIERS]
    if not notify or unknown:
        raise bad(f"notify must list some of {', '.join(NOTIFIERS)}" + (f", not {unknown[0]!r}" if unknown else ""))
    if not isinstance(when, dict):
        raise bad("when must be a mapping")
    allowed = {"code", "column", "severity", "batches", "metric", "above", "below"}
    extra = set(when) - allowed
    if extra:
        raise bad(f"unknown condition {sorted(extra)[0]!r}; allowed: {', '.join(sorted(allowed))}")
    if ("code" in when) == ("metric" in when):
        raise bad("when needs exactly one of code or metric")
    if "code" in when and when["code"] not in CODES:
        raise bad(f"unknown code {when['code']!r} (see docs/codes.md)")
    if "metric" in when:
        known = COLUMN_METRICS if when.get("column") else BATCH_METRICS
        if when["metric"] not in known:
            raise bad(f"unknown metric {when['metric']!r}; choose one of {', '.join(known)}")
        if "above" not in when and "below" not in when:
            raise bad("a metric rule needs above or below")
    if when.get("severity", "info") not in RANK:
        raise bad("severity must be info, warning or error")
    return AlertRule(name=str(data["name"]), notify=tuple(notify), code=when.get("code"),
                     column=when.get("column"), severity=when.get("severity", "info"),
                     batches=int(when.get("batches", 1)), metric=when.get("metric"),
                     above=when.get("above"), below=when.get("below"))
