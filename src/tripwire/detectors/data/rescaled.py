"""data.magnitude_error against a reference: a share of a column converted by a constant factor
or an affine map (x10, cents, lb -> kg, °C -> °F), not only by powers of ten.

Decided from the two profiles' quantile sketches. When a column moved beyond sampling noise
(Kolmogorov-Smirnov), the current distribution is fitted as a mixture of the reference and a
transformed copy of it, F_cur = (1 - s) F_ref + s F_ref((x - b) / a), over a grid of factors
a and offsets b (in reference SDs); the fit is a finding only when it explains the move down
to sampling noise, with s at most one half, and clearly better than any transform of the whole
batch. Pure offsets (a near 1) are left to drift; a long tail is never a mixture of this kind.
A unit reading competes with a shifted and a noised share on the same CDF difference and is
said only when it fits better (a shift of part of a column is no unit slip).
Rows are listed where a converted value is at least 95% likely.

Where that fit finds nothing (a share too small to move the CDF beyond noise), a likelihood-ratio
test takes over (`mixture_lr`): the current sample as a mixture of the reference and the
reference converted by a known unit map, on log values, and on the residuals of the column's
log predicted from the row's other columns (`row_model`: a factor is a shift there, even for
values well inside the range). It fires only beyond the Bonferroni bound over every (column,
map) test of the scan; when two columns' findings list the same rows, the column whose own
values look more converted keeps the finding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from tripwire.detectors.common import is_numeric, pct
from tripwire.detectors.data.mixture_lr import MAX_SHARE, fit_mixture, lr_bound
from tripwire.detectors.data.row_model import ROW, RowFeatures, SampleColumns, Samples
from tripwire.detectors.data.share_tests import (
    MIN_VALUES,
    NORMAL_QUANTILES,
    POSTERIOR,
    RIVAL_NOISE_SD,
    RIVAL_SHIFTS_SD,
    Candidate,
    MovedTest,
    UnitTest,
    noise_map,
    unit_beats_moves,
)
from tripwire.detectors.data.units import FACTOR_TOLERANCE, KNOWN_CONVERSIONS, OFFSET_TOLERANCE_SD
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.profiling import ColumnProfile
from tripwire.report import Finding

#: factors searched (coarse grid, then refined): 10**-3.5 .. 10**3.5, leaving out
#: |log10 a| < 0.08, a move rather than a unit
COARSE_LOG_FACTORS = np.round(np.arange(-3.5, 3.5001, 0.04), 4)
COARSE_LOG_FACTORS = COARSE_LOG_FACTORS[np.abs(COARSE_LOG_FACTORS) >= 0.08]
WHOLE_LOG_FACTORS = np.round(np.arange(-3.5, 3.5001, 0.04), 4)
#: offsets searched, in reference standard deviations
COARSE_OFFSETS_SD = np.arange(-4.0, 4.001, 0.5)
#: Kolmogorov-Smirnov constants: c(alpha) for alpha = 0.001 (moved) and 0.01 (fit within noise)
MOVED_C, NOISE_C = 1.95, 1.63
#: the mixture must fit at least this much better (sum of squares) than any whole-batch transform
WHOLE_RATIO = 0.5
#: false-alarm budget of the likelihood-ratio route for a whole scan (Bonferroni over tests)
ALPHA = 0.01

@dataclass(frozen=True)
class Conversion:
    """A fitted share `share` of values converted as a * x + b."""

    factor: float
    offset: float
    share: float
    intervals: tuple[tuple[float, float], ...]  # where a converted value is >= 95% likely
    family: str = "factor"  # factor | offset | affine
    #: the known conversion it matches ("lb -> kg"); empty for a pure offset
    unit: str = ""


def known_conversion(factor: float, offset: float, sd: float) -> str:
    """Return the name of the known unit conversion near a * x + b, or '' when there is none."""
    for a, b, name in KNOWN_CONVERSIONS:
        if _tolerated(abs(math.log(factor / a)), abs(offset - b), b, sd):
            return name
    return ""


def _tolerated(log_gap: float, offset_gap: float, known_offset: float, sd: float, log_reach: float = 0.0,
               offset_reach: float = 0.0, log_slack: float = 0.0, offset_slack: float = 0.0) -> bool:
    """Return whether a map this far from a known conversion (|ln a - ln a'|, |b - b'|) is within
    the tolerances (`FACTOR_TOLERANCE`; `OFFSET_TOLERANCE_SD` SDs plus 2% of the offset), widened
    by a reach and a slack."""
    return (log_gap <= FACTOR_TOLERANCE + log_reach + log_slack
            and offset_gap <= OFFSET_TOLERANCE_SD * sd + 0.02 * abs(known_offset) + offset_reach + offset_slack)


class StepCdf:
    """A column's CDF, evaluated by table look-up (vectorised): exact from sampled values,
    else from the quantile sketch (with its rank error)."""

    def __init__(self, points: np.ndarray, values: np.ndarray, n: int, rank_error: float) -> None:
        self.points, self.values, self.n, self.rank_error = points, values, n, rank_error
        #: P(X <= x) by the number of points <= x (0 below the first)
        self._steps = np.concatenate([[0.0], values])
        self._finite = bool(points.size) and bool(np.isfinite(points[[0, -1]]).all())

    @classmethod
    def of(cls, col: ColumnProfile, sampled: np.ndarray | None = None) -> StepCdf:
        """Return the CDF of a column: from its sampled values when given, else its sketch."""
        if sampled is not None and sampled.size >= MIN_VALUES:
            points, counts = np.unique(sampled, return_counts=True)
            return cls(points, np.cumsum(counts) / sampled.size, int(sampled.size), 0.0)
        sketch = col.numbers.quantiles
        points = np.unique(sketch.quantiles(np.linspace(0.0, 1.0, 1001)))
        values = np.asarray(sketch.cdf(points), dtype=np.float64)[: points.size]
        return cls(points, values, col.numbers.n, sketch.rank_error)

    def grid(self, size: int = 200) -> np.ndarray:
        """Return about `size` points spread over the distribution (its quantiles)."""
        idx = np.searchsorted(self.values, np.linspace(0.0, 1.0, size), side="left")
        return self.points[np.clip(idx, 0, self.points.size - 1)]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Return P(X <= x) for every x."""
        if not self._finite:
            return self._steps[np.searchsorted(self.points, x, side="right")]
        # only values inside the points' range are searched: a transformed grid leaves most of
        # them beyond it, where the CDF is 0 or its last value (NaN sorts last, as in a search)
        lo, hi = self.points[0], self.points[-1]
        inside = (x >= lo) & (x < hi)
        out = np.where(x < hi, 0.0, self.values[-1])
        out[inside] = self._steps[np.searchsorted(self.points, x[inside], side="right")]
        return out


