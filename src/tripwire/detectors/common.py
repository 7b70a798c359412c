"""Small helpers the detectors share: column kinds, shares in words, significance, rows."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

# re-exported: detectors import the shared vocabulary from here
from tripwire.report.format import pct as pct
from tripwire.vocabulary import DISGUISED_NULLS as DISGUISED_NULLS
from tripwire.vocabulary import disguised_null as disguised_null
from tripwire.vocabulary import missing_expr as missing_expr

if TYPE_CHECKING:
    from tripwire.profiling import ColumnProfile


def real_values(col: ColumnProfile) -> int:
    """Return non-null values that are not disguised nulls."""
    return col.non_null - (col.text.disguised_nulls if col.text else 0)


def is_numeric(col: ColumnProfile) -> bool:
    """Tell whether a column holds numbers (natively, or as text that all parses as numbers)."""
    return col.inferred_type in ("int", "float") and col.numbers.n > 0


def is_categorical(col: ColumnProfile, max_distinct: int = 1000) -> bool:
    """Tell whether a column is text with a small vocabulary (every value counted exactly)."""
    return (col.kind == "string" and col.inferred_type == "string" and col.frequent.exact
            and 0 < len(col.frequent.counts) <= max_distinct)


def is_free_text(col: ColumnProfile) -> bool:
    """Tell whether a column holds sentences rather than codes (long values with spaces)."""
    if col.kind != "string" or col.text is None or col.text.lengths.n == 0:
        return False
    kept = col.text.patterns.counts
    if not kept:  # every value has its own pattern: sentences
        return col.text.lengths.mean >= 25
    spaced = sum(n for p, n in kept.items() if " " in str(p))
    return col.text.lengths.mean >= 25 and spaced >= 0.5 * sum(kept.values())



def proportion_z(x_cur: float, n_cur: int, x_ref: float, n_ref: int) -> float:
    """Return the two-proportion z statistic of x_cur/n_cur against x_ref/n_ref (pooled standard error).

    A share of 0 or 1 on both sides gives 0, not a division by zero.
    """
    pooled = (x_cur + x_ref) / (n_cur + n_ref)
    se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / n_cur + 1 / n_ref))
    return (x_cur / n_cur - x_ref / n_ref) / se


def rose_significantly(x_cur: int, n_cur: int, x_ref: int, n_ref: int, z: float = 4.0) -> bool:
    """Tell whether a share rose beyond sampling noise (two-proportion z-test, one-sided)."""
    return n_cur > 0 and n_ref > 0 and proportion_z(x_cur, n_cur, x_ref, n_ref) > z


def short(value: Any, limit: int = 60) -> str:
    """Return a value as short text for titles (data is escaped later by each renderer)."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_slice_of(col: ColumnProfile, ref: ColumnProfile) -> bool:
    """Tell whether a batch holds one value of a column the reference spreads over several
    (a day's batch against a month: `day` = 27) and is about as big as the reference's rows
    of that value: a slice of the reference along the column, which differs by construction."""
    if not (col.frequent.exact and ref.frequent.exact and col.non_null and ref.non_null):
        return False
    mine, theirs = col.frequent.counts, ref.frequent.counts
    if len(mine) != 1 or len(theirs) < 2:
        return False
    (value,) = mine
    # a slice is no bigger than the reference's own rows of that value (twice, for growth):
    # a whole batch stuck on one value is many times bigger, and is a broken column
    return (value in theirs and max(theirs.values()) <= 0.5 * ref.non_null
            and col.non_null <= 2 * theirs[value])
