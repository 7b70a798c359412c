"""Apply repair rules to a Polars frame, vectorised, keeping an audit row per changed cell.

Each cell rule is a registered unit (`REPAIRS`): given the column, it returns the new column
and the rows it changed, found once. The audit is cut from those rows alone (before: the old
column's cells there, after: the new one's), so no rule filters or copies the whole frame.
"""

from __future__ import annotations

import functools
import html
import operator
from collections.abc import Callable, Sequence
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


@dataclass(frozen=True)
class Change:
    """One cell rule's result on a column: the whole new column and the positions it changed (ascending)."""

    column: pl.Series
    rows: pl.Series
    mapping: dict[str, Any] | None = None


#: a cell rule: (column, rule, the text repair already applied to this column) -> its change,
#: or the reason it cannot be applied
Repair = Callable[[pl.Series, Rule, "dict[str, str] | None"], "Change | str"]
#: rule name -> (applies to text columns only, the repair)
REPAIRS: dict[str, tuple[bool, Repair]] = {}


def repair(name: str, *, text: bool) -> Callable[[Repair], Repair]:
    """Register a cell rule under `name`; `text` rules refuse columns that are not text."""
    def register(fn: Repair) -> Repair:
        REPAIRS[name] = (text, fn)
        return fn
    return register


#: up to this many values, a column is compared with each (a few vectorised equalities beat hashing every cell)
_EQUALITIES = 16


def _rows(mask: pl.Series) -> pl.Series:
    return mask.fill_null(False).arg_true()


def _among(values: pl.Series, keys: Sequence[str]) -> pl.Series:
    """Return the mask of the cells equal to one of `keys` (null where the cell is null)."""
    if not keys or len(keys) > _EQUALITIES:
        return values.is_in(list(keys))
    return functools.reduce(operator.or_, (values == k for k in keys))


def _replaced(values: pl.Series, changes: dict[str, str], mapping: dict[str, Any] | None) -> Change:
    """Return `values` with each key of `changes` replaced by its value; only the matched cells are touched."""
    if not changes:
        return Change(values, _rows(pl.Series(values.name, [], pl.Boolean)), mapping)
    rows = _rows(_among(values, list(changes)))
    if not rows.len():
        return Change(values, rows, mapping)
    return Change(values.clone().scatter(rows, values.gather(rows).replace(changes)), rows, mapping)


@repair("category_variants", text=True)
def _category_variants(values: pl.Series, rule: Rule, repaired: dict[str, str] | None) -> Change | str:
    mapping = {str(k): str(v) for k, v in rule.params["mapping"].items()}
    # a variant the scan saw damaged ('Near â€“ North') reaches this rule already repaired
    mapping |= {repaired[k]: v for k, v in mapping.items() if repaired and k in repaired and repaired[k] != v}
    return _replaced(values, {k: v for k, v in mapping.items() if k != v}, mapping)


@repair("encoding", text=True)
def _encoding(values: pl.Series, rule: Rule, repaired: dict[str, str] | None) -> Change | str:
    mapping = _encoding_mapping(values, rule.params["fixer"])
    return _replaced(values, mapping, mapping)


@repair("disguised_nulls", text=True)
def _disguised_nulls(values: pl.Series, rule: Rule, repaired: dict[str, str] | None) -> Change | str:
    rows = _rows(_among(values, list(rule.params["values"])))
    return Change(values.clone().scatter(rows, None) if rows.len() else values, rows)


@repair("numbers_as_text", text=True)
def _numbers_as_text(values: pl.Series, rule: Rule, repaired: dict[str, str] | None) -> Change | str:
    thousands, decimal = rule.params.get("thousands", ","), rule.params.get("decimal", ".")
    x = pl.col(values.name)
    frame = values.to_frame()
    number = _number_expr(values.name, thousands, decimal)
    bad = frame.filter(x.is_not_null() & (x.str.strip_chars() != "") & number.is_null())
    if bad.height:
        return (f"{bad.height:,} values do not parse as numbers (e.g. {bad.to_series()[0]!r}): "
                "repair them first")
    changed = x.str.contains(f"[{thousands}{decimal}]" if decimal != "." else thousands or "\x00", literal=False)
    new, mask = frame.select(pl.when(x.str.strip_chars() == "").then(None).otherwise(number).alias("new"),
                             changed.alias("mask")).get_columns()
    return Change(new.alias(values.name), _rows(mask))