def fit_conversion(col: ColumnProfile, ref: ColumnProfile, col_sample: np.ndarray | None = None,
                   ref_sample: np.ndarray | None = None) -> Conversion | None:
    """Return the converted share of `col` relative to `ref`, or None when there is none.

    Three families are fitted: a pure factor (b = 0), a pure offset (a = 1) and an affine map;
    the simplest one fitting within sampling noise wins (a factor, then an offset, then both),
    except that a unit reading (factor or affine) must fit better than the best shifted share
    and the best noised one: when a shift fits better it is the reading, when noise does the
    column is left to the likelihood-ratio route.
    """
    if col.numbers.n < MIN_VALUES or ref.numbers.n < MIN_VALUES or ref.distinct_count < 10:
        return None
    f_ref, f_cur = StepCdf.of(ref, ref_sample), StepCdf.of(col, col_sample)
    n, m = f_cur.n, f_ref.n
    x = np.unique(np.concatenate([f_ref.grid(), f_cur.grid()]))
    d0 = f_cur(x) - f_ref(x)
    noise = math.sqrt((n + m) / (n * m)) + f_ref.rank_error + f_cur.rank_error
    if np.abs(d0).max() <= MOVED_C * noise:
        return None
    sd = ref.numbers.moments.std or 0.0
    if not sd > 0:
        return None
    families = {
        "factor": (COARSE_LOG_FACTORS, np.array([0.0])),
        "offset": (np.array([0.0]), COARSE_OFFSETS_SD[np.abs(COARSE_OFFSETS_SD) >= 0.25]),
        "affine": (COARSE_LOG_FACTORS, COARSE_OFFSETS_SD[COARSE_OFFSETS_SD != 0]),
    }
    fits, searched = {}, {}
    for family, (logs, offs) in families.items():
        fit = _search(f_ref, x, d0, logs, offs * sd, sd, refine_offset=family != "factor",
                      refine_factor=family != "offset", known=family != "offset")
        if fit is None:
            continue
        searched[family] = fit
        if 3.0 / n <= fit[2] <= MAX_SHARE and fit[4] <= NOISE_C * noise:
            if family != "offset" and not known_conversion(10.0 ** fit[0], fit[1], sd):
                continue  # no unit converts this way: a shape, not a slipped unit
            fits[family] = fit
        if fits and "offset" in searched:
            break  # the simplest family fitting wins; a unit reading still needs the shift it competes with
    if not fits:
        return None
    family = next(f for f in ("factor", "offset", "affine") if f in fits)
    if family != "offset":
        # a unit reading must explain the move better than a share shifted or noised does (the
        # same CDF difference, one map parameter and a share each: a known unit leaves its
        # factor and offset no more freedom than a shift's size); a share moved by +1 SD also
        # fits 1.6x on a larger share within noise, and it is no unit slip
        rival = _rival(fits[family], searched.get("offset"), sd, col_sample, ref_sample, (f_ref, x, d0))
        if rival == "noise" or (rival == "shift" and "offset" not in fits):
            return None  # a move, not a unit: the likelihood-ratio route and drift say it
        if rival == "shift":
            family = "offset"
    log_a, b, share, rss, _ = fits[family]
    # a transform of the whole batch fitting nearly as well is a move of the batch, not a share
    whole = _search(f_ref, x, d0, WHOLE_LOG_FACTORS, COARSE_OFFSETS_SD * sd, sd,
                    whole=True)
    if whole is not None and rss > WHOLE_RATIO * whole[3]:
        return None
    factor = float(10.0 ** log_a)
    return Conversion(factor, float(b), share, _likely_intervals(f_ref, f_cur, factor, float(b), share),
                      family, known_conversion(factor, float(b), sd) if family != "offset" else "")


