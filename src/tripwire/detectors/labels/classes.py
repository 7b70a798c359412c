"""labels.class_imbalance and labels.low_class_count (N14), with --label."""

from __future__ import annotations

import math
from collections.abc import Iterator

import polars as pl

from tripwire.detectors.common import pct, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.report import Finding

#: estimate a class's recall within ±MARGIN at 95% confidence: needs n >= z²·p(1-p)/margin²
MARGIN, Z = 0.10, 1.96
MIN_PER_CLASS = math.ceil(Z * Z * 0.25 / (MARGIN * MARGIN))  # 97
IMBALANCE_WARNING, IMBALANCE_INFO = 10.0, 3.0
MAX_CLASSES = 200


@register
class ClassBalance(Detector):
    """Report classes too rare to learn or evaluate, and how skewed the classes are."""

    name, family = "class_balance", "labels"
    codes = ("labels.class_imbalance", "labels.low_class_count")
    requires = frozenset({"profile", "labels"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        col = ctx.profile[ctx.label]
        counts = dict(col.frequent.top())
        if not counts or not col.frequent.exact or len(counts) > MAX_CLASSES:
            return  # a continuous target or too many classes: not a classification label
        if col.inferred_type == "float" and len(counts) > 20:
            return
        label = ctx.label
        ordered = sorted(counts.items(), key=lambda kv: -kv[1])
        (top, most), (rare, least) = ordered[0], ordered[-1]
        total = sum(counts.values())
        if len(counts) >= 2:
            ratio = most / least
            if ratio >= IMBALANCE_INFO:
                yield self.finding(
                    "labels.class_imbalance", "warning" if ratio >= IMBALANCE_WARNING else "info", label,
                    f"{label}: classes are imbalanced {ratio:.0f}:1 ({short(top)} {pct(most / total)}, "
                    f"{short(rare)} {pct(least / total)})",
                    {"ratio": ratio, "counts": dict(ordered[:50]), "share": least / total},
                    fix="Stratify splits, weight classes, and report per-class recall, not accuracy.",
                )
        small = [(v, n) for v, n in ordered if n < MIN_PER_CLASS]
        if small:
            tiny = [v for v, n in small if n < 5]
            yield self.finding(
                "labels.low_class_count", "error" if tiny else "warning", label,
                f"{label}: {len(small)} class(es) with fewer than {MIN_PER_CLASS} rows "
                f"({', '.join(f'{short(v)}: {n}' for v, n in small[:4])})",
                {"counts": dict(small[:50]), "minimum_needed": MIN_PER_CLASS,
                 "confidence": 0.95, "margin": MARGIN, "count": sum(n for _, n in small)},
                fix=f"Collect at least {MIN_PER_CLASS} rows per class to estimate its recall within "
                    f"±{MARGIN:.0%} at 95% confidence, or merge rare classes.",
                locate=pl.col(label).is_in([v for v, _ in small]),
            )
