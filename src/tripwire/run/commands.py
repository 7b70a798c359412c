"""Every command as a short composition: open one context, build one plan, execute it.

`scan`, `drift`, `check`, `check_profile`, `log` and `ingest` differ only in the plan they
build; none of them profiles, reads rows or builds a Report by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tripwire.contracts.model import Contract
from tripwire.engines import handed_over
from tripwire.errors import InputError, UsageError
from tripwire.profiling import DatasetProfile
from tripwire.progress import ProgressCallback
from tripwire.report import CheckResult, Finding, Report
from tripwire.run.context import PassLog, RunContext, open_context
from tripwire.run.plan import Plan, execute

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by the commands that write to it
    from tripwire.store import Store

Progress = bool | ProgressCallback | None


@handed_over("scan")  # a Spark DataFrame goes to tripwire.spark.scan
def scan(data: Any, reference: Any = None, *, label: str | None = None, prediction: str | None = None,
         only: Iterable[str] | None = None, options: Mapping[str, Any] | None = None, name: str | None = None,
         progress: Progress = False, command: str = "scan", encoding: str | None = None,
         store: Any = None, opener: Any = None) -> Report:
    """Find what is wrong with `data` (and how it differs from `reference`), ranked, with evidence.

    `data` is anything `tripwire.profile` reads, or a DatasetProfile / saved profile.json
    (then detectors that need the rows are skipped). `reference` is data, a saved
    profile.json, a DatasetProfile or `store:NAME`. `only` limits to families ("schema",
    "data", "labels", "drift") or detector names; `options` go to detectors (e.g.
    {"drift": {...thresholds...}}); `options["show_pii"]` lists columns whose values are shown
    although they look personal (`["all"]`: every column). `opener` replaces `open_context`
    (as for `log`).
    """
    ctx = (opener or _open_for_rows)(data, reference, name=name, label=label, prediction=prediction,
                                     options=options, encoding=encoding, progress=progress, store=store)
    _align_masking(ctx)
    return _private(execute(Plan(command, only=tuple(only) if only else None), ctx), ctx)


def _open_for_rows(data: Any, reference: Any = None, **kwargs: Any) -> RunContext:
    """Open a context whose row pass replays the batches the profile read (when they fit the budget)."""
    return open_context(data, reference, keep_rows=True, **kwargs)


def _align_masking(ctx: RunContext) -> None:
    from tripwire.run.privacy import align_masking

    align_masking(ctx)


def _personal(report: Report, ctx: RunContext) -> set[str]:
    """Return the columns whose values reports and the store mask (tripwire.privacy.masking)."""
    from tripwire.privacy.masking import personal_columns

    ran = any(c.name == "privacy.pii" and c.status != "skipped" for c in report.checks)
    return personal_columns(ctx.profile, report.findings, tuple((ctx.options or {}).get("show_pii", ())),
                            scan_sample=not ran)


def _private(report: Report, ctx: RunContext) -> Report:
    """Return the report with the values of personal columns masked."""
    from tripwire.privacy.masking import mask_report

    return mask_report(report, _personal(report, ctx))


@handed_over("check")  # a Spark DataFrame goes to tripwire.spark.check
def check(contract: Contract | str | Path, data: Any, *, as_of: Any = None,
          quarantine: str | Path | bool | None = None, name: str | None = None, progress: Progress = False,
          strict: bool = False, encoding: str | None = None, show_pii: Sequence[str] = ()) -> Report:
    """Check data against a contract and return the Report (command "check").

    `quarantine` is a folder for kept/rejected Parquet files, or True to only count the rows
    each check would remove. A check the data cannot settle is `unknown` (with the reason),
    or failed with `strict=True`. `show_pii` names columns whose values are shown although
    they look personal.
    """
    spec = _contract(contract)
    ctx = open_context(data, name=name, progress=progress, encoding=encoding, keep_rows=True,
                       options={"show_pii": list(show_pii)} if show_pii else None)
    folder = Path(quarantine) if isinstance(quarantine, (str, Path)) else quarantine
    return _private(execute(Plan("check", detectors=False, contract=spec, as_of=as_of, quarantine=folder,
                                 strict=strict), ctx), ctx)


def check_profile(contract: Contract | str | Path, prof: DatasetProfile, *, as_of: Any = None,
                  strict: bool = False) -> Report:
    """Check a profile computed elsewhere (no rows): what it cannot decide is `unknown`."""
    ctx = open_context(prof)
    return execute(Plan("check", detectors=False, contract=_contract(contract), as_of=as_of, strict=strict), ctx)


@dataclass
class Logged:
    """What `log` did: the stored batch, its report, and the alerts it sent."""

    batch_id: int
    report: Report
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    #: True when the batch was already stored (same content fingerprint) and was not logged again
    duplicate: bool = False


@handed_over("log")  # a Spark DataFrame goes to tripwire.spark.log
def log(data: Any, dataset: str, *, store: Store | str | None = None, reference: Any = None,
        contract: Contract | str | Path | None = None, alerts: Any = None, model: str | None = None,
        trained_on: str | None = None, as_of: Any = None, quarantine: str | Path | None = None,
        source: str | None = None, label: str | None = None, prediction: str | None = None,
        progress: Progress = False, logged_at: datetime | None = None, encoding: str | None = None,
        options: Mapping[str, Any] | None = None, skip_duplicate: bool = False, seasonal: bool = True,
        rolling: str | None = None, opener: Any = None) -> Logged:
    """Profile, scan (and check) one batch, judge it against the history, store it, then alert.

    Every input (contract, alert rules, reference) is read and validated before anything is
    stored, so a bad rule file never leaves a half-logged batch behind. `reference` may be
    `store:NAME`, data, or a profile; `contract` a Contract or YAML path; `alerts` a list of
    AlertRule or a YAML path. With `skip_duplicate`, a batch whose content fingerprint the
    dataset already holds is not stored again (its stored report is returned). With
    `reference="store:NAME"` and a history that reaches back a year, the batch is compared
    with the same season last year (`seasonal=False` keeps the stored reference). With
    `rolling` ("7d", "24h", "2w" or "all") the reference is the merge of the dataset's stored
    profiles logged in that window before this batch: no old data is read again.
    `opener` replaces `open_context` (tripwire.spark passes one that profiles on the cluster).
    """
    from tripwire.store import Store
    from tripwire.store.names import check_dataset_name

    check_dataset_name(dataset)
    st = store if isinstance(store, Store) else Store(store)
    spec = _contract(contract) if contract is not None else None
    rules = _alert_rules(alerts)
    when = logged_at or datetime.now(UTC)
    season_note = None
    if rolling is not None:
        if reference is not None:
            raise UsageError("--rolling builds the reference from the stored batches: drop --reference")
        from tripwire.store.rolling import rolling_reference

        reference = rolling_reference(st, dataset, rolling, when)
    if seasonal and isinstance(reference, str) and reference == f"store:{dataset}":
        from tripwire.store.history import seasonal_reference

        season = seasonal_reference(st, dataset, when)
        if season is not None:
            reference, season_note = season, f"compared with the same season last year: {season.name}"
    ctx = (opener or _open_for_rows)(data, reference, name=dataset, label=label, prediction=prediction,
                                     options=options, encoding=encoding, progress=progress, store=st)
    if skip_duplicate:
        existing = st.find_batch(dataset, ctx.profile.fingerprint)
        if existing is not None:
            return Logged(existing, st.report(existing), [], duplicate=True)
    _align_masking(ctx)
    if season_note:
        ctx.profile.notes = [*ctx.profile.notes, season_note]
    label_text = source or (str(data) if isinstance(data, (str, Path)) else ctx.profile.source.get("kind"))
    plan = Plan("log", contract=spec, as_of=as_of,
                quarantine=Path(quarantine) if quarantine else (True if spec is not None else None),
                judges=(_history_judge(st, dataset, when),),
                sinks=_store_sinks(st, dataset, rules, source=label_text, model=model, trained_on=trained_on,
                                   logged_at=when))
    report = _private(execute(plan, ctx), ctx)
    return Logged(report.extra["stored"]["batch_id"], report, report.extra["alerts"]["deliveries"])


def ingest(store: Store, dataset: str, body: Any, config: Path | None = None) -> dict[str, Any]:
    """Store one batch whose profile was computed elsewhere (a pipeline step, a Spark job).

    The same plan as `log`, on a posted profile: the dataset's contract (what a profile can
    decide), the profile-based detectors against the stored reference, the history
    judgements, the store, the alert rules. Findings posted with the profile are kept.
    """
    if not isinstance(body, dict) or not isinstance(body.get("profile"), dict):
        raise InputError("the body must be {\"profile\": {...tripwire profile JSON...}, \"report\": {...}}")
    prof = DatasetProfile.from_dict(body["profile"])
    contract_file = config / f"{dataset}.contract.yaml" if config else None
    spec = Contract.load(contract_file) if contract_file is not None and contract_file.exists() else None
    rules_file = config / "alerts.yaml" if config else None
    rules = _alert_rules(rules_file if rules_file is not None and rules_file.exists() else None)
    given_findings: tuple[Finding, ...] = ()
    given_checks: tuple[CheckResult, ...] = ()
    if isinstance(body.get("report"), dict):  # findings computed where the rows were
        posted = Report.from_dict(body["report"])
        given_findings, given_checks = posted.findings, posted.checks
    reference = _stored_reference(store, dataset)
    ctx = RunContext(profile=prof, source=None, reference=reference, label=None, prediction=None,
                     options={}, passes=PassLog())

    def text(key: str) -> str | None:
        return body.get(key) if isinstance(body.get(key), str) else None

    now = datetime.now(UTC)
    plan = Plan("log", contract=spec, given_findings=given_findings, given_checks=given_checks,
                judges=(_history_judge(store, dataset, now),),
                sinks=_store_sinks(store, dataset, rules, source=text("source") or "ingest", model=text("model"),
                                   trained_on=text("trained_on"), logged_at=now))
    report = execute(plan, ctx)
    deliveries = report.extra["alerts"]["deliveries"]
    return {"batch_id": report.extra["stored"]["batch_id"], "summary": report.summary,
            "findings": len(report.findings),
            "alerts": [{k: d[k] for k in ("rule", "notifier", "ok")} for d in deliveries]}


def _stored_reference(store: Store, dataset: str) -> DatasetProfile | None:
    try:
        return store.reference(dataset)
    except UsageError:  # a new dataset, or none set yet: the batch is judged on its own
        return None


def _contract(contract: Contract | str | Path) -> Contract:
    if isinstance(contract, Contract):
        return contract
    if isinstance(contract, (str, Path)):
        return Contract.load(contract)
    raise UsageError(f"a contract is a Contract or a YAML path, not a {type(contract).__name__}")


def _alert_rules(alerts: Any) -> list[Any]:
    if alerts is None:
        return []
    if isinstance(alerts, list):
        return alerts
    from tripwire.alerts import load_rules

    return load_rules(alerts)


def _history_judge(st: Store, dataset: str, logged_at: datetime | None) -> Any:
    def judge(ctx: RunContext) -> Sequence[Finding]:
        from tripwire.store import history

        return history.judge(st, dataset, ctx.profile.rows, logged_at or datetime.now(UTC))
    return judge


def _store_sinks(st: Store, dataset: str, rules: list[Any], *, source: str | None, model: str | None,
                 trained_on: str | None, logged_at: datetime | None) -> tuple[tuple[str, Any], ...]:
    """Return the steps that store the finished report, then evaluate the alert rules."""
    stored: dict[str, Any] = {}

    def store_batch(report: Report, ctx: RunContext) -> dict[str, Any]:
        from tripwire.privacy.masking import mask_profile, mask_report

        # the store keeps no personal values: not in findings, top values, examples or the sample
        personal = _personal(report, ctx)
        stored["batch_id"] = st.log_batch(dataset, mask_profile(ctx.profile, personal), mask_report(report, personal),
                                          source=source, model=model,
                                          trained_on=trained_on, logged_at=logged_at or datetime.now(UTC))
        return dict(stored)

    def send_alerts(report: Report, ctx: RunContext) -> dict[str, Any]:
        if not rules:
            return {"deliveries": []}
        from tripwire.alerts import evaluate

        return {"deliveries": evaluate(rules, st, dataset, stored["batch_id"])}

    return (("stored", store_batch), ("alerts", send_alerts))


@handed_over("drift")  # a Spark DataFrame goes to tripwire.spark.drift
def drift(data: Any, reference: Any = None, *, label: str | None = None, prediction: str | None = None,
          options: Mapping[str, Any] | None = None, time_column: str | None = None, window: str | None = None,
          name: str | None = None, progress: Progress = False, encoding: str | None = None,
          store: Any = None) -> Report:
    """Compare `data` with `reference`: which columns moved, by how much, in words.

    `data` and `reference` are anything `tripwire.profile` reads, a saved profile.json, a
    DatasetProfile or `store:NAME`. `options` may hold {"drift": {...}} thresholds
    (docs/drift.md). With `time_column` and `window` ("1d", "1w", "1mo", "1q", "1y") each
    window of `data` is compared with `reference`, or with the first window when there is no
    reference; the per-window table is in `report.extra["windows"]`.
    """
    from tripwire.drift_detection.config import DriftConfig

    opts = dict(options or {})
    config = DriftConfig.from_options(opts)  # bad settings fail before any data is read
    if (time_column is None) != (window is None):
        raise UsageError("--time-column and --window go together (e.g. --time-column date --window 1mo)")
    if time_column is not None:
        from tripwire.privacy.masking import mask_report, personal_columns
        from tripwire.run.windows import drift_over_time

        report = drift_over_time(data, reference, time_column=time_column, window=window or "",
                                 label=label, prediction=prediction, options=opts, name=name,
                                 encoding=encoding)
        merged = report.extra["merged"]  # every window's sample: the whole batch, merged once
        return mask_report(report, personal_columns(merged, report.findings, tuple(opts.get("show_pii", ()))))
    if reference is None:
        raise UsageError("drift needs a reference (or --time-column and --window to compare "
                         "time windows with the first)")
    ctx = open_context(data, reference, name=name, label=label, prediction=prediction, options=opts,
                       encoding=encoding, progress=progress, store=store)
    _align_masking(ctx)
    report = _private(execute(Plan("drift", only=("drift",)), ctx), ctx)
    report.extra["columns"] = _drift_table(ctx, config, {c for c in (label, prediction) if c},
                                           set(report.extra["personal_columns"]))
    return report


def _drift_table(ctx: RunContext, config: Any, exclude: set[str], personal: set[str]) -> list[dict[str, Any]]:
    """Return every compared column's effect sizes (for the CLI table); personal columns' changes masked."""
    from tripwire.drift_detection.features import decide, feature_table
    from tripwire.privacy.masking import MASK

    assert ctx.reference is not None
    rows = []
    for r in feature_table(ctx.reference, ctx.profile, config, exclude):
        severity, significant = decide(r, config.alpha)
        rows.append({"column": r.column, "treatment": r.treatment, "metric": r.metric,
                     "effect": r.score, "p_adjusted": r.padj, "severity": severity,
                     "significant": significant, "change": MASK if r.column in personal else r.words})
    return rows
