"""Write the benchmark data: 1,000,000 rows × 20 columns, and a drifted current batch.

Columns: 10 floats f0..f9 (varied shapes, 1-5% NaN), 5 ints i0..i4 (a 0-100 score, counts, ids,
a small code, signed values), 4 strings s5/s50/s1k/s100k (cardinality 5, 50, 1,000, 100,000),
1 timestamp ts spanning a month. `--drifted` writes a current batch from another seed where
exactly four columns moved (recorded in the Parquet metadata key `tripwire.moved`):
f0 mean +0.5 sd, f2 spread ×1.5, s50 category ranking permuted, i0 (0-100 score) +3.

    python bench/generate.py                       # bench/data/reference.parquet
    python bench/generate.py --drifted             # bench/data/current.parquet
    python bench/generate.py --csv --rows 10000000 # bench/data/reference_10m.csv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parent / "data"
CHUNK_ROWS = 1_000_000
MOVED = {
    "f0": "mean +0.5 sd",
    "f2": "standard deviation x1.5",
    "s50": "category ranking permuted",
    "i0": "+3 on a 0-100 score",
}


def _zipf_probs(k: int, a: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** a
    return w / w.sum()


def make_chunk(rng: np.random.Generator, n: int, drifted: bool) -> pa.Table:
    """Return n rows of the benchmark table (drawn from the drifted distribution if asked)."""
    cols: dict[str, np.ndarray | pa.Array] = {}
    f0 = rng.normal(50.0, 10.0, n) + (5.0 if drifted else 0.0)
    f2 = rng.normal(0.0, 1.5 if drifted else 1.0, n)
    floats = [
        f0,
        rng.lognormal(3.0, 1.0, n),  # heavy right tail (prices)
        f2,
        rng.uniform(0.0, 1.0, n),
        rng.exponential(2.0, n),
        np.where(rng.random(n) < 0.4, rng.normal(-2, 0.5, n), rng.normal(3, 1, n)),  # bimodal
        rng.standard_t(5, n),
        rng.gamma(2.0, 2.0, n),
        rng.beta(2.0, 5.0, n),
        rng.normal(1000.0, 1.0, n),  # large offset, small spread
    ]
    for i, x in enumerate(floats):
        x = x.astype(np.float64)
        x[rng.random(n) < 0.01 + 0.004 * i] = np.nan
        cols[f"f{i}"] = x
    score = np.clip(np.round(rng.normal(60, 15, n)), 0, 100).astype(np.int64)
    cols["i0"] = np.clip(score + (3 if drifted else 0), 0, 100)
    cols["i1"] = rng.poisson(4.0, n).astype(np.int64)
    cols["i2"] = rng.integers(0, 10**12, n, dtype=np.int64)
    cols["i3"] = rng.integers(0, 20, n, dtype=np.int64)
    cols["i4"] = rng.integers(-5000, 5000, n, dtype=np.int64)
    for name, k in (("s5", 5), ("s50", 50), ("s1k", 1000), ("s100k", 100_000)):
        vocab = np.array([f"{name}_{j:06d}" for j in range(k)], dtype=object)
        if k == 100_000:
            idx = rng.integers(0, k, n)
        else:
            probs = _zipf_probs(k)
            if drifted and name == "s50":
                probs = probs[np.random.default_rng(99).permutation(k)]
            idx = rng.choice(k, n, p=probs)
        cols[name] = pa.array(vocab[idx], pa.large_string())
    start = np.datetime64("2026-10-01T00:00:00", "us")
    cols["ts"] = start + rng.integers(0, 31 * 86_400 * 10**6, n).astype("timedelta64[us]")
    return pa.table(cols)


def write(path: Path, rows: int, seed: int, drifted: bool, csv: bool) -> Path:
    """Write the table in chunks so 10M rows fit in bounded memory."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    meta = {b"tripwire.moved": json.dumps(MOVED if drifted else {}).encode()}
    try:
        for start in range(0, rows, CHUNK_ROWS):
            chunk = make_chunk(rng, min(CHUNK_ROWS, rows - start), drifted)
            if writer is None:
                schema = chunk.schema.with_metadata(meta)
                writer = pacsv.CSVWriter(path, schema) if csv else pq.ParquetWriter(path, schema)
            writer.write_table(chunk.replace_schema_metadata(meta))
    finally:
        if writer is not None:
            writer.close()
    return path


def main() -> None:
    """Parse arguments and write the file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=None, help="default: 1 (reference), 2 (drifted)")
    ap.add_argument("--drifted", action="store_true", help="write the current batch where 4 columns moved")
    ap.add_argument("--csv", action="store_true", help="write CSV instead of Parquet")
    ap.add_argument("-o", "--output", type=Path, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else (2 if args.drifted else 1)
    stem = "current" if args.drifted else "reference"
    if args.rows != 1_000_000:
        stem += f"_{args.rows // 1_000_000}m" if args.rows % 1_000_000 == 0 else f"_{args.rows}"
    out = args.output or DATA / f"{stem}.{'csv' if args.csv else 'parquet'}"
    write(out, args.rows, seed, args.drifted, args.csv)
    print(f"wrote {out} ({args.rows:,} rows)")
    if args.drifted:
        for col, how in MOVED.items():
            print(f"  moved: {col}: {how}")


if __name__ == "__main__":
    main()
