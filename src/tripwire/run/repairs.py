"""`fix`: apply the repairs a report proposes, audit every changed cell, re-scan the result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from polars.exceptions import PanicException

from tripwire.errors import InputError, UsageError
from tripwire.io import Source, open_source, read_polars
from tripwire.profiling.dataset import fingerprint_text, frame_hash_sum, row_hash_sum
from tripwire.repair import Applied, Skipped, apply_rules, load, rules_from_report, save, select
from tripwire.repair.rules import Rule
from tripwire.report import Report

WRITERS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "ndjson", ".ndjson": "ndjson", ".arrow": "ipc",
           ".feather": "ipc", ".ipc": "ipc"}


@dataclass(frozen=True)
class FixResult:
    """What `fix` did: rows in and out, what each rule changed, what it left, the re-scan."""

    output: Path | None
    frame: pl.DataFrame = field(repr=False)
    rows_in: int
    applied: tuple[Applied, ...]
    skipped: tuple[Skipped, ...]
    audit: pl.DataFrame = field(repr=False)
    audit_path: Path | None = None
    mapping_path: Path | None = None
    before: Report | None = field(default=None, repr=False)
    after: Report | None = field(default=None, repr=False)
    name: str = ""

    def counts(self) -> list[tuple[str, int | None, int | None]]:
        """Return (code, findings before, findings after) for every code in either report.

        A count is None on the side that was not scanned: before without a report, after
        without a re-scan.
        """
        b = Counter(f.code for f in self.before.findings) if self.before else None
        a = Counter(f.code for f in self.after.findings) if self.after else None
        return [(c, None if b is None else b[c], None if a is None else a[c])
                for c in sorted(set(b or ()) | set(a or ()))]

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as plain data (what `tripwire fix --format json` prints); finding
        counts are null on the side that was not scanned (see counts)."""
        return {
            "input": self.name, "rows_in": self.rows_in, "rows_out": self.frame.height,
            "output": str(self.output) if self.output else None,
            "audit": {"path": str(self.audit_path) if self.audit_path else None, "cells": self.audit.height},
            "mapping": str(self.mapping_path) if self.mapping_path else None,
            "applied": [{"rule": x.rule.name, "code": x.rule.code, "column": x.rule.column, "cells": x.cells}
                        for x in self.applied],
            "not_applied": [{"code": s.code, "column": s.column, "reason": s.reason} for s in self.skipped],
            "findings": [{"code": c, "before": b, "after": a} for c, b, a in self.counts()],
        }

    def to_text(self) -> str:
        """Return the summary a person reads: per rule, skipped findings, before/after counts."""
        out = [f"fixed {self.rows_in:,} rows -> {self.frame.height:,} rows"
               + (f" written to {self.output}" if self.output else "")]
        if self.applied:
            out.append(f"  {'rule':<18} {'code':<24} {'column':<20} {'cells':>9}")
            out += [f"  {a.rule.name:<18} {a.rule.code:<24} {(a.rule.column or '(rows)'):<20} {a.cells:>9,}"
                    for a in self.applied]
        else:
            out.append("  no repair applied")
        out += [f"  not applied: {s.code}" + (f" ({s.column})" if s.column else "") + f": {s.reason}"
                for s in self.skipped]
        out.append(f"audit: {self.audit.height:,} changed cells" + (f" -> {self.audit_path}" if self.audit_path else ""))
        if self.mapping_path:
            out.append(f"mapping saved: {self.mapping_path} (reuse with --mapping)")
        if self.after is not None:
            out.append("findings per code, before -> after (re-scan of the output):")
            out += [f"  {code:<26} {'-' if b is None else b:>3} -> {a}" for code, b, a in self.counts()]
        return "\n".join(out) + "\n"


def _matches(frame: pl.DataFrame, source: Source, expected: str) -> str:
    """Return the fingerprint of the frame read from `source` if it is `expected`, else the profile's own.

    Hashing the frame at hand is what the profile computes batch by batch (a sum of Polars row
    hashes); only when that differs is the profile's way (which also hashes types Polars
    cannot) run over the source's batches, before the report is refused.
    """
    try:
        found = fingerprint_text(frame_hash_sum(frame))
    except (pl.exceptions.PolarsError, PanicException):
        found = ""
    if found == expected:
        return found
    return fingerprint_text(sum(row_hash_sum(b) for b in source.open_batches()))


def _check_paths(source: Source, output: Path | None, audit: Path | None) -> None:
    inputs = {Path(f).resolve() for f in source.files}
    for what, path in (("-o", output), ("--audit", audit)):
        if path is not None and path.resolve() in inputs:
            raise UsageError(f"{what} {path} is the input: write the repaired data to another file "
                             "(the input is never changed in place)")
    if output is not None and output.suffix.lower() not in WRITERS:
        raise UsageError(f"-o {output}: write .parquet, .csv, .jsonl or .arrow")


