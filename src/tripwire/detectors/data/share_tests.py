"""The likelihood-ratio route of `rescaled_share`, per column: a share converted by a known unit
map (on log values, and on the residuals of the column's log predicted from the row's other
columns), and a share of rows moved off the column's relation to the other columns (shifted or
noised, on the residuals of the column itself).

Each test yields a `Candidate` when its likelihood ratio passes the scan's Bonferroni bound; the
detector then keeps one candidate per slip (see `RescaledShare`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import polars as pl
from scipy import stats

from tripwire.detectors.data.mixture_lr import MixtureFit, fit_mixture
from tripwire.detectors.data.row_model import RowFeatures, RowModel, Samples, WeakRowModel, fit_row_model
from tripwire.detectors.data.units import KNOWN_CONVERSIONS, OFFSET_TOLERANCE_SD
from tripwire.profiling import ColumnProfile

#: the row model must explain this share of the variance to be worth its tests
MIN_R2 = 0.5
#: a listed row's least chance of being converted (or moved); the fewest values a column is tested on
POSTERIOR = 0.95
MIN_VALUES = 100
#: moves searched off a relation: shifts and added noise, in the reference's standard deviations
SHIFTS_SD = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
NOISE_SD = (0.5, 1.0, 2.0)
#: the moves a unit reading competes with on the same values (reference SDs): the sizes this
#: detector says a move with (`SHIFTS_SD`, `NOISE_SD`), on a finer grid so that a move's exact
#: size is no advantage of the unit's
RIVAL_SHIFTS_SD = tuple(float(d) for d in np.r_[-np.arange(2.0, 0.0, -0.25), np.arange(0.25, 2.001, 0.25)])
RIVAL_NOISE_SD = tuple(float(v) for v in np.geomspace(0.25, 2.0, 7))
#: a normal variable's quantiles: the images of a value under added noise
_UNIFORM = (np.arange(16) + 0.5) / 16
NORMAL_QUANTILES = stats.norm.ppf(_UNIFORM)
#: noise (in residual SDs) a unit slip on a relation must explain the rows better than
RELATION_NOISE = (2.0, 4.0, 8.0)
#: predictions a value-move rival of a relation is drawn at (those of the reference rows whose
#: residuals are nearest the one moved)
PREDICTION_DRAWS = 8
#: the ratio of a column's own values (½χ²₀ + ½χ²₁ at 5%) that says they lean to a map
OWN_EVIDENCE = 2.71


def _log_map(a: float, b: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return the map of log values for x -> a * x + b."""
    if b == 0:
        return lambda t: t + math.log(a)
    return lambda t: np.log(np.where(a * np.exp(t) + b > 0, a * np.exp(t) + b, np.nan))


@dataclass(frozen=True)
class Candidate:
    """A converted share found by the likelihood-ratio route, before the culprit check."""

    col: ColumnProfile
    factor: float
    offset: float
    unit: str
    share: float
    lr: float
    priority: float  # 2: its own values look converted, 1: they lean that way, 0: only its relation
    fit: str  # factor | affine | relation | moved (then unit is shift | noise, offset its size in SDs)
    locate: pl.Expr | None
    predictors: tuple[str, ...] = ()
    r2: float = 0.0


