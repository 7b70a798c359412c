"""`scan`: run every detector whose needs are met on a batch (and a reference) into a Report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tripwire.detectors import ScanContext, locate_rows, run_detectors
from tripwire.profiling import DatasetProfile, as_profile
from tripwire.report import DatasetInfo, Report

__all__ = ["dataset_info", "prepare", "scan"]


def scan(
    data: Any,
    reference: Any = None,
    *,
    label: str | None = None,
    prediction: str | None = None,
    only: Iterable[str] | None = None,
    options: Mapping[str, Any] | None = None,
    name: str | None = None,
    progress: bool = False,
    command: str = "scan",
) -> Report:
    """Find what is wrong with `data` (and how it differs from `reference`), ranked, with evidence.

    `data` is anything `tripwire.profile` reads, or a DatasetProfile (then detectors that need
    the rows are skipped). `reference` is data, a saved profile.json, or a DatasetProfile.
    `only` limits to families ("schema", "data", "labels", "drift") or detector names.
    `options` go to detectors (e.g. {"drift": {...thresholds...}}).
    """
    ctx = prepare(data, reference, label=label, prediction=prediction, options=options, name=name,
                  progress=progress)
    findings, checks = run_detectors(ctx, only=only)
    findings = locate_rows(findings, ctx.source)
    return Report(
        command=command,
        dataset=dataset_info(ctx.profile),
        reference=dataset_info(ctx.reference) if ctx.reference is not None else None,
        findings=tuple(findings),
        checks=tuple(checks),
        notes=tuple(ctx.profile.notes),
        extra={"profile": ctx.profile, "reference": ctx.reference},
    )


def prepare(
    data: Any,
    reference: Any = None,
    *,
    label: str | None = None,
    prediction: str | None = None,
    options: Mapping[str, Any] | None = None,
    name: str | None = None,
    progress: bool = False,
) -> ScanContext:
    """Profile the data (keeping its source for row look-ups) and the reference into a context."""
    from tripwire.errors import UsageError
    from tripwire.io import open_source

    if isinstance(data, DatasetProfile):
        prof, source = data, None
    else:
        prof_or_none = _saved_profile(data)
        if prof_or_none is not None:
            prof, source = prof_or_none, None
        else:
            source = open_source(data, name=name)
            from tripwire.profiling import profile

            prof = profile(source, name=name, progress=progress)
    ref = as_profile(reference, progress=progress) if reference is not None else None
    for col, flag in ((label, "--label"), (prediction, "--prediction")):
        if col is not None and col not in prof:
            raise UsageError(f"{flag} {col!r} is not a column of {prof.name}; "
                             f"columns: {', '.join(list(prof.columns)[:20])}")
    return ScanContext(profile=prof, reference=ref, source=source, label=label,
                       prediction=prediction, options=dict(options or {}))


def dataset_info(prof: DatasetProfile) -> DatasetInfo:
    """Return what a report says about a profiled data set."""
    return DatasetInfo(prof.name, prof.rows, len(prof.columns), prof.fingerprint)


def _saved_profile(data: Any) -> DatasetProfile | None:
    from pathlib import Path

    from tripwire.profiling import _is_profile_file

    if isinstance(data, (str, Path)) and str(data).endswith(".json") and _is_profile_file(Path(data)):
        return DatasetProfile.load(data)
    return None
