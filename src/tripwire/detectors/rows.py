"""Find the rows behind findings: one extra pass over the input for all findings at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from tripwire.report.finding import Finding

if TYPE_CHECKING:
    from tripwire.io.source import Source

#: row indices kept per finding in evidence.all_rows
MAX_ALL_ROWS = 100_000


def locate_rows(findings: Sequence[Finding], source: Source | None) -> list[Finding]:
    """Fill `rows` of every finding that carries a `locate` expression, in one pass."""
    pending = [i for i, f in enumerate(findings) if f.locate is not None]
    if not pending or source is None:
        return [f if f.locate is None else f.with_rows(list(f.rows)) for f in findings]
    found: dict[int, list[int]] = {i: [] for i in pending}
    totals: dict[int, int] = dict.fromkeys(pending, 0)
    offset = 0
    for batch in source.batches():
        df = pl.from_arrow(batch)
        assert isinstance(df, pl.DataFrame)
        exprs = [findings[i].locate.alias(f"_{i}") for i in pending]
        try:
            masks = df.select(exprs)
        except pl.exceptions.PolarsError:
            masks = _one_by_one(df, findings, pending)
        for i in pending:
            name = f"_{i}"
            if name not in masks.columns:
                continue
            hits = masks[name].fill_null(False).arg_true()
            totals[i] += len(hits)
            room = MAX_ALL_ROWS - len(found[i])
            if room > 0:
                found[i].extend((hits.head(room) + offset).to_list())
        offset += batch.num_rows
    out = list(findings)
    for i in pending:
        out[i] = findings[i].with_rows(found[i], totals[i])
    return out


def _one_by_one(df: pl.DataFrame, findings: Sequence[Finding], pending: list[int]) -> pl.DataFrame:
    """Evaluate expressions separately so one bad expression does not hide the others' rows."""
    cols = {}
    for i in pending:
        try:
            cols[f"_{i}"] = df.select(findings[i].locate).to_series()
        except pl.exceptions.PolarsError:
            continue
    return pl.DataFrame(cols) if cols else pl.DataFrame()
