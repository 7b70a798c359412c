"""Alert rules and notifiers: evaluated after each logged batch; every delivery is recorded."""

from __future__ import annotations

from typing import Any

from tripwire.alerts.notifiers import NOTIFIERS, Delivery, deliver
from tripwire.alerts.rules import AlertRule, load_rules
from tripwire.store.store import Store

__all__ = ["NOTIFIERS", "AlertRule", "Delivery", "deliver", "evaluate", "load_rules"]


def evaluate(rules: list[AlertRule], store: Store, dataset: str, batch_id: int | None = None) -> list[dict[str, Any]]:
    """Fire every rule that holds, deliver it, record each delivery; return what happened.

    Never raises for a failed delivery: the data run goes on and the failure is in the store.
    """
    out = []
    for rule in rules:
        message = rule.fires(store, dataset)
        if message is None:
            continue
        subject = f"tripwire: {rule.name} ({dataset})"
        payload = {"dataset": dataset, "batch_id": batch_id, "rule": rule.name}
        for notifier in rule.notify:
            d = deliver(notifier, subject, message, payload)
            store.record_delivery(dataset, rule.name, notifier, "sent" if d.ok else "failed", d.attempts,
                                  message, d.error, batch_id)
            out.append({"rule": rule.name, "notifier": notifier, "ok": d.ok, "attempts": d.attempts,
                        "error": d.error, "message": message})
    return out
