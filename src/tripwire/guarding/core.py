"""`tripwire.guard(predict, ...)`: judge each request batch before the model answers it.

Per batch: the compiled contract's checks (guarding/checks.py), the batch counted into the
rolling drift window (guarding/drift.py), the rules (guarding/rules.py) decide which rows go to the
fallback; the model answers the rest; a challenger, when given, answers every row in the
shadow. The decision and every output are queued for the history store (guarding/recorder.py)
and the answer is returned. Nothing raised inside reaches the caller unless `strict=True`:
a fault is a reason in the decision record and a fallback (or "needs a human") answer.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tripwire.errors import TripwireError, UsageError
from tripwire.guarding.batch import as_frame, as_values, shaped_like, take
from tripwire.guarding.checks import CompiledContract
from tripwire.guarding.drift import DriftWindow, reference_bins
from tripwire.guarding.recorder import Recorder
from tripwire.guarding.rules import Routing, load_rules, route


class NeedsHuman:
    """The answer for a row nobody could answer: a person should look at it."""

    _instance: NeedsHuman | None = None

    def __new__(cls) -> NeedsHuman:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEEDS_HUMAN"

    def __reduce__(self) -> str:
        return "NEEDS_HUMAN"


#: the marker returned for rows routed to a human (the default fallback)
NEEDS_HUMAN = NeedsHuman()


class GuardError(TripwireError):
    """A guarded call could not be answered (raised only in strict mode)."""


class Guard:
    """A model wrapped by `tripwire.guard`: call it like the model."""

    def __init__(self, predict: Callable[..., Any], *, contract: Any = None, reference: Any = None,
                 rules: Any = None, fallback: Any = ..., strict: bool = False, store: Any = None,
                 dataset: str | None = None, model: str | None = None, challenger: Callable[..., Any] | None = None,
                 challenger_model: str | None = None, id: str | None = None, window: int = 10,
                 clock: Callable[[], datetime] | None = None, queue_size: int = 1_000) -> None:
        """See `guard()`."""
        self.predict, self.challenger = predict, challenger
        self.rules = load_rules(rules)  # an unknown code is a load-time error, before any request
        self.fallback = NEEDS_HUMAN if fallback is ... else fallback
        self.strict, self.id_column = strict, id
        self.dataset = dataset or (model or getattr(predict, "__name__", "model")).partition("@")[0]
        self.model_name, self.model_version = _split(model or getattr(predict, "__name__", "model"))
        self.challenger_name, self.challenger_version = _split(challenger_model or "challenger")
        self.clock = clock or (lambda: datetime.now(UTC))
        self.window_size = window
        self._contract = _load_contract(contract)
        self._reference = _load_reference(reference, store)
        self._compiled: CompiledContract | None = None
        self._window: DriftWindow | None = None
        #: one lock for the reference, the drift window and the counters: serving threads share the guard
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        #: an empty output of the model's type: answers given without the model keep its type
        self._template: Any = np.empty(0, dtype=object)
        self.counts = {"batches": 0, "rows": 0, "rows_routed": 0, "batches_routed": 0, "faults": 0}
        self.recorder = None
        if store is not None:
            self.recorder = Recorder(functools.partial(_open_store, store), _write, size=queue_size)
        if self._reference is not None:
            self._compile(self._reference)

    # ---- the call --------------------------------------------------------------------------
    def __call__(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        """Answer one request batch: the model's outputs, the fallback's for the routed rows."""
        when = self.clock()
        key = f"{when:%Y%m%dT%H%M%S}-{next(self._seq)}"
        reasons: list[str] = []
        try:
            df = as_frame(data)
        except Exception as exc:  # an unreadable batch is a fault, not a crash
            self._fault(f"the batch could not be read: {exc}")
            reasons.append(f"unreadable batch: {type(exc).__name__}: {exc}"[:300])
            return self._unreadable(data, args, kwargs, key, when, reasons)
        n = df.height
        if n == 0:
            out = self._call_quietly(self.predict, data, args, kwargs, 0, reasons, "model")
            self._record(key, when, 0, Routing((), False, np.zeros(0, bool)), [], reasons, None, "empty", {}, df)
            return out if out is not None else []
        findings, masks, drift = self._judge(df, reasons)
        routing = route(self.rules, findings, masks, n, drift)
        values, template = np.empty(n, dtype=object), None
        served = ~routing.mask
        if served.any():
            rows = np.flatnonzero(served)
            part = data if rows.size == n else take(data, rows)
            raw = self._call_quietly(self.predict, part, args, kwargs, rows.size, reasons, "model")
            if raw is None:
                routing = Routing((*routing.rules, "model raised"), True, np.ones(n, dtype=bool))
            else:
                template = self._template = _exemplar(raw)
                values[rows] = as_values(raw, rows.size)
        routes = np.where(routing.mask, "fallback", "model").astype(object)
        if routing.mask.any():
            rows = np.flatnonzero(routing.mask)
            values[rows], human = self._fallback(data, rows, n, args, kwargs, reasons)
            routes[rows[human]] = "human"
        shadow = None
        if self.challenger is not None:
            raw = self._call_quietly(self.challenger, data, args, kwargs, n, reasons, "challenger", quiet=True)
            shadow = as_values(raw, n) if raw is not None else None
        action = "batch" if routing.batch else ("rows" if routing.mask.any() else "served")
        self._record(key, when, n, routing, findings, reasons, drift, action,
                     {"values": values, "routes": routes, "shadow": shadow}, df)
        return shaped_like(template if template is not None else self._template, values)

    def _judge(self, df: pl.DataFrame, reasons: list[str]) -> tuple[list, dict, float]:
        try:
            if self._compiled is None:
                self._compile_first(df, reasons)
            assert self._compiled is not None and self._window is not None
            verdict = self._compiled.judge(df)
            reasons += [f"{name}: {why}" for name, why in verdict.unknown]
            schema_broken = any(f.code.startswith("schema.") for f in verdict.findings)
            with self._lock:  # add, score and describe one window state: another thread may add next
                if not schema_broken:  # a batch with broken columns says nothing about drift
                    self._window.add(df)
                scores = self._window.scores()
                drift_findings = self._window.findings(scores)
            return [*verdict.findings, *drift_findings], verdict.masks, float(max(scores.values(), default=0.0))
        except Exception as exc:  # the checks failing must not stop the answer
            self._fault(f"the checks could not run: {exc}")
            reasons.append(f"checks could not run: {type(exc).__name__}: {exc}"[:300])
            return [], {}, 0.0

    def _compile_first(self, df: pl.DataFrame, reasons: list[str]) -> None:
        """Make the first batch the reference (once: concurrent first batches wait for it)."""
        from tripwire.profiling import ProfileConfig, profile_batch

        with self._lock:
            if self._compiled is None:
                self._compile(profile_batch(df.to_arrow(), 0, ProfileConfig(sample_rows=0)))
                reasons.append("first batch: it is the reference")

    def _compile(self, reference: Any) -> None:
        self._compiled = CompiledContract(self._contract, reference)
        self._window = DriftWindow(reference_bins(reference), self.window_size)

    # ---- answers ---------------------------------------------------------------------------
    def _call_quietly(self, fn: Callable[..., Any], data: Any, args: tuple, kwargs: dict, n: int,
                      reasons: list[str], who: str, quiet: bool = False) -> Any:
        """Return fn(data) checked to give n values, else None with the reason recorded."""
        try:
            out = fn(data, *args, **kwargs)
            if n:
                as_values(out, n)
            return out
        except Exception as exc:
            reasons.append(f"{who} raised {type(exc).__name__}: {exc}"[:300])
            if not quiet:
                self._fault(f"the {who} raised {type(exc).__name__}: {exc}")
            return None

    def _fallback(self, data: Any, rows: np.ndarray, n: int, args: tuple, kwargs: dict,
                  reasons: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the fallback's answers for the routed rows and which of them are the human marker."""
        fb = self.fallback
        if callable(fb) and not isinstance(fb, NeedsHuman):
            part = data if rows.size == n else take(data, rows)
            raw = self._call_quietly(fb, part, args, kwargs, rows.size, reasons, "fallback")
            if raw is not None:
                out = as_values(raw, rows.size)
                return out, np.array([v is NEEDS_HUMAN for v in out.tolist()], dtype=bool)
            fb = NEEDS_HUMAN
        out = np.empty(rows.size, dtype=object)
        out[:] = [fb] * rows.size if not isinstance(fb, (list, tuple, np.ndarray)) else [tuple(fb)] * rows.size
        return out, np.full(rows.size, fb is NEEDS_HUMAN)

    def _unreadable(self, data: Any, args: tuple, kwargs: dict, key: str, when: datetime,
                    reasons: list[str]) -> Any:
        n = len(data) if hasattr(data, "__len__") else 1
        values, _ = self._fallback(data, np.arange(n), n, args, kwargs, reasons)
        self._record(key, when, n, Routing(("unreadable batch",), True, np.ones(n, bool)), [], reasons, None,
                     "batch", {}, None)
        return shaped_like(self._template, values)

    def _fault(self, message: str) -> None:
        with self._lock:
            self.counts["faults"] += 1
        if self.strict:
            raise GuardError(message)

    # ---- records ---------------------------------------------------------------------------
    def _record(self, key: str, when: datetime, n: int, routing: Routing, findings: list, reasons: list[str],
                drift: float | None, action: str, outputs: dict, df: pl.DataFrame | None) -> None:
        with self._lock:  # `+=` on a dict entry is a read then a write: threads would lose increments
            c = self.counts
            c["batches"] += 1
            c["rows"] += n
            c["rows_routed"] += routing.routed
            c["batches_routed"] += routing.batch
        self.last_decision = {
            "batch": key, "rows": n, "rows_routed": routing.routed, "action": action,
            "rules": list(routing.rules), "reasons": reasons, "drift_score": drift,
            "findings": [{"code": f.code, "severity": f.severity, "columns": list(f.columns), "title": f.title,
                          "count": f.evidence.get("count"), "rows": list(f.rows[:20])} for f in findings]}
        if self.recorder is None:
            return
        decision = {"dataset": self.dataset, "model_name": self.model_name, "model_version": self.model_version,
                    "batch_key": key, "at": when, "rows": n, "rows_routed": routing.routed, "action": action,
                    "rule": routing.rules[0] if routing.rules else None, "reason": "; ".join(reasons)[:4000] or None,
                    "drift_score": drift, "findings_json": json.dumps(self.last_decision, default=str)}
        payload = None
        if outputs.get("values") is not None:
            ids = (df.get_column(self.id_column).cast(pl.String).to_list()
                   if df is not None and self.id_column and self.id_column in df.columns else None)
            payload = {"ids": ids, "key": key, "at": when, "dataset": self.dataset, **outputs,
                       "champion": (self.model_name, self.model_version),
                       "challenger": (self.challenger_name, self.challenger_version)}
        self.recorder.put(decision, [payload] if payload else [])

    def stats(self) -> dict[str, Any]:
        """Return what the guard did: batches, rows routed, faults, and what became of its records."""
        with self._lock:
            out: dict[str, Any] = dict(self.counts)
        if self.recorder is not None:
            s = self.recorder.stats
            out |= {"records_written": s.written, "records_dropped": s.dropped, "records_failed": s.failed,
                    "store_error": s.last_error}
        return out

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until the queued records are written (True) or the timeout passes (False)."""
        return self.recorder.flush(timeout) if self.recorder is not None else True

    def close(self) -> None:
        """Write what is queued and stop the writer thread."""
        if self.recorder is not None:
            self.recorder.close()


def guard(predict: Callable[..., Any], *, contract: Any = None, reference: Any = None, rules: Any = None,
          fallback: Any = ..., strict: bool = False, store: Any = None, **options: Any) -> Guard:
    """Wrap a model so each request batch is checked first and untrusted rows go to a fallback.

    `contract`: a Contract or its YAML path. `reference`: a profile, data, or "store:NAME" (read from `store`)
    (without one, the first batch is the reference). `rules`: a YAML file, its data, or
    RouteRule objects (none: route the rows of any error finding). `fallback`: a callable
    (called with the routed rows), a constant, or `...` for the NEEDS_HUMAN marker. `store`:
    a Store or URL receiving every decision and output in background batched writes.
    Options: `dataset`, `model` ("NAME@VERSION"), `challenger` (a callable run in the shadow)
    and `challenger_model`, `id` (the request id column), `window` (batches of the drift
    window), `clock`, `queue_size`. Nothing is raised from a call unless `strict=True`.
    """
    g = Guard(predict, contract=contract, reference=reference, rules=rules, fallback=fallback, strict=strict,
              store=store, **options)
    functools.update_wrapper(g, predict, updated=())
    return g


def _exemplar(output: Any) -> Any:
    """Return an empty output of the same type (and dtype) as the model's."""
    if isinstance(output, np.ndarray):
        return output[:0]
    if isinstance(output, pl.Series):
        return output.head(0)
    if type(output).__module__.startswith("pandas") and hasattr(output, "iloc"):
        return output.iloc[:0]
    return []


