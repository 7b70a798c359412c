"""How close synthetic rows are to real ones: copies, near copies, and exposed real records.

Rows are compared in one space: numbers scaled by the real data's standard deviation,
categories one-hot (a mismatch counts 1), missing values as their own category or the
real median. A fifth of the real rows (seeded) is held out; its distances to the rest
(DCR, distance to closest record) say how close a fresh real row usually comes, which is
what a synthetic row should not beat. Correlation differences measure fidelity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

#: rows compared by nearest-neighbour distance (sampled, seeded, beyond this)
MAX_ROWS = 5_000
MAX_CATEGORIES = 50
HOLDOUT_SHARE = 0.2
#: a near copy is closer than this quantile of the holdout's own distances
NEAR_QUANTILE = 0.01
Z = 3.0


@dataclass(frozen=True)
class CopyMeasure:
    """Distances of synthetic rows to real ones, against a real holdout's distances."""

    synth_rows: int
    real_rows: int
    exact_copies: int
    exact_rows: tuple[int, ...]
    compared: int
    near_copies: int
    near_rows: tuple[int, ...]
    near_share: float
    expected_near_share: float
    threshold: float
    dcr_median: float
    holdout_dcr_median: float
    exposed_real_share: float
    membership_risk: float

    @property
    def excess(self) -> bool:
        """Tell whether synthetic rows come closer to real ones than real rows do, beyond noise."""
        p = max(self.expected_near_share, 1 / max(self.compared, 1))
        se = (p * (1 - p) / max(self.compared, 1)) ** 0.5
        return self.near_share > p + Z * se


def _sample(df: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    return df if df.height <= n else df.sample(n, seed=seed)


def encode(real: pl.DataFrame, frames: list[pl.DataFrame]) -> list[np.ndarray]:
    """Return each frame as a float matrix in the real data's scale (see the module docstring)."""
    blocks: list[list[np.ndarray]] = [[] for _ in frames]
    for name, dtype in real.schema.items():
        if dtype.is_numeric() and dtype != pl.Boolean:
            x = real.get_column(name).cast(pl.Float64)
            sd = float(x.std() or 0.0) or 1.0
            med = float(x.median() or 0.0)
            for i, f in enumerate(frames):
                v = f.get_column(name).cast(pl.Float64, strict=False).fill_nan(None).fill_null(med).to_numpy()
                blocks[i].append(((v - med) / sd)[:, None])
        else:
            text = real.get_column(name).cast(pl.String).fill_null("\x00")
            top = text.value_counts(sort=True).head(MAX_CATEGORIES).get_column(name).to_list()
            for i, f in enumerate(frames):
                t = f.get_column(name).cast(pl.String, strict=False).fill_null("\x00").to_numpy()
                onehot = np.stack([t == c for c in top], axis=1).astype(np.float64) if top else np.zeros((len(t), 0))
                blocks[i].append(onehot / np.sqrt(2))  # two differing one-hot cells: distance 1
    return [np.hstack(b) if b else np.zeros((f.height, 0)) for b, f in zip(blocks, frames, strict=True)]


def nearest(train: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Return each query row's Euclidean distance to its nearest train row."""
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1, algorithm="auto").fit(train)
    dist, _ = nn.kneighbors(query)
    return dist[:, 0]


def exact_copy_rows(real: pl.DataFrame, synth: pl.DataFrame) -> np.ndarray:
    """Return the synthetic row indices equal to some real row (every row, hashed)."""
    cast = synth.select([pl.col(c).cast(t, strict=False) for c, t in real.schema.items()])
    real_hash = real.hash_rows(seed=7)
    return np.flatnonzero(cast.hash_rows(seed=7).is_in(real_hash.implode()).to_numpy())


def measure_copies(real: pl.DataFrame, synth: pl.DataFrame, *, seed: int = 0) -> CopyMeasure:
    """Count exact and near copies and the real records a synthetic row exposes."""
    exact = exact_copy_rows(real, synth)
    shuffled = real.sample(fraction=1.0, shuffle=True, seed=seed)
    n_hold = max(1, min(int(real.height * HOLDOUT_SHARE), MAX_ROWS))
    holdout, train = shuffled.head(n_hold), shuffled.tail(real.height - n_hold)
    train = _sample(train, 4 * MAX_ROWS, seed)
    s_idx = synth.with_row_index("__i__")
    s_part = _sample(s_idx, MAX_ROWS, seed)
    real_all = _sample(real, MAX_ROWS, seed)
    tr, ho, sy, ra = encode(real, [train, holdout, s_part.drop("__i__"), real_all])
    d_hold = nearest(tr, ho)
    whole = np.vstack([tr, ho])
    d_syn = nearest(whole, sy)
    threshold = float(np.quantile(d_hold, NEAR_QUANTILE))
    near = d_syn <= threshold
    expected = float(np.mean(d_hold <= threshold))
    # real records a synthetic row sits next to, against how often a fresh real row does
    d_real = nearest(sy, ra)
    exposed = float(np.mean(d_real <= threshold))
    risk = max(0.0, (exposed - expected) / (1 - expected)) if expected < 1 else 0.0
    ids = s_part.get_column("__i__").to_numpy()
    return CopyMeasure(
        synth_rows=synth.height, real_rows=real.height, exact_copies=int(exact.size),
        exact_rows=tuple(int(r) for r in exact[:100]), compared=len(d_syn),
        near_copies=int(near.sum()), near_rows=tuple(int(r) for r in np.sort(ids[near])[:100]),
        near_share=float(near.mean()), expected_near_share=expected, threshold=threshold,
        dcr_median=float(np.median(d_syn)), holdout_dcr_median=float(np.median(d_hold)),
        exposed_real_share=exposed, membership_risk=round(risk, 4))


def correlation_difference(real: pl.DataFrame, synth: pl.DataFrame) -> dict[str, float | list[str] | None]:
    """Return the mean and largest absolute difference of Pearson correlations of numeric pairs."""
    cols = [c for c, t in real.schema.items() if t.is_numeric() and t != pl.Boolean]
    if len(cols) < 2:
        return {"mean_abs": None, "max_abs": None, "worst_pair": None}

    def corr(df: pl.DataFrame) -> np.ndarray:
        x = df.select([pl.col(c).cast(pl.Float64, strict=False) for c in cols]).drop_nulls().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nan_to_num(np.corrcoef(x, rowvar=False))

    diff = np.abs(corr(real) - corr(synth))
    iu = np.triu_indices(len(cols), 1)
    worst = int(np.argmax(diff[iu]))
    return {"mean_abs": round(float(diff[iu].mean()), 4), "max_abs": round(float(diff[iu][worst]), 4),
            "worst_pair": [cols[iu[0][worst]], cols[iu[1][worst]]]}
