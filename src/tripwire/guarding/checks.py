"""A contract compiled once for serving: schema from the Arrow types, rows by one Polars select.

Profiling a 1,000-row batch in full costs about 20 ms, four times the guard's whole budget
(bench/guard_bench.py), so a guarded batch is judged from exactly what its checks need:

- the schema (missing, unexpected, forbidden columns; a column of another kind than the
  reference's) from the batch's dtypes, no values read;
- every row-level check (type, nullable, range, allowed, length, regex, format, rules) as its
  own locator expression, all of them in ONE `select` over the batch: the failing count and
  rows of each come from the same mask, so per-row routing uses exactly what the finding says;
- the few checks decided from whole-column statistics (mean, std, quantiles, null share,
  row count) from a profile of only their columns.

The checks are the contract's own (`contracts.unit.expand` against the reference profile), so
titles, codes and severities are those `tripwire check` reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from tripwire.contracts.checks import (
    MonotonicCheck,
    RequiredColumn,
    TypeCheck,
    UnexpectedColumns,
    UniqueCheck,
)
from tripwire.contracts.unit import FAILED, PASSED, UNKNOWN, Check, Decision, expand
from tripwire.locators import ExprLocator
from tripwire.report.finding import Finding

if TYPE_CHECKING:
    from tripwire.contracts.model import Contract
    from tripwire.profiling import DatasetProfile

#: row indices kept per finding in a decision record
MAX_ROWS = 100
#: kinds a column may arrive as and still be the reference's column
COMPATIBLE_KINDS = {"numeric": {"numeric", "null"}, "string": {"string", "null"}, "temporal": {"temporal", "null"},
                    "boolean": {"boolean", "null"}}


@dataclass
class BatchVerdict:
    """What the checks found in one batch: the findings and, per finding, its failing rows."""

    findings: list[Finding]
    #: finding index -> boolean mask of the batch's failing rows (row-level findings only)
    masks: dict[int, np.ndarray] = field(default_factory=dict)
    #: checks that could not judge this batch: (name, reason)
    unknown: list[tuple[str, str]] = field(default_factory=list)


class CompiledContract:
    """The checks of a contract against one reference, ready to judge request batches."""

    def __init__(self, contract: Contract | None, reference: DatasetProfile) -> None:
        """Expand the contract against the reference profile (its columns fix the expected schema).

        The schema checks are the contract's own units (`RequiredColumn`, `UnexpectedColumns`),
        kept here with their codes, severities and titles but judged from the batch's column names:
        `expand` makes a RequiredColumn only for a column the *reference* lacks, and a batch must
        hold every required one. Without a contract the reference's columns are the contract.
        """
        self.kinds = {name: col.kind for name, col in reference.columns.items()}
        names = tuple(self.kinds) if contract is None else tuple(s.name for s in contract.columns if s.required)
        self.required = tuple(RequiredColumn(f"{c}.required", "schema.missing_column", "error", (c,)) for c in names)
        self.row_checks: list[tuple[Check, Any]] = []
        self.stat_checks: list[Check] = []
        self.other_checks: list[tuple[Check, Any]] = []
        self.unexpected: Check | None
        if contract is None:
            self.unexpected = UnexpectedColumns("columns.unexpected", "schema.unexpected_column", "error",
                                                params={"forbidden": (), "allowed": tuple(self.kinds)})
            return
        checks = expand(contract, reference, datetime.now(UTC)).checks
        self.unexpected = next((c for c in checks if isinstance(c, UnexpectedColumns)), None)
        for check in checks:
            if isinstance(check, RequiredColumn | UnexpectedColumns):
                continue  # judged from the batch's column names in judge()
            loc = check.locator(reference)
            if isinstance(loc, ExprLocator):
                self.row_checks.append((check, loc))
            elif isinstance(check, TypeCheck):
                continue  # another kind than the reference's is a schema finding from the dtypes (no values read)
            elif loc is not None and isinstance(check, UniqueCheck | MonotonicCheck):
                self.other_checks.append((check, loc))
            else:
                self.stat_checks.append(check)

    @property
    def checks(self) -> int:
        """Return how many checks judge each batch (schema checks not counted)."""
        return len(self.row_checks) + len(self.stat_checks) + len(self.other_checks)

    def judge(self, df: pl.DataFrame) -> BatchVerdict:
        """Return the findings of one batch and the failing rows of the row-level ones."""
        out = BatchVerdict([])
        present = set(df.columns)
        broken: set[str] = set()
        for check in self.required:
            if check.columns[0] not in present:
                broken.add(check.columns[0])
                out.findings.append(Finding(check.code, check.severity, check.columns, check.title(None, {}),
                                            {"count": df.height}, detector="guard"))
        extra = self._unexpected(df.columns)
        if extra:
            ev = {"columns": extra}
            assert self.unexpected is not None
            out.findings.append(Finding(self.unexpected.code, self.unexpected.severity, tuple(extra),
                                        self.unexpected.title(None, ev), ev, detector="guard"))
        new = [c for c in df.columns if c not in self.kinds and c not in extra]
        if new:  # the contract allows extra columns: say so, and let the rules decide
            out.findings.append(Finding("schema.unexpected_column", "info", tuple(new),
                                        f"column(s) not in the reference: {', '.join(new)}", {"columns": new},
                                        detector="guard"))
        for c, dtype in df.schema.items():
            want = self.kinds.get(c)
            have = polars_kind(dtype)
            if want is not None and want != "null" and have not in COMPATIBLE_KINDS.get(want, {want, "null"}):
                broken.add(c)
                out.findings.append(Finding("schema.type_mismatch", "error", (c,),
                                            f"{c}: expected {want} values, found {have} ({dtype})",
                                            {"expected": want, "type": have, "physical_type": str(dtype)},
                                            detector="guard"))
        if df.height == 0:
            return out
        self._rows(df, broken, out)
        self._stats(df, broken, out)
        return out

    def _unexpected(self, columns: list[str]) -> list[str]:
        """Return the batch's columns the contract's UnexpectedColumns check refuses (its params)."""
        if self.unexpected is None:
            return []
        forbidden, allowed = set(self.unexpected.params["forbidden"]), self.unexpected.params["allowed"]
        return [c for c in columns if c in forbidden or (allowed is not None and c not in allowed)]

    def _rows(self, df: pl.DataFrame, broken: set[str], out: BatchVerdict) -> None:
        live = [(check, loc) for check, loc in self.row_checks if not broken.intersection(check.columns)
                and all(c in df.columns for c in check.columns)]
        masks: list[np.ndarray | None] = []
        if live:
            exprs = [loc.expr.fill_null(False).alias(f"m{i}") for i, (_, loc) in enumerate(live)]
            try:
                frame = df.select(exprs)
                masks = [frame.get_column(f"m{i}").to_numpy() for i in range(len(live))]
            except Exception:  # one bad expression must not hide the others
                masks = [_one_mask(df, loc.expr) for _, loc in live]
        for (check, _), mask in zip(live, masks, strict=True):
            if mask is None:
                out.unknown.append((check.name, "its expression could not be evaluated on this batch"))
                continue
            self._settle_rows(check, np.asarray(mask, dtype=bool), df.height, out)
        for check, loc in self.other_checks:
            if broken.intersection(check.columns) or not all(c in df.columns for c in check.columns):
                continue
            try:
                mask = np.asarray(loc.start().mask(df, 0), dtype=bool)
            except Exception as exc:
                out.unknown.append((check.name, f"could not be evaluated: {exc}"[:200]))
                continue
            self._settle_rows(check, mask, df.height, out)

    def _settle_rows(self, check: Check, mask: np.ndarray, n: int, out: BatchVerdict) -> None:
        count = int(mask.sum())
        if not count:
            return
        rows = np.flatnonzero(mask)
        evidence: dict[str, Any] = {"count": count, "share": count / n, **_describe(check.params)}
        out.masks[len(out.findings)] = mask
        out.findings.append(Finding(check.code, check.severity, check.columns, _title(check, count, evidence),
                                    evidence, rows=tuple(int(r) for r in rows[:MAX_ROWS]), detector=check.name))

    def _stats(self, df: pl.DataFrame, broken: set[str], out: BatchVerdict) -> None:
        live = [c for c in self.stat_checks if not broken.intersection(c.columns)
                and all(col in df.columns for col in c.columns)]
        if not live:
            return
        from tripwire.profiling import ProfileConfig, profile_batch

        columns = sorted({c for check in live for c in check.columns}) or df.columns[:1]
        prof = profile_batch(df.select(columns).to_arrow(), 0, ProfileConfig(sample_rows=0))
        for check in live:
            try:
                decision = check.decide(prof)
            except Exception as exc:  # a check that cannot read this batch is unknown
                decision = Decision(UNKNOWN, reason=f"{type(exc).__name__}: {exc}"[:200])
            if decision.status == UNKNOWN:
                out.unknown.append((check.name, decision.reason))
            elif decision.status == FAILED:
                ev = dict(decision.evidence)
                out.findings.append(Finding(check.code, check.severity, decision.columns or check.columns,
                                            _title(check, ev.get("count"), ev), _plain(ev), detector=check.name))
            else:
                assert decision.status == PASSED


def polars_kind(dtype: pl.DataType) -> str:
    """Return the profile's column kind of a Polars dtype (as `profiling.column.kind_of` says of Arrow's)."""
    if dtype == pl.Null:
        return "null"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_numeric():
        return "numeric"
    if dtype.is_temporal():
        return "temporal"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "string"
    return "binary" if dtype == pl.Binary else "nested"


def _one_mask(df: pl.DataFrame, expr: pl.Expr) -> np.ndarray | None:
    try:
        return df.select(expr.fill_null(False).alias("m")).to_series().to_numpy()
    except Exception:
        return None


def _describe(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the check's parameters a title reads (as plain values)."""
    out: dict[str, Any] = {}
    if "type" in params:
        out["expected"] = params["type"]
        out["type"] = "other values"
    return out


def _title(check: Check, count: int | None, evidence: Mapping[str, Any]) -> str:
    try:
        return check.title(count, evidence)
    except (KeyError, TypeError, ValueError):
        return f"{check.name}: {count or 0:,} rows fail"


def _plain(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Return evidence with times as text, so a decision record is plain JSON."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in evidence.items()}
