"""data.outliers: values far outside the bulk (robust fences), and impossible signs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from tripwire.detectors.common import is_numeric, pct, rose_significantly
from tripwire.detectors.registry import Detector, RowTask, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.profiling.stats.numeric import magnitude_edges
from tripwire.report import Finding
from tripwire.report.finding import MAX_ALL_ROWS

#: Tukey's "far out" multiplier of the interquartile range
K = 3.0
MIN_VALUES = 50
MIN_DISTINCT = 10
#: without a reference, a sign or a zero is "impossible" when at most this share of values has
#: it, or at most ALONE_SHARE when it lies far below the positive bulk
RARE = 0.001
ALONE_SHARE = 0.01
MIN_SIGN_VALUES = 20
#: against a reference that never had them: the chance it drew none, were both alike, at most this
IMPOSSIBLE_CHANCE = 0.01
#: "far beyond" the reference: half its range past min/max, or half a decade on the log scale
FAR_SPAN = 0.5
#: ... or this many times the gap between its extreme and its tenth most extreme value
TAIL_K = 3.0
#: one or two (LONE) values must lie this many margins out to be a warning
SINGLE_K = 4.0
LONE = 2


def fences(col: ColumnProfile) -> tuple[float, float, str] | None:
    """Return (lower, upper, scale) robust fences from the quantile sketch, or None.

    Positive right-skewed columns (prices, incomes, counts) get fences on the log scale, so
    their long tail is not called outliers.
    """
    num = col.numbers
    if num.n < MIN_VALUES or col.distinct_count < MIN_DISTINCT:
        return None
    q1, q3 = col.quantiles([0.25, 0.75])
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


@dataclass(frozen=True)
class OutsideRange:
    """Values of a column outside [lower, upper]: the claim before its exact count."""

    column: ColumnProfile
    lower: float
    upper: float
    scale: str
    rule: str
    severity: str
    against: str  # "the fences" / "the reference's range"
    estimated_share: float
    extra: dict = field(default_factory=dict)
    #: below the range, count only positive values (zeros and negatives reported apart)
    positive_only: bool = False
    #: the exact share must reach this too (the estimate came from a sketch)
    min_share: float = 0.0
    #: a lone value outside the range is a warning only beyond these bounds (else info)
    single: tuple[float, float] | None = None

    def expr(self) -> pl.Expr:
        """Return the expression true on the values outside the range."""
        x = _values(self.column.name)
        low = (x < self.lower) & (x > 0) if self.positive_only else x < self.lower
        return low | (x > self.upper)


class _ExactCounts:
    """Counts, in the shared row pass, the values outside each range, and keeps their rows."""

    def __init__(self, detector: Outliers, ranges: list[OutsideRange]) -> None:
        self.detector, self.ranges = detector, ranges
        self.exprs = [r.expr().fill_null(False).alias(f"_{i}") for i, r in enumerate(ranges)]
        self.rows: list[list[np.ndarray]] = [[] for _ in ranges]

    def update(self, df: pl.DataFrame, offset: int) -> None:
        masks = df.select(self.exprs)
        for i, kept in enumerate(self.rows):
            kept.append(np.flatnonzero(masks.get_column(f"_{i}").to_numpy()) + offset)

    def finish(self) -> Iterator[Finding]:
        for r, kept in zip(self.ranges, self.rows, strict=True):
            rows = np.concatenate(kept) if kept else np.zeros(0, np.int64)
            finding = self.detector._outside(r, int(rows.size))
            if finding is not None:
                yield finding.with_rows(rows[:MAX_ALL_ROWS].tolist(), int(rows.size))


def _numeric_columns(ctx: ScanContext) -> Iterator[tuple[ColumnProfile, ColumnProfile | None]]:
    for col in ctx.profile.columns.values():
        if is_numeric(col) and col.kind != "temporal":
            yield col, ctx.reference.columns.get(col.name) if ctx.reference is not None else None


def _ranges(ctx: ScanContext) -> list[OutsideRange]:
    """Return, per numeric column, the range its values should keep to (where one is judged)."""
    out = []
    for col, ref in _numeric_columns(ctx):
        found = (far_beyond(col, ref) or against_reference(col, ref)) if ref is not None and is_numeric(ref) \
            else alone(col)
        if found is not None:
            out.append(found)
    return out


def alone(col: ColumnProfile) -> OutsideRange | None:
    """Return the values beyond a column's own robust fences (info), or None."""
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
    return OutsideRange(col, lower, upper, scale,
                        f"quartiles ± {K:g} × IQR" + (" on log10 values" if scale == "log" else ""),
                        "info", "the fences", share)


