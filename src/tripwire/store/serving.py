"""What a guarded model served: its decisions, its predictions by request id, and delayed labels.

Writes take many rows in one transaction (the guard's recorder batches them); reads return
plain rows, oldest first, for `log-labels`, `compare-models` and the dashboard's model page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tripwire.store import schema as t
from tripwire.store.store import Store, _aware


def write_served(store: Store, decisions: Iterable[Mapping[str, Any]],
                 predictions: Iterable[Mapping[str, Any]]) -> None:
    """Record guard decisions and served predictions in one transaction."""
    decisions, predictions = list(decisions), list(predictions)
    with store.engine.begin() as conn:
        if decisions:
            conn.execute(t.guard_decisions.insert(), decisions)
        if predictions:
            conn.execute(t.predictions.insert(), predictions)


def write_labels(store: Store, dataset: str, ids: list[str], nums: list[float | None],
                 texts: list[str | None], at: datetime | None = None) -> int:
    """Record true labels by request id (a label logged again replaces the earlier one)."""
    when = at or datetime.now(UTC)
    rows = [{"dataset": dataset, "request_id": i, "label_num": n, "label_text": s, "logged_at": when}
            for i, n, s in zip(ids, nums, texts, strict=True)]
    with store.engine.begin() as conn:
        for start in range(0, len(rows), 5000):  # bounded IN lists on every backend
            chunk = rows[start:start + 5000]
            conn.execute(t.labels.delete().where(t.labels.c.dataset == dataset,
                                                 t.labels.c.request_id.in_([r["request_id"] for r in chunk])))
            conn.execute(t.labels.insert(), chunk)
    return len(rows)


def labelled_predictions(store: Store, dataset: str) -> list[dict[str, Any]]:
    """Return every stored prediction of a dataset that has a label, with the label."""
    p, lab = t.predictions, t.labels
    q = (sa.select(p.c.request_id, p.c.model_name, p.c.model_version, p.c.role, p.c.route, p.c.at,
                   p.c.value_num, p.c.value_text, lab.c.label_num, lab.c.label_text)
         .join(lab, (lab.c.dataset == p.c.dataset) & (lab.c.request_id == p.c.request_id))
         .where(p.c.dataset == dataset).order_by(p.c.id))
    with store.engine.connect() as conn:
        return [{**dict(r._mapping), "at": _aware(r.at)} for r in conn.execute(q)]


def prediction_count(store: Store, dataset: str) -> int:
    """Return how many predictions of a dataset are stored."""
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.predictions)
                                .where(t.predictions.c.dataset == dataset)).scalar() or 0)


def decisions(store: Store, model: str | None = None, dataset: str | None = None,
              limit: int = 5000) -> list[dict[str, Any]]:
    """Return the latest guard decisions (of one model name or dataset), oldest first."""
    d = t.guard_decisions
    q = sa.select(d).order_by(d.c.id.desc()).limit(limit)
    if model is not None:
        q = q.where(d.c.model_name == model)
    if dataset is not None:
        q = q.where(d.c.dataset == dataset)
    with store.engine.connect() as conn:
        return [{**dict(r._mapping), "at": _aware(r.at)} for r in conn.execute(q)][::-1]


def guarded_models(store: Store) -> list[dict[str, Any]]:
    """Return each guarded model name with its dataset, batches and rows routed."""
    d = t.guard_decisions
    q = (sa.select(d.c.model_name, d.c.dataset, sa.func.count().label("batches"),
                   sa.func.sum(d.c.rows).label("rows"), sa.func.sum(d.c.rows_routed).label("routed"),
                   sa.func.max(d.c.at).label("last"))
         .group_by(d.c.model_name, d.c.dataset).order_by(d.c.model_name, d.c.dataset))
    with store.engine.connect() as conn:
        return [{**dict(r._mapping), "last": _aware(r.last)} for r in conn.execute(q)]


def as_value(value: Any) -> tuple[float | None, str | None]:
    """Return a served value as (number, text): numbers keep their value, everything else its text."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return float(value), str(value)
    if isinstance(value, (int, float)):
        return float(value), None
    item = getattr(value, "item", None)  # NumPy scalars
    if callable(item):
        try:
            return as_value(item())
        except (TypeError, ValueError):
            pass
    return None, str(value)[:1000]


def label_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Return how many labelled predictions each role has."""
    out: dict[str, int] = {}
    for r in rows:
        out[r["role"]] = out.get(r["role"], 0) + 1
    return out
