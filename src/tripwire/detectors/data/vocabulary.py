"""data.vocabulary_change: categories that appeared or vanished beyond sampling noise (N7).

Unseen values are expected in any new sample of a column with rare values: the Good–Turing
estimate (the reference's share of values seen once) says how much new-value mass sampling
alone explains. Vanished values are only those the reference makes frequent enough that
seeing none is implausible (expected count >= 10, probability of zero <= e^-10). When most of
the vocabulary was replaced, old values are paired with new ones (by spelling, else by rank)
as a proposed mapping — interview 003's car-variant re-standardisation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import polars as pl

from tripwire.detectors.common import is_categorical, pct, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.extras import available
from tripwire.profiling import ColumnProfile
from tripwire.report import Finding

MIN_EXPECTED = 10.0


def unseen_share_expected(ref: ColumnProfile) -> float:
    """Return the Good–Turing estimate of the share of a new sample made of unseen values."""
    singletons = sum(1 for n in ref.frequent.counts.values() if n == 1)
    return singletons / max(ref.frequent.total, 1)


@register
class VocabularyChange(Detector):
    """Report categories that appeared or vanished compared with the reference."""

    name, family, codes = "vocabulary_change", "data", ("data.vocabulary_change",)
    requires = frozenset({"profile", "reference"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            ref = ctx.reference.columns.get(col.name)
            if ref is None or not is_categorical(ref) or col.kind != "string" or col.non_null < 20:
                continue
            found = self._compare(col, ref)
            if found is not None:
                yield found

    def _compare(self, col: ColumnProfile, ref: ColumnProfile) -> Finding | None:
        vocab = ref.frequent.counts
        total = col.frequent.total
        known = sum(n for v, n in col.frequent.counts.items() if v in vocab)
        new_share = 1.0 - known / total if total else 0.0
        gt = unseen_share_expected(ref)
        noise = 3 * math.sqrt(max(gt * (1 - gt), 1e-4) / total) + 0.005
        new_values = sorted(((v, n) for v, n in col.frequent.counts.items() if v not in vocab),
                            key=lambda kv: -kv[1])
        vanished = [(v, n) for v, n in sorted(vocab.items(), key=lambda kv: -kv[1])
                    if n / ref.frequent.total * total >= MIN_EXPECTED and col.frequent.count(v) == 0]
        vanished_share = sum(n for _, n in vanished) / ref.frequent.total
        if new_share <= gt + noise and not vanished:
            return None
        severity = "warning" if max(new_share, vanished_share) >= 0.05 else "info"
        parts = []
        if new_share > gt + noise:
            parts.append(f"{pct(new_share)} of values are new (e.g. "
                         f"{', '.join(repr(short(v, 25)) for v, _ in new_values[:3])})")
        if vanished:
            parts.append(f"{len(vanished)} frequent value(s) vanished (e.g. "
                         f"{', '.join(repr(short(v, 25)) for v, _ in vanished[:3])})")
        evidence = {"new_share": new_share, "expected_new_share": gt, "share": new_share,
                    "new_values": dict(new_values[:50]), "vanished": dict(vanished[:50]),
                    "vanished_share": vanished_share}
        if vanished_share >= 0.5 and new_share >= 0.5:
            evidence["proposed_mapping"] = propose_mapping([v for v, _ in vanished],
                                                           [v for v, _ in new_values])
        return self.finding(
            "data.vocabulary_change", severity, col.name, f"{col.name}: " + "; ".join(parts), evidence,
            locate=pl.col(col.name).is_not_null() & ~pl.col(col.name).is_in(list(vocab)),
        )


def propose_mapping(old: list[str], new: list[str]) -> dict[str, str]:
    """Pair vanished values with new ones: by spelling when similar, else by frequency rank."""
    mapping: dict[str, str] = {}
    free = list(new)
    if available("rapidfuzz"):
        from rapidfuzz import fuzz, process, utils

        for value in old:
            # token order and case often change in a re-standardisation ("1.5 E" -> "E 1.5")
            match = process.extractOne(str(value), [str(f) for f in free], scorer=fuzz.token_sort_ratio,
                                       processor=utils.default_process, score_cutoff=70)
            if match is not None:
                mapping[value] = free.pop(match[2])
    rest = [v for v in old if v not in mapping]
    mapping.update(zip(rest, free, strict=False))
    return mapping