@dataclass(frozen=True)
class UnitTest:
    """The likelihood-ratio tests of one column: on its log values, and on its row model's residuals."""

    col: ColumnProfile
    marginal: MixtureFit | None  # on the log values, one map per `KNOWN_CONVERSIONS` entry
    cur_log: np.ndarray
    model: RowModel | WeakRowModel | None  # weak: too weak for the relation's test
    relation: MixtureFit | None
    relation_maps: tuple[tuple[float, float, str], ...]
    ref_log: np.ndarray
    inputs: tuple[RowFeatures | None, Samples]  # to refit the row model
    sd: float = 0.0  # the reference's standard deviation: the unit of the moves a unit competes with

    @property
    def tests(self) -> int:
        """Return how many (map, route) tests this column ran."""
        return (len(KNOWN_CONVERSIONS) if self.marginal is not None else 0) + (
            len(self.relation_maps) + len(RELATION_NOISE) if self.relation is not None else 0)

    @classmethod
    def of(cls, col: ColumnProfile, ref: ColumnProfile, samples: Samples,
           feats: RowFeatures | None) -> UnitTest | None:
        """Run both tests of a never-negative column (None when it cannot be tested)."""
        if (ref.numbers.min is None or ref.numbers.min < 0 or ref.distinct_count < 10
                or col.numbers.n < MIN_VALUES or ref.numbers.n < MIN_VALUES):
            return None
        sd = ref.numbers.moments.std or 0.0
        if not sd > 0:
            return None
        cur_x, ref_x = samples.cur(col.name), samples.ref(col.name)
        if cur_x is None or ref_x is None:
            return None
        keep = (cur_x > 0) & np.isfinite(cur_x)
        cur_log = np.log(cur_x[keep])
        ref_log = np.log(ref_x[(ref_x > 0) & np.isfinite(ref_x)])
        # ten distinct among the first values are enough (sorting them all costs more)
        if np.unique(ref_log[:100]).size < 10 and np.unique(ref_log).size < 10:
            return None
        marginal = fit_mixture(cur_log, ref_log, tuple(_log_map(a, b) for a, b, _ in KNOWN_CONVERSIONS))
        # in a model's residuals an offset is not a shift; a small one (a tiny share of the
        # column's spread, °C -> °F on incomes) is the factor's
        factors: dict[float, tuple[float, float, str]] = {}
        for a, b, name in KNOWN_CONVERSIONS:
            if abs(b) <= OFFSET_TOLERANCE_SD * sd:
                factors.setdefault(round(math.log(a), 6), (a, b, name))
        relation_maps = tuple(factors.values())
        relation, model = _relation(relation_maps, feats, samples, col.name)
        return cls(col, marginal, cur_log, model, relation, relation_maps, ref_log, (feats, samples), sd)

    def without(self, columns: set[str]) -> UnitTest:
        """Return the tests with the row model refitted without these columns (their values are
        known wrong in this batch: a slip of theirs would show in this column's residuals)."""
        feats, samples = self.inputs
        if self.model is None or feats is None:
            return self
        relation, model = _relation(self.relation_maps, feats.without(columns), samples, self.col.name)
        return replace(self, model=model, relation=relation)

    def candidate(self, bound: float) -> Candidate | None:
        """Return the strongest converted share beyond the bound, or None: read on the column's
        own values or on its relation to the others, whichever says it more strongly.

        Rows are listed where a converted value is at least 95% likely; a share too mixed
        with the bulk for any such range is reported without rows.
        """
        own, related = self._marginal(bound), self._related(bound)
        if own is not None and related is not None and related.lr > own.lr:
            return replace(related, priority=own.priority)  # its own values show it too
        return own or related

    @cached_property
    def marginal_moves(self) -> MixtureFit | None:
        """Return the rivals of a unit on the same log values: a share shifted or noised
        (`RIVAL_SHIFTS_SD`, `RIVAL_NOISE_SD`). They compete, they never fire (not counted as
        tests); fitted only when a unit reading passes the bound."""
        if self.marginal is None:
            return None
        return fit_mixture(self.cur_log, self.ref_log, _value_moves(self.sd))

    def _beats_moves(self, lr: float) -> bool:
        """Return whether a unit's ratio on the column's own values beats every shifted or
        noised share's on the same values, each family charged for the maps it chose from."""
        moves = self.marginal_moves
        return moves is None or unit_beats_moves(lr, len(KNOWN_CONVERSIONS), moves.lr)

    @cached_property
    def relation_moves(self) -> MixtureFit | None:
        """Return the rivals of a unit on the same residuals: a share of the column's values
        shifted or noised (`RIVAL_SHIFTS_SD`, `RIVAL_NOISE_SD` of the reference's values).

        A move of a value is no function of its log residual alone (it depends on the row's
        prediction too): a residual is moved at the predictions of the reference rows whose
        residuals are nearest it (`PREDICTION_DRAWS` of them), each as likely. Fitted only when
        a unit reading of the relation passes the bound."""
        if self.relation is None or self.model is None:
            return None
        model = self.model
        order = np.argsort(model.ref_residuals, kind="stable")
        nearest = _nearest_predictions(model.ref_residuals[order], model.ref_predicted[order])
        return fit_mixture(model.cur_tested, model.ref_residuals, _value_moves(self.sd, nearest))

    def _beats_relation_moves(self, lr: float, units: int) -> bool:
        """Return whether a unit's ratio on the relation's residuals beats every shifted or noised
        share of the values on the same residuals (charged as `unit_beats_moves` does)."""
        moves = self.relation_moves
        return moves is None or unit_beats_moves(lr, units, moves.lr)

    def _marginal(self, bound: float) -> Candidate | None:
        m = self.marginal
        if m is None or not m.fits.any() or m.lr[k := m.best()] < bound or not self._beats_moves(m.lr[k]):
            return None
        x = pl.col(self.col.name).cast(pl.Float64, strict=False)
        a, b, unit = KNOWN_CONVERSIONS[k]
        locate = _any_of([(x >= math.exp(lo)) & (x <= math.exp(hi)) for lo, hi in m.intervals(k, POSTERIOR)])
        return Candidate(self.col, a, b, unit, float(m.share[k]), float(m.lr[k]), 2.0,
                         "factor" if b == 0 else "affine", locate)

    def _related(self, bound: float) -> Candidate | None:
        r, m = self.relation, self.marginal
        if r is None or self.model is None:
            return None
        units = len(self.relation_maps)
        lr = np.where(r.fits[:units], r.lr[:units], -np.inf)
        k = int(np.argmax(lr))
        if lr[k] < bound or lr[k] <= r.lr[units:].max():
            return None
        x = pl.col(self.col.name).cast(pl.Float64, strict=False)
        a, b, unit = self.relation_maps[k]
        lean = float(m.lr[KNOWN_CONVERSIONS.index((a, b, unit))]) if m is not None else 0.0
        moves = self.marginal_moves
        if moves is not None and float(moves.lr.max()) >= bound and not self._beats_moves(lean):
            return None  # its own values moved (shifted or noised), which the map explains less well
        # the column's own values lean the same way (5% level), and more than to a move: it,
        # not a partner, likely slipped
        own = lean >= OWN_EVIDENCE and self._beats_moves(lean)
        if not own and not self._beats_relation_moves(float(lr[k]), units):
            return None  # a share of the values shifted or noised moves these residuals as well
        resid = x.log() - self.model.predicted
        locate = _any_of([(resid >= lo) & (resid <= hi) for lo, hi in r.intervals(k, POSTERIOR)])
        return Candidate(self.col, a, b, unit, float(r.share[k]), float(r.lr[k]), 1.0 if own else 0.0,
                         "relation", None if locate is None else (x > 0) & locate, self.model.predictors,
                         self.model.r2)


