"""Check data against a contract: decide from the profile, then one pass over the rows for
row indices, examples and quarantine (kept / rejected Parquet files, values as read)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tripwire.contracts.checks import (
    FAILED,
    PASSED,
    UNKNOWN,
    Check,
    FreshnessCheck,
    MonotonicCheck,
    UniqueCheck,
    expand,
)
from tripwire.contracts.model import Contract
from tripwire.detectors.common import short
from tripwire.detectors.data.duplicates import later_occurrences
from tripwire.errors import UsageError
from tripwire.report import CheckResult, Finding, Report
from tripwire.report.codes import code_info
from tripwire.report.finding import MAX_ROWS

FAILED_CHECKS_COLUMN = "_tripwire_failed_checks"
EXAMPLES = 5


def parse_as_of(value: Any) -> datetime:
    """Return --as-of as an aware datetime (default: now, UTC)."""
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not an ISO date or time (e.g. 2026-11-24T06:00Z)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check(contract: Contract, data: Any, *, as_of: Any = None, quarantine: str | Path | bool | None = None,
          name: str | None = None, progress: bool = False) -> Report:
    """Check data against a contract and return the Report (command "check").

    `quarantine` is a folder for kept/rejected Parquet files, or True to only count the rows
    each check would remove (the history store tracks that share over time).
    """
    from tripwire.io import open_source
    from tripwire.profiling import profile
    from tripwire.scanning import dataset_info

    source = open_source(data, name=name)
    prof = profile(source, name=name, progress=progress)
    checks, skipped = expand(contract, prof, parse_as_of(as_of))
    decided = {c.name: c.decide(prof) for c in checks}
    pending = [c for c in checks if decided[c.name][0] in (FAILED, UNKNOWN)
               and ((c.row_level and (c.failing() is not None or isinstance(c, (UniqueCheck, MonotonicCheck))))
                    or isinstance(c, FreshnessCheck))]
    row_results = _row_pass(source, pending, [c for c in checks if c.row_level and c.severity == "error"],
                            quarantine)
    findings, results = [], []
    for c in checks:
        status, evidence = decided[c.name]
        found = row_results["checks"].get(c.name)
        if found is not None:
            status = FAILED if found["count"] else PASSED
            evidence = {**evidence, **{k: v for k, v in found.items() if k != "rows"}}
        if isinstance(c, FreshnessCheck) and "newest" in row_results["fresh"].get(c.name, {}):
            status, evidence = c._judge(row_results["fresh"][c.name]["newest"])
        if status == UNKNOWN:
            status = PASSED
        results.append(CheckResult(c.name, status))
        if status == FAILED:
            count = evidence.get("count") if isinstance(evidence.get("count"), int) else None
            if count is not None and prof.rows:
                evidence.setdefault("share", count / prof.rows)
            rows = found["rows"] if found else []
            findings.append(Finding(code=c.code, severity=c.severity, columns=c.columns,
                                    title=c.title(count, evidence), evidence=evidence, rows=tuple(rows[:MAX_ROWS]),
                                    fix=code_info(c.code).fix, detector=c.name))
    results.extend(CheckResult(n, "skipped", reason) for n, reason in skipped)
    return Report(command="check", dataset=dataset_info(prof), findings=tuple(findings), checks=tuple(results),
                  quarantine=row_results.get("quarantine"), notes=tuple(prof.notes),
                  extra={"profile": prof, "contract": contract})


def _row_pass(source: Any, pending: list[Check], error_row_checks: list[Check],
              quarantine: str | Path | bool | None) -> dict[str, Any]:
    """Evaluate pending row checks (and quarantine) in one pass over the batches."""
    out: dict[str, Any] = {"checks": {}, "fresh": {}}
    if not pending and not quarantine:
        return out
    unique_failures = {c.name: _unique_failures(source, c.columns) for c in pending if isinstance(c, UniqueCheck)}
    counting = quarantine is not None and quarantine is not False
    quarantined = error_row_checks if counting else []
    evaluated = list({c.name: c for c in [*pending, *quarantined]}.values())
    state: dict[str, Any] = {c.name: {"count": 0, "rows": [], "examples": []} for c in evaluated
                             if not isinstance(c, FreshnessCheck)}
    carry: dict[str, Any] = {}
    writers: dict[str, pq.ParquetWriter] = {}
    rows_in = rows_kept = 0
    per_check = {c.name: 0 for c in quarantined}
    directory = Path(quarantine) if counting and quarantine is not True else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    offset = 0
    try:
        for batch in source.batches():
            df = pl.from_arrow(batch)
            assert isinstance(df, pl.DataFrame)
            n = df.height
            masks: dict[str, np.ndarray] = {}
            for c in evaluated:
                if isinstance(c, FreshnessCheck):
                    newest = df.select(c.aggregate()).item()
                    if newest is not None:
                        have = out["fresh"].setdefault(c.name, {})
                        have["newest"] = max(have.get("newest", newest), newest)
                    continue
                masks[c.name] = _mask(c, df, offset, unique_failures, carry)
            for c in evaluated:
                if c.name not in masks:
                    continue
                hits = np.flatnonzero(masks[c.name])
                st = state[c.name]
                st["count"] += hits.size
                room = MAX_ROWS - len(st["rows"])
                if room > 0 and hits.size:
                    st["rows"].extend((hits[:room] + offset).tolist())
                if len(st["examples"]) < EXAMPLES and hits.size and c.columns:
                    values = df.select([pl.col(k) for k in c.columns if k in df.columns])[hits[:EXAMPLES].tolist()]
                    for row in values.iter_rows():
                        ex = _example(row[0]) if len(row) == 1 else {
                            k: _example(v) for k, v in zip(c.columns, row, strict=False)}
                        if ex not in st["examples"]:
                            st["examples"].append(ex)
            if counting:
                rows_in += n
                bad = np.zeros(n, dtype=bool)
                for c in quarantined:
                    m = masks[c.name]
                    per_check[c.name] += int(m.sum())
                    bad |= m
                rows_kept += int((~bad).sum())
            if directory is not None:
                _write(writers, directory, "kept", batch.filter(pa.array(~bad)))
                if bad.any():
                    rejected = pa.Table.from_batches([batch.filter(pa.array(bad))]).append_column(
                        FAILED_CHECKS_COLUMN, _failed_names(quarantined, masks, bad))
                    _write(writers, directory, "rejected", rejected)
            offset += n
    finally:
        for w in writers.values():
            w.close()
    for name, st in state.items():
        out["checks"][name] = {"count": st["count"], "rows": st["rows"], "examples": st["examples"]}
    if directory is not None and "kept" not in writers:  # an empty input still gets a kept file
        pq.write_table(pa.Table.from_batches([], schema=source.schema), directory / "kept.parquet")
    if counting:
        out["quarantine"] = {"rows_in": rows_in, "rows_kept": rows_kept,
                             "share_kept": rows_kept / rows_in if rows_in else 1.0, "per_check": per_check}
        if directory is not None:
            out["quarantine"]["directory"] = str(directory)
    return out


def _mask(c: Check, df: pl.DataFrame, offset: int, unique_failures: dict[str, np.ndarray],
          carry: dict[str, Any]) -> np.ndarray:
    n = df.height
    if isinstance(c, UniqueCheck):
        fails = unique_failures[c.name]
        lo, hi = np.searchsorted(fails, [offset, offset + n])
        mask = np.zeros(n, dtype=bool)
        mask[fails[lo:hi] - offset] = True
        return mask
    if isinstance(c, MonotonicCheck):
        col = df.get_column(c.columns[0])
        x = col.cast(pl.Float64, strict=False) if not col.dtype.is_temporal() else col.to_physical().cast(pl.Float64)
        prev = x.shift(1).forward_fill()
        if carry.get(c.name) is not None:
            prev = prev.fill_null(carry[c.name])
        last = x.drop_nulls()
        if len(last):
            carry[c.name] = last[-1]
        bad = (x < prev) if c.params["direction"] == "increasing" else (x > prev)
        return bad.fill_null(False).to_numpy()
    expr = c.failing()
    try:
        return df.select(expr.fill_null(False).alias("m")).to_series().to_numpy().astype(bool)
    except pl.exceptions.PolarsError as exc:
        raise UsageError(f"check {c.name} cannot be evaluated on this data: {str(exc).splitlines()[0]}") from None


def _failed_names(checks: list[Check], masks: dict[str, np.ndarray], bad: np.ndarray) -> pa.Array:
    """Return, per rejected row, the names of the checks it failed (vectorised, no row loop)."""
    flags = pl.DataFrame({f"m{i}": masks[c.name][bad] for i, c in enumerate(checks)})
    names = flags.select(pl.concat_list([pl.when(pl.col(f"m{i}")).then(pl.lit(c.name)).otherwise(None)
                                         for i, c in enumerate(checks)]).list.drop_nulls().alias("f"))
    return names.to_series().to_arrow().cast(pa.list_(pa.string()))


def _example(value: Any) -> Any:
    """Keep numbers as numbers; cut long text."""
    return short(value, 80) if isinstance(value, str) else value


def _unique_failures(source: Any, columns: tuple[str, ...]) -> np.ndarray:
    """Return the sorted row indices repeating an earlier key (a pass over the key columns only)."""
    hashes = []
    for batch in source.batches():
        df = pl.from_arrow(batch).select(list(columns))
        hashes.append(df.hash_rows(seed=7).to_numpy())
    if not hashes:
        return np.zeros(0, dtype=np.int64)
    return later_occurrences(np.concatenate(hashes)).astype(np.int64)


def _write(writers: dict[str, pq.ParquetWriter], directory: Path, name: str, data: pa.RecordBatch | pa.Table) -> None:
    table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
    if name not in writers:
        writers[name] = pq.ParquetWriter(directory / f"{name}.parquet", table.schema)
    writers[name].write_table(table)


def check_profile(contract: Contract, prof: Any, *, as_of: Any = None) -> Report:
    """Check a profile computed elsewhere (no rows): decidable checks only, the rest skipped."""
    from tripwire.scanning import dataset_info

    checks, skipped = expand(contract, prof, parse_as_of(as_of))
    findings, results = [], []
    for c in checks:
        status, evidence = c.decide(prof)
        if status == UNKNOWN:
            results.append(CheckResult(c.name, "skipped", "needs the rows, not only a profile"))
            continue
        results.append(CheckResult(c.name, status))
        if status == FAILED:
            count = evidence.get("count") if isinstance(evidence.get("count"), int) else None
            findings.append(Finding(code=c.code, severity=c.severity, columns=c.columns,
                                    title=c.title(count, evidence), evidence=evidence,
                                    fix=code_info(c.code).fix, detector=c.name))
    results.extend(CheckResult(n, "skipped", reason) for n, reason in skipped)
    return Report(command="check", dataset=dataset_info(prof), findings=tuple(findings), checks=tuple(results),
                  extra={"profile": prof, "contract": contract})
