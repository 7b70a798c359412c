"""leakage.target (one feature predicts the label alone, or was recorded after it) and
leakage.train_test_overlap.

leakage.target scores each feature alone, on the profile's row sample, with a histogram
model (the label's distribution per value or per quantile bin, learned on the other
folds): macro one-vs-rest AUC for classes, R² for a numeric target.

leakage.train_test_overlap hashes every row of the batch in the shared row pass and looks
them up in the reference profile's row sample (exact, and with text lower-cased and
whitespace collapsed). When the sample holds the whole reference the count is exact;
otherwise the share of reference rows found in the batch is estimated with a 95% interval.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tripwire.arrays import member
from tripwire.detectors.common import pct
from tripwire.detectors.labels.after_outcome import (
    after_outcome_task,
    time_options,
    timing_columns,
    why_not_timed,
)
from tripwire.detectors.labels.features import choose_features
from tripwire.detectors.labels.target import why_not_classes
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.detectors.rowhash import ROW_SEED, batch_row_hashes, repeated_rows, sample_row_hashes
from tripwire.intervals import wilson
from tripwire.report import Finding
from tripwire.report.finding import MAX_ALL_ROWS
from tripwire.vocabulary import hash_rows

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile

#: a feature that alone reaches this cross-validated AUC (classes) or R² (numbers) leaks the target
LEAK_SCORE = 0.98
FOLDS, BINS, SEED = 3, 64, 0
MIN_ROWS = 30


def _folds(n: int) -> np.ndarray:
    return np.random.default_rng(SEED).permutation(n) % FOLDS


def _codes(values: pl.Series) -> tuple[np.ndarray, int]:
    """Return a bin/category code per value (nulls get their own code) and the number of codes."""
    if values.dtype.is_numeric() or values.dtype.is_temporal() or values.dtype == pl.Boolean:
        x = values.cast(pl.Float64).to_numpy()
        finite = np.isfinite(x)
        edges = np.unique(np.quantile(x[finite], np.linspace(0, 1, BINS + 1))) if finite.any() else np.zeros(1)
        code = np.searchsorted(edges[1:-1], np.where(finite, x, 0), side="right")
        return np.where(finite, code, len(edges)), len(edges) + 1
    codes = values.cast(pl.String).fill_null("\x00").rank("dense").cast(pl.Int64).to_numpy() - 1
    return codes, int(codes.max()) + 1 if codes.size else 1


def one_feature_score(codes: np.ndarray, k: int, y: np.ndarray, classes: int | None) -> float:
    """Return the cross-validated AUC (classes: y holds indices) or R² (classes=None) of a
    model that predicts the label's mean per code, learned on the other folds."""
    fold = _folds(len(y))
    if classes is None:
        pred = np.zeros(len(y))
        for f in range(FOLDS):
            tr, te = fold != f, fold == f
            sums = np.bincount(codes[tr], weights=y[tr], minlength=k)
            cnt = np.bincount(codes[tr], minlength=k)
            prior = y[tr].mean()
            pred[te] = np.where(cnt[codes[te]] > 0, sums[codes[te]] / np.maximum(cnt[codes[te]], 1), prior)
        var = ((y - y.mean()) ** 2).sum()
        return float(1 - ((y - pred) ** 2).sum() / var) if var > 0 else 0.0
    from sklearn.metrics import roc_auc_score

    probs = np.zeros((len(y), classes))
    for f in range(FOLDS):
        tr, te = fold != f, fold == f
        table = np.zeros((k, classes))
        np.add.at(table, (codes[tr], y[tr]), 1.0)
        prior = np.bincount(y[tr], minlength=classes) + 1.0
        table += prior / prior.sum()  # one pseudo-row of the prior per code: unseen codes get the prior
        probs[te] = table[codes[te]] / table[codes[te]].sum(axis=1, keepdims=True)
    present = np.unique(y)
    if present.size < 2:
        return 0.0
    if classes == 2:
        return float(roc_auc_score(y, probs[:, 1]))
    sub = probs[:, present] / probs[:, present].sum(axis=1, keepdims=True)
    return float(roc_auc_score(np.searchsorted(present, y), sub, multi_class="ovr", average="macro"))