def _write(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = WRITERS[path.suffix.lower()]
    tmp = path.with_name(path.name + ".tmp")
    getattr(frame, f"write_{kind}")(tmp)
    tmp.replace(path)  # a failed write never leaves half a file under the output's name


def _report(report: Report | str | Path | None) -> Report | None:
    if report is None or isinstance(report, Report):
        return report
    import json

    path = Path(report)
    try:
        return Report.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InputError("report file not found", path=str(path),
                         hint="write one with `tripwire scan DATA --format json -o REPORT.json`") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a tripwire JSON report ({exc})", path=str(path),
                         hint="pass the file written by --format json") from None


def fix(data: Any, report: Report | str | Path | None = None, *, output: str | Path | None = None,
        apply: Iterable[str] | None = None, skip: Iterable[str] | None = None,
        mapping: str | Path | Sequence[str | Path] | None = None, save_mapping: str | Path | None = None,
        audit: str | Path | None = None, rescale: Mapping[str, float] | None = None,
        rescan: bool = True, encoding: str | None = None) -> FixResult:
    """Apply the repairs `report`'s findings propose (and/or a saved `mapping`) to `data`.

    The report must come from this very data (its profile fingerprint is compared; another
    file's report is refused). `apply`/`skip` name codes or rule names. Every changed cell goes
    to the `audit` Parquet (default beside `output`: NAME.audit.parquet); `save_mapping` writes
    the rules as editable YAML for later batches; `mapping` reads one such file or several. The input is never modified; `output` may
    not be the input. With `rescan`, the output is scanned again for before/after counts.
    """
    rep = _report(report)
    if rep is None and mapping is None:
        raise UsageError("fix needs --report REPORT.json (from scan) or --mapping fixes.yaml")
    source = open_source(data, encoding=encoding)
    out_path = Path(output) if output is not None else None
    audit_path = Path(audit) if audit is not None else (
        out_path.with_name(out_path.name.split(".")[0] + ".audit.parquet") if out_path is not None else None)
    _check_paths(source, out_path, audit_path)
    frame = read_polars(source)
    skipped: list[Skipped] = []
    rules: list[Rule] = []
    if rep is not None:
        expected = rep.dataset.fingerprint
        if not expected:
            raise InputError("the report carries no profile fingerprint, so it cannot be matched to this data",
                             hint="re-run `tripwire scan DATA --format json -o REPORT.json`")
        found = _matches(frame, source, expected)
        if found != expected:
            raise InputError(f"the report is of other data (profile fingerprint {expected}, this data {found})",
                             path=source.name, hint="scan this file and fix with that report")
        rules, skipped = rules_from_report(rep, rescale)
    if mapping is not None:
        from tripwire.repair.rules import merged

        files = [mapping] if isinstance(mapping, (str, Path)) else list(mapping)
        for file in files:  # later files win, rule by rule and column by column
            rules = merged([*rules, *load(file, frame.columns)])
    wanted = list(apply) if apply is not None else None
    chosen = select(rules, wanted, skip)
    if wanted is not None or skip:  # say nothing about findings the user left out anyway
        named = set(wanted or ()) | set(skip or ())
        skipped = [s for s in skipped if (wanted is None or s.code in named) and s.code not in set(skip or ())]
    repaired = apply_rules(frame, chosen)
    if out_path is not None:
        _write(repaired.frame, out_path)
    if audit_path is not None:
        _write(repaired.audit, audit_path.with_suffix(".parquet") if audit_path.suffix.lower() not in WRITERS
               else audit_path)
    saved = save(_concrete(chosen, repaired.applied), save_mapping) if save_mapping is not None else None
    after = None
    if rescan:
        from tripwire.run.commands import scan

        # Parquet and Arrow files hold exactly the frame in hand: scan it rather than read it back
        # (a scan reads its input several times); text outputs are read back as a later scan would
        lossless = out_path is None or WRITERS[out_path.suffix.lower()] in ("parquet", "ipc")
        after = scan(repaired.frame if lossless else out_path, name=source.name)
    return FixResult(out_path, repaired.frame, frame.height, repaired.applied,
                     (*skipped, *repaired.refused), repaired.audit, audit_path, saved, rep, after, source.name)


def _concrete(rules: Sequence[Rule], applied: Sequence[Applied]) -> list[Rule]:
    """Return the rules to save: as chosen (an encoding rule keeps its fixer, not this batch's values)."""
    done = {(a.rule.name, a.rule.column) for a in applied}
    return [r for r in rules if (r.name, r.column) in done]
