"""drift.feature: each column against the reference, from the two profiles alone (N16).

The decision combines effect size and significance: an effect below the info threshold is no
finding however many rows back it; an effect that reaches a level is reported at that level
when its test survives Benjamini-Hochberg across all compared columns, and as info with its
uncertainty when it does not (a big change on few rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.drift_detection.compare import LEVEL_RANK, ColumnDrift, compare, partition_keys
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.spread import SpreadChange, spread_change, strong
from tripwire.drift_detection.stats import benjamini_hochberg

if TYPE_CHECKING:
    from tripwire.profiling import DatasetProfile
    from tripwire.report import Finding

#: the effect as the title names it: each number is the statistic it says (the Wasserstein
#: distance of the central 99% of ranks in robust SDs, IQR / 1.349 of the reference; not a
#: move of the median or the mean, which can stand still while a share of values moves far)
_METRIC_WORDS = {"wasserstein": "Wasserstein {v:.2f} robust SD", "psi": "PSI {v:.2f}"}


def feature_table(reference: DatasetProfile, current: DatasetProfile, config: DriftConfig,
                  exclude: Iterable[str] = ()) -> list[ColumnDrift]:
    """Compare every column both profiles share; fill each result's BH-adjusted p-value."""
    skip = set(exclude)
    keys = partition_keys(reference, current)
    results = []
    for name, cur in current.columns.items():
        if name in skip or config.skipped(name) or name not in reference:
            continue
        result = compare(name, reference[name], cur, config, config.treat_as(name))
        if result is not None:
            if name in keys:
                result.treatment = "partition"
            results.append(result)
    for result, padj in zip(results, benjamini_hochberg([r.pvalue for r in results]), strict=True):
        result.padj = padj
    return results


def decide(result: ColumnDrift, alpha: float) -> tuple[str | None, bool]:
    """Return (severity or None, whether the change is significant)."""
    if result.level is None:
        return None, False
    significant = result.padj <= alpha
    if result.treatment in ("temporal", "partition"):  # moves by design: say so, quietly
        return ("info" if significant else None), significant
    if significant:
        return result.level, True
    if LEVEL_RANK[result.level] >= LEVEL_RANK["warning"]:
        return "info", False  # a big change on few rows: report it with its uncertainty
    return None, False


def describe(detector: Detector, code: str, result: ColumnDrift, alpha: float,
             config: DriftConfig, prefix: str = "") -> Finding | None:
    """Turn one column's comparison into a finding (None when it is no alarm)."""
    severity, significant = decide(result, alpha)
    if severity is None:
        return None
    effect = result.effects[result.metric]
    how = ("was constant" if effect == float("inf")
           else _METRIC_WORDS[result.metric].format(v=effect))
    title = f"{prefix}{result.column}: {result.words}; {how}"
    if result.treatment == "temporal":
        title = f"{prefix}{result.column}: time range moved ({result.words}); expected for a time column"
    elif result.treatment == "partition":
        title = (f"{prefix}{result.column}: one value per batch ({result.words}); a partition key, "
                 "expected to differ")
    elif not significant:
        title += (f" — only {result.n_ref:,} vs {result.n_cur:,} values, not significant "
                  f"(p={result.padj:.2g}); may be noise")
    evidence = {
        "metric": result.metric,
        "effect": round(effect, 4) if effect != float("inf") else "inf",
        "thresholds": config.levels(result.metric, result.column),
        **result.evidence,
        "p_adjusted": result.padj,
        "significant": significant,
        "treatment": result.treatment,
    }
    return detector.finding(code, severity, result.column, title, evidence)  # type: ignore[arg-type]


def not_features(ctx: ScanContext) -> set[str]:
    """Return the columns the drift detectors leave out: the label, the prediction, the time column."""
    return {c for c in (ctx.label, ctx.prediction, ctx.options.get("time_column")) if c}


@register
class FeatureDrift(Detector):
    """Report columns whose distribution moved from the reference, in words."""

    name, family = "drift.feature", "drift"
    codes = ("drift.feature",)
    requires = frozenset({"profile", "reference"})
    background = True  # no rows to locate: either thread may run it while the other works

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        config = DriftConfig.from_options(ctx.options)
        exclude = not_features(ctx)
        assert ctx.reference is not None
        results = feature_table(ctx.reference, ctx.profile, config, exclude)
        numeric = sum(r.treatment == "numeric" for r in results)
        for result in results:
            finding = describe(self, "drift.feature", result, config.alpha, config)
            if result.treatment == "numeric" and LEVEL_RANK[finding.severity if finding else None] < 2:
                change = spread_change(ctx.reference[result.column].numbers.moments,
                                       ctx.profile[result.column].numbers.moments)
                if strong(change, numeric):
                    assert change is not None
                    finding = self._spread(result, change, numeric)
            if finding is not None:
                yield finding

    def _spread(self, result: ColumnDrift, change: SpreadChange, numeric: int) -> Finding:
        """Describe a column whose spread changed while its location held (noise, a mixture)."""
        way = "wider" if change.sd_ratio > 1 else "narrower"
        title = (f"{result.column}: SD ×{change.sd_ratio:.2f} ({way}, z = {abs(change.z):.1f}); {result.words} "
                 "— noise added or a share of rows moved")
        evidence = {"metric": "spread", "effect": round(change.sd_ratio, 4), **change.evidence(numeric),
                    **result.evidence, "significant": True, "treatment": result.treatment}
        return self.finding("drift.feature", "warning", result.column, title, evidence)