def against_reference(col: ColumnProfile, ref: ColumnProfile) -> OutsideRange | None:
    """Return values beyond the reference's fences when their share rose well beyond it."""
    f = fences(ref)
    if f is None:
        return None
    lower, upper, scale = f
    cur_share, ref_share = beyond(col, lower, upper), beyond(ref, lower, upper)
    n, rn = col.numbers.n, ref.numbers.n
    if not rose_significantly(round(cur_share * n), n, round(ref_share * rn), rn):
        return None
    needed = max(5 * ref_share, ref_share + 0.005)
    # the sketches' rank error is of the order of these shares on mid-sized columns
    slack = col.numbers.quantiles.rank_error + ref.numbers.quantiles.rank_error
    if cur_share < needed or cur_share - ref_share <= slack:
        return None
    return OutsideRange(col, lower, upper, scale, "the reference's fences", "warning",
                        "the reference's fences", cur_share, {"reference_share": ref_share},
                        min_share=needed)


def far_beyond(col: ColumnProfile, ref: ColumnProfile) -> OutsideRange | None:
    """Return values far beyond everything the reference held (a warning at any count).

    "Far" is, past the reference's min or max, the larger of half its range (half a decade on
    the log scale for a positive right-skewed column) and three times the gap between its
    extreme and its tenth most extreme value (a long tail strays further): farther than one
    batch's extreme strays from another's in honest data, nearer than a unit or decimal slip
    (x10, x1000, 999999). One or two values must lie four such margins out to be a warning: an
    honest outlier or two in a batch is common, a lone slipped value the rarer case.
    """
    rn, num = ref.numbers, col.numbers
    if rn.n < MIN_SIGN_VALUES or col.distinct_count < 3 or ref.distinct_count < MIN_DISTINCT:
        return None
    k = min(10, rn.n // 10) / rn.n
    q_lo, q_hi = rn.quantiles.quantiles([k, 1 - k])
    # right-skewed non-negative columns (amounts with many zeros too) are judged in decades
    # of their positive values; zeros and signs are the sign rule's
    lowest = _smallest_positive(rn)
    log = (rn.min >= 0 and (rn.moments.skewness or 0.0) > 1.0 and lowest is not None and q_hi > 0)
    to_t = math.log10 if log else float
    r_min = max(rn.min, lowest) if log else rn.min
    q_lo = max(q_lo, r_min) if log else q_lo
    t_min, t_max, t_lo, t_hi = (to_t(v) for v in (r_min, rn.max, q_lo, q_hi))
    base = 0.5 if log else FAR_SPAN * (t_max - t_min)
    m_lo, m_hi = max(base, TAIL_K * (t_lo - t_min)), max(base, TAIL_K * (t_max - t_hi))
    back = (lambda t: 10.0 ** t) if log else float
    lower, upper = back(t_min - m_lo), back(t_max + m_hi)
    single = (back(t_min - SINGLE_K * m_lo), back(t_max + SINGLE_K * m_hi))
    if log and rn.min == 0:  # below the smallest positive of a column with zeros: no judgement
        lower, single = 0.0, (0.0, single[1])
    scale = "log" if log else "linear"
    rule = ("beyond the reference's min / max by the larger of half "
            + ("a decade" if log else "its range") + " and 3x its extreme gap")
    # in a never-negative reference, zeros and signs are the sign rule's to report
    signed = rn.min < 0
    low = num.min if signed else _smallest_positive(num)
    if (low is None or low >= lower) and num.max <= upper:
        return None
    share = beyond(col, lower if signed or lower > 0 else -math.inf, upper)
    return OutsideRange(col, lower, upper, scale, rule, "warning", "the reference's range (widened)",
                        share, {"reference_min": rn.min, "reference_max": rn.max},
                        positive_only=not signed, single=single)


@register
class Outliers(Detector):
    """Report values far outside a column's bulk, and negatives/zeros where they can't be."""

    name, family, codes = "outliers", "data", ("data.outliers",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col, ref in _numeric_columns(ctx):
            yield from self._impossible(col, ref)
        if ctx.source is None:  # a saved profile: the sketch's estimate, said as such
            for r in _ranges(ctx):
                finding = self._outside(r, None)
                if finding is not None:
                    yield finding

    def row_task(self, ctx: ScanContext) -> RowTask | None:
        """Count the values outside each range exactly in the shared row pass, rows included."""
        ranges = _ranges(ctx)
        return _ExactCounts(self, ranges) if ranges else None

    def _outside(self, r: OutsideRange, exact: int | None) -> Finding | None:
        """Return the finding of values outside a range, every figure from one count."""
        col, num = r.column, r.column.numbers
        count = exact if exact is not None else max(1, round(r.estimated_share * num.n))
        if count == 0 or count / max(num.n, 1) < r.min_share:
            return None
        share = count / col.count
        severity = r.severity
        low = _smallest_positive(num) if r.positive_only else num.min
        if (count <= LONE and r.single is not None and (low is None or r.single[0] <= low)
                and num.max <= r.single[1]):
            severity = "info"  # one or two honest outliers stray this far; a slip lands further
        about = "" if exact is not None else "about "
        what = f"{about}{count:,} value{'s' if count != 1 else ''} ({pct(share)})"
        evidence = {"count": count, "share": share, "exact": exact is not None, "lower": r.lower,
                    "upper": r.upper, "scale": r.scale, "rule": r.rule, "min": num.min, "max": num.max,
                    **r.extra}
        return self.finding(
            "data.outliers", severity, col.name,
            f"{col.name}: {what} outside {r.against} [{r.lower:.4g}, {r.upper:.4g}]"
            f" (min {num.min:.4g}, max {num.max:.4g})",
            evidence, locate=r.expr())

    def _impossible(self, col: ColumnProfile, ref: ColumnProfile | None) -> Iterator[Finding]:
        """Yield negatives in a never-negative column and zeros in a strictly positive one.

        Against a reference that never had them, they are a warning when chance cannot explain
        their absence there, or when they lie far below every reference value; without one,
        a small share in an otherwise positive column is.
        """
        num = col.numbers
        if num.n < MIN_SIGN_VALUES:
            return
        known = ref is not None and is_numeric(ref) and ref.numbers.n >= MIN_SIGN_VALUES
        if known and ref.numbers.negatives:
            return  # the reference had negatives (and so zeros are no surprise either)
        k = num.negatives
        if k and _impossible_here(k, col, ref if known else None, bound=0.0):
            yield self.finding(
                "data.outliers", "warning", col.name,
                f"{col.name}: {k:,} negative value{'s' if k != 1 else ''} in a column that is otherwise "
                + ("never negative" if not known else "never negative (none in the reference)"),
                {"count": k, "share": k / col.count, "rule": "sign", "min": num.min},
                fix="Check the listed rows: a sign error or a sentinel value such as -1 for 'unknown'.",
                locate=_values(col.name) < 0,
            )
        z = num.zeros
        ref_positive = known and ref.numbers.zeros == 0
        if z and (ref_positive or not known) and _impossible_here(z, col, ref if known else None, bound=None):
            yield self.finding(
                "data.outliers", "warning", col.name,
                f"{col.name}: {z:,} zero{'s' if z != 1 else ''} in a column that is otherwise strictly positive"
                + (" (none in the reference)" if known else ""),
                {"count": z, "share": z / col.count, "rule": "zero"},
                fix="Zeros in a column of weights, prices or durations are often placeholders.",
                locate=_values(col.name) == 0,
            )


def _impossible_here(k: int, col: ColumnProfile, ref: ColumnProfile | None, bound: float | None) -> bool:
    """Tell whether k negatives (bound=0) or zeros (bound=None) are impossible in this column."""
    num = col.numbers
    if ref is not None:
        n_ref = ref.numbers.n
        # chance that the reference drew none of them, were both batches alike
        chance = (num.n / (num.n + n_ref)) ** k
        return chance <= IMPOSSIBLE_CHANCE or _far_below(ref, num.min)
    if k > ALONE_SHARE * num.n:
        return False
    # the rest of the column: strictly positive for zeros, non-negative for negatives
    rest_min = _smallest_positive(num) if bound is None else 0.0
    if bound is None and (num.negatives > ALONE_SHARE * num.n or rest_min is None):
        return False
    if bound is None and num.integral == num.n and rest_min <= 1.0:
        return False  # whole numbers down to 1 (a 0-based id, a count): 0 is the next one, not a gap
    if bound == 0.0 and num.zeros + int(num.magnitudes[0].sum()) < (1 - ALONE_SHARE) * num.n:
        return False
    return k <= RARE * num.n or _far_below(col, num.min)


def _far_below(col: ColumnProfile, value: float) -> bool:
    """Tell whether a value sits at least half an IQR below the column's positive bulk."""
    q1, q3 = col.quantiles([0.25, 0.75])
    lowest = _smallest_positive(col.numbers)
    if lowest is None or q3 <= q1:
        return False
    return lowest - min(value, 0.0) >= 0.5 * (q3 - q1) and lowest >= 0.5 * (q3 - q1)


def _smallest_positive(num) -> float | None:  # noqa: ANN001
    """Return the lower edge of the lowest occupied positive magnitude bin (None if none)."""
    occupied = np.flatnonzero(num.magnitudes[0])
    if occupied.size == 0:
        return None
    return float(magnitude_edges()[occupied[0]])