def _relation(maps: tuple[tuple[float, float, str], ...], feats: RowFeatures | None, samples: Samples,
              name: str) -> tuple[MixtureFit | None, RowModel | WeakRowModel | None]:
    """Return the factor test on the residuals of the column's log row model, and the model."""
    model = fit_row_model(feats, samples, name, min_r2=MIN_R2) if feats is not None else None
    if model is None or model.weak or model.r2 < MIN_R2:
        return None, model
    # noise competes with the factors: rows scattered off the relation are not a unit slip
    spread = float(np.std(model.ref_residuals))
    fns = (*(_log_map(a, 0.0) for a, _, _ in maps), *(noise_map(v * spread) for v in RELATION_NOISE))
    return fit_mixture(model.cur_tested, model.ref_residuals, fns), model


def unit_beats_moves(unit_lr: float, units: int, move_lrs: np.ndarray) -> bool:
    """Return whether a unit reading's ratio, chosen from `units` maps, beats the best move's
    on the same data and bins, chosen from len(move_lrs).

    Both readings are a share and one map; what differs is how many maps each picked its best
    from. A family's evidence is charged 2·log(its number of maps): under a uniform prior over
    them, twice the log of its Bayes factor is at least its best ratio less that.
    """
    move = float(np.max(move_lrs)) - 2.0 * math.log(max(len(move_lrs), 1))
    return unit_lr - 2.0 * math.log(max(units, 1)) > move