def _search(f_ref: StepCdf, x: np.ndarray, d0: np.ndarray, logs: np.ndarray, offs: np.ndarray,
            sd: float, refine_offset: bool = True, refine_factor: bool = True,
            whole: bool = False, known: bool = False) -> tuple[float, float, float, float, float] | None:
    """Return (log10 a, b, share, rss, largest residual) of the best fit: coarse grid, then refined.

    With `known` (the fit counts only near a known conversion), the coarse best is returned
    unrefined when no known conversion is within the refinement's reach.
    """
    best = _best_mixture(f_ref, x, d0, *_grid(logs, offs), whole=whole)
    if best is None:
        return None
    log_a, b = best[0], best[1]
    if known and not _known_within(log_a, b, sd, 0.05 if refine_factor else 0.0,
                                   0.5 * sd if refine_offset else 0.0):
        return best
    fine_logs = log_a + np.arange(-0.05, 0.0501, 0.005) if refine_factor else np.array([log_a])
    fine_offs = b + np.arange(-0.5, 0.501, 0.05) * sd if refine_offset else np.array([b])
    fine = _best_mixture(f_ref, x, d0, *_grid(fine_logs, fine_offs), whole=whole)
    return fine if fine is not None and fine[3] <= best[3] else best


def _rival(unit: tuple[float, ...], offset: tuple[float, ...] | None, sd: float, col_sample: np.ndarray | None,
           ref_sample: np.ndarray | None, cdfs: tuple[StepCdf, np.ndarray, np.ndarray]) -> str:
    """Return the move ('shift' or 'noise') that explains the current values at least as well as
    the unit reading `unit` (a fit: log10 a, b, rss), or '' when the unit explains them best.

    On sampled values the readings compete on likelihood (`fit_mixture` on the same values and
    bins: a share and one map each, each family charged for how many maps it chose from, see
    `unit_beats_moves`); on sketches alone, on the CDF's sum of squares.
    """
    a, b = 10.0 ** unit[0], unit[1]
    name = known_conversion(a, b, sd)
    exact = next(((ka, kb) for ka, kb, n in KNOWN_CONVERSIONS if n == name), (a, b))
    shifts = (*([offset[1]] if offset is not None else []), *(d * sd for d in RIVAL_SHIFTS_SD))
    fit = None
    if col_sample is not None and ref_sample is not None and min(col_sample.size, ref_sample.size) >= MIN_VALUES:
        maps = (_affine(a, b), _affine(*exact), *(_affine(1.0, d) for d in shifts),
                *(noise_map(v * sd) for v in RIVAL_NOISE_SD))
        fit = fit_mixture(col_sample, ref_sample, maps)
    if fit is not None:
        moves = fit.lr[2:]
        if unit_beats_moves(float(fit.lr[:2].max()), len(KNOWN_CONVERSIONS), moves):
            return ""
        return "shift" if moves[: len(shifts)].max() >= moves[len(shifts):].max() else "noise"
    f_ref, x, d0 = cdfs  # least squares: the smaller, the better
    shift = offset[3] if offset is not None else math.inf
    scatter = _noise_rss(f_ref, x, d0, sd)
    if unit[3] < min(shift, scatter):
        return ""
    return "shift" if shift <= scatter else "noise"


