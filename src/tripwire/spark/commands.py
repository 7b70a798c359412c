"""scan, check, drift and log of a Spark DataFrame: the run layer's plans on a cluster-built context.

The profile is computed by Spark (`tripwire.spark.profile`); the run layer's `execute` then
runs the same detectors and contract checks on it, and its one row pass (failing rows,
quarantine) runs as Spark jobs through the source's `distributed_row_pass`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tripwire.contracts.model import Contract
from tripwire.errors import UsageError
from tripwire.profiling import DatasetProfile, ProfileConfig
from tripwire.report import Report
from tripwire.run import Logged, PassLog, Plan, RunContext, execute, resolve_reference
from tripwire.run import drift as drift_profiles
from tripwire.run import log as log_run
from tripwire.run import scan as scan_run
from tripwire.run.commands import _private as mask_personal
from tripwire.spark.keyed import check_key
from tripwire.spark.profile import arrow_schema, profile_layout
from tripwire.spark.rowpass import spark_source
from tripwire.spark.session import is_spark_frame


def open_spark_context(frame: Any, reference: Any = None, *, name: str | None = None, label: str | None = None,
                       prediction: str | None = None, options: Mapping[str, Any] | None = None,
                       store: Any = None, config: ProfileConfig | None = None, row_tasks: bool = True,
                       key: str | None = None, **_ignored: Any) -> RunContext:
    """Profile a Spark DataFrame on the cluster and resolve the reference: the run's context.

    `reference` may also be a Spark DataFrame (profiled on the cluster too). `key` is checked
    to be a column that can name rows (see `scan`); the run names the report's rows by it. Keywords the single-process
    `open_context` takes and Spark has no use for (encoding, progress) are ignored.
    """
    if not is_spark_frame(frame):
        raise UsageError(f"tripwire.spark needs a Spark DataFrame, not a {type(frame).__name__}; "
                         "use tripwire.scan/check/drift/log for other inputs")
    schema = arrow_schema(frame)
    label_name = name or "spark dataframe"
    for col, flag in ((label, "label"), (prediction, "prediction")):
        if col is not None and col not in schema.names:
            raise UsageError(f"{flag} {col!r} is not a column of {label_name}; columns: "
                             f"{', '.join(schema.names[:20])}")
    passes = PassLog()
    passes.record("profile", label_name)
    layout = profile_layout(frame, name=label_name, config=config)
    if key is not None:
        check_key(layout.profile, key)
    source = spark_source(frame, label_name, layout, schema, row_tasks=row_tasks, passes=passes, key=key)
    if is_spark_frame(reference):
        passes.record("profile", "reference")
        ref: DatasetProfile | None = profile_layout(reference, name="reference", config=config).profile
    else:
        ref = resolve_reference(reference, store=store, passes=passes)
    return RunContext(profile=layout.profile, source=source, reference=ref, label=label, prediction=prediction,
                      options=dict(options or {}), passes=passes, read_kind=["rows"])


def scan(frame: Any, reference: Any = None, *, label: str | None = None, prediction: str | None = None,
         only: Iterable[str] | None = None, options: Mapping[str, Any] | None = None, name: str | None = None,
         store: Any = None, row_tasks: bool = True, config: ProfileConfig | None = None,
         key: str | None = None) -> Report:
    """`tripwire.scan` of a Spark DataFrame: the profile and the row pass run on the cluster.

    `key` names a column of non-negative integers (an order id, say): the report's rows are
    then that column's values, stable however Spark partitions the frame, instead of
    positions (`offset(partition) + i`).

    `config` sets the profile's knobs (e.g. `ProfileConfig(sample_rows=0)`: no row sample,
    so the sample-based detectors are skipped).
    `row_tasks=False` skips detectors that must see every row in one process (duplicates,
    exact outlier counts, missing-value patterns, label checks) instead of streaming the rows
    to the driver.
    """
    def opener(data: Any, ref: Any = None, **kw: Any) -> RunContext:
        return open_spark_context(data, ref, row_tasks=row_tasks, config=config, key=key, **kw)

    # the run layer's scan: personal values are masked as in every other scan
    return scan_run(frame, reference, label=label, prediction=prediction, only=only, options=options,
                    name=name, store=store, opener=opener)


def check(contract: Contract | str | Path, frame: Any, *, as_of: Any = None,
          quarantine: str | Path | bool | None = None, name: str | None = None, strict: bool = False,
          key: str | None = None, show_pii: Sequence[str] = ()) -> Report:
    """`Contract.check` of a Spark DataFrame; `quarantine` is a folder (local or a URI such as s3://).

    The folder gets `kept/` and `rejected/` directories of Parquet part files, one per
    partition (per row group of a plain Parquet scan), written by the executors (read them back with `spark.read.parquet`).
    `key` names failing rows by a column's values, as for `scan`; `show_pii` as for `tripwire.check`.
    """
    spec = contract if isinstance(contract, Contract) else Contract.load(contract)
    ctx = open_spark_context(frame, name=name, key=key,
                             options={"show_pii": list(show_pii)} if show_pii else None)
    folder = Path(quarantine) if isinstance(quarantine, Path) else quarantine  # a URI string stays a string
    report = execute(Plan("check", detectors=False, contract=spec, as_of=as_of, quarantine=folder,  # type: ignore[arg-type]
                          strict=strict), ctx)
    # failing examples of personal columns masked, as tripwire.check does
    return mask_personal(report, ctx)


def drift(frame: Any, reference: Any, *, label: str | None = None, prediction: str | None = None,
          options: Mapping[str, Any] | None = None, name: str | None = None, store: Any = None,
          config: ProfileConfig | None = None, key: str | None = None) -> Report:
    """`tripwire.drift` of a Spark DataFrame (the reference may be one too): decided on the two profiles.

    `config` as for `scan` (a Spark reference is profiled with it too); `key` as for `scan`
    (drift decides from profiles: only findings that list rows of `frame` are renamed).
    """
    if reference is None:
        raise UsageError("drift needs a reference: data, a Spark DataFrame, a profile.json or store:NAME")
    ctx = open_spark_context(frame, reference, name=name, label=label, prediction=prediction, store=store,
                             config=config, key=key)
    report = drift_profiles(ctx.profile, ctx.reference, label=label, prediction=prediction, options=options,
                            store=store)
    report.extra["passes"] = ctx.passes.passes
    return ctx.source.named_rows(report) if ctx.source is not None else report  # type: ignore[attr-defined]


def log(frame: Any, dataset: str, *, row_tasks: bool = True, key: str | None = None, **kwargs: Any) -> Logged:
    """`tripwire.log` of a Spark DataFrame (same keywords, `rolling` included): profiled on the cluster.

    `key` as for `scan`: the stored report's rows are that column's values.
    """
    def opener(data: Any, reference: Any = None, **kw: Any) -> RunContext:
        return open_spark_context(data, reference, row_tasks=row_tasks, key=key, **kw)

    kwargs.setdefault("source", "spark")
    return log_run(frame, dataset, opener=opener, **kwargs)
