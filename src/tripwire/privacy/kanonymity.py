"""k-anonymity and l-diversity over quasi-identifiers, and generalisations that reach a target k.

A table is k-anonymous when every combination of quasi-identifier values (an equivalence
class) holds at least k rows; l-diverse when every class holds at least l distinct values
of the sensitive column. Generalisation coarsens quasi-identifiers one step at a time
(numbers into wider bands, postal codes cut to shorter prefixes, dates to month, year,
decade; other values, last, suppressed), each step chosen greedily for the most rows
brought into classes of size k per unit of information lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

#: column names that usually are quasi-identifiers (suggested when none are declared)
QUASI_HINT = re.compile(r"(^|_)(age|sex|gender|zip|zipcode|postal|postcode|birth|dob|race|ethnicity|"
                        r"marital|education|occupation|job|city|county|state|region|nationality)($|_)",
                        re.IGNORECASE)
BAND_WIDTHS = (5, 10, 20, 50, 100, 1000, 10_000)
SUPPRESSED = "*"
MAX_STEPS = 40


@dataclass(frozen=True)
class KAnonymity:
    """k (and l) of a table over its quasi-identifiers, and how to reach the target."""

    quasi: tuple[str, ...]
    k: int
    classes: int
    rows: int
    rows_below: int
    below_rows: tuple[int, ...]
    target: int
    l_div: int | None = None
    sensitive: str | None = None
    generalisation: dict[str, str] = field(default_factory=dict)
    information_lost: dict[str, float] = field(default_factory=dict)
    reached_k: int | None = None
    rows_below_after: int | None = None


def suggest_quasi(frame: pl.DataFrame) -> list[str]:
    """Return the columns whose names say they are common quasi-identifiers."""
    return [c for c in frame.columns if QUASI_HINT.search(c)]


def class_sizes(frame: pl.DataFrame, quasi: list[str], sensitive: str | None = None) -> pl.DataFrame:
    """Return one row per equivalence class: its size `n` (and `l`, distinct sensitive values)."""
    aggs = [pl.len().alias("n")]
    if sensitive:
        aggs.append(pl.col(sensitive).n_unique().alias("l"))
    return frame.group_by(quasi).agg(aggs)


def measure(frame: pl.DataFrame, quasi: list[str], *, k: int = 5, sensitive: str | None = None,
            generalise: bool = True) -> KAnonymity:
    """Return k, l, the rows in classes below `k`, and generalisations that reach it."""
    sizes = class_sizes(frame, quasi, sensitive)
    indexed = frame.select(quasi).with_row_index("__row__").join(
        sizes.select([*quasi, "n"]), on=quasi, how="left", nulls_equal=True)
    below = indexed.filter(pl.col("n") < k).get_column("__row__").sort()
    out = KAnonymity(
        quasi=tuple(quasi), k=int(sizes.get_column("n").min() or 0), classes=sizes.height, rows=frame.height,
        rows_below=below.len(), below_rows=tuple(int(r) for r in below.head(100)), target=k,
        l_div=int(sizes.get_column("l").min() or 0) if sensitive else None, sensitive=sensitive)
    if not generalise or out.k >= k:
        return out
    steps, lost, reached, left = search(frame, quasi, k)
    return KAnonymity(**{**out.__dict__, "generalisation": steps, "information_lost": lost,
                         "reached_k": reached, "rows_below_after": left})


def _ladder(s: pl.Series) -> list[tuple[str, pl.Series]]:
    """Return the coarser versions of a column, mildest first, each with its description."""
    out: list[tuple[str, pl.Series]] = []
    if s.dtype in (pl.Date,) or isinstance(s.dtype, pl.Datetime):
        d = s.cast(pl.Date)
        out.append(("month", d.dt.truncate("1mo").cast(pl.String)))
        out.append(("year", d.dt.year().cast(pl.String)))
        out.append(("decade", ((d.dt.year() // 10) * 10).cast(pl.String) + "s"))
    elif s.dtype.is_numeric():
        x = s.cast(pl.Float64)
        spread = (x.max() or 0) - (x.min() or 0)  # type: ignore[operator]
        for w in BAND_WIDTHS:
            if w >= spread * 2 and out:
                break
            lo = (x // w) * w
            band = pl.DataFrame({"lo": lo.cast(pl.Int64)}).select(
                pl.format("{}-{}", pl.col("lo"), pl.col("lo") + w - 1)).to_series()
            out.append((f"bands of {w}", band))
    else:
        t = s.cast(pl.String)
        if t.drop_nulls().str.contains(r"^[0-9A-Za-z]{3,10}$").all():
            width = int(t.str.len_chars().max() or 0)
            for keep in range(width - 1, 0, -1):
                out.append((f"first {keep} characters", t.str.slice(0, keep) + "*" * (width - keep)))
    out.append(("suppressed", pl.Series([SUPPRESSED] * s.len(), dtype=pl.String)))
    return out


def _entropy(s: pl.Series) -> float:
    p = s.value_counts().get_column("count").cast(pl.Float64)
    p = p / p.sum()
    return float(-(p * p.log(2)).sum())


def search(frame: pl.DataFrame, quasi: list[str], k: int) -> tuple[dict[str, str], dict[str, float], int, int]:
    """Greedily coarsen quasi-identifiers until every class has `k` rows (or nothing is left).

    Returns the step per column, the share of each column's entropy lost, the k reached
    and the rows still in classes below `k`.
    """
    ladders = {c: _ladder(frame.get_column(c)) for c in quasi}
    base = {c: _entropy(frame.get_column(c)) for c in quasi}
    level = dict.fromkeys(quasi, -1)
    current = frame.select(quasi).with_columns(pl.col(c).cast(pl.String) for c in quasi)

    def below(cur: pl.DataFrame) -> tuple[int, int]:
        sizes = cur.group_by(quasi).agg(pl.len().alias("n")).get_column("n")
        return int(sizes.filter(sizes < k).sum()), int(sizes.min() or 0)

    left, reached = below(current)
    for _ in range(MAX_STEPS):
        if left == 0:
            break
        best = None
        for c in quasi:
            if level[c] + 1 >= len(ladders[c]):
                continue
            cand = current.with_columns(ladders[c][level[c] + 1][1].alias(c))
            new_left, new_k = below(cand)
            cost = base[c] - _entropy(cand.get_column(c)) if base[c] else 0.0
            # smoothed: a free step is not infinitely better than a cheap one that does more
            gain = (left - new_left) / (cost + 0.25)
            key = (gain, -level[c], c)
            if best is None or key > best[0]:
                best = (key, c, cand, new_left, new_k)
        if best is None:
            break
        _, c, current, left, reached = best
        level[c] += 1
    steps = {c: ladders[c][level[c]][0] for c in quasi if level[c] >= 0}
    lost = {c: round(1 - _entropy(current.get_column(c)) / base[c], 4) if base[c] else 0.0
            for c in steps}
    return steps, lost, reached, left
