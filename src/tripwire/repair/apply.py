"""Apply repair rules to a Polars frame, vectorised, keeping an audit row per changed cell."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tripwire.detectors.data.encoding import MIXED_SCRIPT
from tripwire.extras import require
from tripwire.profiling.stats.text import CHAR_CLASSES
from tripwire.repair.rules import Rule, Skipped
from tripwire.vocabulary import hash_rows, later_occurrences

AUDIT_SCHEMA = {"row": pl.Int64, "column": pl.String, "before": pl.String, "after": pl.String,
                "code": pl.String, "rule": pl.String}
_DAMAGE = {"ftfy": f"(?:{CHAR_CLASSES['mojibake']})|(?:{MIXED_SCRIPT})", "html": CHAR_CLASSES["html_entity"],
           "control": CHAR_CLASSES["control"]}


@dataclass(frozen=True)
class Applied:
    """What one rule changed: cells, rows, and the concrete value mapping when it had one."""

    rule: Rule
    cells: int
    mapping: dict[str, Any] | None = None


@dataclass(frozen=True)
class Repaired:
    """The repaired frame, its audit (one row per changed cell), per-rule counts, and what was refused."""

    frame: pl.DataFrame
    audit: pl.DataFrame
    applied: tuple[Applied, ...]
    refused: tuple[Skipped, ...]


def _is_text(df: pl.DataFrame, col: str) -> bool:
    return df.schema[col] == pl.String


@dataclass(frozen=True)
class _Planned:
    """One cell rule as expressions over the column's current values (`source`)."""

    rule: Rule
    source: str
    after: pl.Expr
    changed: pl.Expr
    mapping: dict[str, str] | None = None


def _encoding_mapping(values: pl.Series, fixer: str) -> dict[str, str]:
    """Return {damaged: repaired} over the distinct damaged values (one fixer call per distinct value)."""
    distinct = values.drop_nulls().unique()
    damaged = distinct.filter(distinct.str.contains(_DAMAGE[fixer]))
    if fixer == "ftfy":
        fix = require("ftfy", "Repairing damaged text").fix_text
    elif fixer == "html":
        fix = html.unescape
    else:
        fix = require("ftfy.fixes", "Repairing damaged text").remove_control_chars
    out = {v: fix(v) for v in damaged.sort().to_list()}
    return {k: v for k, v in out.items() if k != v}