def _nearest_predictions(resid: np.ndarray, predicted: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Return t -> the predictions of the `PREDICTION_DRAWS` rows whose residuals are nearest t
    (shape t.shape + (draws,)), from residuals sorted ascending and their rows' predictions."""
    k = min(PREDICTION_DRAWS, resid.size)

    def at(t: np.ndarray) -> np.ndarray:
        start = np.clip(np.searchsorted(resid, t) - k // 2, 0, resid.size - k)
        return predicted[start[..., None] + np.arange(k)]
    return at


def _value_moves(sd: float, predictions: Callable[[np.ndarray], np.ndarray] | None = None
                 ) -> tuple[Callable[[np.ndarray], np.ndarray], ...]:
    """Return the maps of log values for a value shifted or noised by each of the moves tested
    off a relation. The sample holds positive values only: noise is drawn given that the value
    stays positive; a value shifted to zero or below leaves the sample (lost mass).

    With `predictions` (t -> log predictions of rows with residual t), the maps are of log
    residuals: the value is exp(t + p) for each p, its image's residual log(moved value) - p."""
    def log_values(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = np.zeros((*t.shape, 1)) if predictions is None else predictions(t)
        return t[..., None] + p, p

    def shifted(d: float) -> Callable[[np.ndarray], np.ndarray]:
        def g(t: np.ndarray) -> np.ndarray:
            u, p = log_values(t)
            y = np.exp(u) + d
            return np.log(np.where(y > 0, y, np.nan)) - p
        return g

    def noised(v: float) -> Callable[[np.ndarray], np.ndarray]:
        def g(t: np.ndarray) -> np.ndarray:
            u, p = log_values(t)
            x = np.exp(u)[..., None]
            below = stats.norm.cdf(-x / v)  # the chance noise takes the value to zero or below
            y = x + v * stats.norm.ppf(below + _UNIFORM * (1.0 - below))
            return np.log(np.where(y > 0, y, np.nan)) - p[..., None]
        return g
    return (*(shifted(d * sd) for d in RIVAL_SHIFTS_SD), *(noised(v * sd) for v in RIVAL_NOISE_SD))


def _shift(d: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda t: t + d


def noise_map(v: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return the map adding normal noise of SD v: 16 images per value (`NORMAL_QUANTILES`)."""
    return lambda t: t[..., None] + v * NORMAL_QUANTILES


def _any_of(conditions: list[pl.Expr]) -> pl.Expr | None:
    """Return the disjunction of the conditions (None when there are none)."""
    return pl.any_horizontal(conditions) if conditions else None


@dataclass(frozen=True)
class MovedTest:
    """The test of a column's rows moved off its relation to the other columns: the residuals of
    the column (its row model's) as a mixture of the reference's and of theirs shifted or noised."""

    col: ColumnProfile
    model: RowModel
    fit: MixtureFit
    moves: tuple[tuple[str, float], ...]  # (shift | noise, size in reference SDs)
    fns: tuple[Callable[[np.ndarray], np.ndarray], ...]
    inputs: tuple[RowFeatures, Samples]  # to refit the row model

    @property
    def tests(self) -> int:
        """Return how many moves this column was tested for."""
        return len(self.moves)

    @classmethod
    def of(cls, col: ColumnProfile, ref: ColumnProfile, samples: Samples,
           feats: RowFeatures | None) -> MovedTest | None:
        """Run the test of a numeric column the others predict well (None when they do not)."""
        sd = ref.numbers.moments.std or 0.0
        if (feats is None or not sd > 0 or ref.distinct_count < 10 or col.numbers.n < MIN_VALUES
                or ref.numbers.n < MIN_VALUES):
            return None
        model = fit_row_model(feats, samples, col.name, log=False, min_r2=MIN_R2)
        if model is None or model.weak or model.r2 < MIN_R2:
            return None
        moves = tuple(("shift", d) for d in SHIFTS_SD) + tuple(("noise", v) for v in NOISE_SD)
        fns = tuple(_shift(d * sd) if kind == "shift" else noise_map(d * sd) for kind, d in moves)
        fit = fit_mixture(model.cur_tested, model.ref_residuals, fns)
        return None if fit is None else cls(col, model, fit, moves, fns, (feats, samples))

    def without(self, columns: set[str]) -> MovedTest | None:
        """Return the test with the row model refitted without these columns (None when the
        others do not predict it well)."""
        feats, samples = self.inputs
        model = fit_row_model(feats.without(columns), samples, self.col.name, log=False, min_r2=MIN_R2)
        if model is None or model.weak or model.r2 < MIN_R2:
            return None
        fit = fit_mixture(model.cur_tested, model.ref_residuals, self.fns)
        return None if fit is None else replace(self, model=model, fit=fit)

    def candidate(self, bound: float) -> Candidate | None:
        """Return the strongest move beyond the bound, or None.

        Unlike a unit slip, a move is not required to explain the whole difference: a relation
        that drifted in another way too is drift all the same.
        """
        f = self.fit
        k = int(np.argmax(f.lr))
        if f.lr[k] < bound:
            return None
        kind, size = self.moves[k]
        x = pl.col(self.col.name).cast(pl.Float64, strict=False)
        resid = x - self.model.predicted
        locate = _any_of([(resid >= lo) & (resid <= hi) for lo, hi in f.intervals(k, POSTERIOR)])
        return Candidate(self.col, 1.0, size, kind, float(f.share[k]), float(f.lr[k]), 0.0, "moved",
                         locate, self.model.predictors, self.model.r2)
