"""join-check of 10M × 1M keys against a plain Polars join; fix of 1M rows against read + write.

    PYTHONPATH=src python bench/join_fix_bench.py [--record]

Targets (issue 20): join-check ≤ 3× the plain join of the same keys; fix with three rules
(category variants, encoding, disguised nulls) ≤ 2× reading and writing the file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, machine, record

import tripwire


def join_sides(seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """10M left rows over 1M customer codes (2% of rows orphans, 1% written lower-case); 1M right keys."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 1_020_000, 10_000_000)  # ids from 1,000,000 on have no right row
    left = pl.DataFrame({"customer": ids}).select(
        pl.format("C{}", pl.col("customer").cast(pl.String).str.zfill(7)).alias("customer"))
    lower = rng.random(10_000_000) < 0.01
    left = left.with_columns(pl.when(pl.Series(lower)).then(pl.col("customer").str.to_lowercase())
                             .otherwise(pl.col("customer")).alias("customer"))
    right = pl.DataFrame({"id": np.arange(1_000_000)}).select(
        pl.format("C{}", pl.col("id").cast(pl.String).str.zfill(7)).alias("customer"), pl.lit(1).alias("segment"))
    return left, right


def fix_file(folder: Path, rows: int = 1_000_000, seed: int = 1) -> Path:
    """1M rows: city with case variants (1%), notes with mojibake (0.5%), grades with 'N/A' (0.5%)."""
    rng = np.random.default_rng(seed)
    cities = np.array(["Minneapolis", "Saint Paul", "Bloomington", "Rochester", "Duluth", "Edina"])
    city = pl.Series(cities[rng.integers(0, cities.size, rows)])
    notes = np.array(["Café au lait", "Crème brûlée", "Smörgåsbord", "Jalapeño", "plain"])
    note = pl.Series(notes[rng.integers(0, notes.size, rows)])
    frame = pl.DataFrame({"id": np.arange(rows), "city": city, "note": note,
                          "grade": rng.integers(1, 6, rows).astype(str), "amount": rng.normal(100, 10, rows)})
    up, bad, na = (pl.Series(rng.random(rows) < p) for p in (0.01, 0.005, 0.005))
    frame = frame.with_columns(
        pl.when(up).then(pl.col("city").str.to_uppercase()).otherwise(pl.col("city")).alias("city"),
        pl.when(na).then(pl.lit("N/A")).otherwise(pl.col("grade")).alias("grade"))
    damaged = {v: v.encode("utf-8").decode("cp1252") for v in notes}
    frame = frame.with_columns(pl.when(bad).then(pl.col("note").replace(damaged)).otherwise(pl.col("note")).alias("note"))
    path = folder / "batch.parquet"
    frame.write_parquet(path)
    return path


def main() -> None:
    lines = []
    left, right = join_sides()
    plain = best_of(lambda: left.join(right, on="customer", how="inner").height, 3)
    report = tripwire.join_check(left, right, "customer", expect="n:1")
    checked = best_of(lambda: tripwire.join_check(left, right, "customer", expect="n:1"), 3)
    best = [f for f in report.findings if "more rows would match" in f.title]
    lines.append(f"join-check 10,000,000 × 1,000,000 string keys: {checked:.2f} s; plain Polars inner join: "
                 f"{plain:.2f} s; ratio {checked / plain:.2f}× (target ≤ 3×)")
    lines.append("  findings: " + " | ".join(f.title for f in report.findings))
    if best:
        lines.append(f"  best normalisation: {best[0].evidence['best']['normalisation']}, "
                     f"+{best[0].evidence['best']['rows_gained']:,} rows")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = fix_file(folder)
        scan = tripwire.scan(path)
        rw = best_of(lambda: pl.read_parquet(path).write_parquet(folder / "copy.parquet"), 3)
        apply = ["data.category_variants", "data.encoding", "data.missing_values"]
        result = tripwire.fix(path, scan, output=folder / "clean.parquet", apply=apply, rescan=False)
        fixed = best_of(lambda: tripwire.fix(path, scan, output=folder / "clean.parquet", apply=apply,
                                             rescan=False), 3)
        cells = ", ".join(f"{a.rule.name} {a.cells:,}" for a in result.applied)
        lines.append(f"fix 1,000,000 rows × 5 columns, three rules ({cells}; audit {result.audit.height:,} rows): "
                     f"{fixed:.2f} s; read + write Parquet: {rw:.2f} s; ratio {fixed / rw:.2f}× (target ≤ 2×)")
    print("\n".join(lines))
    if "--record" in sys.argv:
        record("join-check and fix (join_fix_bench.py)", [machine(), "", "```", *lines, "```"])


if __name__ == "__main__":
    main()
