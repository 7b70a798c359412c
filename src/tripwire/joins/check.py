"""One join check: read both sides' keys, analyse, try normalisations and fuzzy candidates."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tripwire.io import Source
from tripwire.joins.analysis import JoinAnalysis, analyse
from tripwire.joins.findings import join_findings
from tripwire.joins.fuzzy import FuzzyMatches, fuzzy_matches
from tripwire.joins.keys import COUNT, KeyPairs, key_counts, key_kinds, read_keys
from tripwire.joins.normalise import Gain, gains
from tripwire.progress import ProgressCallback, close, progress_for
from tripwire.report import Finding


@dataclass(frozen=True)
class JoinCheck:
    """The analysis of one join and the findings it gives."""

    analysis: JoinAnalysis
    gains: tuple[Gain, ...]
    fuzzy: FuzzyMatches | None
    findings: tuple[Finding, ...]


def side_counts(source: Source, columns: tuple[str, ...],
                progress: ProgressCallback | None = None) -> tuple[pl.DataFrame, int]:
    """Return one side's distinct keys with row counts, and its rows with a null key part."""
    keys = read_keys(source, columns, progress)
    counts = key_counts(keys)
    return counts, keys.height - int(counts[COUNT].sum() or 0)


def check_counts(left: tuple[pl.DataFrame, int], right: tuple[pl.DataFrame, int], pairs: KeyPairs,
                 names: tuple[str, str], expect: str | None = None, *, fuzzy: bool = True,
                 max_orphan_share: float = 0.0) -> JoinCheck:
    """Check a join given each side's key counts and null-key rows (see `side_counts`)."""
    a = analyse(left[0], right[0], left[1], right[1])
    found = gains(a)
    matches = None
    if fuzzy and a.left_orphans.height:
        # orphans the best normalisation explains need no fuzzy guess
        explained = found[0].joined.drop(COUNT) if found and found[0].joined is not None else None
        matches = fuzzy_matches(a, explained)
    findings = tuple(join_findings(a, pairs, names, expect, found, matches, max_orphan_share))
    return JoinCheck(a, tuple(found), matches, findings)


def check_sources(left: Source, right: Source, pairs: KeyPairs, expect: str | None = None, *,
                  fuzzy: bool = True, max_orphan_share: float = 0.0,
                  progress: bool | ProgressCallback | None = None) -> JoinCheck:
    """Check the join of two sources on `pairs` (refusing absent or incomparable keys first)."""
    key_kinds(left, right, pairs)
    counts = []
    for source, columns in ((left, pairs.left), (right, pairs.right)):
        bar = progress_for(progress, source.name, "reading keys of")
        try:
            counts.append(side_counts(source, columns, bar))
        finally:
            close(bar)
    lc, rc = counts
    return check_counts(lc, rc, pairs, (left.name, right.name), expect, fuzzy=fuzzy,
                        max_orphan_share=max_orphan_share)