@register
class TargetLeakage(Detector):
    """Find features that predict the label on their own almost perfectly, or were recorded after it."""

    name, family = "target_leakage", "leakage"
    codes = ("leakage.target",)
    requires = frozenset({"profile", "sample", "labels"})
    extras = ("sklearn",)

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """With a label time (`--time`), compare every row's recording times with it."""
        return after_outcome_task(self, ctx)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        label = ctx.label or ""
        if time_options(ctx.options)[0] is not None:
            why = why_not_timed(ctx)
            if why:
                yield self.finding("leakage.target", "info", label, f"recording times not judged: {why}",
                                   {"judged": False, "reason": why})
        col = ctx.profile.columns.get(label)
        df = ctx.profile.sample_frame()
        if col is None or df is None or label not in df.columns:
            return
        df = df.filter(pl.col(label).is_not_null())
        if df.height < MIN_ROWS:
            return
        numeric_target = col.inferred_type in ("int", "float") and why_not_classes(col) is not None
        if not numeric_target and why_not_classes(col):
            return
        if numeric_target:
            y = df[label].cast(pl.Float64, strict=False).to_numpy()
            keep = np.isfinite(y)
            df, y, classes = df.filter(pl.Series(keep)), y[keep], None
        else:
            text = df[label].cast(pl.String)
            y = text.rank("dense").cast(pl.Int64).to_numpy() - 1
            classes = int(y.max()) + 1
        skip = {c for c in (ctx.prediction,) if c} | set(ctx.options.get("proba_columns") or ())
        skip |= timing_columns(ctx.options)
        choice = choose_features(ctx.profile, label, skip)
        for name in choice.columns:
            if name not in df.columns:
                continue
            codes, k = _codes(df[name])
            score = one_feature_score(codes, k, y, classes)
            if score < LEAK_SCORE:
                continue
            metric = "R²" if classes is None else "AUC"
            yield self.finding(
                "leakage.target", "error", [name, label],
                f"{name}: predicts {label} alone (cross-validated {metric} {score:.3f}): it leaks the target",
                {"metric": metric, "score": score, "threshold": LEAK_SCORE, "rows_used": len(y),
                 "folds": FOLDS, "from": "the profile's row sample"})


