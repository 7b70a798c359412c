"""Compare one column of two profiles: effect sizes, a test, and the change in words."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from tripwire.detectors.common import is_free_text, is_slice_of, pct, short
from tripwire.detectors.data.columns import identifier_evidence
from tripwire.drift_detection import stats as st

if TYPE_CHECKING:
    from tripwire.drift_detection.config import DriftConfig
    from tripwire.profiling import ColumnProfile

LEVEL_RANK = {None: 0, "info": 1, "warning": 2, "error": 3}


@dataclass
class ColumnDrift:
    """How one column moved: the effect sizes, the test, the severity they reach, in words."""

    column: str
    treatment: str  # numeric | categorical | temporal | partition
    effects: dict[str, float]  # metric -> effect size (wasserstein, psi)
    pvalue: float
    n_ref: int
    n_cur: int
    words: str
    evidence: dict[str, Any] = field(default_factory=dict)
    level: str | None = None  # the highest severity the effect sizes reach
    metric: str = ""  # the metric that reached it
    padj: float = 1.0  # after Benjamini-Hochberg across columns

    @property
    def score(self) -> float:
        """Return the deciding effect size (for ranking and trends)."""
        return self.effects.get(self.metric, max(self.effects.values(), default=0.0))


def partition_keys(ref: Any, cur: Any) -> set[str]:
    """Return columns holding one value in each batch, a different one in each (month=1 vs
    month=2, a load date), or one of the reference's many (a day's batch against a month):
    they differ by construction, so they are not drift."""
    out = set()
    for name, col in cur.columns.items():
        other = ref.columns.get(name)
        if other is None or not col.non_null or not other.non_null:
            continue
        mine, theirs = col.frequent.counts, other.frequent.counts
        if (col.frequent.exact and other.frequent.exact and len(mine) == 1 and len(theirs) == 1
                and set(mine) != set(theirs)) or is_slice_of(col, other):
            out.add(name)
    return out


def treatment(col: ColumnProfile, forced: str | None = None) -> str | None:
    """Return how a column is compared (numeric, categorical, temporal) or None to leave it out."""
    if col.non_null == 0:
        return None
    if forced:
        return forced
    if col.kind == "temporal":
        return "temporal" if col.numbers.n else None
    if col.kind == "numeric" or (col.kind == "string" and col.inferred_type in ("int", "float")):
        if col.numbers.n == 0 or _identifier(col):
            return None
        return "numeric"
    if col.kind == "boolean":
        return "categorical"
    if col.kind == "string":
        if col.inferred_type in ("date", "datetime") or is_free_text(col):
            return None  # time stamps move by design; free text is drift.text's job
        return "categorical"
    return None


def _identifier(col: ColumnProfile) -> bool:
    """Tell whether whole numbers are ids or serials (their range moves by design).

    Uniqueness alone is not enough (weights, prices in cents, counts): it takes evidence.
    """
    n = col.numbers.n
    return n >= 100 and col.numbers.integral == n and bool(identifier_evidence(col))


def compare(name: str, ref: ColumnProfile, cur: ColumnProfile, config: DriftConfig,
            forced: str | None = None) -> ColumnDrift | None:
    """Compare a column of the reference with the current batch (None when not comparable)."""
    how_ref, how_cur = treatment(ref, forced), treatment(cur, forced)
    if how_ref is None or how_cur is None or how_ref != how_cur:
        return None  # missing on one side, or the type changed: schema.* reports that
    if how_ref == "categorical":
        result = _categorical(name, ref, cur)
    else:
        result = _numeric(name, ref, cur, temporal=how_ref == "temporal")
    if result is None:
        return None
    metric_levels = {m: config.severity(m, v, name) for m, v in result.effects.items()}
    best = max(metric_levels, key=lambda m: (LEVEL_RANK[metric_levels[m]], result.effects[m]))
    result.level, result.metric = metric_levels[best], best
    return result


def _numeric(name: str, ref: ColumnProfile, cur: ColumnProfile, temporal: bool) -> ColumnDrift | None:
    dr, dc = st.numeric_dist(ref), st.numeric_dist(cur)
    if dr is None or dc is None:
        return None
    scale = st.spread(dr, ref.numbers.moments.std) or st.spread(dc, cur.numbers.moments.std)
    w = st.wasserstein(dr, dc)
    if scale > 0:
        w_sd = w / scale
    else:  # constant on both sides: any difference is a complete change
        w_sd = 0.0 if w == 0 else math.inf
    _, r_bins, c_bins = st.numeric_bins(dr, dc)
    d = st.ks_distance(dr, dc)
    p = st.ks_pvalue(d, dr.n, dc.n, slack=dr.rank_error + dc.rank_error)
    fmt = _date if temporal else _num
    q_r = dr.quantiles(np.array([0.05, 0.5, 0.95]))
    q_c = dc.quantiles(np.array([0.05, 0.5, 0.95]))
    above = float(1 - dc.cdf(np.array([q_r[2]]))[0])
    below = float(dc.cdf(np.array([np.nextafter(q_r[0], -np.inf)]))[0])
    parts = [f"median {fmt(q_r[1])} → {fmt(q_c[1])}"]
    if above >= 0.1:
        parts.append(f"{pct(above)} of values now above the old 95th percentile ({fmt(q_r[2])})")
    if below >= 0.1:
        parts.append(f"{pct(below)} now below the old 5th percentile ({fmt(q_r[0])})")
    iqr_r, iqr_c = (float(np.diff(x.quantiles(np.array([0.25, 0.75])))[0]) for x in (dr, dc))
    iqr_ratio = round(iqr_c / iqr_r, 4) if iqr_r > 0 else None
    if iqr_ratio is not None and not 0.8 <= iqr_ratio <= 1.25:
        parts.append(f"IQR ×{iqr_ratio:.2f}")  # 'IQR', not 'spread': drift.feature's SD test says 'SD ×'
    mean_r, mean_c = ref.numbers.moments.mean, cur.numbers.moments.mean
    var_r, var_c = (m.variance or 0.0 for m in (ref.numbers.moments, cur.numbers.moments))  # None for one value
    se = math.sqrt(var_r / max(dr.n, 1) + var_c / max(dc.n, 1))
    evidence: dict[str, Any] = {
        "wasserstein_sd": round(w_sd, 4) if math.isfinite(w_sd) else "inf",
        # wasserstein_sd = wasserstein / robust_sd (IQR / 1.349, else the SD): the title's number
        "wasserstein": w,
        "robust_sd": scale,
        "psi": round(float(st.psi(r_bins, c_bins)), 4),
        "ks": round(d, 4),
        "p_value": p,
        "median": [fmt(q_r[1]), fmt(q_c[1])],
        "p5_p95_reference": [fmt(q_r[0]), fmt(q_r[2])],
        "p5_p95_current": [fmt(q_c[0]), fmt(q_c[2])],
        "share_above_reference_p95": round(above, 4),
        "share_below_reference_p5": round(below, 4),
        "values_compared": [dr.n, dc.n],
    }
    if iqr_ratio is not None:
        evidence["iqr_ratio"] = iqr_ratio
    if not temporal and scale > 0:
        delta = (mean_c - mean_r) / scale
        half = 1.96 * se / scale
        evidence["mean_shift_sd"] = round(delta, 4)
        evidence["mean_shift_sd_95ci"] = [round(delta - half, 4), round(delta + half, 4)]
    if dr.rank_error or dc.rank_error:
        evidence["sketch_rank_error"] = round(dr.rank_error + dc.rank_error, 4)
    effects = {"wasserstein": w_sd, "psi": float(evidence["psi"])}
    return ColumnDrift(name, "temporal" if temporal else "numeric", effects, p, dr.n, dc.n,
                       "; ".join(parts), evidence)


def _categorical(name: str, ref: ColumnProfile, cur: ColumnProfile) -> ColumnDrift | None:
    values, r, c = st.category_table(ref, cur)
    n_r, n_c = float(r.sum()), float(c.sum())
    if n_r == 0 or n_c == 0:
        return None
    p_share, q_share = r / n_r, c / n_c
    effect = st.psi(r, c)
    pval = st.chi2_pvalue(r, c)
    diff = q_share - p_share
    named = [i for i, v in enumerate(values) if v is not None]
    parts = []
    if named:
        top_r = max(named, key=lambda i: p_share[i])
        top_c = max(named, key=lambda i: q_share[i])
        # ties (three values at 33% each) are not a new top value: demand a real lead
        if top_c != top_r and q_share[top_c] - q_share[top_r] > 0.01 and p_share[top_r] - p_share[top_c] > 0.01:
            was = pct(p_share[top_c]) if r[top_c] else "absent"
            parts.append(f"new top value {short(values[top_c], 40)!r} {pct(q_share[top_c])} (was {was})")
        rise = max(named, key=lambda i: diff[i])
        fall = min(named, key=lambda i: diff[i])
        for i in (rise, fall):
            if i == top_c and top_c != top_r:
                continue
            if abs(diff[i]) >= 0.02:
                was = pct(p_share[i]) if r[i] else "absent"
                parts.append(f"{short(values[i], 40)!r} {was} → {pct(q_share[i])}")
    if diff[-1] >= 0.05:
        parts.append(f"rare/other values {pct(p_share[-1])} → {pct(q_share[-1])}")
    new = [values[i] for i in named if r[i] == 0 and q_share[i] >= 0.01]
    gone = [values[i] for i in named if c[i] == 0 and p_share[i] >= 0.01]
    if new and not parts:
        parts.append(f"new values {', '.join(repr(short(v, 30)) for v in new[:3])}")
    if gone:
        parts.append(f"vanished {', '.join(repr(short(v, 30)) for v in gone[:3])}")
    order = np.argsort(-np.abs(diff[: len(named)]))[:10] if named else []
    evidence: dict[str, Any] = {
        "psi": round(effect, 4),
        "jensen_shannon": round(_js(p_share, q_share), 4),
        "p_value": pval,
        "changes": {_key(values[named[i]]): [round(float(p_share[named[i]]), 4), round(float(q_share[named[i]]), 4)]
                    for i in order},
        "other_share": [round(float(p_share[-1]), 4), round(float(q_share[-1]), 4)],
        "values_compared": [int(n_r), int(n_c)],
    }
    if new:
        evidence["new_values"] = [_key(v) for v in new[:10]]
    if gone:
        evidence["vanished_values"] = [_key(v) for v in gone[:10]]
    words = "; ".join(parts) or "no value's share moved by 2 points or more"
    return ColumnDrift(name, "categorical", {"psi": effect}, pval, int(n_r), int(n_c), words, evidence)


def _js(p: np.ndarray, q: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q, base=2)) if p.sum() and q.sum() else 0.0


def _num(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:.4g}"


def _date(seconds: float) -> str:
    try:
        when = datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        return _num(seconds)
    return when.strftime("%Y-%m-%d") if when.hour == when.minute == when.second == 0 else when.isoformat(" ", "minutes")[:16]


def _key(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) else str(value)
