"""The privacy commands: pseudonymise, k-anonymity, synthetic-check (compositions of the privacy stage).

Each opens its input once; k-anonymity and synthetic-check end in the one `execute(Plan)`
every command uses, with their findings given to the plan.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from tripwire.errors import UsageError
from tripwire.progress import progress_for
from tripwire.report import CheckResult, Finding, Report
from tripwire.report.codes import code_info
from tripwire.run.context import PassLog, RunContext, hold_rows, open_context, read_frame
from tripwire.run.plan import Plan, execute

WRITERS = (".parquet", ".csv", ".arrow", ".feather", ".ipc")


def _finding(code: str, severity: str, columns: Sequence[str], title: str, evidence: dict[str, Any],
             rows: Sequence[int], detector: str) -> Finding:
    return Finding(code=code, severity=severity, columns=tuple(columns), title=title,  # type: ignore[arg-type]
                   evidence=evidence, rows=tuple(rows), fix=code_info(code).fix, detector=detector)


def _check_columns(wanted: Sequence[str], have: Sequence[str], flag: str, where: str) -> None:
    absent = [c for c in wanted if c not in have]
    if absent:
        raise UsageError(f"{flag}: no column {', '.join(map(repr, absent))} in {where}; "
                         f"columns are {', '.join(list(have)[:20])}")


# ---- pseudonymise ------------------------------------------------------------------------
def pseudonymise(data: Any, columns: Sequence[str], output: str | Path, *, key: bytes,
                 keep_format: bool = False, length: int = 16, encoding: str | None = None,
                 progress: bool = False) -> dict[str, Any]:
    """Write `data` to `output` with `columns` replaced by keyed HMAC-SHA256 pseudonyms.

    Streams batch by batch into a temporary file beside `output`, renamed when complete,
    so a failure never leaves half a file; the input is never written to.
    """
    from tripwire.io import open_source
    from tripwire.privacy.pseudonyms import MIN_KEY_BYTES, CollisionCheck, pseudonymise_frame

    if len(key) < MIN_KEY_BYTES:
        raise UsageError(f"the key is {len(key)} bytes; give at least {MIN_KEY_BYTES}")
    if not 4 <= length <= 64:
        raise UsageError(f"--length {length}: give 4 to 64 hex characters (16 is the default)")
    out = Path(output)
    if out.suffix.lower() not in WRITERS:
        raise UsageError(f"-o {out}: write .parquet, .csv or .arrow/.feather")
    source = open_source(data, encoding=encoding)
    _check_columns(columns, source.schema.names, "--columns", source.name)
    if any(out.resolve() == Path(f).resolve() for f in source.files):
        raise UsageError(f"-o {out} is the input file; write the pseudonymised copy to another path")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    bar = progress_for(progress, source.name, "pseudonymising")
    rows, writer = 0, None
    # two values sharing a pseudonym in different batches are found too: the file is renamed only when none do
    collisions = CollisionCheck(list(columns), length=length)
    try:
        for batch in source.batches():
            df = pl.from_arrow(batch)
            assert isinstance(df, pl.DataFrame)
            table = pseudonymise_frame(df, list(columns), key, keep_format=keep_format, length=length,
                                       collisions=collisions).to_arrow()
            writer = writer or _writer(tmp, out.suffix.lower(), table.schema)
            writer.write_table(table)
            rows += table.num_rows
            if bar:
                bar(rows, source.num_rows)
        if writer is None:
            empty = pseudonymise_frame(pl.from_arrow(source.schema.empty_table()), list(columns), key,  # type: ignore[arg-type]
                                       keep_format=keep_format, length=length).to_arrow()
            writer = _writer(tmp, out.suffix.lower(), empty.schema)
        writer.close()
        collisions.verify()
        tmp.replace(out)
    finally:
        if tmp.exists():
            tmp.unlink()
        if bar and hasattr(bar, "close"):
            bar.close()
    return {"rows": rows, "columns": list(columns), "output": str(out), "keep_format": keep_format}


def _writer(path: Path, suffix: str, schema: pa.Schema) -> Any:
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetWriter(path, schema)
    if suffix == ".csv":
        import pyarrow.csv as pcsv

        return pcsv.CSVWriter(path, schema)
    import pyarrow.ipc as ipc

    return ipc.new_file(str(path), schema)


# ---- k-anonymity ---------------------------------------------------------------------------
def k_anonymity(data: Any, quasi: Sequence[str] | None = None, *, k: int = 5, sensitive: str | None = None,
                l_target: int | None = None, name: str | None = None, encoding: str | None = None,
                progress: bool = False) -> Report:
    """Measure k (and l for `sensitive`) over the quasi-identifiers; suggest generalisations that reach k."""
    from tripwire.detectors.common import pct
    from tripwire.privacy.kanonymity import measure, suggest_quasi

    if k < 2:
        raise UsageError(f"--k {k}: give a target of at least 2")
    if l_target is not None and (sensitive is None or l_target < 2):
        raise UsageError(f"--l {l_target}: give a target of at least 2, with the --sensitive column it measures")
    # the row pass replays the batches the profile read (within the memory budget): one read of the file
    ctx = open_context(data, name=name, encoding=encoding, progress=progress, keep_rows=True)
    table = hold_rows(ctx, "k-anonymity")
    columns = table.columns
    declared = list(quasi or [])
    if declared:
        _check_columns(declared, columns, "--quasi", str(ctx.profile.name))
    else:
        declared = suggest_quasi(table)
        if not declared:
            raise UsageError(f"{ctx.profile.name}: no column looks like a quasi-identifier (age, sex, zip, ...); "
                             "name them with --quasi")
    if sensitive is not None:
        _check_columns([sensitive], columns, "--sensitive", str(ctx.profile.name))
    result = measure(table, declared, k=k, sensitive=sensitive)
    findings: list[Finding] = []
    evidence: dict[str, Any] = {
        "k": result.k, "target_k": k, "classes": result.classes, "rows_below_k": result.rows_below,
        "share_below_k": round(result.rows_below / max(result.rows, 1), 6), "quasi_identifiers": declared,
        "suggested": not quasi,
    }
    if result.generalisation:
        evidence |= {"generalisation": result.generalisation, "information_lost": result.information_lost,
                     "k_after": result.reached_k, "rows_below_k_after": result.rows_below_after}
    if result.k < k:
        title = (f"{', '.join(declared)}: k = {result.k} (target {k}); {result.rows_below:,} rows "
                 f"({pct(result.rows_below / max(result.rows, 1))}) in classes below {k}")
        findings.append(_finding("privacy.k_anonymity", "error", declared, title, evidence, result.below_rows,
                                 "privacy.k_anonymity"))
    if sensitive is not None and l_target is not None and (result.l_div or 0) < l_target:
        title = f"{sensitive}: l = {result.l_div} (target {l_target}) within classes of {', '.join(declared)}"
        findings.append(_finding("privacy.k_anonymity", "error", [*declared, sensitive], title,
                                 {"l": result.l_div, "target_l": l_target, "sensitive": sensitive,
                                  "quasi_identifiers": declared}, (), "privacy.l_diversity"))
    checks = [CheckResult("privacy.k_anonymity", "failed" if result.k < k else "passed")]
    if sensitive is not None and l_target is not None:
        checks.append(CheckResult("privacy.l_diversity", "failed" if (result.l_div or 0) < l_target else "passed"))
    metrics = [{"metric": "k", "value": result.k, "target": k},
               {"metric": "classes", "value": result.classes},
               {"metric": "rows below k", "value": result.rows_below}]
    if sensitive is not None:
        metrics.append({"metric": f"l ({sensitive})", "value": result.l_div, "target": l_target})
    for column, step in result.generalisation.items():
        metrics.append({"metric": f"generalise {column}: {step} (information lost)",
                        "value": result.information_lost.get(column, 0.0), "step": step})
    if result.generalisation:
        metrics.append({"metric": "k after generalising", "value": result.reached_k,
                        "rows to suppress": result.rows_below_after})
    if result.rows_below:
        metrics.append({"metric": "or suppress the rows below k", "value": result.rows_below,
                        "share": round(result.rows_below / max(result.rows, 1), 6)})
    return _report("k-anonymity", ctx, findings, checks, metrics)


def _report(command: str, ctx: RunContext, findings: list[Finding], checks: list[CheckResult],
            metrics: list[dict[str, Any]]) -> Report:
    import dataclasses

    report = execute(Plan(command, detectors=False, given_findings=tuple(findings), given_checks=tuple(checks)), ctx)
    return dataclasses.replace(report, metrics=tuple(as_metric(m, ctx.profile.rows) for m in metrics))


def as_metric(row: dict[str, Any], n: int) -> dict[str, Any]:
    """Return a figure in the report's metrics shape (no interval: these figures are exact)."""
    return {"metric": row["metric"], "value": row["value"], "ci_low": None, "ci_high": None, "n": n,
            **{k: v for k, v in row.items() if k not in ("metric", "value")}}