def _normal_text(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


#: text that `_normal_text` may change: an upper-case ASCII letter, any non-ASCII character,
#: ASCII whitespace other than a space, two spaces, a space at either end (text with none of
#: these is its own normal form)
MAY_CHANGE = r"[A-Z\t\n\x0B\x0C\r]|[^\x00-\x7F]|  |^ | $"


def _normalised(df: pl.DataFrame, known: Mapping[str, bool] | None = None) -> pl.DataFrame | None:
    """Return the frame with text lower-cased and whitespace collapsed, or None when that changes nothing.

    A text column none of whose values may change is left as it is (one scan, or none for a
    column in `known`: whether any of its values may change, from the profile); the others
    are normalised on their distinct values (a batch repeats most of them) and only the
    values that change are replaced: the same frame as normalising every value.
    """
    known = known or {}
    texts = [name for name, dtype in df.schema.items() if dtype == pl.String]
    if not texts:
        return None
    scan = [t for t in texts if t not in known]
    scanned = dict(zip(scan, df.select(pl.col(t).str.contains(MAY_CHANGE).any() for t in scan).row(0),
                       strict=True)) if scan else {}
    flags = [known[t] if t in known else scanned[t] for t in texts]
    changed = []
    for name in (t for t, flag in zip(texts, flags, strict=True) if flag):
        values = df.get_column(name)
        distinct = values.unique()
        normal = distinct.to_frame().select(_normal_text(pl.col(name))).to_series()
        moved = (distinct != normal).fill_null(False)
        if moved.any():
            changed.append(values.replace(distinct.filter(moved), normal.filter(moved)))
    return df.with_columns(changed) if changed else None


def text_may_change(prof: DatasetProfile) -> dict[str, bool]:
    """Return, per text column whose every distinct value the profile lists, whether normalising may change one."""
    out = {}
    for name, col in prof.columns.items():
        freq = col.frequent
        if freq.exact and freq.counts and all(isinstance(v, str) for v in freq.counts):
            out[name] = bool(pl.Series(list(freq.counts), dtype=pl.String).str.contains(MAY_CHANGE).any())
    return out


def _normal_hashes(df: pl.DataFrame, exact: np.ndarray, known: Mapping[str, bool] | None = None) -> np.ndarray:
    """Return the row hashes of the normalised frame (`exact`, the frame's own, when normalising changes nothing)."""
    normal = _normalised(df, known)
    return exact if normal is None else hash_rows(normal, seed=ROW_SEED)


@register
class TrainTestOverlap(Detector):
    """Find rows of the batch that also appear in the reference (train/test contamination)."""

    name, family = "train_test_overlap", "leakage"
    codes = ("leakage.train_test_overlap",)
    requires = frozenset({"profile", "rows", "reference"})

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Hash every batch row in the shared pass; compare with the reference's sampled rows."""
        ref = ctx.reference
        sample = ref.sample_frame() if ref is not None else None
        if ref is None or sample is None or sample.height == 0:
            return None
        columns = list(ctx.profile.columns)
        if not columns or set(columns) != set(sample.columns) - {"__row__"}:
            return None  # different columns: rows cannot be the same
        if ref.fingerprint and ref.fingerprint == ctx.profile.fingerprint:
            return None  # the batch compared with itself, not a train/test pair
        return _OverlapTask(self, ctx, columns, sample)


class _OverlapTask:
    def __init__(self, detector: TrainTestOverlap, ctx: ScanContext, columns: list[str],
                 sample: pl.DataFrame) -> None:
        self.detector, self.ctx, self.columns = detector, ctx, columns
        self.sample = sample  # the reference's row sample (with `__row__`)
        self.exact: list[np.ndarray] = []
        self.norm: list[np.ndarray] = []
        self.all_norm: list[np.ndarray] = []
        self.matched_ref: set[int] = set()
        self.ref_exact: np.ndarray | None = None
        # text columns the profile lists whole: no batch needs scanning to know if they are normal
        self.known = text_may_change(ctx.profile)
        self.ref_norm: np.ndarray | None = None

    def _reference_hashes(self, like: pl.DataFrame) -> None:
        ref = self.sample.select(self.columns)
        if all(ref.schema[c] == like.schema[c] for c in self.columns):
            # the duplicates detector counts the reference's repeats in these very hashes: made once
            assert self.ctx.reference is not None
            self.ref_exact = sample_row_hashes(self.ctx.reference, self.columns, self.sample)
        else:  # cast the sample to the batch's types so equal values hash equal
            ref = ref.select(pl.col(c).cast(like.schema[c], strict=False) for c in self.columns)
            self.ref_exact = hash_rows(ref, seed=ROW_SEED)
        self.ref_norm = _normal_hashes(ref, self.ref_exact)

    def update(self, df: pl.DataFrame, offset: int) -> None:
        # the row pass's frame holds the profile's columns in order: its row hashes are the
        # duplicates detector's, computed once for both
        df = df if df.columns == self.columns else df.select(self.columns)
        if self.ref_exact is None:
            self._reference_hashes(df)
        assert self.ref_exact is not None and self.ref_norm is not None
        exact = batch_row_hashes(df)
        norm = _normal_hashes(df, exact, self.known)
        hit_exact = member(exact, self.ref_exact)
        # text already in normal form on both sides: the normalised hashes are the exact ones
        same = norm is exact and self.ref_norm is self.ref_exact
        hit_norm = hit_exact if same else member(norm, self.ref_norm)
        self.all_norm.append(norm)
        rows = np.arange(offset, offset + df.height)
        self.exact.append(rows[hit_exact])
        self.norm.append(rows[hit_norm])
        self.matched_ref.update(np.flatnonzero(member(self.ref_norm, norm[hit_norm])).tolist())

    def finish(self) -> Iterator[Finding]:
        if not self.norm:
            return
        det, ref, prof = self.detector, self.ctx.reference, self.ctx.profile
        assert ref is not None and self.ref_norm is not None
        exact = np.concatenate(self.exact)
        rows = np.concatenate(self.norm)
        if rows.size == 0:
            return
        m, n_ref = len(self.ref_norm), ref.rows
        whole = m >= n_ref
        found = len(self.matched_ref)
        share_ref = found / m
        low, high = wilson(found, m)
        evidence = {"count": int(rows.size), "share": rows.size / max(prof.rows, 1),
                    "exact_rows": int(exact.size), "only_after_normalising": int(rows.size - exact.size),
                    "reference_rows": n_ref, "reference_rows_compared": m, "exact_count": whole,
                    "reference_share_in_batch": share_ref, "all_rows": rows[:MAX_ALL_ROWS].tolist()}
        # a data set that repeats its own rows shares some with any random other part of itself:
        # overlap no higher than the batch's own repeat rate is duplication, not a split leak
        # (text already normal: the very hashes duplicates sorted, and its answer is reused)
        repeat_count = repeated_rows(self.all_norm).size
        repeats = repeat_count / max(prof.rows, 1)
        evidence["batch_repeat_share"] = repeats
        # a random split sends each repeated pair across the halves about half the time, so
        # duplication alone shares about twice the batch's own repeats; a leak shares clearly
        # more (three times that, and three rows beyond it)
        expected = 2 * repeat_count + 1
        evidence["expected_from_duplication"] = expected
        severity = "error" if rows.size > 3 * expected and rows.size >= expected + 3 else "info"
        if whole:
            scope = f"{found:,} of the reference's {n_ref:,} rows"
        else:
            evidence["reference_share_interval_95"] = [low, high]
            scope = (f"about {pct(share_ref)} of the reference's rows (95% interval {pct(low)}–{pct(high)}, "
                     f"from its {m:,}-row sample; rows listed are those matched in the sample)")
        title = (f"{rows.size:,} rows of the batch ({pct(rows.size / max(prof.rows, 1))}) also appear in the "
                 f"reference: {scope}")
        if severity == "info":
            title += (f"; the batch repeats its own rows as often ({pct(repeats)}): duplicates in the data "
                      "rather than a split leak")
        yield det.finding("leakage.train_test_overlap", severity, list(self.columns)[:20], title, evidence,
                          rows=rows[:100].tolist())