def _affine(a: float, b: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda t: a * t + b


def _noise_rss(f_ref: StepCdf, x: np.ndarray, d0: np.ndarray, sd: float) -> float:
    """Return the least sum of squares of d0 minus a share of the reference scattered by normal
    noise (`RIVAL_NOISE_SD`): the noise rival of a unit reading read from sketches."""
    base = f_ref(x)
    spread = np.asarray(RIVAL_NOISE_SD)[:, None, None] * sd * NORMAL_QUANTILES[None, None, :]
    g = f_ref(x[None, :, None] - spread).mean(axis=2) - base[None, :]
    gg = (g * g).sum(axis=1)
    s = np.clip(np.where(gg > 0, (g @ d0) / np.where(gg > 0, gg, 1.0), 0.0), 0.0, MAX_SHARE)
    resid = d0[None, :] - s[:, None] * g
    return float((resid * resid).sum(axis=1).min())


def _known_within(log_a: float, b: float, sd: float, log_reach: float, offset_reach: float) -> bool:
    """Return whether a map within (log_reach, offset_reach) of 10**log_a * x + b may be a known
    conversion (`known_conversion`'s tolerances, with a margin far above rounding)."""
    return any(_tolerated(abs(log_a * math.log(10.0) - math.log(a)), abs(b - off), off, sd,
                          log_reach * math.log(10.0), offset_reach, 1e-6, 1e-6 * (1.0 + abs(b) + sd))
               for a, off, _ in KNOWN_CONVERSIONS)


def _grid(logs: np.ndarray, offs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    la, bb = np.meshgrid(logs, offs, indexing="ij")
    return la.ravel(), bb.ravel()


def _best_mixture(f_ref: StepCdf, x: np.ndarray, d0: np.ndarray, logs: np.ndarray,
                  bb: np.ndarray, whole: bool = False) -> tuple[float, float, float, float, float] | None:
    """Return (log10 a, b, share, rss, largest residual) of the best candidate.

    With `whole`, the share is fixed at 1 and d0 must be F_cur - F_ref (a whole-batch transform).
    """
    if logs.size == 0:
        return None
    # chunks of 64k values: their temporaries stay in the cache
    chunk = max(1, 65_536 // max(x.size, 1))
    best = None
    base = f_ref(x)
    for start in range(0, logs.size, chunk):
        a, b = 10.0 ** logs[start: start + chunk, None], bb[start: start + chunk, None]
        y = x[None, :] - b
        y /= a
        g = f_ref(y)
        g -= base[None, :]
        if whole:
            s = np.ones(g.shape[0])
        else:
            gg = (g * g).sum(axis=1)
            s = np.where(gg > 0, (g @ d0) / np.where(gg > 0, gg, 1.0), 0.0)
            s = np.clip(s, 0.0, MAX_SHARE)
        resid = d0[None, :] - s[:, None] * g
        rss = (resid * resid).sum(axis=1)
        k = int(np.argmin(rss))
        if best is None or rss[k] < best[3]:
            best = (float(logs[start + k]), float(bb[start + k]), float(s[k]), float(rss[k]),
                    float(np.abs(resid[k]).max()))
    return best


def _likely_intervals(f_ref: StepCdf, f_cur: StepCdf, a: float, b: float,
                      s: float) -> tuple[tuple[float, float], ...]:
    """Return value ranges where a current value is a converted one with >= 95% probability."""
    # intervals of about half a percent of the batch each: narrower ones make the masses noise
    edges = np.unique(f_cur.grid(200))
    if edges.size < 2:
        return ()
    ref_mass = np.diff(f_ref(edges))
    conv_mass = np.diff(f_ref((edges - b) / a))
    total = (1 - s) * ref_mass + s * conv_mass
    post = np.where(total > 0, s * conv_mass / np.where(total > 0, total, 1.0), 0.0)
    out: list[tuple[float, float]] = []
    for i in np.flatnonzero(post >= POSTERIOR):
        lo, hi = float(edges[i]), float(edges[i + 1])
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _sampled(rows: SampleColumns | None, name: str) -> np.ndarray | None:
    """Return a column's finite numbers in the row sample (None without one)."""
    values = None if rows is None else rows(name)
    return None if values is None else values[np.isfinite(values)]


@register
class RescaledShare(Detector):
    """Report a share of a column converted by a factor or affine map relative to the reference."""

    name, family, codes = "rescaled_share", "data", ("data.magnitude_error", "drift.feature")
    requires = frozenset({"profile", "reference"})

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        cur_frame, ref_frame = ctx.profile.sample_frame(), ctx.reference.sample_frame()
        # each sample column is read once, for every test here
        cur_rows = None if cur_frame is None else SampleColumns(cur_frame)
        ref_rows = None if ref_frame is None else SampleColumns(ref_frame)
        kept: set[str] = set()  # columns with a finding
        untested = []
        for col in ctx.profile.columns.values():
            ref = ctx.reference.columns.get(col.name)
            if (ref is None or not is_numeric(col) or not is_numeric(ref) or col.kind == "temporal"
                    or ref.kind == "temporal"):
                continue
            cur_values = _sampled(cur_rows, col.name)
            conv = fit_conversion(col, ref, cur_values, _sampled(ref_rows, col.name))
            if conv is not None:
                yield self._finding(col, conv)
                kept.add(col.name)
            else:
                untested.append((col, ref))
        if cur_rows is not None and ref_rows is not None and ROW in cur_rows.frame.columns:
            yield from self._likelihood_ratio(untested, Samples(ref_rows, cur_rows), kept)

    def _likelihood_ratio(self, columns: list[tuple[ColumnProfile, ColumnProfile]], samples: Samples,
                          kept: set[str]) -> Iterator[Finding]:
        """Yield the converted shares the likelihood-ratio route finds beyond its Bonferroni bound."""
        tests, found = 0, []
        feats = RowFeatures.of(samples.ref.frame, samples.cur.frame)
        for col, ref in columns:
            for kind in (UnitTest, MovedTest):
                test = kind.of(col, ref, samples, feats)
                if test is not None:
                    tests += test.tests
                    found.append(test)
        if not found:
            return
        bound = lr_bound(tests, ALPHA)
        candidates = [(c, t) for t in found if (c := t.candidate(bound)) is not None]
        # the readings of one column compete on evidence first: a unit reading weaker than the
        # column's moved one (a share shifted or noised off its relation) loses its claim to
        # be the culprit, and the moved reading is said before it
        moved = {c.col.name: c.lr for c, _ in candidates if c.fit == "moved"}
        candidates = [(replace(c, priority=0.0) if c.fit != "moved" and c.lr < moved.get(c.col.name, -math.inf)
                       else c, t) for c, t in candidates]
        # a slip in one column also moves the residuals of the columns it predicts: the column
        # whose own values look converted first, then the strongest evidence; a later one read
        # through a relation is refitted without the columns already reported (known wrong)
        reported = set(kept)
        done: set[str] = set()
        for c, test in sorted(candidates, key=lambda ct: (-ct[0].priority, -ct[0].lr, ct[0].col.name)):
            if c.col.name in done:
                continue  # one finding per column: its strongest reading
            wrong = (reported - {c.col.name}) & set(c.predictors)
            if wrong and c.fit in ("relation", "moved"):
                refit = test.without(wrong)
                c = refit.candidate(bound) if refit is not None else None
                if c is None:
                    continue  # another column's slip, seen through their relation
            if c.fit == "relation" and c.priority == 0.0 and _seen_through(test, c, bound, reported):
                continue  # a predictor moved: this column's values never showed it
            done.add(c.col.name)
            reported.add(c.col.name)
            yield self._lr_finding(c, bound)

    def _lr_finding(self, c: Candidate, bound: float) -> Finding:
        if c.fit == "moved":
            return self._moved_finding(c, bound)
        col, share = c.col, c.share
        how = _conversion_words(c.factor, c.offset, c.unit)
        # the share is of the positive values (their logs, or their log residuals): zeros and
        # negatives are not in what it counts
        positives = col.numbers.n - col.numbers.zeros - col.numbers.negatives
        values = "values" if positives == col.numbers.n else "positive values"
        evidence = {"estimated_count": round(share * positives), "estimated_share": share,
                    "factor": c.factor, "offset": c.offset, "fit": c.fit, "unit": c.unit,
                    "likelihood_ratio": c.lr, "bound": bound,
                    "direction": "larger" if c.factor > 1 else "smaller"}
        columns: tuple[str, ...] = (col.name,)
        if c.fit == "relation":
            evidence |= {"predictors": list(c.predictors[:20]), "r2": c.r2}
            columns += tuple(c.predictors[:2])
            title = (f"{col.name}: about {pct(share)} of the {values} are {how} what "
                     f"{', '.join(c.predictors[:2])} predict (or those columns slipped)")
        else:
            title = f"{col.name}: about {pct(share)} of the {values} look like the reference's converted as {how}"
        return self.finding(
            "data.magnitude_error", "warning", columns, title, evidence,
            fix=f"About {pct(share)} of the {values} look converted as {how} (a unit or scale slipped "
                "for part of the feed). The rows listed are those at least 95% likely converted; "
                "confirm with the source.",
            locate=c.locate,
        )

    def _moved_finding(self, c: Candidate, bound: float) -> Finding:
        col, share, partners = c.col, c.share, list(c.predictors[:2])
        sd = f"{abs(c.offset):g} SD"
        how = (f"shifted by {'+' if c.offset > 0 else '-'}{sd}" if c.unit == "shift"
               else f"scattered by noise of {sd}")
        return self.finding(
            "drift.feature", "warning", (col.name, *partners),
            f"{col.name}: about {pct(share)} of the rows moved off its relation to "
            f"{', '.join(partners)} ({how} of {col.name}, or those columns moved)",
            {"estimated_count": round(share * col.numbers.n), "estimated_share": share, "fit": "moved",
             "move": c.unit, "size_sd": c.offset, "likelihood_ratio": c.lr, "bound": bound,
             "predictors": list(c.predictors[:20]), "r2": c.r2},
            fix="A share of the rows no longer fits what the other columns predict for this one: "
                "find the source, segment or period they come from (the rows listed are at least "
                "95% likely moved).",
            locate=c.locate,
        )

    def _finding(self, col: ColumnProfile, c: Conversion) -> Finding:
        estimated = round(c.share * col.numbers.n)
        x = pl.col(col.name).cast(pl.Float64, strict=False)
        locate = pl.any_horizontal([(x > lo) & (x <= hi) for lo, hi in c.intervals]) if c.intervals else None
        evidence = {"estimated_count": estimated, "estimated_share": c.share, "factor": c.factor,
                    "offset": c.offset, "fit": c.family, "unit": c.unit,
                    "likely_ranges": [list(i) for i in c.intervals[:20]]}
        if c.family == "offset":
            sd = c.offset / (col.numbers.moments.std or 1.0)
            return self.finding(
                "drift.feature", "warning", col.name,
                f"{col.name}: about {pct(c.share)} of the values moved by {c.offset:+.4g} from the "
                "reference's distribution, the rest did not",
                {**evidence, "offset_sd": sd},
                fix="A share of the rows moved together: find the source, segment or period they "
                    "come from (the rows listed are at least 95% likely moved).",
                locate=locate,
            )
        how = _conversion_words(c.factor, c.offset, c.unit)
        return self.finding(
            "data.magnitude_error", "warning", col.name,
            f"{col.name}: about {pct(c.share)} of the values look like the reference's converted as {how}",
            {**evidence, "direction": "larger" if c.factor > 1 else "smaller"},
            fix=f"About {pct(c.share)} of the values look like the reference's converted as {how} "
                "(a unit or scale slipped for part of the feed: x10, cents, lb/kg, °F/°C). The rows "
                "listed are those at least 95% likely converted; confirm with the source.",
            locate=locate,
        )


def _seen_through(test: UnitTest, c: Candidate, bound: float, reported: set[str]) -> bool:
    """Return whether a relation reading whose column's own values do not lean to it is a
    predictor's move seen through the relation: left without one of its two leading predictors
    (the others still predicting the column well), the reading vanishes and the rows it reads as
    converted (each weighted by that chance) sit nearer their new prediction than that
    prediction moved by the map.

    If the column slipped, its converted rows stay off by log(a) whatever predicts them; if the
    predictor moved (shifted, noised, converted), they fit the column's relation to the rest."""
    model, relation = test.model, test.relation
    assert model is not None and relation is not None
    k = test.relation_maps.index((c.factor, c.offset, c.unit))
    shift = math.log(c.factor)
    res = model.cur_residuals
    bins = np.clip(np.searchsorted(relation.edges, res, side="right") - 1, 0, relation.edges.size - 2)
    weight = relation.posterior[k][bins]  # each row's chance of being a converted one
    for name in c.predictors[:2]:
        if name in reported:
            continue  # already left out by the refit above
        refit = test.without({name})
        if refit.relation is None or refit.model is None or refit.candidate(bound) is not None:
            continue
        e = refit.model.cur_residuals
        if float((weight * e * e).sum()) < float((weight * (e - shift) ** 2).sum()):
            return True
    return False


def _conversion_words(factor: float, offset: float, unit: str) -> str:
    """Return a conversion as the titles say it: '60x (min -> s or h -> min)', '1.8x + 32 (°C -> °F)'."""
    how = f"{factor:.4g}x" + (f" {'+' if offset >= 0 else '-'} {abs(offset):.4g}" if offset else "")
    return how + (f" ({unit})" if unit else "")
