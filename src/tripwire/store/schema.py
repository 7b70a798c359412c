"""The history store's tables and its ordered migrations (recorded in `schema_version`)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "tripwire_schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

datasets = sa.Table(
    "tripwire_datasets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reference_batch_id", sa.Integer, nullable=True),
    #: expected seconds between batches; None means learned from the history
    sa.Column("cadence_seconds", sa.Float, nullable=True),
)

batches = sa.Table(
    "tripwire_batches", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("tripwire_datasets.id"), nullable=False, index=True),
    sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("fingerprint", sa.String(64), nullable=True, index=True),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("columns", sa.Integer, nullable=False),
    sa.Column("errors", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("infos", sa.Integer, nullable=False),
    sa.Column("rows_in", sa.BigInteger, nullable=True),
    sa.Column("rows_kept", sa.BigInteger, nullable=True),
    sa.Column("model_name", sa.String(200), nullable=True, index=True),
    sa.Column("model_version", sa.String(100), nullable=True),
    sa.Column("trained_on", sa.String(64), nullable=True),
    #: labels.noisy's estimated share of mislabelled rows (batches logged with --label; v2)
    sa.Column("label_noise_share", sa.Float, nullable=True),
    sa.Column("profile_json", sa.Text, nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
)

column_metrics = sa.Table(
    "tripwire_column_metrics", metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("tripwire_batches.id"), primary_key=True),
    sa.Column("column", sa.String(300), primary_key=True),
    sa.Column("null_share", sa.Float, nullable=True),
    sa.Column("distinct", sa.Float, nullable=True),
    sa.Column("mean", sa.Float, nullable=True),
    sa.Column("drift_score", sa.Float, nullable=True),
)

findings = sa.Table(
    "tripwire_findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("tripwire_batches.id"), nullable=False, index=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("columns", sa.Text, nullable=False),  # tab-separated
    sa.Column("title", sa.Text, nullable=False),
)

deliveries = sa.Table(
    "tripwire_alert_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("tripwire_batches.id"), nullable=True, index=True),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("rule", sa.String(200), nullable=False),
    sa.Column("notifier", sa.String(50), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


#: one row per guarded request batch: what the guard decided and why (tripwire.guard)
guard_decisions = sa.Table(
    "tripwire_guard_decisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(200), nullable=False, index=True),
    sa.Column("model_name", sa.String(200), nullable=True, index=True),
    sa.Column("model_version", sa.String(100), nullable=True),
    sa.Column("batch_key", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("rows_routed", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # served | rows | batch | empty
    sa.Column("rule", sa.String(200), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("drift_score", sa.Float, nullable=True),
    sa.Column("findings_json", sa.Text, nullable=False),
)

#: every output a guard served or shadowed: one row per batch and role, its ids and values as
#: JSON arrays, so a served batch costs one insert however many rows it has
prediction_batches = sa.Table(
    "tripwire_prediction_batches", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(200), nullable=False, index=True),
    sa.Column("batch_key", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=True),
    sa.Column("model_version", sa.String(100), nullable=True),
    sa.Column("role", sa.String(20), nullable=False),  # champion | challenger
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("ids_json", sa.Text, nullable=False),
    sa.Column("values_json", sa.Text, nullable=False),
    sa.Column("routes_json", sa.Text, nullable=False),  # model | fallback | human, per row
)

#: true labels that arrived after the predictions (`tripwire log-labels`), one row per call
label_batches = sa.Table(
    "tripwire_label_batches", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(200), nullable=False, index=True),
    sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("ids_json", sa.Text, nullable=False),
    sa.Column("labels_json", sa.Text, nullable=False),
)


def _v1(conn: sa.Connection) -> None:
    """Create the first schema."""
    metadata.create_all(conn, tables=[datasets, batches, column_metrics, findings, deliveries])


def _v2(conn: sa.Connection) -> None:
    """Add each batch's estimated label-noise share (a store made by v1 lacks the column)."""
    present = {c["name"] for c in sa.inspect(conn).get_columns("tripwire_batches")}
    if "label_noise_share" not in present:  # a store created at v2 or later has it from _v1
        conn.execute(sa.text("ALTER TABLE tripwire_batches ADD COLUMN label_noise_share FLOAT"))


def _v3(conn: sa.Connection) -> None:
    """Add the guard's decisions, the served predictions and their delayed labels."""
    metadata.create_all(conn, tables=[guard_decisions, prediction_batches, label_batches])


#: ordered migrations: index + 1 is the schema version each one produces; add, never edit
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v2, _v3]
