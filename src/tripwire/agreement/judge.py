"""Judge a ratings table: agreement coefficients, consensus, annotator bias, agreement over time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from tripwire.agreement.annotators import AnnotatorStats, biased_annotators
from tripwire.agreement.coefficients import (
    LEVELS,
    Estimate,
    alpha_from_counts,
    cohen_kappa,
    fleiss_kappa,
)
from tripwire.agreement.consensus import Consensus, DawidSkene, dawid_skene, majority_vote
from tripwire.agreement.ratings import Ratings
from tripwire.errors import UsageError
from tripwire.evaluation.bootstrap import Bootstrap
from tripwire.report import Finding
from tripwire.report.codes import code_info
from tripwire.report.format import number, pct

#: Krippendorff's reading of alpha: from 0.8 reliable, from 0.667 tentative conclusions, below that unreliable
RELIABLE, TENTATIVE = 0.8, 0.667
#: Dawid–Skene runs when at least this share of items has three ratings or more, and there are
#: this many items per class (each annotator's confusion has classes² cells to learn)
DS_MIN_SHARE, DS_ITEMS_PER_CLASS = 0.5, 10
#: annotator pairs with fewer shared items get no Cohen's kappa; at most MAX_PAIRS pairs (most shared first)
MIN_PAIR_ITEMS, MAX_PAIRS = 10, 100
#: pairs are sought among this many annotators, those with the most ratings
PAIR_ANNOTATORS = 1000
#: a time window needs this many pairable items to be compared; the smallest drop worth a finding
MIN_WINDOW_ITEMS, MIN_DROP = 30, 0.1
#: windows made when a time column is given without a calendar window
DEFAULT_WINDOWS = 4
#: family-wise error rate over the compared windows
DRIFT_ALPHA = 0.05


@dataclass(frozen=True)
class Judgement:
    """What `judge` found: the metrics table, the findings, the consensus per item, each annotator."""

    metrics: list[dict[str, Any]]
    findings: list[Finding]
    consensus: pl.DataFrame
    annotators: list[AnnotatorStats]
    windows: list[dict[str, Any]]


def judge(ratings: Ratings, columns: tuple[str, str, str], *, level: str = "nominal",
          boot: Bootstrap | None = None, window: str | None = None, wide: bool = False) -> Judgement:
    """Return agreement, consensus, bias and drift for `ratings` (columns: item, annotator, label).

    `wide`: each annotator is a column of the input (their findings name that column).
    """
    boot = boot or Bootstrap()
    if level not in LEVELS:
        raise UsageError(f"--level {level!r}: choose one of {', '.join(LEVELS)}")
    if level != "nominal" and ratings.values is None:
        raise UsageError(f"--level {level} needs numeric labels (e.g. 1-5 ratings); the labels are text: "
                         "use --level nominal")
    counts = ratings.counts()
    per_item = counts.sum(axis=1)
    pairable = int((per_item >= 2).sum())
    if pairable == 0:
        raise UsageError(f"every one of the {ratings.n_items:,} items was labelled once; agreement needs items "
                         "labelled by two annotators or more")
    levels = ["nominal"] + (["ordinal", "interval"] if ratings.values is not None else [])
    alphas = {lv: alpha_from_counts(counts.astype(float), lv, ratings.values, boot, stream=i)
              for i, lv in enumerate(levels)}
    fleiss = fleiss_kappa(counts, boot, stream=10)
    metrics = [_row("krippendorff_alpha", e, level=lv) for lv, e in alphas.items()]
    metrics.append(_row("fleiss_kappa", fleiss))
    metrics += _pairs(ratings, boot)
    vote = majority_vote(ratings)
    ds: DawidSkene | None = None
    if (len(ratings.annotators) >= 3 and (per_item >= 3).mean() >= DS_MIN_SHARE and ratings.n_classes >= 2
            and ratings.n_items >= DS_ITEMS_PER_CLASS * ratings.n_classes):
        ds = dawid_skene(ratings, vote)
    consensus: Consensus = ds or vote
    stats = biased_annotators(ratings, consensus)
    acc_ds = ds.accuracy() if ds is not None else None
    for i, s in enumerate(stats):
        metrics.append({"metric": "annotator_agreement", "value": _finite(s.agreement), "ci_low": None,
                        "ci_high": None, "n": s.compared, "annotator": s.name})
        metrics.append({"metric": "annotator_accuracy", "value": _finite(s.accuracy), "ci_low": None,
                        "ci_high": None, "n": s.ratings, "annotator": s.name,
                        "against": "dawid_skene" if ds is not None else "majority"})
        if acc_ds is not None:
            metrics.append({"metric": "annotator_accuracy_estimated", "value": float(acc_ds[i]), "ci_low": None,
                            "ci_high": None, "n": s.ratings, "annotator": s.name})
    _, ann_col, label_col = columns
    findings = _disagreement(alphas[level], level, fleiss, ratings, label_col)
    findings += _bias(stats, ratings, consensus, None if wide else (ann_col, label_col),
                      "Dawid–Skene" if ds else "majority vote")
    windows: list[dict[str, Any]] = []
    if ratings.time is not None:
        windows, drift = _over_time(ratings, level, boot, window, label_col)
        findings += drift
        metrics += [{"metric": "krippendorff_alpha", "value": w["alpha"], "ci_low": w["ci_low"],
                     "ci_high": w["ci_high"], "n": w["items"], "level": level, "window": w["window"]}
                    for w in windows]
    table = _consensus_table(ratings, per_item, vote, ds, columns[0])
    return Judgement(metrics, findings, table, stats, windows)


def _row(metric: str, e: Estimate, **qual: Any) -> dict[str, Any]:
    return {"metric": metric, "value": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high, "n": e.items, **qual}


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _pairs(ratings: Ratings, boot: Bootstrap) -> list[dict[str, Any]]:
    """Return Cohen's kappa of the pairs of annotators sharing the most items (at least MIN_PAIR_ITEMS).

    Shared items come from a sparse (annotators × items) product, among the PAIR_ANNOTATORS
    annotators with the most ratings, so a crowd of thousands costs no dense matrix.
    """
    from scipy import sparse

    n_ann, k = len(ratings.annotators), ratings.n_classes
    busiest = np.argsort(-np.bincount(ratings.annotator, minlength=n_ann), kind="stable")[:PAIR_ANNOTATORS]
    keep = np.isin(ratings.annotator, busiest)
    grid = sparse.csr_matrix((ratings.label[keep] + 1, (ratings.annotator[keep], ratings.item[keep])),
                             shape=(n_ann, ratings.n_items))  # label + 1: a stored 0 would vanish
    chosen = np.sort(busiest)
    rated = (grid[chosen] > 0).astype(np.float64)
    shared = (rated @ rated.T).toarray()
    a_idx, b_idx = np.triu_indices(chosen.size, 1)
    sizes = shared[a_idx, b_idx]
    order = np.argsort(-sizes, kind="stable")
    rows = []
    for j in order[:MAX_PAIRS]:
        if sizes[j] < MIN_PAIR_ITEMS:
            break
        a, b = int(chosen[a_idx[j]]), int(chosen[b_idx[j]])
        row_a, row_b = grid.getrow(a), grid.getrow(b)
        _, ia, ib = np.intersect1d(row_a.indices, row_b.indices, assume_unique=True, return_indices=True)
        e = cohen_kappa(row_a.data[ia] - 1, row_b.data[ib] - 1, k, boot, stream=1000 + a * n_ann + b)
        rows.append(_row("cohen_kappa", e, annotator_a=ratings.annotators[a], annotator_b=ratings.annotators[b]))
    return rows


def _finding(code: str, severity: str, columns: tuple[str, ...], title: str, evidence: dict[str, Any],
             rows: list[int] | None = None) -> Finding:
    return Finding(code, severity, columns, title, evidence, fix=code_info(code).fix,  # type: ignore[arg-type]
                   detector="annotators").with_rows(rows or [])


def _ranged(e: Estimate) -> str:
    if e.value is None:
        return "n/a"
    if e.ci_low is None or e.ci_high is None:
        return number(e.value, 3)
    return f"{number(e.value, 3)} [{number(e.ci_low, 3)}, {number(e.ci_high, 3)}]"


def _disagreement(alpha: Estimate, level: str, fleiss: Estimate, ratings: Ratings, label: str) -> list[Finding]:
    if alpha.value is None or alpha.value >= RELIABLE:
        return []
    high = alpha.ci_high if alpha.ci_high is not None else alpha.value
    severity = "error" if high < TENTATIVE else "warning"
    reading = ("unreliable: below 0.667 even at the top of its interval" if severity == "error"
               else "below 0.8: only tentative conclusions")
    title = (f"{label}: annotators agree little: Krippendorff's alpha ({level}) {_ranged(alpha)} over "
             f"{alpha.items:,} items rated twice or more ({reading})")
    evidence = {"alpha": alpha.value, "ci_low": alpha.ci_low, "ci_high": alpha.ci_high, "level": level,
                "items": alpha.items, "ratings": len(ratings.label), "annotators": len(ratings.annotators),
                "fleiss_kappa": fleiss.value, "reliable_from": RELIABLE, "tentative_from": TENTATIVE}
    return [_finding("labels.annotator_disagreement", severity, (label,), title, evidence)]


def _bias(stats: list[AnnotatorStats], ratings: Ratings, consensus: Consensus, columns: tuple[str, str] | None,
          against: str) -> list[Finding]:
    out = []
    off = ratings.label != consensus.label[ratings.item]
    for a, s in enumerate(stats):
        if not s.biased:
            continue
        parts = []
        if s.low_agreement:
            parts.append(f"agrees with the other annotators on {pct(s.agreement)} of ratings vs "
                         f"{pct(s.others_agreement)} for the rest (z {s.agreement_z:.1f})")
        if s.skewed:
            parts.append(f"gives {s.share_class!r} to {pct(s.shares[s.share_class])} of items vs "
                         f"{pct(s.others_shares[s.share_class])} by the others on the same items (z {s.share_z:.1f})")
        title = f"annotator {s.name!r} departs from the others: " + "; ".join(parts)
        mine = ratings.annotator == a
        rows = [] if ratings.rows is None else [int(r) for r in np.sort(ratings.rows[mine & off])]
        evidence = {"annotator": s.name, "ratings": s.ratings, "compared": s.compared,
                    "agreement": s.agreement, "others_agreement": s.others_agreement,
                    "agreement_z": s.agreement_z, "agreement_p_adjusted": s.agreement_p,
                    "accuracy_vs_consensus": s.accuracy, "consensus": against,
                    "shares": s.shares, "others_shares": s.others_shares, "share_gap": s.share_gap,
                    "share_z": s.share_z, "share_p_adjusted": s.share_p,
                    "confusion_vs_consensus": {"classes": ratings.classes, "rows_consensus_cols_given": s.confusion},
                    "count": len(rows)}
        out.append(_finding("labels.annotator_bias", "warning", columns or (s.name,), title, evidence, rows))
    return out


def _window_keys(ratings: Ratings, window: str | None) -> tuple[np.ndarray, list[str]]:
    """Return each rating's window index (−1: no time) and the windows' names, in time order."""
    assert ratings.time is not None
    t = pl.Series("t", ratings.time)
    known = t.is_not_null().to_numpy()
    if window:
        try:
            start = t.dt.truncate(window)
        except pl.exceptions.PolarsError:  # polars names a bad interval in several ways
            raise UsageError(f"--window {window!r}: give a calendar window such as 1d, 1w, 1mo, 1q or 1y") from None
        names = start.drop_nulls().unique().sort()
        idx = pl.DataFrame({"s": start}).join(pl.DataFrame({"s": names, "i": pl.int_range(names.len(), eager=True)}),
                                              on="s", how="left", maintain_order="left")["i"].fill_null(-1).to_numpy()
        return idx, [_when(n) for n in names.to_list()]
    ranks = t.rank("ordinal").to_numpy()
    n = int(known.sum())
    idx = np.where(known, np.minimum((np.nan_to_num(ranks) - 1) * DEFAULT_WINDOWS // max(n, 1),
                                     DEFAULT_WINDOWS - 1), -1).astype(np.int64)
    names = []
    for w in range(DEFAULT_WINDOWS):
        times = t.filter(pl.Series(idx == w))
        names.append(f"{_when(times.min())} – {_when(times.max())}" if times.len() else f"part {w + 1}")
    return idx, names


def _when(t: Any) -> str:
    """Write a window's time: the date alone at midnight, else to the minute."""
    if t is None:
        return "?"
    return t.strftime("%Y-%m-%d") if (t.hour, t.minute, t.second) == (0, 0, 0) else t.strftime("%Y-%m-%d %H:%M")


