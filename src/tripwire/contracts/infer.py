"""Propose a contract from reference data: only what the reference passes and a person would
accept, each column with an `inferred_from` note to read and edit."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tripwire.contracts.model import ColumnSpec, Contract, DatasetSpec, Freshness
from tripwire.profiling import ColumnProfile, DatasetProfile, as_profile, is_profile_file

if TYPE_CHECKING:
    from tripwire.io.source import Source

#: propose allowed values only for small vocabularies whose every value is common enough that
#: another sample will not bring unseen ones (no value counted fewer than MIN_COUNT times)
MAX_ALLOWED = 50
MIN_COUNT = 5
#: patterns that describe a code column well enough to turn into a regex
MAX_PATTERNS = 3


#: inferred numeric bounds: the observed range widened by this fraction of its width on each
#: side, then rounded outward to two significant digits of the width (docs/contracts.md)
MARGIN = 0.1
#: ... or by the length of the outer 1% tail on that side, when longer
TAIL = 0.01
#: hash every value of candidate key columns to prove uniqueness, up to this many rows
MAX_UNIQUE_ROWS = 50_000_000
#: types of the profile that a contract can state (nested and binary columns cannot)
CHECKABLE_TYPES = {"int", "float", "bool", "string", "date", "datetime"}


def infer(data: Any, *, name: str | None = None, freshness: str | None = None,
          freshness_column: str | None = None) -> Contract:
    """Propose a contract from data or a profile.

    Types and nullability come from the profile; numeric ranges are the observed range
    widened by MARGIN of its width and rounded outward (see `_widened`), never crossing zero
    when the reference does not; small vocabularies become allowed values; code-like strings
    get a regex from their value patterns; int and text columns with no missing value and no
    repeat in the reference are marked unique (proved by hashing every value when inferring
    from data; from a profile only while its value counts are exact).
    Freshness is proposed only when asked (`freshness="1d"`).
    """
    prof, source = _profile_and_source(data, name)
    stamp = prof.created_at[:10] or datetime.now(UTC).date().isoformat()
    unique = _unique_columns(prof, source)
    columns = tuple(_column(c, prof, stamp, c.name in unique) for c in prof.columns.values())
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


def _profile_and_source(data: Any, name: str | None) -> tuple[DatasetProfile, Source | None]:
    """Return the profile, and the rows' source when `data` is data rather than a saved profile."""
    if isinstance(data, DatasetProfile) or (isinstance(data, str) and data.startswith("store:")) or \
            (isinstance(data, (str, Path)) and str(data).endswith(".json") and is_profile_file(Path(data))):
        return as_profile(data), None
    from tripwire.io import open_source
    from tripwire.profiling import profile

    source = open_source(data, name=name)
    return profile(source, name=name), source


def _unique_columns(prof: DatasetProfile, source: Source | None) -> set[str]:
    """Return the int and text columns with no missing value and no value twice.

    Exact value counts settle small vocabularies; beyond them, candidates whose distinct-count
    estimate is near the row count are proved by one pass hashing their values (64-bit hashes:
    a collision only ever withholds `unique`, never proposes it wrongly).
    """
    found, candidates = set(), []
    for col in prof.columns.values():
        if col.inferred_type not in ("int", "string") or col.kind not in ("numeric", "string") \
                or col.missing or col.non_null != col.count or col.count < 20:
            continue
        if col.frequent.exact:
            if col.frequent.counts and max(col.frequent.counts.values()) == 1:
                found.add(col.name)
        elif col.distinct_count >= 0.9 * col.non_null:  # the estimate is within a few % of the truth
            candidates.append(col.name)
    if not candidates or source is None or prof.rows > MAX_UNIQUE_ROWS:
        return found
    import numpy as np
    import polars as pl

    hashes: dict[str, list[np.ndarray]] = {c: [] for c in candidates}
    for batch in source.batches():
        frame = pl.from_arrow(batch).select(candidates)
        for c in candidates:
            hashes[c].append(frame[c].hash(seed=7).to_numpy())
    for c in candidates:
        values = np.concatenate(hashes[c]) if hashes[c] else np.zeros(0, np.uint64)
        if values.size == prof.columns[c].count and np.unique(values).size == values.size:
            found.add(c)
    return found


