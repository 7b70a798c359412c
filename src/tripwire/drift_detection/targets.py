"""drift.label and drift.prediction: the target's and the model output's distribution (N17).

The same comparison as drift.feature (class shares for a categorical target or a cluster /
topic output, the distribution for a numeric one), reported under its own code so a label
shift or a change in what the model outputs is never lost among the features.
"""

from __future__ import annotations

from collections.abc import Iterator

from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.drift_detection.compare import compare
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.features import describe
from tripwire.report import Finding


def _target_drift(detector: Detector, ctx: ScanContext, column: str | None, code: str,
                  role: str) -> Iterator[Finding]:
    assert ctx.reference is not None
    if not column or column not in ctx.reference:
        return  # the reference has no such column: nothing to compare with
    config = DriftConfig.from_options(ctx.options)
    ref, cur = ctx.reference[column], ctx.profile[column]
    # a label with few distinct values is classes even when stored as integers
    forced = config.treat_as(column)
    if forced is None and ref.frequent.exact and 0 < len(ref.frequent.counts) <= 50 and \
            cur.frequent.exact and ref.inferred_type in ("int", "bool", "string"):
        forced = "categorical"
    result = compare(column, ref, cur, config, forced)
    if result is None:
        return
    result.padj = result.pvalue  # one test: nothing to correct for
    finding = describe(detector, code, result, config.alpha, config, prefix=f"{role} ")
    if finding is not None:
        yield finding


@register
class LabelDrift(Detector):
    """Report a change in the label's class shares or distribution (with --label)."""

    name, family = "drift.label", "drift"
    codes = ("drift.label",)
    requires = frozenset({"profile", "reference", "labels"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        yield from _target_drift(self, ctx, ctx.label, "drift.label", "label")


@register
class PredictionDrift(Detector):
    """Report a change in what the model outputs: class, cluster or topic shares, or scores."""

    name, family = "drift.prediction", "drift"
    codes = ("drift.prediction",)
    requires = frozenset({"profile", "reference", "predictions"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        yield from _target_drift(self, ctx, ctx.prediction, "drift.prediction", "prediction")
