"""data.sampling_bias: a batch's groups in other shares than the population it should represent.

The population is a census table of known shares, per column (`--population census.yaml`):

    population:
      gender: {f: 0.51, m: 0.49}
      region: {north: 0.3, south: 0.5}     # shares may sum to less than 1: the rest is "other"

Per column: a chi-square goodness-of-fit test of the batch's counts against the shares
(p-values adjusted by Holm across the columns), the effect size per value (Cohen's h,
2·asin√p − 2·asin√q) and for the column (total variation distance, Cohen's w). Over all
census columns together: the raking weights (iterative proportional fitting of the batch's
joint counts to every census margin) that would make the batch represent the population,
summarised in the evidence and, with `weights_out`, written per row.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tripwire.detectors.common import pct
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.errors import InputError
from tripwire.report import Finding

#: family-wise error rate across the census columns (Holm)
ALPHA = 0.01
#: Cohen's h of the most mis-represented value: warning from "small", error from "large"
H_WARNING, H_ERROR = 0.2, 0.8
#: columns with fewer rows than this are not judged (the test has too little power)
MIN_ROWS = 30
#: the name under which values absent from a census table are counted
OTHER = "(other)"
#: raking stops when every margin is within this relative error, or after MAX_ITERATIONS
TOLERANCE, MAX_ITERATIONS = 1e-9, 1000
HINT = "see docs/scan.md#sampling-bias"


def value_text(value: Any) -> str:
    """Return a census key or data value as the text both are matched by."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_population(value: Any, source: str = "population") -> dict[str, dict[str, float]]:
    """Return a validated census table {column: {value: share}} from a path, a YAML text's data or a dict.

    A file holds `population: {column: {value: share}}` (the bare column mapping is accepted
    too). Shares are numbers in (0, 1] summing to at most 1 per column; a smaller sum leaves
    the rest to values the table does not list.
    """
    from tripwire.yamlfile import line_of, read_yaml

    if isinstance(value, (str, Path)):
        source = str(value)
        value = read_yaml(value, "population file")
    if isinstance(value, dict) and isinstance(value.get("population"), dict):
        outer, value = value, value["population"]
        if set(outer) != {"population"}:
            extra = sorted(map(str, set(outer) - {"population"}))[0]
            raise InputError(f"unknown key {extra!r}; a population file holds only `population:`",
                             path=source, line=line_of(outer, extra), hint=HINT)
    if not isinstance(value, dict) or not value:
        raise InputError("expected `population:` mapping columns to {value: share}", path=source, hint=HINT)
    table: dict[str, dict[str, float]] = {}
    for column, shares in value.items():
        key = f"population.{column}"
        if not isinstance(shares, dict) or not shares:
            raise InputError(f"{key}: expected a mapping of values to shares, got {type(shares).__name__}",
                             path=source, line=line_of(value, column), hint=HINT)
        clean: dict[str, float] = {}
        for v, share in shares.items():
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1 \
                    or math.isnan(share):
                raise InputError(f"{key}.{v}: expected a share in (0, 1], got {share!r}", path=source,
                                 line=line_of(shares, v), hint=HINT)
            text = value_text(v)
            if text in clean:
                raise InputError(f"{key}: the value {text!r} is listed twice", path=source,
                                 line=line_of(shares, v), hint=HINT)
            clean[text] = float(share)
        total = sum(clean.values())
        if total > 1 + 1e-6:
            raise InputError(f"{key}: shares sum to {total:.4g}, more than 1; give shares of the population "
                             "(the rest, if any, is other values)", path=source, line=line_of(value, column),
                             hint=HINT)
        table[str(column)] = clean
    return table


