"""Each annotator against the others: agreement, accuracy against the consensus, label shares.

Two tests per annotator, both against the *other* annotators on the same items, so an
annotator never votes on their own consensus:

- agreement: each rating scores the share of the item's other ratings that give the same
  label; the annotator's mean is compared with the mean of every other annotator's ratings
  (Welch z);
- label distribution: the labels the annotator gave, per class, against the labels the
  others gave on the same items (expected count Σ p_rc, variance Σ π_rc(1 − π_rc)(1 + 1/m_r),
  m_r the item's other ratings, π estimated from all the item's ratings); the largest |z|
  over classes.

p-values are two-sided normal, Bonferroni-adjusted over annotators (and classes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from tripwire.agreement.consensus import Consensus
from tripwire.agreement.ratings import Ratings

#: family-wise error rate of the bias tests
ALPHA = 0.001
#: the smallest gaps worth a finding: agreement share, and total-variation distance of label shares
MIN_AGREEMENT_GAP, MIN_SHARE_GAP = 0.05, 0.05
#: annotators with fewer comparable ratings are described but not tested
MIN_RATINGS = 20


@dataclass(frozen=True)
class AnnotatorStats:
    """One annotator's figures and tests (NaN where there was nothing to compare)."""

    name: str
    ratings: int
    compared: int
    agreement: float
    others_agreement: float
    agreement_z: float
    agreement_p: float
    accuracy: float
    shares: dict[str, float]
    others_shares: dict[str, float]
    share_gap: float
    share_class: str
    share_z: float
    share_p: float
    confusion: list[list[int]]

    @property
    def biased(self) -> bool:
        """Tell whether either test found a significant and material difference."""
        return self.low_agreement or self.skewed

    @property
    def low_agreement(self) -> bool:
        """Tell whether the annotator agrees with the others significantly less than the rest do."""
        return (self.agreement_p < ALPHA and self.others_agreement - self.agreement >= MIN_AGREEMENT_GAP)

    @property
    def skewed(self) -> bool:
        """Tell whether the annotator's label shares differ significantly from the others' on the same items."""
        return self.share_p < ALPHA and self.share_gap >= MIN_SHARE_GAP


def biased_annotators(ratings: Ratings, consensus: Consensus) -> list[AnnotatorStats]:
    """Return every annotator's figures, each measured against the annotators not found biased.

    One biased annotator moves the others' reference too (the rest then look skewed the
    other way), so the most significant one is set aside and the rest tested again, until
    no new one is found.
    """
    excluded: set[int] = set()
    while True:
        stats = annotator_stats(ratings, consensus, excluded)
        new = [i for i, s in enumerate(stats) if s.biased and i not in excluded]
        if not new:
            return stats
        excluded.add(min(new, key=lambda i: (min(stats[i].agreement_p, stats[i].share_p), i)))


