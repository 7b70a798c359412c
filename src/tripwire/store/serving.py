"""What a guarded model served: its decisions, its outputs by request id, and delayed labels.

Outputs and labels are stored one row per batch (ids and values as JSON arrays): a served
batch of 1,000 rows is one insert, and reading them back is one Polars explode, so joining
a month of labels to a year of predictions stays vectorised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from tripwire.store import schema as t
from tripwire.store.names import check_dataset_name
from tripwire.store.store import Store, _aware


def dumps(values: Sequence[Any]) -> str:
    """Return values as a JSON array (NumPy scalars as numbers, anything else as its text)."""
    def plain(o: Any) -> Any:
        item = getattr(o, "item", None)
        return item() if callable(item) else str(o)

    return json.dumps(list(values), default=plain, allow_nan=False) if values is not None else "[]"


def write_served(store: Store, decisions: Iterable[Mapping[str, Any]],
                 outputs: Iterable[Mapping[str, Any]]) -> None:
    """Record guard decisions and output batches in one transaction."""
    decisions, outputs = list(decisions), list(outputs)
    with store.engine.begin() as conn:
        if decisions:
            conn.execute(t.guard_decisions.insert(), decisions)
        if outputs:
            conn.execute(t.prediction_batches.insert(), outputs)


def write_labels(store: Store, dataset: str, ids: list[str], labels: list[Any], *, source: str | None = None,
                 at: datetime | None = None) -> int:
    """Record true labels by request id, in one row (a label logged again replaces the earlier one)."""
    check_dataset_name(dataset)
    with store.engine.begin() as conn:
        conn.execute(t.label_batches.insert().values(
            dataset=dataset, logged_at=at or datetime.now(UTC), source=source, rows=len(ids),
            ids_json=json.dumps(ids), labels_json=dumps(labels)))
    return len(ids)


def outputs(store: Store, dataset: str) -> pl.DataFrame:
    """Return every stored output of a dataset, one row per (request id, role).

    Columns: request_id, role, model_name, model_version, route, at, value (as stored: numbers
    stay numbers when every value of the column is one, else text).
    """
    p = t.prediction_batches
    q = sa.select(p.c.batch_key, p.c.at, p.c.model_name, p.c.model_version, p.c.role, p.c.rows, p.c.ids_json,
                  p.c.values_json, p.c.routes_json).where(p.c.dataset == dataset).order_by(p.c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    rows = [r for r in rows if r.ids_json.strip() != "[]"]  # exploding an empty array would give a null row
    if not rows:
        return _no_outputs()
    # one row per stored batch, its JSON arrays decoded and exploded by Polars: no Python per value
    batches = pl.DataFrame({
        "role": [r.role for r in rows], "model_name": [r.model_name for r in rows],
        "model_version": [r.model_version for r in rows],
        "at": pl.Series([_aware(r.at) for r in rows], dtype=pl.Datetime("us", "UTC")),
        "request_id": _json_lists([r.ids_json for r in rows]).cast(pl.List(pl.String)),
        "route": _json_lists([r.routes_json for r in rows]).cast(pl.List(pl.String)),
    }, schema_overrides={"model_name": pl.String, "model_version": pl.String, "role": pl.String})
    frame = batches.explode(["request_id", "route"]).with_columns(_values([r.values_json for r in rows]))
    return frame.select("request_id", "role", "model_name", "model_version", "route", "at", "value")


def _no_outputs() -> pl.DataFrame:
    """Return the empty frame of `outputs` (no output stored)."""
    return pl.DataFrame(schema={"request_id": pl.String, "role": pl.String, "model_name": pl.String,
                                "model_version": pl.String, "route": pl.String,
                                "at": pl.Datetime("us", "UTC"), "value": pl.Float64})


def labels(store: Store, dataset: str) -> pl.DataFrame:
    """Return each request id's latest label: request_id, label, labelled_at."""
    b = t.label_batches
    q = sa.select(b.c.logged_at, b.c.ids_json, b.c.labels_json).where(b.c.dataset == dataset).order_by(b.c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    rows = [r for r in rows if r.ids_json.strip() != "[]"]  # exploding an empty array would give a null row
    if not rows:
        return pl.DataFrame(schema={"request_id": pl.String, "label": pl.Float64,
                                    "labelled_at": pl.Datetime("us", "UTC")})
    batches = pl.DataFrame({
        "request_id": _json_lists([r.ids_json for r in rows]).cast(pl.List(pl.String)),
        "labelled_at": pl.Series([_aware(r.logged_at) for r in rows], dtype=pl.Datetime("us", "UTC"))})
    frame = batches.explode("request_id").with_columns(_values([r.labels_json for r in rows]).alias("label"))
    return frame.select("request_id", "label", "labelled_at").unique("request_id", keep="last", maintain_order=True)


def served_version(store: Store, dataset: str) -> tuple[int, int]:
    """Return the last stored output batch's and label batch's row ids of a dataset (0: none).

    Rows are only ever added, so the pair changes exactly when outputs or labels were written:
    what is computed from them can be kept under it.
    """
    p, b = t.prediction_batches, t.label_batches
    with store.engine.connect() as conn:
        last_output = conn.execute(sa.select(sa.func.max(p.c.id)).where(p.c.dataset == dataset)).scalar()
        last_label = conn.execute(sa.select(sa.func.max(b.c.id)).where(b.c.dataset == dataset)).scalar()
    return int(last_output or 0), int(last_label or 0)


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
    """Return each guarded model name with its dataset, batches, rows and rows routed."""
    d = t.guard_decisions
    q = (sa.select(d.c.model_name, d.c.dataset, sa.func.count().label("batches"),
                   sa.func.sum(d.c.rows).label("rows"), sa.func.sum(d.c.rows_routed).label("routed"),
                   sa.func.max(d.c.at).label("last"))
         .group_by(d.c.model_name, d.c.dataset).order_by(d.c.model_name, d.c.dataset))
    with store.engine.connect() as conn:
        return [{**dict(r._mapping), "last": _aware(r.last)} for r in conn.execute(q)]


def _json_lists(texts: list[str]) -> pl.Series:
    """Return JSON arrays decoded by Polars, each element as its text (an array of ids or routes)."""
    return pl.Series(texts, dtype=pl.String).str.json_decode(pl.List(pl.String))


#: a JSON array holding only strings and nulls once its string literals are taken out
_STRINGS = r'"(?:[^"\\]|\\.)*"'


def _values(texts: list[str]) -> pl.Series:
    """Return the values of JSON arrays, one after the other, typed as `_column` types them.

    Arrays of numbers (and booleans, as 0/1) and of strings are decoded by Polars; a mix of
    the two, rare, is decoded in Python (a number among text becomes its Python text there).
    """
    arrays = pl.Series("value", texts, dtype=pl.String)
    try:
        return arrays.str.json_decode(pl.List(pl.Float64)).explode().alias("value")
    except pl.exceptions.ComputeError:  # a string among the values: text, when only strings
        pass
    leftover = arrays.str.replace_all(_STRINGS, "").str.replace_all(r"null|[\[\],\s]", "").str.len_bytes()
    if int(leftover.max() or 0) == 0:
        return arrays.str.json_decode(pl.List(pl.String)).explode().alias("value")
    return _column([v for t in texts for v in json.loads(t)]).alias("value")


def _column(values: list[Any]) -> pl.Series:
    """Return values as numbers when every known one is a number (bools as 0/1), else as text."""
    known = [v for v in values if v is not None]
    if all(isinstance(v, (int, float)) for v in known):
        return pl.Series(values, dtype=pl.Float64, strict=False)
    return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)
