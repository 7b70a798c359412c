"""data.magnitude_error: values a power of ten away from the bulk (N5: "syntax right,
semantics wrong": a lost decimal point, cents vs units, cm vs m).

Decided from the profile's exact magnitude histogram (quarter-decade bins of |x|, per sign).
Within a batch: walking out from the histogram's mode, a deep trough followed by a second bump
whose peak sits a whole number of decades from the mode is the bulk's shifted copy; a smooth
heavy tail decays without such a bump and is left alone. Against a reference: the whole batch
is shifted when its median moved by a whole power of ten while its spread (in decades) did not.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from tripwire.detectors.common import is_numeric, pct
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.profiling.stats.numeric import MAG_LOW, MAG_PER_DECADE
from tripwire.report import Finding

MAX_SHARE = 0.05  # a magnitude error affects a minority of values
MIN_COUNT = 3  # one far value is an outlier; a group at a power of ten is a unit slip
TOLERANCE_BINS = 2  # half a decade around a whole power of ten
#: a trough is "deep" when the bump after it is this many times higher (plus a few values)
DIP_RATIO, DIP_SLACK = 3, 3


@dataclass(frozen=True)
class ShiftedGroup:
    """Bins [first, last] of one sign holding `count` values, `power` decades from the mode."""

    first: int
    last: int
    count: int
    power: int

    def bounds(self) -> tuple[float, float]:
        """Return the |x| range of the group."""
        return (10 ** (MAG_LOW + self.first / MAG_PER_DECADE),
                10 ** (MAG_LOW + (self.last + 1) / MAG_PER_DECADE))


def shifted_groups(h: np.ndarray) -> list[ShiftedGroup]:
    """Find bumps of the histogram a whole number of decades from its mode, past a deep trough."""
    total = int(h.sum())
    if total == 0:
        return []
    mode = int(np.argmax(h))
    out = []
    for step in (1, -1):
        idx = list(range(mode + step, h.size if step > 0 else -1, step))
        trough, trough_at, empty_run, longest_empty = int(h[mode]), mode, 0, 0
        for i in idx:
            v = int(h[i])
            empty_run = empty_run + 1 if v == 0 else 0
            if v < trough:
                trough, trough_at, longest_empty = v, i, 0
            longest_empty = max(longest_empty, empty_run)
            if v >= DIP_RATIO * trough + DIP_SLACK and trough_at != mode:
                group = _group(h, trough_at, step)
                peak = group[0] + int(np.argmax(h[group[0]: group[1] + 1]))
                decades = (peak - mode) / MAG_PER_DECADE
                power = round(decades)
                gap = longest_empty >= MAG_PER_DECADE
                count = int(h[group[0]: group[1] + 1].sum())
                if (abs(peak - mode - power * MAG_PER_DECADE) <= TOLERANCE_BINS
                        and (abs(power) >= 2 or (abs(power) == 1 and gap))
                        and MIN_COUNT <= count <= MAX_SHARE * total
                        and looks_shifted(h, group, power)):
                    out.append(ShiftedGroup(group[0], group[1], count, power))
                break
    return out


def looks_shifted(h: np.ndarray, group: tuple[int, int], power: int) -> bool:
    """Tell whether the group's histogram has the shape of the bins it would come from.

    A decimal slip scales a random subset of the bulk, so the group is a small copy of the
    bulk shifted by `power` decades; structured codes (occupation codes, zip ranges) are not.
    A group of a few values is accepted when the bins it maps back to are occupied.
    """
    shift = power * MAG_PER_DECADE
    lo, hi = group
    src = np.arange(lo, hi + 1) - shift
    valid = (src >= 0) & (src < h.size)
    g = h[lo: hi + 1][valid].astype(np.float64)
    b = h[src[valid]].astype(np.float64)
    if g.sum() == 0 or b.sum() == 0:
        return False
    if g.sum() < 10:
        # a few values far above the bulk are a slip; a few far below it are, in heavy real
        # columns (amounts, interest paid), as often genuine small values: those need a shape
        return power > 0 and bool(np.all(b[g > 0] > 0))
    cosine = float(np.dot(g, b) / (np.linalg.norm(g) * np.linalg.norm(b)))
    return cosine >= 0.9  # measured: 0.98 for decimal slips in flights, 0.80 for GSS occupation codes


def _group(h: np.ndarray, trough_at: int, step: int) -> tuple[int, int]:
    """Return the bins past the trough, in the walking direction, as (low, high)."""
    end = h.size - 1 if step > 0 else 0
    nz = np.flatnonzero(h)
    end = int(nz[-1]) if step > 0 else int(nz[0])
    start = trough_at + step
    return (start, end) if step > 0 else (end, start)


def whole_batch_shift(col: ColumnProfile, ref: ColumnProfile) -> int:
    """Return k when the batch looks like the reference times 10**k (0 when it does not)."""
    cq = col.quantiles([0.25, 0.5, 0.75])
    rq = ref.quantiles([0.25, 0.5, 0.75])
    if cq is None or rq is None or min(*cq, *rq) <= 0:
        return 0
    moved = math.log10(cq[1] / rq[1])
    power = round(moved)
    same_spread = abs(math.log10(cq[2] / cq[0]) - math.log10(rq[2] / rq[0])) <= 0.15
    return power if power != 0 and abs(moved - power) <= 0.15 and same_spread else 0


@register
class MagnitudeError(Detector):
    """Report values off by a power of ten from the rest of their column or the reference."""

    name, family, codes = "magnitude", "data", ("data.magnitude_error",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for col in ctx.profile.columns.values():
            if not is_numeric(col) or col.kind == "temporal" or col.numbers.n < 20:
                continue
            ref = ctx.reference.columns.get(col.name) if ctx.reference is not None else None
            if ref is not None and is_numeric(ref) and ref.numbers.n >= 20:
                power = whole_batch_shift(col, ref)
                if power:
                    yield self._whole(col, ref, power)
                    continue
            for sign in (0, 1):
                h = col.numbers.magnitudes[sign]
                if col.numbers.integral == col.numbers.n:
                    # small integers are too sparse for quarter decades (only 1 falls in
                    # [1, 1.78), 2 and 3 in the next bin): their bumps are artefacts
                    h = h.copy()
                    h[: -MAG_LOW * MAG_PER_DECADE + MAG_PER_DECADE] = 0
                for group in shifted_groups(h):
                    if not _seen_in_reference(group, sign, col, ref):
                        yield self._group(col, group, sign)

    def _whole(self, col: ColumnProfile, ref: ColumnProfile, power: int) -> Finding:
        what = _what(power)
        return self.finding(
            "data.magnitude_error", "error", col.name,
            f"{col.name}: the whole batch looks {what} compared with the reference "
            f"(median {col.median:.4g} vs {ref.median:.4g})",
            {"count": col.numbers.n, "share": col.numbers.n / max(col.count, 1),
             "factor": 10.0 ** power, "direction": "larger" if power > 0 else "smaller",
             "median": col.median,
             "reference_median": ref.median},
            fix=f"The feed's unit changed ({what}): convert it back before use, and ask the source.",
        )

    def _group(self, col: ColumnProfile, g: ShiftedGroup, sign: int) -> Finding:
        lo, hi = g.bounds()
        if sign == 1:
            lo, hi = -hi, -lo
        what = _what(g.power)
        x = pl.col(col.name).cast(pl.Float64, strict=False)
        share = g.count / col.count
        return self.finding(
            "data.magnitude_error", "error" if abs(g.power) >= 2 else "warning", col.name,
            f"{col.name}: {g.count:,} values look {what} than the rest",
            {"count": g.count, "share": share, "factor": 10.0 ** g.power,
             "direction": "larger" if g.power > 0 else "smaller", "range": [lo, hi],
             "median": col.median},
            fix=f"Values in [{lo:.4g}, {hi:.4g}] ({pct(share)} of rows) look {what}: a decimal "
                "point or a unit slipped. Confirm with the source, then rescale them.",
            locate=(x >= lo) & (x < hi),
        )


def _seen_in_reference(g: ShiftedGroup, sign: int, col: ColumnProfile, ref: ColumnProfile | None) -> bool:
    """Tell whether the reference held values in the group's bins at a like share (then they
    are part of the column, not a slip)."""
    if ref is None or not is_numeric(ref) or not ref.numbers.n:
        return False
    ref_count = int(ref.numbers.magnitudes[sign][g.first: g.last + 1].sum())
    return ref_count / ref.numbers.n >= 0.5 * g.count / col.numbers.n


def _what(power: int) -> str:
    return f"{10 ** abs(power):,}x {'larger' if power > 0 else 'smaller'}"