def annotator_stats(ratings: Ratings, consensus: Consensus, excluded: set[int] | frozenset[int] = frozenset()
                    ) -> list[AnnotatorStats]:
    """Return every annotator's agreement, accuracy against `consensus`, label shares and tests.

    The ratings of `excluded` annotators are left out of every other annotator's reference.
    """
    k, n_ann = ratings.n_classes, len(ratings.annotators)
    item, ann, lab = ratings.item, ratings.annotator, ratings.label
    out_mask = np.zeros(n_ann, dtype=bool)
    out_mask[list(excluded)] = True
    kept = ~out_mask[ann]
    counts = np.bincount(item[kept] * k + lab[kept], minlength=ratings.n_items * k).reshape(-1, k).astype(np.float64)
    others = counts[item].copy()
    others[np.arange(len(lab)), lab] -= kept  # an excluded annotator's own rating is not in the counts
    m_others = others.sum(axis=1)
    comparable = m_others > 0
    p_others = np.divide(others, m_others[:, None], out=np.zeros_like(others), where=comparable[:, None])
    agree = p_others[np.arange(len(lab)), lab]
    # per annotator sums, vectorised with bincount
    n_cmp = np.bincount(ann, weights=comparable, minlength=n_ann)
    s1 = np.bincount(ann, weights=agree * comparable, minlength=n_ann)
    s2 = np.bincount(ann, weights=agree**2 * comparable, minlength=n_ann)
    pool = ~out_mask  # the reference pool: annotators not set aside
    tot_n, tot_s1, tot_s2 = n_cmp[pool].sum(), s1[pool].sum(), s2[pool].sum()
    given = np.bincount(ann[comparable] * k + lab[comparable], minlength=n_ann * k).reshape(n_ann, k).astype(float)
    expected = _sum_by(ann[comparable], p_others[comparable], n_ann)
    # Var(given − others' share) = π(1 − π)(1 + 1/m_o); π(1 − π) estimated without bias from all
    # m ratings of the item, m/(m − 1)·π̂(1 − π̂) (the others' share alone is 0 or 1 on most items)
    m_all = m_others[comparable] + 1
    with_own = others[comparable].copy()
    with_own[np.arange(with_own.shape[0]), lab[comparable]] += 1
    p_all = with_own / m_all[:, None]
    spread = p_all * (1 - p_all) * (m_all / (m_all - 1))[:, None]
    var = _sum_by(ann[comparable], spread * (1 + 1 / m_others[comparable])[:, None], n_ann)
    correct = lab == consensus.label[item]
    n_all = np.bincount(ann, minlength=n_ann)
    hits = np.bincount(ann, weights=correct, minlength=n_ann)
    conf = np.bincount((ann * k + consensus.label[item]) * k + lab, minlength=n_ann * k * k).reshape(n_ann, k, k)
    tests = max(n_ann, 1)
    out = []
    for a in range(n_ann):  # one row per annotator: the work above is vectorised over ratings
        n = n_cmp[a]
        mean = s1[a] / n if n else np.nan
        var_a = s2[a] / n - mean**2 if n else np.nan
        own = 0 if out_mask[a] else 1
        rest_n = tot_n - own * n
        rest_mean = (tot_s1 - own * s1[a]) / rest_n if rest_n else np.nan
        rest_var = (tot_s2 - own * s2[a]) / rest_n - rest_mean**2 if rest_n else np.nan
        z = p = np.nan
        if n >= MIN_RATINGS and rest_n >= MIN_RATINGS:
            se = np.sqrt(max(var_a, 0) / n + max(rest_var, 0) / rest_n)
            z = (mean - rest_mean) / se if se > 0 else 0.0
            p = min(1.0, 2 * norm.sf(abs(z)) * tests)
        sz = sp = np.nan
        gap, worst = np.nan, ""
        if n >= MIN_RATINGS:
            with np.errstate(divide="ignore", invalid="ignore"):
                zc = np.where(var[a] > 0, (given[a] - expected[a]) / np.sqrt(var[a]), 0.0)
            c = int(np.argmax(np.abs(zc)))
            sz, worst = float(zc[c]), ratings.classes[c]
            sp = min(1.0, 2 * norm.sf(abs(sz)) * tests * k)
            gap = float(0.5 * np.abs(given[a] - expected[a]).sum() / n)
        out.append(AnnotatorStats(
            name=ratings.annotators[a], ratings=int(n_all[a]), compared=int(n), agreement=float(mean),
            others_agreement=float(rest_mean), agreement_z=float(z), agreement_p=float(p),
            accuracy=float(hits[a] / n_all[a]) if n_all[a] else float("nan"),
            shares={c: float(given[a, i] / n) if n else float("nan") for i, c in enumerate(ratings.classes)},
            others_shares={c: float(expected[a, i] / n) if n else float("nan")
                           for i, c in enumerate(ratings.classes)},
            share_gap=gap, share_class=worst, share_z=float(sz), share_p=float(sp),
            confusion=conf[a].tolist()))
    return out


def _sum_by(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Return the (groups × columns) sums of `values` rows per group (one bincount per column)."""
    return np.stack([np.bincount(group, weights=values[:, c], minlength=groups) for c in range(values.shape[1])],
                    axis=1)