@register
class SamplingBias(Detector):
    """Report groups over- or under-represented against known population shares."""

    name, family = "sampling_bias", "data"
    codes = ("data.sampling_bias",)
    requires = frozenset({"profile", "population"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        census, columns = self._census(ctx)
        for c in census:
            if c not in columns:
                yield self.finding("data.sampling_bias", "info", c,
                                   f"{c}: in the census table but not a column of categories in the data; not compared",
                                   {"reason": "absent" if c not in ctx.profile else f"{ctx.profile[c].kind} column"})
        if ctx.source is None and columns:  # a saved profile: no rows to count jointly or weight
            yield from self._from_profile(ctx, census, columns)

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Count the rows per combination of census values in the shared row pass; test and rake at the end."""
        census, columns = self._census(ctx)
        if not columns:
            return None
        return _CensusCounts(self, {c: census[c] for c in columns}, ctx.options.get("weights_out"))

    @staticmethod
    def _census(ctx: ScanContext) -> tuple[dict[str, dict[str, float]], list[str]]:
        census = load_population(ctx.options["population"])
        prof = ctx.profile
        columns = [c for c in census if c in prof and prof[c].kind in ("string", "numeric", "boolean", "temporal")]
        return census, columns

    def _from_profile(self, ctx: ScanContext, census: dict, columns: list[str]) -> Iterator[Finding]:
        """Judge each column from the profile's exact value counts (no rows: no raking weights)."""
        tests = []
        for c in columns:
            freq = ctx.profile[c].frequent
            if not freq.exact:
                yield self.finding("data.sampling_bias", "info", c,
                                   f"{c}: too many distinct values to count exactly from a profile; not compared",
                                   {"reason": "inexact counts"})
                continue
            counts: dict[str, int] = {}
            for v, n in freq.counts.items():
                if v is not None:
                    counts[value_text(v)] = counts.get(value_text(v), 0) + int(n)
            tests.append(_test(c, census[c], counts))
        yield from self.judged(tests, {"skipped": "raking needs the rows, not a saved profile"})

    def judged(self, tests: list[dict | None], raking: dict[str, Any]) -> Iterator[Finding]:
        """Return a finding per column whose shares differ significantly (Holm) from the census."""
        judged = [t for t in tests if t is not None]
        for t, adjusted in zip(judged, holm([t["p_value"] for t in judged]), strict=True):
            t["p_adjusted"] = adjusted
            if adjusted >= ALPHA:
                continue
            worst = max(t["categories"].items(), key=lambda kv: abs(kv[1]["cohens_h"]))
            h = abs(worst[1]["cohens_h"])
            severity = "error" if h >= H_ERROR else "warning" if h >= H_WARNING else "info"
            yield self.finding("data.sampling_bias", severity, t["column"], _title(t), {**t, "raking": raking})


class _CensusCounts:
    """Counts rows per combination of census values batch by batch (and, for --weights-out,
    keeps an 8-byte hash of each row's combination to give every row its cell's weight)."""

    #: merge the per-batch counts once this many have piled up
    COMPACT = 64

    def __init__(self, detector: SamplingBias, census: dict[str, dict[str, float]], weights_out: Any) -> None:
        self.detector, self.census, self.columns = detector, census, list(census)
        self.weights_out = weights_out
        self.parts: list[pl.DataFrame] = []
        self.row_keys: list[tuple[int, np.ndarray]] = []

    def update(self, df: pl.DataFrame, offset: int) -> None:
        keys = df.select([_as_text(c) for c in self.columns])
        self.parts.append(keys.group_by(self.columns).len("count").with_columns(pl.col("count").cast(pl.Int64)))
        if len(self.parts) >= self.COMPACT:
            self.parts = [_combine(self.parts, self.columns)]
        if self.weights_out:
            self.row_keys.append((offset, _cell_hash(keys, self.columns)))

    def finish(self) -> Iterator[Finding]:
        cells = _combine(self.parts, self.columns)
        tests = [_test(c, self.census[c], _margin(cells, c)) for c in self.columns]
        raking = rake(cells, self.census)
        weighted = raking.pop("cells")
        if self.weights_out:
            raking["written_to"] = str(write_weights(self.row_keys, self.columns, weighted, self.weights_out))
        yield from self.detector.judged(tests, raking)


def _combine(parts: list[pl.DataFrame], columns: list[str]) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame(schema={**dict.fromkeys(columns, pl.String), "count": pl.Int64})
    return pl.concat(parts).group_by(columns).agg(pl.col("count").sum()).sort(columns, nulls_last=True)


def _cell_hash(keys: pl.DataFrame, columns: list[str]) -> np.ndarray:
    return keys.select(pl.struct(columns).hash(seed=11)).to_series().to_numpy()


def _as_text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String, strict=False).alias(column)


def _margin(cells: pl.DataFrame, column: str) -> dict[str, int]:
    counts = cells.group_by(column).agg(pl.col("count").sum()).drop_nulls(column)
    return dict(zip(counts[column].to_list(), counts["count"].to_list(), strict=True))


def _test(column: str, shares: dict[str, float], counts: dict[str, int]) -> dict[str, Any] | None:
    """Return the goodness-of-fit test and effect sizes of one column, or None with too few rows."""
    from scipy import stats

    remainder = max(0.0, 1.0 - sum(shares.values()))
    listed = {v: counts.get(v, 0) for v in shares}
    unlisted = {v: n for v, n in counts.items() if v not in shares}
    categories = dict(shares)
    observed = dict(listed)
    if remainder > 1e-9:
        categories[OTHER] = remainder
        observed[OTHER] = sum(unlisted.values())
    n = sum(observed.values())
    if n < MIN_ROWS:
        return None
    total = sum(categories.values())
    expected = np.array([categories[v] / total * n for v in categories])
    obs = np.array([observed[v] for v in categories], dtype=float)
    chi2, p_value = stats.chisquare(obs, expected)
    per_value = {}
    for v, share in categories.items():
        q, p = share / total, observed[v] / n
        per_value[v] = {"count": observed[v], "share": p, "population_share": q,
                        "cohens_h": 2 * math.asin(math.sqrt(p)) - 2 * math.asin(math.sqrt(q))}
    out = {"column": column, "rows": n, "categories": per_value,
           "tvd": 0.5 * sum(abs(d["share"] - d["population_share"]) for d in per_value.values()),
           "cohens_w": math.sqrt(chi2 / n), "chi2": float(chi2), "df": len(categories) - 1,
           "p_value": float(p_value)}
    if unlisted and remainder <= 1e-9:
        top = sorted(unlisted.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        out["unlisted"] = {"rows": sum(unlisted.values()), "values": dict(top)}
    return out


def holm(p_values: list[float]) -> list[float]:
    """Return Holm-adjusted p-values (family-wise error control), in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def rake(cells: pl.DataFrame, census: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """Return raking weights: each cell's weight so the weighted batch has the census margins.

    Iterative proportional fitting (Deming and Stephan, 1940) on the joint counts: rows with a
    missing value in a census column, or a value the census lists no share for (when its
    shares sum to 1), cannot be placed and get no weight. Values listed but absent from the
    batch cannot be represented: the other values' targets are rescaled and they are named.
    Weights are scaled to average 1 over the weighted rows.
    """
    columns = list(census)
    keys = cells.select(columns)
    counts = cells["count"].to_numpy().astype(float)
    usable = np.ones(len(cells), dtype=bool)
    codes: dict[str, np.ndarray] = {}
    targets: dict[str, np.ndarray] = {}
    labels_of: dict[str, list[str]] = {}
    absent: dict[str, list[str]] = {}
    for c in columns:
        shares = dict(census[c])
        remainder = max(0.0, 1.0 - sum(shares.values()))
        values = keys[c].to_list()
        labels = [*shares, *([OTHER] if remainder > 1e-9 else [])]
        labels_of[c] = labels
        index = {v: i for i, v in enumerate(labels)}
        code = np.array([index.get(v, index.get(OTHER, -1)) if v is not None else -1 for v in values], dtype=np.int64)
        usable &= code >= 0
        codes[c] = code
        targets[c] = np.array([shares.get(v, remainder) for v in labels])
    n = counts[usable].sum()
    weights = counts.copy()
    weights[~usable] = 0.0
    for c in columns:
        present = np.bincount(codes[c][usable], weights=counts[usable], minlength=len(targets[c])) > 0
        absent[c] = [label for label, ok in zip(labels_of[c], present, strict=True) if not ok]
        t = np.where(present, targets[c], 0.0)
        targets[c] = t / t.sum() * n if t.sum() > 0 else t
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007 - the count is reported
        worst = 0.0
        for c in columns:
            current = np.bincount(codes[c][usable], weights=weights[usable], minlength=len(targets[c]))
            ratio = np.divide(targets[c], current, out=np.ones_like(current), where=current > 0)
            worst = max(worst, float(np.max(np.abs(current[current > 0] / targets[c][current > 0] - 1),
                                            initial=0.0)))
            weights[usable] *= ratio[codes[c][usable]]
        if worst < TOLERANCE:
            break
    # the targets total the weighted rows, so the weights already average 1 per row
    per_row = np.divide(weights, counts, out=np.zeros_like(weights), where=usable & (counts > 0))
    w = np.repeat(per_row[usable], counts[usable].astype(np.int64)) if usable.any() else np.zeros(0)
    deff = float(len(w) * np.sum(w**2) / np.sum(w) ** 2) if w.size and np.sum(w) > 0 else 1.0
    summary: dict[str, Any] = {
        "columns": columns, "rows_weighted": int(n), "rows_not_weighted": int(counts[~usable].sum()),
        "iterations": iterations, "converged": iterations < MAX_ITERATIONS,
        "min_weight": float(w.min()) if w.size else None, "max_weight": float(w.max()) if w.size else None,
        "design_effect": deff, "effective_rows": float(n / deff) if deff else 0.0,
        "cells": keys.with_columns(pl.Series("weight", per_row)).filter(pl.Series(usable)),
    }
    if len(columns) == 1:
        cell = summary["cells"]
        summary["weight_by_value"] = dict(zip(cell[columns[0]].to_list(), cell["weight"].to_list(), strict=True))
    if any(absent.values()):
        summary["absent_values"] = {c: v for c, v in absent.items() if v}
    return summary


def write_weights(row_keys: list[tuple[int, np.ndarray]], columns: list[str], cells: pl.DataFrame,
                  path: str | Path) -> Path:
    """Write each row's raking weight (`row`, `weight`; null when it cannot be weighted) as CSV or Parquet."""
    path = Path(path)
    cell_hashes = _cell_hash(cells.select(columns), columns)
    order = np.argsort(cell_hashes)
    sorted_hashes, sorted_weights = cell_hashes[order], cells["weight"].to_numpy()[order]
    frames = []
    for offset, hashes in row_keys:
        at = np.clip(np.searchsorted(sorted_hashes, hashes), 0, max(len(sorted_hashes) - 1, 0))
        found = (sorted_hashes[at] == hashes) if len(sorted_hashes) else np.zeros(len(hashes), bool)
        weight = np.where(found, sorted_weights[at] if len(sorted_hashes) else 0.0, np.nan)
        frames.append(pl.DataFrame({"row": np.arange(offset, offset + len(hashes), dtype=np.int64),
                                    "weight": weight}).with_columns(pl.col("weight").fill_nan(None)))
    out = pl.concat(frames) if frames else pl.DataFrame(schema={"row": pl.Int64, "weight": pl.Float64})
    try:
        if path.suffix.lower() == ".csv":
            out.write_csv(path)
        else:
            out.write_parquet(path)
    except OSError as exc:
        raise InputError(f"cannot write the weights ({exc.strerror or exc})", path=str(path)) from None
    return path


def _title(t: dict[str, Any]) -> str:
    cats = t["categories"]
    over = max(cats.items(), key=lambda kv: kv[1]["cohens_h"])
    under = min(cats.items(), key=lambda kv: kv[1]["cohens_h"])
    text = (f"{t['column']}: {over[0]} over-represented ({pct(over[1]['share'])} of {t['rows']:,} rows vs "
            f"{pct(over[1]['population_share'])} in the population)")
    if under[1]["cohens_h"] < 0:
        text += f", {under[0]} under-represented ({pct(under[1]['share'])} vs {pct(under[1]['population_share'])})"
    return text + f"; Cohen's h {over[1]['cohens_h']:.2f}"
