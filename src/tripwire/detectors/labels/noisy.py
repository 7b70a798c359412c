"""labels.noisy: rows whose label a cross-validated proxy model confidently disagrees with.

The rows are collected in the run's shared row pass (at most MAX_ROWS, in read order);
the proxy's out-of-sample probabilities — or the user's own, `options={"proba_columns":
[...]}` — are ranked by cleanlab's label-quality score.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl

from tripwire.detectors.common import pct, short
from tripwire.detectors.labels.after_outcome import timing_columns
from tripwire.detectors.labels.features import choose_features, feature_matrix, label_copies
from tripwire.detectors.labels.proxy import ProxyResult, cross_validated_proba, score_proba
from tripwire.detectors.labels.target import Classes, encode_classes, why_not_classes
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.report import Finding

#: rows kept for the proxy (the first ones read); the evidence says when the data had more
MAX_ROWS = 2_000_000
#: rows listed with their given and suggested label
SHOWN = 100
#: a proxy with less skill than this (0: majority guess, 1: perfect) is a weak judge (severity
#: one step lower); below NO_SKILL it is no judge at all (info only)
WEAK_SKILL, NO_SKILL = 0.5, 0.2
#: share of suspected rows from which the finding is an error / a warning (strong proxy)
ERROR_SHARE, WARNING_SHARE = 0.05, 0.02
#: probabilities of a row must sum to 1 within this
SUM_TOLERANCE = 1e-3


@register
class NoisyLabels(Detector):
    """Find rows whose label disagrees with what the other columns say (confident learning)."""

    name, family = "noisy_labels", "labels"
    codes = ("labels.noisy",)
    requires = frozenset({"profile", "rows", "labels"})
    extras = ("sklearn", "cleanlab")

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        why = self._why_not(ctx)
        if why:
            yield self.cannot_judge(ctx.label or "", why)

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Collect the label, the feature (or probability) columns and row numbers."""
        if self._why_not(ctx):
            return None
        label = ctx.label or ""
        proba = _proba_columns(ctx)
        skip = {c for c in (ctx.prediction,) if c} | set(proba) | timing_columns(ctx.options)
        choice = choose_features(ctx.profile, label, skip)
        return _CollectRows(self, ctx, label, proba, choice)

    def _why_not(self, ctx: ScanContext) -> str | None:
        col = ctx.profile.columns.get(ctx.label or "")
        if col is None:
            return f"there is no column {ctx.label!r}"
        missing = [c for c in _proba_columns(ctx) if c not in ctx.profile.columns]
        if missing:
            return f"the probability column {missing[0]!r} does not exist"
        return why_not_classes(col)

    def cannot_judge(self, label: str, why: str, **evidence: Any) -> Finding:
        """Return the info finding that says why the labels could not be judged."""
        return self.finding("labels.noisy", "info", label, f"{label}: mislabelled rows not judged: {why}",
                            {"judged": False, "reason": why, **evidence})


def _proba_columns(ctx: ScanContext) -> list[str]:
    given = ctx.options.get("proba_columns") or ()
    return [given] if isinstance(given, str) else [str(c) for c in given]