# ---- synthetic-check -----------------------------------------------------------------------
def synthetic_check(real: Any, synth: Any, *, name: str | None = None, seed: int = 0,
                    encoding: str | None = None, progress: bool = False) -> Report:
    """Measure synthetic data against the real data it imitates: fidelity and privacy.

    Fidelity: per-column drift (the drift detectors, real as the reference), the difference
    of numeric correlations, and a domain classifier's AUC (0.5: indistinguishable).
    Privacy: exact and near copies of real rows (`privacy.synthetic_copy`) against a real
    holdout's own distances, and the share of real records a synthetic row exposes.
    """
    from tripwire.io import open_source
    from tripwire.privacy.synthetic import correlation_difference, measure_copies
    from tripwire.profiling import profile as profile_rows

    # REAL is read once: its rows (the distances need them all) are profiled in memory as the reference
    passes = PassLog()
    real_t, real_name = read_frame(passes.counting(open_source(real, encoding=encoding), ["rows"]))
    reference = profile_rows(real_t, name=real_name)
    # SYNTH: profiled (drift), its rows then taken from the batches the profile read (within the memory budget)
    ctx = open_context(synth, reference, name=name, encoding=encoding, progress=progress, passes=passes,
                       keep_rows=True)
    synth_t = hold_rows(ctx, "synthetic-check")
    if set(real_t.columns) != set(synth_t.columns):
        extra = sorted(set(synth_t.columns) - set(real_t.columns))
        missing = sorted(set(real_t.columns) - set(synth_t.columns))
        raise UsageError(f"SYNTH has other columns than REAL: missing {missing or 'none'}, extra {extra or 'none'}; "
                         "generate the synthetic table with the real table's columns")
    if real_t.height < 2 or synth_t.height < 2:
        raise UsageError(f"REAL has {real_t.height:,} rows and SYNTH {synth_t.height:,}; synthetic-check needs "
                         "at least 2 in each (REAL is split into a holdout and the rest)")
    synth_t = synth_t.select(real_t.columns)
    copies = measure_copies(real_t, synth_t, seed=seed)
    corr = correlation_difference(real_t, synth_t)
    auc = _domain_auc(real_t, synth_t, seed)
    evidence = {"exact_copies": copies.exact_copies, "near_copies": copies.near_copies,
                "compared_rows": copies.compared, "near_share": round(copies.near_share, 6),
                "expected_near_share": round(copies.expected_near_share, 6),
                "distance_threshold": round(copies.threshold, 6), "dcr_median": round(copies.dcr_median, 6),
                "holdout_dcr_median": round(copies.holdout_dcr_median, 6),
                "membership_risk": copies.membership_risk, "exposed_real_share": round(copies.exposed_real_share, 6)}
    findings: list[Finding] = []
    if copies.excess:
        from tripwire.detectors.common import pct

        title = (f"{copies.near_copies:,} of {copies.compared:,} synthetic rows ({pct(copies.near_share)}) copy or "
                 f"nearly copy real rows (a fresh real row: {pct(copies.expected_near_share)}); "
                 f"{copies.exact_copies:,} exact copies")
        rows = sorted(set(copies.exact_rows) | set(copies.near_rows))[:100]
        findings.append(_finding("privacy.synthetic_copy", "error", real_t.columns, title, evidence, rows,
                                 "privacy.synthetic_copy"))
    checks = [CheckResult("privacy.synthetic_copy", "failed" if copies.excess else "passed")]
    import dataclasses

    report = execute(Plan("synthetic-check", only=("drift",), given_findings=tuple(findings),
                          given_checks=tuple(checks)), ctx)
    drifted = {c for f in report.by_code("drift.feature") for c in f.columns}
    metrics = [
        {"metric": "domain classifier AUC", "value": auc, "meaning": "0.5 = real and synthetic indistinguishable"},
        {"metric": "correlation difference (mean |Δr|)", "value": corr["mean_abs"]},
        {"metric": "correlation difference (max |Δr|)", "value": corr["max_abs"], "pair": corr["worst_pair"]},
        {"metric": "columns drifted", "value": len(drifted), "of": len(real_t.columns)},
        {"metric": "exact copies", "value": copies.exact_copies, "of": copies.synth_rows},
        {"metric": "near copies", "value": copies.near_copies, "of": copies.compared,
         "expected": round(copies.expected_near_share * copies.compared, 1)},
        {"metric": "median DCR (synthetic → real)", "value": round(copies.dcr_median, 4),
         "holdout": round(copies.holdout_dcr_median, 4)},
        {"metric": "membership risk", "value": copies.membership_risk},
    ]
    return dataclasses.replace(report, metrics=tuple(as_metric(m, synth_t.height) for m in metrics))


