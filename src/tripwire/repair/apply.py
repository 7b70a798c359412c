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


def _changed(df: pl.DataFrame, col: str, after: pl.Expr, changed: pl.Expr,
             rule: Rule) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the frame with `col` replaced by `after`, and the audit of the cells `changed` marks.

    The new values and the mask are computed once, in one pass over the column.
    """
    # lazily, so the repair shared by the new values and the mask is computed once (CSE)
    df = df.lazy().with_columns(after.alias("__after"), changed.fill_null(False).alias("__changed")).collect()
    # pick the three columns before filtering: filtering the whole frame would copy every column
    audit = df.select("__row", col, "__after", "__changed").filter(pl.col("__changed")).select(
        pl.col("__row").cast(pl.Int64).alias("row"), pl.lit(col).alias("column"),
        pl.col(col).cast(pl.String).alias("before"), pl.col("__after").cast(pl.String).alias("after"),
        pl.lit(rule.code).alias("code"), pl.lit(rule.name).alias("rule"))
    return df.with_columns(pl.col("__after").alias(col)).drop("__after", "__changed"), audit


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


def _number_expr(col: str, thousands: str, decimal: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    if thousands:
        text = text.str.replace_all(thousands, "", literal=True)
    if decimal != ".":
        text = text.str.replace_all(decimal, ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def _one(df: pl.DataFrame, rule: Rule,
         repaired: dict[str, str] | None = None) -> tuple[pl.DataFrame, pl.DataFrame | None, Applied | Skipped]:
    """Apply one rule; `repaired` is the text repair already applied to this column, if any."""
    col = rule.column
    assert col is not None
    if col not in df.columns:
        return df, None, Skipped(rule.code, col, "no such column in this data")
    x = pl.col(col)
    mapping = None
    if rule.name in ("category_variants", "encoding", "disguised_nulls", "numbers_as_text") and not _is_text(df, col):
        return df, None, Skipped(rule.code, col, f"the column is {df.schema[col]}, not text")
    if rule.name == "category_variants":
        mapping = {str(k): str(v) for k, v in rule.params["mapping"].items()}
        # a variant the scan saw damaged ('Near â€“ North') reaches this rule already repaired
        mapping |= {repaired[k]: v for k, v in mapping.items() if repaired and k in repaired and repaired[k] != v}
        after = x.replace(mapping)
    elif rule.name == "encoding":
        mapping = _encoding_mapping(df.get_column(col), rule.params["fixer"])
        after = x.replace(mapping)
    elif rule.name == "disguised_nulls":
        after = pl.when(x.is_in(list(rule.params["values"]))).then(None).otherwise(x)
    elif rule.name == "numbers_as_text":
        thousands, decimal = rule.params.get("thousands", ","), rule.params.get("decimal", ".")
        after = _number_expr(col, thousands, decimal)
        bad = df.select(col).filter(x.is_not_null() & (x.str.strip_chars() != "") & after.is_null())
        if bad.height:
            return df, None, Skipped(rule.code, col, f"{bad.height:,} values do not parse as numbers "
                                     f"(e.g. {bad.get_column(col)[0]!r}): repair them first")
        after = pl.when(x.str.strip_chars() == "").then(None).otherwise(after)
        changed = x.str.contains(f"[{thousands}{decimal}]" if decimal != "." else thousands or "\x00", literal=False)
        df, audit = _changed(df, col, after, changed, rule)
        return df, audit, Applied(rule, audit.height)
    elif rule.name == "rescale":
        y = x.cast(pl.Float64)
        lo, hi = rule.params.get("min"), rule.params.get("max")
        inside = pl.lit(True)
        if lo is not None:
            inside = inside & (y >= lo)
        if hi is not None:
            inside = inside & (y < hi)
        after = pl.when(inside).then(y / rule.params["factor"]).otherwise(y)
    else:
        return df, None, Skipped(rule.code, col, f"unknown rule {rule.name!r}")
    if rule.name in ("category_variants", "encoding"):
        changed = x.ne_missing(after)  # comparing two strings is cheaper than a second lookup
    elif rule.name == "disguised_nulls":
        changed = x.is_not_null() & after.is_null()
    else:
        changed = x.cast(pl.Float64).ne_missing(after)
    df, audit = _changed(df, col, after, changed, rule)
    return df, audit, Applied(rule, audit.height, mapping)


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
    text_repairs: dict[str, dict[str, str]] = {}
    for rule in rules:
        if rule.name == "exact_duplicates":
            continue
        df, audit, outcome = _one(df, rule, text_repairs.get(rule.column or ""))
        if isinstance(outcome, Applied) and rule.name == "encoding" and outcome.mapping:
            text_repairs[rule.column or ""] = outcome.mapping
        if audit is not None:
            audits.append(audit)
        (applied if isinstance(outcome, Applied) else refused).append(outcome)  # type: ignore[arg-type]
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
