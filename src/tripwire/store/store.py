"""The history store: every batch's profile, report and lineage, one transaction per batch."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tripwire.errors import InputError, UsageError
from tripwire.store import schema as t
from tripwire.store.names import check_dataset_name

DEFAULT_PATH = Path(".tripwire") / "history.db"
#: metrics kept per batch, readable as series
BATCH_METRICS = ("rows", "errors", "warnings", "infos", "rows_dropped_share", "label_noise_share")
COLUMN_METRICS = ("null_share", "distinct", "mean", "drift_score")


def default_url() -> str:
    """Return $TRIPWIRE_STORE, else a SQLite file ./.tripwire/history.db."""
    return os.environ.get("TRIPWIRE_STORE") or f"sqlite:///{DEFAULT_PATH}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were written in UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Store:
    """SQLite by default (WAL, busy timeout), PostgreSQL by URL; the schema migrates on open."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        """Open the store; `create=False` (for readers) refuses a SQLite file that does not exist."""
        self.url = url or default_url()
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            path = Path(self.url[len("sqlite:///"):]).expanduser()
            if not create and not path.exists():
                raise UsageError(f"no history store at {path} yet; log a batch first "
                                 "(`tripwire log DATA --dataset NAME`) or pass --store / $TRIPWIRE_STORE")
            path.parent.mkdir(parents=True, exist_ok=True)
        if self.url.startswith("postgresql://"):
            self.url = "postgresql+psycopg://" + self.url[len("postgresql://"):]
        try:
            self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise UsageError(f"cannot open the store {url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            self._migrate()
        except sa.exc.OperationalError as exc:
            raise InputError(f"cannot open the history store ({str(exc.orig).strip()})",
                             path=_redact(self.url), hint="check --store / $TRIPWIRE_STORE") from None

    # ---- schema ----------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self.engine.begin() as conn:
            t.metadata.create_all(conn, tables=[t.schema_version])
            current = conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar() or 0
            if current > len(t.MIGRATIONS):
                raise UsageError(f"the store's schema (v{current}) is newer than this tripwire "
                                 f"(v{len(t.MIGRATIONS)}); upgrade tripwire")
            for version, step in enumerate(t.MIGRATIONS[current:], start=current + 1):
                step(conn)
                conn.execute(t.schema_version.insert().values(version=version, applied_at=_now()))

    @property
    def schema_version(self) -> int:
        """Return the schema version in force."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar() or 0

    # ---- writes ----------------------------------------------------------------------------
    def log_batch(self, dataset: str, profile: Any, report: Any, *, source: str | None = None,
                  model: str | None = None, trained_on: str | None = None,
                  logged_at: datetime | None = None, _inside: Any = None) -> int:
        """Record one batch (profile, report, lineage, metrics) in one transaction; return its id.

        `_inside` is a test hook called in the middle of the transaction (the SIGKILL test).
        """
        check_dataset_name(dataset)
        name, version = _split_model(model)
        s = report.summary
        q = report.quarantine or {}
        when = logged_at or _now()
        drift = _drift_scores(report)
        with self.engine.begin() as conn:
            ds_id = self._dataset_id(conn, dataset, create=True)
            batch_id = conn.execute(t.batches.insert().values(
                dataset_id=ds_id, logged_at=when, source=source, fingerprint=profile.fingerprint,
                rows=profile.rows, columns=len(profile.columns), errors=s["error"], warnings=s["warning"],
                infos=s["info"], rows_in=q.get("rows_in"), rows_kept=q.get("rows_kept"),
                model_name=name, model_version=version, trained_on=trained_on,
                label_noise_share=label_noise_share(report), profile_json=profile.to_json(), report_json=report.to_json(indent=None),
            )).inserted_primary_key[0]
            if _inside is not None:
                _inside()
            rows = [{"batch_id": batch_id, "column": c.name,
                     "null_share": c.missing / c.count if c.count else None,
                     "distinct": c.distinct_count if c.non_null else 0.0,
                     "mean": c.numbers.moments.mean if c.numbers.n and c.kind != "temporal" else None,
                     "drift_score": drift.get(c.name)} for c in profile.columns.values()]
            if rows:
                conn.execute(t.column_metrics.insert(), rows)
            found = [{"batch_id": batch_id, "code": f.code, "severity": f.severity,
                      "columns": "\t".join(f.columns), "title": f.title[:2000]} for f in report.findings]
            if found:
                conn.execute(t.findings.insert(), found)
        return int(batch_id)

    def find_batch(self, dataset: str, fingerprint: str) -> int | None:
        """Return the id of the dataset's latest batch with this content fingerprint, or None."""
        with self.engine.connect() as conn:
            ds = self._dataset_id(conn, dataset)
            if ds is None:
                return None
            q = (sa.select(t.batches.c.id).where(t.batches.c.dataset_id == ds, t.batches.c.fingerprint == fingerprint)
                 .order_by(t.batches.c.id.desc()).limit(1))
            return conn.execute(q).scalar()

    def _dataset_id(self, conn: sa.Connection, name: str, create: bool = False) -> int | None:
        found = conn.execute(sa.select(t.datasets.c.id).where(t.datasets.c.name == name)).scalar()
        if found is not None or not create:
            return found
        try:
            with conn.begin_nested():  # another process may create it at the same moment
                return conn.execute(t.datasets.insert().values(name=name, created_at=_now())).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            return conn.execute(sa.select(t.datasets.c.id).where(t.datasets.c.name == name)).scalar()

    def set_reference(self, dataset: str, batch_id: int) -> None:
        """Make a batch the dataset's stored reference (`--reference store:NAME`)."""
        with self.engine.begin() as conn:
            ds = self._require_dataset(conn, dataset)
            owner = conn.execute(sa.select(t.batches.c.dataset_id).where(t.batches.c.id == batch_id)).scalar()
            if owner != ds:
                raise UsageError(f"batch {batch_id} is not a batch of {dataset!r}; see `tripwire history {dataset}`")
            conn.execute(t.datasets.update().where(t.datasets.c.id == ds).values(reference_batch_id=batch_id))

    def set_cadence(self, dataset: str, seconds: float | None) -> None:
        """Set how often batches are expected (None: learn it from the history)."""
        with self.engine.begin() as conn:
            ds = self._require_dataset(conn, dataset)
            conn.execute(t.datasets.update().where(t.datasets.c.id == ds).values(cadence_seconds=seconds))

    def record_delivery(self, dataset: str, rule: str, notifier: str, status: str, attempts: int,
                        message: str, error: str | None = None, batch_id: int | None = None) -> None:
        """Record one alert delivery or failure."""
        with self.engine.begin() as conn:
            conn.execute(t.deliveries.insert().values(batch_id=batch_id, dataset=dataset, rule=rule,
                                                      notifier=notifier, status=status, attempts=attempts,
                                                      error=error, message=message[:4000], at=_now()))

    # ---- reads -----------------------------------------------------------------------------
    def datasets(self) -> list[dict[str, Any]]:
        """Return every dataset with its latest batch's key figures."""
        latest = (sa.select(t.batches.c.dataset_id, sa.func.max(t.batches.c.id).label("last"),
                            sa.func.count().label("n")).group_by(t.batches.c.dataset_id).subquery())
        q = (sa.select(t.datasets.c.name, t.datasets.c.reference_batch_id, latest.c.n, t.batches)
             .join(latest, latest.c.dataset_id == t.datasets.c.id, isouter=True)
             .join(t.batches, t.batches.c.id == latest.c.last, isouter=True)
             .order_by(t.datasets.c.name))
        with self.engine.connect() as conn:
            return [{"name": r.name, "batches": r.n or 0, "reference_batch": r.reference_batch_id,
                     "last_batch": r.id, "last_logged_at": _aware(r.logged_at), "rows": r.rows,
                     "errors": r.errors, "warnings": r.warnings,
                     "status": None if r.id is None else ("error" if r.errors else "warning" if r.warnings else "ok")}
                    for r in conn.execute(q)]

    def batches(self, dataset: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Return a dataset's batches, oldest first, with their key figures."""
        with self.engine.connect() as conn:
            ds = self._require_dataset(conn, dataset)
            cols = [c for c in t.batches.c if c.name not in ("profile_json", "report_json")]
            q = sa.select(*cols).where(t.batches.c.dataset_id == ds).order_by(t.batches.c.id.desc())
            if limit:
                q = q.limit(limit)
            out = [dict(r._mapping) for r in conn.execute(q)]
        for b in out:
            b["logged_at"] = _aware(b["logged_at"])
            b["rows_dropped_share"] = (1 - b["rows_kept"] / b["rows_in"]) if b["rows_in"] else None
        return out[::-1]

    def series(self, dataset: str, metric: str, column: str | None = None,
               limit: int | None = None) -> list[tuple[int, datetime, float | None]]:
        """Return (batch id, time, value) of one metric over a dataset's batches, oldest first."""
        if column is None:
            if metric not in BATCH_METRICS:
                raise UsageError(f"unknown metric {metric!r}; batch metrics: {', '.join(BATCH_METRICS)}; "
                                 f"column metrics (with a column): {', '.join(COLUMN_METRICS)}")
            return [(b["id"], b["logged_at"], b[metric]) for b in self.batches(dataset, limit)]
        if metric not in COLUMN_METRICS:
            raise UsageError(f"unknown column metric {metric!r}; choose one of {', '.join(COLUMN_METRICS)}")
        with self.engine.connect() as conn:
            ds = self._require_dataset(conn, dataset)
            q = (sa.select(t.batches.c.id, t.batches.c.logged_at, t.column_metrics.c[metric])
                 .join(t.column_metrics, (t.column_metrics.c.batch_id == t.batches.c.id)
                       & (t.column_metrics.c.column == column), isouter=True)
                 .where(t.batches.c.dataset_id == ds).order_by(t.batches.c.id.desc()))
            if limit:
                q = q.limit(limit)
            return [(r[0], _aware(r[1]), r[2]) for r in conn.execute(q)][::-1]

    def findings(self, dataset: str, limit_batches: int = 10) -> list[dict[str, Any]]:
        """Return the findings of a dataset's latest batches (newest batch first)."""
        recent = [b["id"] for b in self.batches(dataset, limit_batches)][::-1]
        if not recent:
            return []
        with self.engine.connect() as conn:
            q = sa.select(t.findings).where(t.findings.c.batch_id.in_(recent)).order_by(t.findings.c.batch_id.desc())
            return [{**dict(r._mapping), "columns": r.columns.split("\t") if r.columns else []}
                    for r in conn.execute(q)]

    def report(self, batch_id: int) -> Any:
        """Return a batch's Report."""
        from tripwire.report import Report

        return Report.from_dict(json.loads(self._blob(batch_id, "report_json")))

    def profile(self, batch_id: int) -> Any:
        """Return a batch's DatasetProfile."""
        from tripwire.profiling import DatasetProfile

        return DatasetProfile.from_dict(json.loads(self._blob(batch_id, "profile_json")))

    def reference(self, dataset: str) -> Any:
        """Return the dataset's stored reference profile (UsageError when none is set)."""
        with self.engine.connect() as conn:
            ds = self._require_dataset(conn, dataset)
            ref = conn.execute(sa.select(t.datasets.c.reference_batch_id).where(t.datasets.c.id == ds)).scalar()
        if ref is None:
            raise UsageError(f"{dataset!r} has no stored reference; set one with `tripwire reference {dataset} BATCH`")
        return self.profile(ref)

    def cadence(self, dataset: str) -> float | None:
        """Return the dataset's set cadence in seconds, or None."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.datasets.c.cadence_seconds).where(t.datasets.c.name == dataset)).scalar()

    def alerts(self, dataset: str | None = None, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Return recorded alert deliveries (newest first)."""
        q = sa.select(t.deliveries).order_by(t.deliveries.c.id.desc()).limit(limit)
        if dataset:
            q = q.where(t.deliveries.c.dataset == dataset)
        if status:
            q = q.where(t.deliveries.c.status == status)
        with self.engine.connect() as conn:
            return [{**dict(r._mapping), "at": _aware(r.at)} for r in conn.execute(q)]

    def lineage(self, model: str) -> dict[str, Any]:
        """Answer: what was this model trained on, and what has it seen since?"""
        name, version = _split_model(model)
        q = sa.select(t.batches.c.id, t.batches.c.logged_at, t.batches.c.fingerprint, t.batches.c.rows,
                      t.batches.c.model_version, t.batches.c.trained_on, t.batches.c.errors,
                      t.batches.c.warnings, t.datasets.c.name.label("dataset")).join(
            t.datasets, t.datasets.c.id == t.batches.c.dataset_id).where(t.batches.c.model_name == name)
        if version:
            q = q.where(t.batches.c.model_version == version)
        with self.engine.connect() as conn:
            seen = [dict(r._mapping) for r in conn.execute(q.order_by(t.batches.c.id))]
            trained = sorted({b["trained_on"] for b in seen if b["trained_on"]})
            training = []
            if trained:
                tq = sa.select(t.batches.c.id, t.batches.c.logged_at, t.batches.c.fingerprint, t.batches.c.rows,
                               t.batches.c.source, t.datasets.c.name.label("dataset")).join(
                    t.datasets, t.datasets.c.id == t.batches.c.dataset_id).where(t.batches.c.fingerprint.in_(trained))
                training = [dict(r._mapping) for r in conn.execute(tq)]
        for b in seen + training:
            b["logged_at"] = _aware(b["logged_at"])
        return {"model": name, "version": version, "trained_on": trained, "training_batches": training,
                "seen": seen}

    # ---- helpers -----------------------------------------------------------------------------
    def _require_dataset(self, conn: sa.Connection, name: str) -> int:
        ds = self._dataset_id(conn, name)
        if ds is None:
            known = [r[0] for r in conn.execute(sa.select(t.datasets.c.name).order_by(t.datasets.c.name))]
            raise UsageError(f"no dataset {name!r} in the store {_redact(self.url)}; known: "
                             f"{', '.join(known) or 'none yet (log one with tripwire log)'}")
        return ds

    def _blob(self, batch_id: int, column: str) -> str:
        with self.engine.connect() as conn:
            text = conn.execute(sa.select(t.batches.c[column]).where(t.batches.c.id == batch_id)).scalar()
        if text is None:
            raise UsageError(f"no batch {batch_id} in the store")
        return text


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; a crash loses no commit
    cur.execute("PRAGMA busy_timeout=30000")  # several processes logging at once wait, not fail
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _split_model(model: str | None) -> tuple[str | None, str | None]:
    if not model:
        return None, None
    name, _, version = model.partition("@")
    return name, version or None


def _drift_scores(report: Any) -> dict[str, float]:
    """Return each column's drift effect size against the batch's reference (every compared
    column, quiet ones included, so the trend has a point per batch), else from the findings."""
    ref, cur = report.extra.get("reference"), report.extra.get("profile")
    if ref is not None and cur is not None:
        import math

        from tripwire.drift_detection.config import DriftConfig
        from tripwire.drift_detection.features import feature_table

        return {r.column: r.score for r in feature_table(ref, cur, DriftConfig.from_options({}))
                if math.isfinite(r.score)}
    out: dict[str, float] = {}
    for f in report.findings:
        if f.code != "drift.feature" or len(f.columns) != 1:
            continue
        ev = f.evidence
        for key in ("score", "effect", "effect_size", "psi", "wasserstein", "js"):
            if isinstance(ev.get(key), (int, float)):
                out[f.columns[0]] = float(ev[key])
                break
    return out


def label_noise_share(report: Any) -> float | None:
    """Return labels.noisy's share of judged rows that look mislabelled (None when not judged)."""
    for f in report.findings:
        if f.code == "labels.noisy" and f.evidence.get("judged") and isinstance(f.evidence.get("share"), (int, float)):
            return float(f.evidence["share"])
    return None


def _redact(url: str) -> str:
    """Hide a password in a store URL."""
    import re

    return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)