def _number_expr(x: pl.Expr, thousands: str, decimal: str) -> pl.Expr:
    text = x.str.strip_chars()
    if thousands:
        text = text.str.replace_all(thousands, "", literal=True)
    if decimal != ".":
        text = text.str.replace_all(decimal, ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def _plan(df: pl.DataFrame, rule: Rule, source: str, repaired: dict[str, str] | None,
          nulls: Sequence[str]) -> _Planned | Skipped:
    """Return one rule as expressions over `source`, the column's values after earlier rules.

    `repaired` is the text repair an earlier rule applies to this column, `nulls` the texts an
    earlier rule turns to null; what a rule must know of the data (damaged values, values that
    do not parse) is read from the column as it came.
    """
    col = rule.column
    assert col is not None
    if col not in df.columns:
        return Skipped(rule.code, col, "no such column in this data")
    if rule.name in ("category_variants", "encoding", "disguised_nulls", "numbers_as_text") and not _is_text(df, col):
        return Skipped(rule.code, col, f"the column is {df.schema[col]}, not text")
    x = pl.col(source)
    if rule.name == "category_variants":
        mapping = {str(k): str(v) for k, v in rule.params["mapping"].items()}
        # a variant the scan saw damaged ('Near â€“ North') reaches this rule already repaired
        mapping |= {repaired[k]: v for k, v in mapping.items() if repaired and k in repaired and repaired[k] != v}
        after = x.replace(mapping)
        return _Planned(rule, source, after, x.ne_missing(after), mapping)
    if rule.name == "encoding":
        mapping = _encoding_mapping(df.get_column(col), rule.params["fixer"])
        after = x.replace(mapping)
        return _Planned(rule, source, after, x.ne_missing(after), mapping)
    if rule.name == "disguised_nulls":
        after = pl.when(x.is_in(list(rule.params["values"]))).then(None).otherwise(x)
        return _Planned(rule, source, after, x.is_not_null() & after.is_null())
    if rule.name == "numbers_as_text":
        thousands, decimal = rule.params.get("thousands", ","), rule.params.get("decimal", ".")
        raw = pl.col(col)
        parsed = _number_expr(raw, thousands, decimal)
        bad = df.filter(raw.is_not_null() & (raw.str.strip_chars() != "") & ~raw.is_in(list(nulls))
                        & parsed.is_null())
        if bad.height:
            return Skipped(rule.code, col, f"{bad.height:,} values do not parse as numbers "
                           f"(e.g. {bad.get_column(col)[0]!r}): repair them first")
        after = pl.when(x.str.strip_chars() == "").then(None).otherwise(_number_expr(x, thousands, decimal))
        marks = f"[{thousands}{decimal}]" if decimal != "." else thousands or "\x00"
        return _Planned(rule, source, after, x.str.contains(marks, literal=False))
    if rule.name == "rescale":
        y = x.cast(pl.Float64)
        lo, hi = rule.params.get("min"), rule.params.get("max")
        inside = pl.lit(True)
        if lo is not None:
            inside = inside & (y >= lo)
        if hi is not None:
            inside = inside & (y < hi)
        after = pl.when(inside).then(y / rule.params["factor"]).otherwise(y)
        return _Planned(rule, source, after, y.ne_missing(after))
    return Skipped(rule.code, col, f"unknown rule {rule.name!r}")


def _row_text(columns: list[str]) -> pl.Expr:
    """Return a whole row as JSON text (the audit's 'before' of a dropped duplicate)."""
    return pl.struct(columns).struct.json_encode()


def apply_rules(frame: pl.DataFrame, rules: Sequence[Rule]) -> Repaired:
    """Apply the rules in order; return the repaired frame (row order kept) and its audit.

    Audit rows name the 0-based row of the input. Duplicate rows are judged on the input as
    it came (what the finding counted), after the cell repairs have been audited.
    """
    df = frame.with_row_index("__row")
    audits: list[pl.DataFrame] = []
    applied: list[Applied] = []
    refused: list[Skipped] = []
    dedupe = [r for r in rules if r.name == "exact_duplicates"]
    repeat = None
    if dedupe and frame.height:
        # the same row hashes the duplicates detector counted with, so counts agree
        mask = np.zeros(frame.height, dtype=bool)
        mask[later_occurrences(hash_rows(frame))] = True
        repeat = pl.Series(mask)
    # every cell rule becomes two columns (new values, change mask) of one lazy plan: the k-th
    # rules of all columns form stage k, so rules on different columns run in one pass
    current: dict[str, str] = {}
    repairs: dict[str, dict[str, str]] = {}
    nulls: dict[str, list[str]] = {}
    stages: list[list[tuple[int, _Planned]]] = []
    planned: list[tuple[int, _Planned]] = []
    for i, rule in enumerate(r for r in rules if r.name != "exact_duplicates"):
        col = rule.column or ""
        step = _plan(df, rule, current.get(col, col), repairs.get(col), nulls.get(col, []))
        if isinstance(step, Skipped):
            refused.append(step)
            continue
        if rule.name == "encoding" and step.mapping:
            repairs[col] = step.mapping
        if rule.name == "disguised_nulls":
            nulls[col] = [*nulls.get(col, []), *rule.params["values"]]
        depth = sum(1 for _, p in planned if p.rule.column == col)
        while len(stages) <= depth:
            stages.append([])
        stages[depth].append((i, step))
        planned.append((i, step))
        current[col] = f"__a{i}"
    if planned:
        lazy = df.lazy()
        for stage in stages:  # new values and masks share their repair (common subexpressions)
            lazy = lazy.with_columns([e for i, p in stage for e in (
                p.after.alias(f"__a{i}"), p.changed.fill_null(False).alias(f"__c{i}"))])
        df = lazy.collect()
    for i, p in planned:
        audit = df.select("__row", p.source, f"__a{i}", f"__c{i}").filter(pl.col(f"__c{i}")).select(
            pl.col("__row").cast(pl.Int64).alias("row"), pl.lit(p.rule.column).alias("column"),
            pl.col(p.source).cast(pl.String).alias("before"), pl.col(f"__a{i}").cast(pl.String).alias("after"),
            pl.lit(p.rule.code).alias("code"), pl.lit(p.rule.name).alias("rule"))
        audits.append(audit)
        applied.append(Applied(p.rule, audit.height, p.mapping))
    df = df.select("__row", *[pl.col(current.get(c, c)).alias(c) for c in frame.columns])
    if repeat is not None:
        gone = frame.with_row_index("__row").filter(repeat)
        audits.append(gone.select(pl.col("__row").cast(pl.Int64).alias("row"), pl.lit("*").alias("column"),
                                  _row_text(frame.columns).alias("before"), pl.lit(None, pl.String).alias("after"),
                                  pl.lit(dedupe[0].code).alias("code"), pl.lit(dedupe[0].name).alias("rule")))
        applied.append(Applied(dedupe[0], gone.height))
        df = df.filter(~repeat)
    audit = pl.concat(audits) if audits else pl.DataFrame(schema=AUDIT_SCHEMA)
    return Repaired(df.drop("__row"), audit.sort(["row", "column"], maintain_order=True), tuple(applied),
                    tuple(refused))