def _column(col: ColumnProfile, prof: DatasetProfile, stamp: str, unique: bool) -> ColumnSpec:
    kw: dict[str, Any] = {"name": col.name}
    notes = [f"{col.count:,} rows"]
    kind = col.inferred_type
    if kind == "empty":
        kw["inferred_from"] = f"{col.count:,} rows, all empty: no checks proposed"
        return ColumnSpec(**kw)
    categorical = _allowed(col)
    if kind in CHECKABLE_TYPES:
        kw["type"] = "category" if categorical is not None else kind
    else:  # lists, structs, bytes: no contract type says what they must be, so none is proposed
        notes.append(f"{kind} values: no type proposed")
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
        kw["min"], kw["max"] = _widened(col)
        notes.append(f"observed {col.numbers.min:.6g}..{col.numbers.max:.6g}")
    if categorical is not None:
        kw["allowed"] = tuple(categorical)
        notes.append(f"{len(categorical)} values, each seen at least {MIN_COUNT} times")
    elif kind == "string" and col.text is not None:
        regex = _regex(col)
        if regex is not None:
            kw["regex"] = regex
            notes.append(f"every value written as {', '.join(repr(p) for p, _ in col.text.patterns.top(MAX_PATTERNS))}")
    if unique:
        kw["unique"] = True
        notes.append("unique per row")
    kw["inferred_from"] = f"{prof.name} ({stamp}): " + "; ".join(notes)
    return ColumnSpec(**kw)


def _widened(col: ColumnProfile) -> tuple[float | None, float | None]:
    """Return the observed range widened on each side, rounded outward to round numbers.

    Each side moves out by MARGIN of the range's width, or by the length of the reference's
    own outer tail on that side (from the 1st/99th percentile to the extreme) when that is
    longer: another sample of the same data reaches about as far beyond a long, sparse tail
    as the tail itself, while a compact range stays tight. So a bound never moves by more
    than the width again (not an order of magnitude), and a typical value ten times too large
    falls outside: distance observed 80..4983 (99th percentile 2586) gives 0..7400, so 8720,
    a typical 872 times ten, fails. Bounds are rounded outward to two significant digits of
    the width; a never-negative column stays >= 0. A constant column is widened by MARGIN of
    its value; an infinite end gets no bound.
    """
    num = col.numbers
    lo, hi = num.min, num.max
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (lo if math.isfinite(lo) else None), (hi if math.isfinite(hi) else None)
    width = hi - lo if math.isfinite(hi - lo) else math.inf
    if width == 0:
        width = abs(hi) or 1.0
    low_tail, high_tail = _tails(col)
    below, above = max(MARGIN * width, low_tail), max(MARGIN * width, high_tail)
    step = 10.0 ** (math.floor(math.log10(width)) - 1) if math.isfinite(width) else 0.0
    if col.inferred_type == "int":
        step = max(step, 1.0)
    new_lo, new_hi = _outward(lo - below, step, down=True), _outward(hi + above, step, down=False)
    if lo >= 0:
        new_lo = max(new_lo, 0.0)  # a column that is never negative stays so
    out = []
    for value in (new_lo, new_hi):
        if not math.isfinite(value):
            out.append(None)
        elif col.inferred_type == "int" and abs(value) < 2**53:
            out.append(int(value))
        else:
            out.append(float(value))
    return out[0], out[1]


def _tails(col: ColumnProfile) -> tuple[float, float]:
    """Return the lengths of the outer TAIL of values below and above the bulk (0 when unknown)."""
    num = col.numbers
    try:
        q_lo, q_hi = num.quantiles.quantile(TAIL), num.quantiles.quantile(1 - TAIL)
    except (ValueError, TypeError, AttributeError):
        return 0.0, 0.0
    if q_lo is None or q_hi is None or not (math.isfinite(q_lo) and math.isfinite(q_hi)):
        return 0.0, 0.0
    return max(0.0, q_lo - num.min), max(0.0, num.max - q_hi)


def _outward(x: float, step: float, down: bool) -> float:
    """Round x down (or up) to a multiple of step, without float noise (0.30000000000000004)."""
    if step == 0 or not math.isfinite(x):
        return x
    k = (math.floor if down else math.ceil)(x / step)
    digits = max(0, -math.floor(math.log10(step)))
    return round(k * step, digits)


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
