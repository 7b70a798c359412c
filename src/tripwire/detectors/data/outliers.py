"""data.outliers: values far outside the bulk (robust fences), and impossible signs."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import polars as pl

from tripwire.detectors.common import is_numeric, pct, rose_significantly
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.report import Finding

#: Tukey's "far out" multiplier of the interquartile range
K = 3.0
MIN_VALUES = 50
MIN_DISTINCT = 10
#: a sign or a zero is "impossible" when at most this share of values has it
RARE = 0.001


def fences(col: ColumnProfile) -> tuple[float, float, str] | None:
    """Return (lower, upper, scale) robust fences from the quantile sketch, or None.

    Positive right-skewed columns (prices, incomes, counts) get fences on the log scale, so
    their long tail is not called outliers.
    """
    num = col.numbers
    if num.n < MIN_VALUES or col.distinct_count < MIN_DISTINCT:
        return None
    q1, q3 = num.quantiles.quantiles([0.25, 0.75])
    skew = num.moments.skewness or 0.0
    if num.min is not None and num.min > 0 and skew > 1.0 and q1 > 0:
        lq1, lq3 = math.log10(q1), math.log10(q3)
        iqr = max(lq3 - lq1, 0.05)
        return 10 ** (lq1 - K * iqr), 10 ** (lq3 + K * iqr), "log"
    iqr = q3 - q1
    if iqr <= 0:
        return None
    return q1 - K * iqr, q3 + K * iqr, "linear"


def beyond(col: ColumnProfile, lower: float, upper: float) -> float:
    """Return the estimated share of a column's numbers outside [lower, upper]."""
    lo, hi = col.numbers.quantiles.cdf([lower, upper])
    share = float(lo) + max(0.0, 1.0 - float(hi))
    # the sketch cannot see fewer values than its resolution; the exact extremes can
    if share == 0.0 and (col.numbers.min < lower or col.numbers.max > upper):
        share = 1.0 / col.numbers.n
    return share


def _values(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64, strict=False)


@register
class Outliers(Detector):
    """Report values far outside a column's bulk, and negatives/zeros where they can't be."""

    name, family, codes = "outliers", "data", ("data.outliers",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            if not is_numeric(col) or col.kind == "temporal":
                continue
            yield from self._impossible(col)
            ref = ctx.reference.columns.get(col.name) if ctx.reference is not None else None
            if ref is not None and is_numeric(ref):
                found = self._against_reference(col, ref)
            else:
                found = self._alone(col)
            if found is not None:
                yield found

    def _alone(self, col: ColumnProfile) -> Finding | None:
        f = fences(col)
        if f is None:
            return None
        lower, upper, scale = f
        num = col.numbers
        if num.min >= lower and num.max <= upper:
            return None
        share = beyond(col, lower, upper)
        if share > 0.01:  # more than 1% beyond the fences is a shape, not outliers
            return None
        return self.finding(
            "data.outliers", "info", col.name,
            f"{col.name}: about {pct(share)} of values outside [{lower:.4g}, {upper:.4g}]"
            f" (min {num.min:.4g}, max {num.max:.4g})",
            {"estimated_share": share, "lower": lower, "upper": upper, "scale": scale,
             "rule": f"quartiles ± {K:g} × IQR" + (" on log10 values" if scale == "log" else ""),
             "min": num.min, "max": num.max},
            locate=(_values(col.name) < lower) | (_values(col.name) > upper),
        )

    def _against_reference(self, col: ColumnProfile, ref: ColumnProfile) -> Finding | None:
        f = fences(ref)
        if f is None:
            return None
        lower, upper, scale = f
        cur_share, ref_share = beyond(col, lower, upper), beyond(ref, lower, upper)
        n, rn = col.numbers.n, ref.numbers.n
        if not rose_significantly(round(cur_share * n), n, round(ref_share * rn), rn):
            return None
        if cur_share < max(5 * ref_share, ref_share + 0.005):
            return None
        return self.finding(
            "data.outliers", "warning", col.name,
            f"{col.name}: {pct(cur_share)} of values outside the reference's range "
            f"[{lower:.4g}, {upper:.4g}] (reference: {pct(ref_share)})",
            {"estimated_share": cur_share, "reference_share": ref_share, "lower": lower,
             "upper": upper, "scale": scale, "min": col.numbers.min, "max": col.numbers.max},
            locate=(_values(col.name) < lower) | (_values(col.name) > upper),
        )

    def _impossible(self, col: ColumnProfile) -> Iterator[Finding]:
        num = col.numbers
        if num.n < 1000:
            return
        if 0 < num.negatives <= RARE * num.n:
            yield self.finding(
                "data.outliers", "warning", col.name,
                f"{col.name}: {num.negatives:,} negative values in a column that is otherwise "
                "never negative",
                {"count": num.negatives, "share": num.negatives / col.count, "rule": "sign",
                 "min": num.min},
                fix="Check the listed rows: a sign error or a sentinel value such as -1 for 'unknown'.",
                locate=_values(col.name) < 0,
            )
        positive = int(num.magnitudes[0].sum())
        if 0 < num.zeros <= RARE * num.n and num.negatives == 0 and positive > 0:
            lowest = float(np.flatnonzero(num.magnitudes[0])[0])
            if lowest > 0:
                yield self.finding(
                    "data.outliers", "info", col.name,
                    f"{col.name}: {num.zeros:,} zeros in a column that is otherwise strictly positive",
                    {"count": num.zeros, "share": num.zeros / col.count, "rule": "zero"},
                    fix="Zeros in a column of weights, prices or durations are often placeholders.",
                    locate=_values(col.name) == 0,
                )
