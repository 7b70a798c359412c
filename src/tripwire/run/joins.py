"""`join_check`: will two sources join the way you think, and what would make them join?

A run-layer composition that reads only the key columns, once per side (a CSV adds the
reader's typing pass): no profile is made, so the run's context describes each side
(`described_context`) and `execute` builds the Report with the passes recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from tripwire.io import open_source
from tripwire.joins.check import check_sources
from tripwire.joins.keys import check_expect, parse_on
from tripwire.progress import ProgressCallback
from tripwire.report import CheckResult, Report
from tripwire.report.report import DatasetInfo
from tripwire.run.context import PassLog, described_context
from tripwire.run.plan import Plan, execute


def join_check(left: Any, right: Any, on: str | Sequence[str] | dict[str, str], expect: str | None = None, *,
               fuzzy: bool = True, encoding: str | None = None, left_name: str | None = None,
               right_name: str | None = None, progress: bool | ProgressCallback | None = False) -> Report:
    """Check the join of `left` with `right` on `on` and return a Report (command "join-check").

    `left` and `right` are anything `tripwire.open_source` reads (files, frames, ``sql:``
    queries). `on` is ``"tailnum"``, ``"dest=faa"``, ``"a,b=c"``, a list of such, or
    ``{left_column: right_column}``. `expect` declares the cardinality (1:1, 1:n, n:1, n:m):
    keys that break it give an error-level finding. Reads only the key columns, once per side.
    """
    pairs = parse_on(on)
    declared = check_expect(expect)
    ls = open_source(left, name=left_name, encoding=encoding)
    rs = open_source(right, name=right_name, encoding=encoding)
    if ls.name == rs.name:  # two frames are both "dataframe": say which side is which
        ls.name, rs.name = f"{ls.name} (left)", f"{rs.name} (right)"
    passes = PassLog()  # each side's reads: a CSV's typing pass, then one read of its key columns
    ls, rs = passes.counting(ls, ["keys"]), passes.counting(rs, ["keys"])
    result = check_sources(ls, rs, pairs, declared, fuzzy=fuzzy, progress=progress)
    a = result.analysis
    failed = any(f.severity in ("error", "warning") for f in result.findings)
    notes = (f"{ls.name} × {rs.name} on {pairs.label()}: {a.matched_left_rows:,} of {a.left.rows:,} left rows "
             f"match; the inner join has {a.joined_rows:,} rows; keys are {a.cardinality}"
             + (f" (expected {declared})" if declared else ""),)
    ctx = described_context(DatasetInfo(ls.name, a.left.rows, len(ls.schema)),
                            DatasetInfo(rs.name, a.right.rows, len(rs.schema)),
                            passes=passes, notes=(*ls.notes, *rs.notes))
    check = CheckResult(f"join_keys[{pairs.label()}]", "failed" if failed else "passed")
    report = execute(Plan("join-check", detectors=False, given_findings=result.findings, given_checks=(check,)), ctx)
    report = replace(report, notes=(*report.notes, *notes))
    report.extra["join"] = {"cardinality": a.cardinality, "joined_rows": a.joined_rows,
                            "matched_left_rows": a.matched_left_rows}
    return report