def _split(model: str) -> tuple[str, str | None]:
    name, _, version = model.partition("@")
    return name, version or None


def _load_contract(contract: Any) -> Any:
    if contract is None or not isinstance(contract, (str, Path)):
        return contract
    from tripwire.contracts.model import Contract

    return Contract.load(contract)


def _load_reference(reference: Any, store: Any) -> Any:
    """Return the reference as a profile; `store:NAME` is read from the guard's own store."""
    if reference is None:
        return None
    from tripwire.profiling import DatasetProfile, as_profile

    if isinstance(reference, DatasetProfile):
        return reference
    if isinstance(reference, str) and reference.startswith("store:"):
        from tripwire.store import Store

        st = store if isinstance(store, Store) else Store(store, create=False)
        return st.reference(reference[len("store:"):])
    if isinstance(reference, (str, Path)) or not isinstance(reference, (list, dict)):
        return as_profile(reference)
    raise UsageError(f"reference: expected a profile, data or store:NAME, not {type(reference).__name__}")


def _open_store(store: Any) -> Any:
    from tripwire.store import Store

    return store if isinstance(store, Store) else Store(store)


def _write(store: Any, decisions: list[dict], payloads: list[dict]) -> None:
    """Turn the queued outputs into one row per batch and role (in the writer thread) and write them."""
    from tripwire.store.serving import dumps, write_served

    rows: list[dict] = []
    for p in payloads:
        n = len(p["values"])
        ids = dumps(p["ids"] if p["ids"] is not None else [f"{p['key']}:{i}" for i in range(n)])
        for role, values, routes in (("champion", p["values"], p["routes"]), ("challenger", p["shadow"], None)):
            if values is None:
                continue
            name, version = p[role]
            rows.append({"dataset": p["dataset"], "batch_key": p["key"], "at": p["at"], "model_name": name,
                         "model_version": version, "role": role, "rows": n, "ids_json": ids,
                         "values_json": dumps(values.tolist()),
                         "routes_json": dumps(routes.tolist() if routes is not None else ["model"] * n)})
    write_served(store, decisions, rows)