@repair("rescale", text=False)
def _rescale(values: pl.Series, rule: Rule, repaired: dict[str, str] | None) -> Change | str:
    y = pl.col(values.name).cast(pl.Float64)
    lo, hi = rule.params.get("min"), rule.params.get("max")
    inside = pl.lit(True)
    if lo is not None:
        inside = inside & (y >= lo)
    if hi is not None:
        inside = inside & (y < hi)
    after = pl.when(inside).then(y / rule.params["factor"]).otherwise(y)
    new, mask = values.to_frame().select(after.alias("new"), y.ne_missing(after).alias("mask")).get_columns()
    return Change(new.alias(values.name), _rows(mask))


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


def _one(df: pl.DataFrame, rule: Rule, repaired: dict[str, str] | None) -> Change | Skipped:
    """Apply one cell rule to its column of `df`, or say why not."""
    col = rule.column
    assert col is not None
    if col not in df.columns:
        return Skipped(rule.code, col, "no such column in this data")
    if rule.name not in REPAIRS:
        return Skipped(rule.code, col, f"unknown rule {rule.name!r}")
    text, fn = REPAIRS[rule.name]
    if text and df.schema[col] != pl.String:
        return Skipped(rule.code, col, f"the column is {df.schema[col]}, not text")
    out = fn(df.get_column(col), rule, repaired)
    return Skipped(rule.code, col, out) if isinstance(out, str) else out


def _audit(before: pl.Series, change: Change, rule: Rule) -> pl.DataFrame:
    """Return one audit row per changed cell: its position, the value before and after."""
    rows = change.rows
    return pl.DataFrame({"row": rows.cast(pl.Int64), "before": before.gather(rows).cast(pl.String),
                         "after": change.column.gather(rows).cast(pl.String)}).select(
        "row", pl.lit(rule.column, pl.String).alias("column"), "before", "after",
        pl.lit(rule.code, pl.String).alias("code"), pl.lit(rule.name, pl.String).alias("rule"))


def _row_text(columns: list[str]) -> pl.Expr:
    """Return a whole row as JSON text (the audit's 'before' of a dropped duplicate)."""
    return pl.struct(columns).struct.json_encode()


def apply_rules(frame: pl.DataFrame, rules: Sequence[Rule]) -> Repaired:
    """Apply the rules in order; return the repaired frame (row order kept) and its audit.

    Audit rows name the 0-based row of the input. Duplicate rows are judged on the input as
    it came (what the finding counted), after the cell repairs have been audited.
    """
    df = frame
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
        outcome = _one(df, rule, text_repairs.get(rule.column or ""))
        if isinstance(outcome, Skipped):
            refused.append(outcome)
            continue
        col = rule.column or ""
        audits.append(_audit(df.get_column(col), outcome, rule))  # cell rules keep the rows where they are
        df = df.with_columns(outcome.column.alias(col))
        if rule.name == "encoding" and outcome.mapping:
            text_repairs[col] = outcome.mapping
        applied.append(Applied(rule, outcome.rows.len(), outcome.mapping))
    if repeat is not None:
        gone = frame.with_row_index("__row").filter(repeat)
        audits.append(gone.select(pl.col("__row").cast(pl.Int64).alias("row"), pl.lit("*").alias("column"),
                                  _row_text(frame.columns).alias("before"), pl.lit(None, pl.String).alias("after"),
                                  pl.lit(dedupe[0].code).alias("code"), pl.lit(dedupe[0].name).alias("rule")))
        applied.append(Applied(dedupe[0], gone.height))
        df = df.filter(~repeat)
    audit = pl.concat(audits) if audits else pl.DataFrame(schema=AUDIT_SCHEMA)
    return Repaired(df, audit.sort(["row", "column"], maintain_order=True), tuple(applied), tuple(refused))
