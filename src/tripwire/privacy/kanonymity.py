"""k-anonymity and l-diversity over quasi-identifiers, and generalisations that reach a target k.

A table is k-anonymous when every combination of quasi-identifier values (an equivalence
class) holds at least k rows; l-diverse when every class holds at least l distinct values
of the sensitive column. Generalisation coarsens quasi-identifiers one step at a time
(numbers into wider bands, postal codes cut to shorter prefixes, dates to month, year,
decade; other values, last, suppressed), each step chosen greedily for the most rows
brought into classes of size k per unit of information lost.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import polars as pl

from tripwire.privacy.pii import POSTAL_HINT

#: column names that usually are quasi-identifiers (suggested when none are declared)
QUASI_HINT = re.compile(r"(^|_)(age|sex|gender|zip|zipcode|postal|postcode|birth|dob|race|ethnicity|"
                        r"marital|education|occupation|job|city|county|state|region|nationality)($|_)",
                        re.IGNORECASE)
BAND_WIDTHS = (5, 10, 20, 50, 100, 1000, 10_000)
SUPPRESSED = "*"
MAX_STEPS = 40
#: combinations of levels tried exhaustively (beyond, a greedy search)
MAX_LATTICE = 400
#: share of rows a generalisation may leave in small classes, to be suppressed
SUPPRESS_SHARE = 0.01


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
    code = _as_code(s)
    if s.dtype == pl.Date or isinstance(s.dtype, pl.Datetime):
        d = s.cast(pl.Date)
        out.append(("month", d.dt.truncate("1mo").cast(pl.String)))
        out.append(("year", d.dt.year().cast(pl.String)))
        out.append(("5 years", ((d.dt.year() // 5) * 5).cast(pl.String) + "-4"))
        out.append(("decade", ((d.dt.year() // 10) * 10).cast(pl.String) + "s"))
    elif code is not None:  # postal codes and other codes: keep a shorter prefix
        width = int(code.str.len_chars().max() or 0)
        for keep in range(width - 1, 0, -1):
            out.append((f"first {keep} characters", code.str.slice(0, keep) + "*" * (width - keep)))
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
    out.append(("suppressed", pl.Series([SUPPRESSED] * s.len(), dtype=pl.String)))
    return out


def _as_code(s: pl.Series) -> pl.Series | None:
    """Return a code column as text (numbers named like postal codes zero-padded), else None."""
    if s.dtype.is_integer() and POSTAL_HINT.search(s.name or ""):
        text = s.cast(pl.String)
        return text.str.zfill(int(text.str.len_chars().max() or 0))
    if s.dtype != pl.String:
        return None
    # upper-case letters and digits of a few characters (10001, SW1A 1AA), not words such as "basic"
    known = s.drop_nulls()
    if known.len() and known.str.contains(r"^[0-9A-Z][0-9A-Z -]{2,9}$").all():
        return s
    return None


def _entropy(s: pl.Series) -> float:
    p = s.value_counts().get_column("count").cast(pl.Float64)
    p = p / p.sum()
    return float(-(p * p.log(2)).sum())


def search(frame: pl.DataFrame, quasi: list[str], k: int) -> tuple[dict[str, str], dict[str, float], int, int]:
    """Find the generalisation that reaches `k` losing the least information.

    Every combination of levels is tried when there are at most MAX_LATTICE of them (the
    full lattice, as Samarati's method); beyond that, one column is coarsened at a time,
    each step the one that brings most rows into classes of `k` per information lost.
    A solution may leave up to SUPPRESS_SHARE of the rows in small classes (to be
    suppressed). Information lost per column is the share of its entropy lost; the total
    is their sum. Returns the step per column, the information lost per column, the k
    reached once the rows left in small classes are suppressed, and those rows' number.
    """
    ladders = {c: _ladder(frame.get_column(c)) for c in quasi}
    base = {c: _entropy(frame.get_column(c)) for c in quasi}
    losses = {c: [_loss(base[c], s) for _, s in ladders[c]] for c in quasi}
    budget = int(SUPPRESS_SHARE * frame.height)

    def evaluate(levels: dict[str, int]) -> tuple[int, int]:
        cur = frame.select([ladders[c][levels[c]][1].alias(c) if levels[c] >= 0
                            else pl.col(c).cast(pl.String) for c in quasi])
        sizes = cur.group_by(quasi).agg(pl.len().alias("n")).get_column("n")
        # k once the rows of the small classes are suppressed
        return int(sizes.filter(sizes < k).sum()), int(sizes.filter(sizes >= k).min() or 0)

    def loss(levels: dict[str, int]) -> float:
        return sum(losses[c][lv] for c, lv in levels.items() if lv >= 0)

    sizes = [len(ladders[c]) + 1 for c in quasi]
    if math.prod(sizes) <= MAX_LATTICE:
        best = None
        for combo in itertools.product(*(range(-1, n - 1) for n in sizes)):
            levels = dict(zip(quasi, combo, strict=True))
            cost = loss(levels)
            if best is not None and cost > best[0][0]:
                continue  # cannot beat the best found (ties are judged by rows left)
            left, reached = evaluate(levels)
            if left <= budget:
                key = (round(cost, 9), left)
                if best is None or key < best[0]:
                    best = (key, levels, left, reached)
        if best is None:  # suppressing every quasi-identifier always reaches k
            levels = {c: len(ladders[c]) - 1 for c in quasi}
            left, reached = evaluate(levels)
        else:
            _, levels, left, reached = best
    else:
        levels = dict.fromkeys(quasi, -1)
        left, reached = evaluate(levels)
        for _ in range(MAX_STEPS):
            if left <= budget:
                break
            options = []
            for c in quasi:
                if levels[c] + 1 < len(ladders[c]):
                    trial = {**levels, c: levels[c] + 1}
                    new_left, new_k = evaluate(trial)
                    step_cost = loss(trial) - loss(levels)
                    options.append(((left - new_left) / (step_cost + 0.05), -step_cost, c, trial, new_left, new_k))
            if not options:
                break
            _, _, _, levels, left, reached = max(options, key=lambda o: (o[0], o[1], o[2]))
    steps = {c: ladders[c][lv][0] for c, lv in levels.items() if lv >= 0}
    lost = {c: round(losses[c][levels[c]], 4) for c in steps}
    return steps, lost, reached, left


def _loss(base: float, generalised: pl.Series) -> float:
    return max(0.0, 1 - _entropy(generalised) / base) if base else 0.0
