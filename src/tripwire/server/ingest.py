"""Ingest a profile computed elsewhere (a pipeline step, a Spark job): the server runs the
dataset's contract, the profile-based detectors (drift included) against the stored
reference, the history judgements, stores the batch, and evaluates alert rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tripwire.errors import InputError
from tripwire.store import Store


def ingest_profile(store: Store, dataset: str, body: Any, config: Path | None) -> dict[str, Any]:
    """Store one posted batch; return its id, summary and alert deliveries."""
    from tripwire.profiling import DatasetProfile
    from tripwire.report import Report
    from tripwire.scanning import scan
    from tripwire.store import history

    if not isinstance(body, dict) or not isinstance(body.get("profile"), dict):
        raise InputError("the body must be {\"profile\": {...tripwire profile JSON...}, \"report\": {...}}")
    prof = DatasetProfile.from_dict(body["profile"])
    try:
        reference = store.reference(dataset)
    except Exception:
        reference = None
    report = scan(prof, reference, name=dataset, command="log")
    findings, checks = list(report.findings), list(report.checks)
    if isinstance(body.get("report"), dict):  # findings computed where the rows were
        posted = Report.from_dict(body["report"])
        findings += list(posted.findings)
        checks += list(posted.checks)
    contract_file = config / f"{dataset}.contract.yaml" if config else None
    if contract_file is not None and contract_file.exists():
        from tripwire.contracts import Contract
        from tripwire.contracts.runner import check_profile

        checked = check_profile(Contract.load(contract_file), prof)
        findings += list(checked.findings)
        checks += list(checked.checks)
    now = datetime.now(UTC)
    findings += history.judge(store, dataset, prof.rows, now)
    final = Report(command="log", dataset=report.dataset, reference=report.reference, findings=tuple(findings),
                   checks=tuple(checks), extra=report.extra)
    source = body.get("source") if isinstance(body.get("source"), str) else "ingest"
    model = body.get("model") if isinstance(body.get("model"), str) else None
    batch_id = store.log_batch(dataset, prof, final, source=source, model=model,
                               trained_on=body.get("trained_on") if isinstance(body.get("trained_on"), str) else None,
                               logged_at=now)
    deliveries = []
    rules_file = config / "alerts.yaml" if config else None
    if rules_file is not None and rules_file.exists():
        from tripwire.alerts import evaluate, load_rules

        deliveries = evaluate(load_rules(rules_file), store, dataset, batch_id)
    return {"batch_id": batch_id, "summary": final.summary, "findings": len(final.findings),
            "alerts": [{k: d[k] for k in ("rule", "notifier", "ok")} for d in deliveries]}
