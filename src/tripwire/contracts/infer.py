"""Propose a contract from reference data: only what the reference passes and a person would
accept, each column with an `inferred_from` note to read and edit."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from tripwire.contracts.model import ColumnSpec, Contract, DatasetSpec, Freshness
from tripwire.profiling import ColumnProfile, DatasetProfile, as_profile

#: propose allowed values only for small vocabularies whose every value is common enough that
#: another sample will not bring unseen ones (no value counted fewer than MIN_COUNT times)
MAX_ALLOWED = 50
MIN_COUNT = 5
#: patterns that describe a code column well enough to turn into a regex
MAX_PATTERNS = 3


def infer(data: Any, *, name: str | None = None, freshness: str | None = None,
          freshness_column: str | None = None) -> Contract:
    """Propose a contract from data or a profile.

    Types and nullability come from the profile; numeric ranges are widened beyond the
    observed extremes (see `_widened`: 10% of the range at a densely populated end, an order
    of magnitude at a sparse, heavy one) and never cross zero when the reference does not;
    small vocabularies become allowed values; code-like strings
    get a regex from their value patterns; columns unique in the reference are marked unique.
    Freshness is proposed only when asked (`freshness="1d"`).
    """
    prof = as_profile(data)
    stamp = prof.created_at[:10] or datetime.now(UTC).date().isoformat()
    columns = tuple(_column(c, prof, stamp) for c in prof.columns.values())
    fresh = None
    if freshness is not None:
        col = freshness_column or next((c.name for c in prof.columns.values()
                                        if c.inferred_type in ("datetime", "date")), None)
        if col is None:
            from tripwire.errors import UsageError

            raise UsageError("--freshness needs a date or time column; name it with --freshness-column")
        fresh = Freshness(col, freshness)
    return Contract(columns=columns, dataset=DatasetSpec(freshness=fresh), name=name or prof.name,
                    description=f"Inferred by tripwire from {prof.rows:,} rows of {prof.name} on {stamp}; "
                                "review and edit before relying on it.")


def _column(col: ColumnProfile, prof: DatasetProfile, stamp: str) -> ColumnSpec:
    kw: dict[str, Any] = {"name": col.name}
    notes = [f"{col.count:,} rows"]
    kind = col.inferred_type
    if kind == "empty":
        kw["inferred_from"] = f"{col.count:,} rows, all empty: no checks proposed"
        return ColumnSpec(**kw)
    categorical = _allowed(col)
    kw["type"] = "category" if categorical is not None else kind
    missing = col.missing
    if missing == 0:
        kw["nullable"] = False
        notes.append("no missing values")
    else:
        share = missing / col.count
        limit = min(1.0, share * 1.5 + 3 * math.sqrt(share * (1 - share) / col.count) + 0.01)
        kw["max_null_share"] = round(limit, 4)
        notes.append(f"{share:.2%} missing")
    if kind in ("int", "float") and col.numbers.n:
        lo, hi = _widened(col)
        kw["min"], kw["max"] = lo, hi
        notes.append(f"observed {col.numbers.min:.6g}..{col.numbers.max:.6g}")
    if categorical is not None:
        kw["allowed"] = tuple(categorical)
        notes.append(f"{len(categorical)} values, each seen at least {MIN_COUNT} times")
    elif kind == "string" and col.text is not None:
        regex = _regex(col)
        if regex is not None:
            kw["regex"] = regex
            notes.append(f"every value written as {', '.join(repr(p) for p, _ in col.text.patterns.top(MAX_PATTERNS))}")
    if kind in ("int", "string") and col.frequent.exact and col.non_null == col.count \
            and col.frequent.counts and max(col.frequent.counts.values()) == 1 and col.count >= 20:
        kw["unique"] = True
        notes.append("unique per row")
    kw["inferred_from"] = f"{prof.name} ({stamp}): " + "; ".join(notes)
    return ColumnSpec(**kw)


def _widened(col: ColumnProfile) -> tuple[float, float]:
    """Return bounds another sample of the same data will very likely respect.

    Two samples of one distribution each hold the overall maximum half of the time, and a
    rare larger value (a flight number 8500 among thousands below 6200) appears in one and
    not the other. So only small vocabularies of numbers (months, hours, scores: at most 100
    distinct values, every one sampled) get a tight margin, 10% of the range; other columns
    get an order of magnitude, which still catches a x100 slip. Never-negative columns stay
    >= 0, so a negative distance or price fails.
    """
    num = col.numbers
    lo, hi = num.min, num.max
    span = hi - lo
    if col.distinct_count <= 100:
        new_lo, new_hi = lo - 0.1 * span, hi + 0.1 * span
    else:
        new_hi = 10 * hi if hi > 0 else hi + max(span, 1.0)
        new_lo = 10 * lo if lo < 0 else 0.0
    if lo >= 0:
        new_lo = max(new_lo, 0.0)  # a column that is never negative stays so
    if col.inferred_type == "int":
        return math.floor(new_lo), math.ceil(new_hi)
    return _round(new_lo, down=True), _round(new_hi, down=False)


def _round(x: float, down: bool) -> float:
    """Round to 3 significant digits outward, so bounds read well."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = 3 - math.floor(math.log10(abs(x))) - 1
    factor = 10.0 ** digits
    return (math.floor if down else math.ceil)(x * factor) / factor


def _allowed(col: ColumnProfile) -> list[Any] | None:
    if col.kind != "string" or col.inferred_type != "string" or not col.frequent.exact:
        return None
    counts = col.frequent.counts
    if not counts or len(counts) > MAX_ALLOWED or min(counts.values()) < MIN_COUNT:
        return None
    if len(counts) > max(2, 0.5 * col.non_null):  # not a vocabulary, just few rows
        return None
    return sorted(counts, key=str)


def _regex(col: ColumnProfile) -> str | None:
    """Turn the value patterns of a code column (ids, plates, zip codes) into a regex."""
    pats = col.text.patterns
    if not pats.exact or not pats.counts or len(pats.counts) > MAX_PATTERNS:
        return None
    if any(" " in p or "…" in p or p in ("a", "Aa", "A") for p in pats.counts):
        return None  # words and sentences are not codes
    if col.text.max_length and col.text.max_length > 40:
        return None
    return "|".join(_pattern_regex(p) for p in sorted(pats.counts))


def _pattern_regex(pattern: str) -> str:
    out = []
    for ch in pattern:
        out.append({"A": "[A-Z]", "a": "[a-z]+", "d": "[0-9]", "L": r"\w+"}.get(ch, re.escape(ch)))
    return "".join(out)