def _domain_auc(real: pl.DataFrame, synth: pl.DataFrame, seed: int) -> float | None:
    """Return the out-of-fold AUC of a classifier telling synthetic rows from real ones (5,000 a side)."""
    import numpy as np

    from tripwire.drift_detection.classifier import separability
    from tripwire.drift_detection.multivariate import _model, feature_matrix

    kinds = {c: "numeric" if t.is_numeric() and t != pl.Boolean else "categorical" for c, t in real.schema.items()}
    a = real.sample(min(real.height, 5000), seed=seed)
    b = synth.sample(min(synth.height, 5000), seed=seed)
    x, names, categorical = feature_matrix(a, b, kinds)
    y = np.r_[np.zeros(a.height), np.ones(b.height)]
    sep = separability(lambda: _model(categorical), x, y, names, importance=False)
    return round(sep.auc, 4) if sep else None


# ---- masking in the other commands ---------------------------------------------------------
def align_masking(ctx: RunContext) -> None:
    """Mask the batch's profile like its reference when the reference was stored masked.

    A stored reference holds tokens, not values, for its personal columns; comparing it
    with the batch's raw values would report every value as new. The batch's columns are
    masked the same way (what `privacy.pii` finds in them is kept with the profile first).
    """
    from tripwire.privacy.detector import pii_evidence, profile_date
    from tripwire.privacy.masking import mask_profile, masked_columns, shown
    from tripwire.privacy.pii import find_pii

    if ctx.reference is None:
        return
    wanted = shown(masked_columns(ctx.reference), tuple((ctx.options or {}).get("show_pii", ())))
    wanted &= set(ctx.profile.columns)
    if not wanted:
        return
    frame = ctx.profile.sample_frame()
    found = {}
    if frame is not None and frame.height:
        keep = [c for c in frame.columns if c in wanted or c == "__row__"]
        estimated = frame.height < ctx.profile.rows
        found = {p.column: pii_evidence(p, estimated=estimated)
                 for p in find_pii(frame.select(keep), today=profile_date(ctx.profile.created_at))}
    ctx.profile = mask_profile(ctx.profile, wanted, found)
