"""Merge laws of every profile statistic: associative, commutative, identity, merged == whole."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tripwire.profiling.stats.distinct import DistinctSketch
from tripwire.profiling.stats.frequent import FrequentItems
from tripwire.profiling.stats.moments import Moments
from tripwire.profiling.stats.numeric import NumericStats

floats = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), max_size=60)


def _close(a: Moments, b: Moments) -> None:
    assert a.n == b.n
    if a.n:
        scale = max(1.0, abs(a.mean))
        assert a.mean == pytest.approx(b.mean, rel=1e-9, abs=1e-9 * scale)
        # higher moments cancel catastrophically; judge them on the scale of m2 and the mean
        m2 = max(a.m2, b.m2, 1.0) + a.n * a.mean * a.mean
        for x, y, power in ((a.m2, b.m2, 1.0), (a.m3, b.m3, 1.5), (a.m4, b.m4, 2.0)):
            assert x == pytest.approx(y, rel=1e-6, abs=1e-9 * m2**power + 1e-6)


@given(floats, floats, floats)
def test_moments_merge_laws(xs, ys, zs):
    a, b, c = (Moments.of(np.array(v, dtype=float)) for v in (xs, ys, zs))
    _close(a.merge(b), b.merge(a))
    _close(a.merge(b).merge(c), a.merge(b.merge(c)))
    _close(a.merge(Moments()), a)
    _close(Moments().merge(a), a)
    _close(a.merge(b), Moments.of(np.array(xs + ys, dtype=float)))


def test_moments_match_numpy():
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=10_000)
    m = Moments.of(x[:3000]).merge(Moments.of(x[3000:]))
    assert m.mean == pytest.approx(x.mean())
    assert m.std == pytest.approx(x.std(ddof=1))
    from scipy import stats

    assert m.skewness == pytest.approx(stats.skew(x), rel=1e-9)
    assert m.kurtosis == pytest.approx(stats.kurtosis(x), rel=1e-9)


def test_weighted_moments_equal_repeated_values():
    values, weights = np.array([1.0, 2.0, 10.0]), np.array([3, 1, 2])
    _close(Moments.of(values, weights), Moments.of(np.repeat(values, weights)))


items = st.lists(st.sampled_from(list("abcdefghij")), max_size=80)


def _fi(values: list[str], capacity: int = 1024) -> FrequentItems:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return FrequentItems.of([k for k, _ in ranked], [n for _, n in ranked], capacity)


@given(items, items, items)
def test_frequent_items_exact_merge_laws(xs, ys, zs):
    a, b, c = _fi(xs), _fi(ys), _fi(zs)
    assert a.merged(b).counts == b.merged(a).counts
    assert a.merged(b).merged(c).counts == a.merged(b.merged(c)).counts
    assert a.merged(FrequentItems()).counts == a.counts
    assert a.merged(b).counts == _fi(xs + ys).counts
    assert a.merged(b).total == len(xs) + len(ys)


@given(items, items)
@settings(max_examples=200)
def test_frequent_items_truncated_within_error(xs, ys):
    a, b = _fi(xs, capacity=3), _fi(ys, capacity=3)
    merged = a.merged(b)
    whole = _fi(xs + ys, capacity=1024)
    for value, count in merged.counts.items():
        true = whole.counts[value]
        assert count <= true <= count + merged.error
    # any value missing from the summary is rarer than the error bound
    for value, true in whole.counts.items():
        if value not in merged.counts:
            assert true <= merged.error + min(merged.counts.values(), default=0)


@given(st.lists(st.integers(0, 2**63), max_size=200), st.lists(st.integers(0, 2**63), max_size=200))
def test_distinct_sketch_merge_is_union(xs, ys):
    a, b, whole = DistinctSketch(), DistinctSketch(), DistinctSketch()
    ha, hb = np.array(xs, dtype=np.uint64), np.array(ys, dtype=np.uint64)
    a.update_hashes(ha)
    b.update_hashes(hb)
    whole.update_hashes(np.concatenate([ha, hb]))
    assert np.array_equal(a.merged(b).registers, whole.registers)
    assert np.array_equal(a.merged(b).registers, b.merged(a).registers)
    assert np.array_equal(a.merged(DistinctSketch()).registers, a.registers)


def test_distinct_estimate_within_error():
    import polars as pl

    for n in (10, 1_000, 200_000):
        s = DistinctSketch()
        s.update_hashes(pl.Series(np.arange(n)).hash(seed=0).to_numpy())
        assert s.estimate() == pytest.approx(n, rel=4 * s.relative_error)


def test_numeric_stats_quantiles_merge_within_rank_error():
    rng = np.random.default_rng(7)
    x = rng.normal(size=200_000)
    parts = [NumericStats.of(p) for p in np.array_split(x, 7)]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merged(p)
    whole = NumericStats.of(x)
    assert merged.n == whole.n == x.size
    assert merged.min == x.min() and merged.max == x.max()
    eps = merged.quantiles.rank_error
    for q in (0.01, 0.25, 0.5, 0.75, 0.99):
        value = merged.quantiles.quantile(q)
        rank = np.mean(x <= value)
        assert abs(rank - q) <= eps


def _fi_exact(values: list[str], capacity: int = 1024) -> FrequentItems:
    import polars as pl

    frame = pl.Series("value", values, dtype=pl.String).value_counts(name="count")
    return FrequentItems.of_counts(frame, capacity)


@given(items, items, items)
@settings(deadline=None)
def test_frequent_items_exact_mode_merge_laws(xs, ys, zs):
    # full value counts kept while small: merges are exact, and so are cut counts and distinct
    a, b, c = _fi_exact(xs, 3), _fi_exact(ys, 3), _fi_exact(zs, 3)
    whole = _fi_exact(xs + ys + zs, 3)
    for merged in (a.merged(b).merged(c), a.merged(b.merged(c)), c.merged(a).merged(b)):
        assert merged.counts == whole.counts and merged.error == whole.error
        assert merged.distinct == len(set(xs + ys + zs)) and merged.total == len(xs + ys + zs)
    assert a.merged(FrequentItems(3)).counts == a.counts


finite = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32), max_size=60)


@given(finite, finite, finite)
@settings(deadline=None)
def test_quantile_state_exact_merge_laws(xs, ys, zs):
    from tripwire.profiling.stats.quantiles import QuantileSketch

    def state(v: list[float]) -> QuantileSketch:
        s = QuantileSketch()
        s.update(np.array(v, dtype=np.float64))
        return s

    qs = np.linspace(0, 1, 21)
    a, b, c = state(xs), state(ys), state(zs)
    whole = xs + ys + zs
    expected = np.quantile(np.array(whole, dtype=np.float64) + 0.0, qs) if whole else np.full(21, np.nan)
    for merged in (a.merged(b).merged(c), a.merged(b.merged(c)), b.merged(c).merged(a)):
        assert np.array_equal(merged.quantiles(qs), expected, equal_nan=True)
        assert merged.exact and merged.rank_error == 0.0


def _magnitudes_by_logarithm(values, weights):
    from tripwire.profiling.stats.numeric import MAG_BINS, _magnitude_bin

    out = np.zeros((2, MAG_BINS), dtype=np.int64)
    nz = values != 0
    x, w = values[nz], None if weights is None else weights[nz]
    b, neg = _magnitude_bin(x), x < 0
    out[0] = np.bincount(b[~neg], weights=None if w is None else w[~neg], minlength=MAG_BINS)
    out[1] = np.bincount(b[neg], weights=None if w is None else w[neg], minlength=MAG_BINS)
    return out


def test_magnitudes_of_sorted_values_equal_the_logarithm_rule():
    # sorted input is counted by binary search on each bin's first value: the same counts,
    # also for values on, just below and just above every bin edge
    from tripwire.profiling.stats.numeric import _BIN_STARTS, magnitude_counts, magnitude_edges

    rng = np.random.default_rng(7)
    edges = np.concatenate([magnitude_edges(), _BIN_STARTS])
    near = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf)])
    for _ in range(20):
        wild = rng.lognormal(0, 9, 2_000) * rng.choice([-1.0, 1.0], 2_000)
        values = np.unique(np.concatenate([wild, near, -near, [0.0, 5e-324, 1e300, -1e300]]))
        weights = rng.integers(1, 6, values.size)
        assert (magnitude_counts(values, weights) == _magnitudes_by_logarithm(values, weights)).all()
        assert (magnitude_counts(values) == _magnitudes_by_logarithm(values, None)).all()
        shuffled = rng.permutation(values)  # unsorted input takes the logarithm path
        assert (magnitude_counts(shuffled) == _magnitudes_by_logarithm(values, None)).all()


def test_moments_of_unit_weights_are_bit_identical_to_the_weighted_sums():
    rng = np.random.default_rng(3)
    for scale in (1e-6, 1.0, 1e9):
        values = np.unique(rng.standard_t(3, 20_000) * scale)
        ones = np.ones(values.size, dtype=np.int64)
        got = Moments.of(values, ones)
        w = ones.astype(np.float64)
        mean = float((values * w).sum() / values.size)
        d = values - mean
        d2w = d * d * w
        want = (values.size, mean, float(d2w.sum()), float((d2w * d).sum()), float((d2w * d * d).sum()))
        assert (got.n, got.mean, got.m2, got.m3, got.m4) == want


def test_numeric_stats_moments_same_before_and_after_settling():
    values = np.unique(np.random.default_rng(5).normal(size=5_000))
    counts = np.random.default_rng(6).integers(1, 4, values.size)
    fresh = NumericStats.of(values, counts)
    rebuilt = NumericStats.from_dict(fresh.to_dict())
    assert fresh.moments == rebuilt.moments == Moments.of(values, counts)