def _over_time(ratings: Ratings, level: str, boot: Bootstrap, window: str | None,
               label: str) -> tuple[list[dict[str, Any]], list[Finding]]:
    idx, names = _window_keys(ratings, window)
    windows = []
    estimates: list[tuple[int, Estimate]] = []
    for w, name in enumerate(names):
        part = ratings.subset(idx == w)
        e = alpha_from_counts(part.counts().astype(float), level, ratings.values, boot, stream=100 + w)
        windows.append({"window": name, "alpha": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high,
                        "items": e.items, "ratings": int((idx == w).sum())})
        if e.value is not None and e.items >= MIN_WINDOW_ITEMS and e.draws is not None:
            estimates.append((w, e))
    findings: list[Finding] = []
    if len(estimates) < 2:
        return windows, findings
    (w0, first), later = estimates[0], estimates[1:]
    level_ci = 1 - DRIFT_ALPHA / len(later)  # Bonferroni over the compared windows
    for w, e in later:
        assert first.draws is not None and e.draws is not None and first.value is not None and e.value is not None
        n = min(first.draws.size, e.draws.size)
        low, high = replace(boot, level=level_ci).interval(first.draws[:n] - e.draws[:n])
        drop = first.value - e.value
        windows[w]["drop_vs_first"] = drop
        windows[w]["drop_interval"] = [low, high]
        if low is None or low <= 0 or drop < MIN_DROP:
            continue
        title = (f"{label}: agreement fell from {_ranged(first)} in {names[w0]} to {_ranged(e)} in {names[w]} "
                 f"(Krippendorff's alpha, {level}; drop {number(drop, 3)}, {pct(level_ci)} interval "
                 f"{number(low, 3)} to {number(high or 0, 3)})")
        rows = [] if ratings.rows is None else [int(r) for r in np.sort(ratings.rows[idx == w])]
        evidence = {"first_window": names[w0], "window": names[w], "alpha_first": first.value,
                    "alpha_window": e.value, "drop": drop, "drop_interval": [low, high],
                    "interval_level": level_ci, "items_first": first.items, "items_window": e.items,
                    "level": level, "count": len(rows)}
        findings.append(_finding("labels.agreement_drift", "warning", (label,), title, evidence, rows))
    return windows, findings


def _consensus_table(ratings: Ratings, per_item: np.ndarray, vote: Consensus, ds: DawidSkene | None,
                     item: str) -> pl.DataFrame:
    classes = np.array(ratings.classes, dtype=object)
    cols: dict[str, Any] = {
        item if item not in ("ratings", "majority", "majority_share", "tied") else "item": ratings.items, "ratings": per_item.astype(np.int64),
        "majority": classes[vote.label].tolist(), "majority_share": vote.confidence, "tied": vote.tied,
    }
    if ds is not None:
        cols["dawid_skene"] = classes[ds.label].tolist()
        cols["dawid_skene_confidence"] = ds.confidence
    return pl.DataFrame(cols)