class _CollectRows:
    """Keeps the needed columns of the first MAX_ROWS rows, then judges them once."""

    def __init__(self, detector: NoisyLabels, ctx: ScanContext, label: str, proba: list[str],
                 choice: Any) -> None:
        self.detector, self.ctx, self.label, self.proba, self.choice = detector, ctx, label, proba, choice
        self.columns = [label, *(proba or choice.columns)]
        self.parts: list[pl.DataFrame] = []
        self.kept = 0
        self.seen = 0

    def update(self, df: pl.DataFrame, offset: int) -> None:
        self.seen += df.height
        room = MAX_ROWS - self.kept
        if room <= 0:
            return
        part = df.select(self.columns).head(room).with_row_index("__row__", offset=offset)
        self.parts.append(part.filter(pl.col(self.label).is_not_null()))
        self.kept += min(room, df.height)

    def finish(self) -> Iterator[Finding]:
        det, label = self.detector, self.label
        df = pl.concat(self.parts) if self.parts else pl.DataFrame()
        if df.height < 10:
            yield det.cannot_judge(label, f"only {df.height} labelled rows")
            return
        classes = encode_classes(df[label])
        if len(classes.names) < 2:
            yield det.cannot_judge(label, "fewer than two classes have two rows or more",
                                   single_row_classes=classes.singletons)
            return
        df = df[classes.kept]
        if self.proba:
            judged = self._given_proba(df, classes)
        else:
            judged = self._proxy(df, classes)
        if isinstance(judged, str):
            yield det.cannot_judge(label, judged)
            return
        proxy, notes = judged
        yield from self._rank(df, classes, proxy, notes)

    def _given_proba(self, df: pl.DataFrame, classes: Classes) -> tuple[ProxyResult, dict[str, Any]] | str:
        k = len(classes.names)
        if len(self.proba) != k:
            return (f"{len(self.proba)} probability columns for {k} classes "
                    f"({', '.join(short(c, 20) for c in classes.names[:10])}): give one column per class, "
                    "in the classes' sorted order")
        probs = df.select(pl.col(c).cast(pl.Float64, strict=False) for c in self.proba).to_numpy()
        bad = ~np.isfinite(probs).all(axis=1) | (probs < 0).any(axis=1) | (probs > 1).any(axis=1)
        bad |= np.abs(np.nan_to_num(probs).sum(axis=1) - 1) > SUM_TOLERANCE
        if bad.any():
            first = int(df["__row__"][int(np.flatnonzero(bad)[0])])
            return (f"{int(bad.sum()):,} rows have probabilities that are missing, outside 0..1 or do not "
                    f"sum to 1 (first: row {first})")
        result = score_proba(probs, classes.y, 0, "given out-of-sample probabilities")
        return result, {"probability_columns": dict(zip(classes.names, self.proba, strict=True))}

    def _proxy(self, df: pl.DataFrame, classes: Classes) -> tuple[ProxyResult, dict[str, Any]] | str:
        choice = self.choice
        copies = label_copies(df, self.label, choice.columns)
        for c in copies:
            choice.left_out[c] = f"predicts the label alone ({copies[c]:.1%} pure): leakage"
            for group in (choice.numeric, choice.categorical, choice.text):
                if c in group:
                    group.remove(c)
        if not choice.columns:
            return "no usable feature column (" + "; ".join(f"{c}: {w}" for c, w in choice.left_out.items()) + ")"
        x = feature_matrix(df, choice)
        result = cross_validated_proba(x, classes.y, len(classes.names))
        return result, {"features": choice.columns, "left_out": dict(choice.left_out)}

    def _rank(self, df: pl.DataFrame, classes: Classes, proxy: ProxyResult,
              notes: dict[str, Any]) -> Iterator[Finding]:
        from cleanlab.count import compute_confident_joint, estimate_joint
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores

        det, label, y, probs = self.detector, self.label, classes.y, proxy.pred_probs
        quality = get_label_quality_scores(y, probs)
        counted = compute_confident_joint(y, probs)  # once, for both the filter and the noise rates
        # one process: cleanlab's pool of workers costs more than it saves on 2 cores (0.38 s vs 0.11 s
        # on 100k rows × 10 classes) and gives the same rows
        issues = np.flatnonzero(find_label_issues(y, probs, confident_joint=counted, n_jobs=1))
        issues = issues[np.argsort(quality[issues], kind="stable")]  # worst first
        joint = estimate_joint(y, probs, confident_joint=counted)
        given_total = joint.sum(axis=1)
        noise = {n: float(1 - joint[i, i] / given_total[i]) if given_total[i] > 0 else 0.0
                 for i, n in enumerate(classes.names)}
        rows = df["__row__"].to_numpy()
        suggested = probs.argmax(axis=1)
        judged = len(y)
        share = issues.size / judged
        weak = proxy.skill < WEAK_SKILL
        severity = "error" if share >= ERROR_SHARE else "warning" if share >= WARNING_SHARE else "info"
        if proxy.skill < NO_SKILL:
            severity = "info"
        elif weak:
            severity = {"error": "warning", "warning": "info"}.get(severity, "info")
        judge = (f"proxy accuracy {pct(proxy.accuracy)}" if proxy.folds else "from the given probabilities")
        title = f"{label}: {issues.size:,} rows look mislabelled ({pct(share)} of {judged:,} judged; {judge})"
        if weak:
            title += " — a weak proxy makes a weak judge: treat these as leads"
        evidence: dict[str, Any] = {
            "judged": True, "count": int(issues.size), "share": share, "judged_rows": judged,
            "rows_read": self.seen, "capped": self.seen > MAX_ROWS,
            "suspects": [{"row": int(rows[i]), "given": classes.names[y[i]],
                          "suggested": classes.names[suggested[i]], "quality": round(float(quality[i]), 4)}
                         for i in issues[:SHOWN]],
            "noise_rate_by_class": noise,
            "proxy": {"model": proxy.model, "accuracy": proxy.accuracy, "log_loss": proxy.log_loss,
                      "baseline_accuracy": proxy.baseline_accuracy, "skill": proxy.skill,
                      "folds": proxy.folds, "weak": weak, **notes},
            "all_rows": [int(r) for r in rows[issues]],
        }
        if self.seen > MAX_ROWS:
            evidence["note"] = f"judged the first {MAX_ROWS:,} of {self.seen:,} rows"
        if classes.singletons:
            evidence["single_row_classes"] = classes.singletons
        yield det.finding("labels.noisy", severity, label, title, evidence,
                          rows=[int(r) for r in rows[issues[:SHOWN]]])
