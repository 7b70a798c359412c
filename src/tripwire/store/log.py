"""`log`: profile, scan (and check) a batch, judge it against the history, store it, alert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tripwire.report import Report
from tripwire.store.store import Store


@dataclass
class Logged:
    """What `log` did: the stored batch, its report, and the alerts it sent."""

    batch_id: int
    report: Report
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def log(data: Any, dataset: str, *, store: Store | str | None = None, reference: Any = None,
        contract: Any = None, alerts: Any = None, model: str | None = None, trained_on: str | None = None,
        as_of: Any = None, quarantine: str | Path | None = None, source: str | None = None,
        progress: bool = False, logged_at: datetime | None = None) -> Logged:
    """Record one batch in the history store and evaluate alert rules after the write.

    `reference` may be `store:NAME` (the dataset's stored reference), data, or a profile;
    `contract` a Contract or a YAML path; `alerts` a list of AlertRule or a YAML path.
    """
    from tripwire.scanning import scan
    from tripwire.store import history

    st = store if isinstance(store, Store) else Store(store)
    if isinstance(reference, str) and reference.startswith("store:"):
        reference = st.reference(reference[len("store:"):])
    report = scan(data, reference, name=dataset, progress=progress, command="log")
    prof = report.extra["profile"]
    findings, checks, quarantine_counts = list(report.findings), list(report.checks), None
    if contract is not None:
        from tripwire.contracts import Contract

        spec = contract if isinstance(contract, Contract) else Contract.load(contract)
        # count what the contract drops even without a folder: the store tracks that share
        checked = spec.check(data, as_of=as_of, quarantine=quarantine or True, name=dataset)
        findings += list(checked.findings)
        checks += list(checked.checks)
        quarantine_counts = checked.quarantine
    now = logged_at or datetime.now(UTC)
    findings += history.judge(st, dataset, prof.rows, now)
    final = Report(command="log", dataset=report.dataset, reference=report.reference,
                   findings=tuple(findings), checks=tuple(checks), quarantine=quarantine_counts,
                   notes=report.notes, extra=report.extra)
    label = source or (str(data) if isinstance(data, (str, Path)) else prof.source.get("kind"))
    batch_id = st.log_batch(dataset, prof, final, source=label, model=model, trained_on=trained_on,
                            logged_at=now)
    deliveries: list[dict[str, Any]] = []
    if alerts is not None:
        from tripwire.alerts import evaluate, load_rules

        rules = alerts if isinstance(alerts, list) else load_rules(alerts)
        deliveries = evaluate(rules, st, dataset, batch_id)
    return Logged(batch_id, final, deliveries)
