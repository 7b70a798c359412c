"""Profile on Spark (local[2]) vs the single-process path: time against rows, driver memory against partitions.

    PYTHONPATH=src python bench/spark_bench.py [--rows 2e6,1e7,5e7] [--partitions 8,64,512] [--data /tmp/spark17]
    PYTHONPATH=src python bench/spark_bench.py --rows-pass 2e6,1e7 --rows '' --partitions ''

`--rows-pass`: `check` (a contract with a quarantine) and `scan` of the same plain Parquet
file, single process against Spark reading its row groups with pyarrow (tripwire.spark.direct)
and against Spark handing the rows over through mapInArrow, one after the other per size.

Each measurement runs in a fresh process, so the peak RSS of the Python driver is that one
run's; imports and Spark's Python workers are warmed up before the clock starts. "Moving the
rows to Python alone" is a mapInArrow that only counts rows: Spark's own cost of handing
Arrow batches to Python, which no profiler can avoid. Data: 20 columns (8 float, 6 int, 4 text, 1 bool, 1 timestamp) written to Parquet
first; neither path holds it in the driver. Spark start-up is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(rows: int, path: str) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    step = 500_000
    writer = None
    for start in range(0, rows, step):
        n = min(step, rows - start)
        cols = {}
        for i in range(8):
            x = rng.normal(100 * i, 10 + i, n).round(2)
            cols[f"f{i}"] = pa.array(x, mask=rng.random(n) < 0.02)
        for i in range(6):
            cols[f"i{i}"] = pa.array(rng.integers(0, 10 ** (i + 1), n))
        words = np.array([f"w{k}" for k in range(200)])
        for i in range(4):
            cols[f"s{i}"] = pa.array(words[rng.integers(0, 50 * (i + 1), n)])
        cols["b"] = pa.array(rng.random(n) < 0.3)
        cols["t"] = pa.array((1_600_000_000 + rng.integers(0, 86400 * 365, n)) * 1_000_000).cast(pa.timestamp("us"))
        table = pa.table(cols)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def run_local(path: str) -> dict:
    import pyarrow as pa

    import tripwire

    tripwire.profile(pa.table({"x": [1.0, 2.0], "s": ["a", None]}))  # imports are not what is measured
    t = time.perf_counter()
    prof = tripwire.profile(path)
    return {"seconds": time.perf_counter() - t, "rows": prof.rows, "fingerprint": prof.fingerprint,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_spark(path: str, partitions: int, transfer: bool = True) -> dict:
    import tripwire.spark as tw

    spark = tw.session("local[2]", conf={"spark.driver.memory": "2g"})
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(path).repartition(partitions) if partitions else spark.read.parquet(path)
    if partitions:
        df = df.cache()
        df.count()  # the shuffle is not what is measured
    parts = df.rdd.getNumPartitions()
    tw.profile(spark.range(10))  # start the Python workers and their imports first
    before = _rss_mb()
    moved = None
    if transfer:
        t = time.perf_counter()
        df.mapInArrow(_count, "n long").collect()  # only moving the rows to Python, for comparison
        moved = time.perf_counter() - t
    t = time.perf_counter()
    prof = tw.profile(df)
    out = {"seconds": time.perf_counter() - t, "transfer_seconds": moved, "rows": prof.rows,
           "fingerprint": prof.fingerprint, "partitions": parts, "rss_before_mb": before,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    spark.stop()
    return out


#: the contract of the row-pass benchmark: a range, allowed values and a rule over the generated columns
BENCH_CONTRACT = """
columns:
  f1: {max: 140}
  i0: {min: 0, max: 8}
  s0: {allowed: [w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15, w16, w17, w18, w19,
                 w20, w21, w22, w23, w24, w25, w26, w27, w28, w29, w30, w31, w32, w33, w34, w35, w36, w37, w38, w39,
                 w40, w41, w42, w43, w44, w45, w46, w47]}
rules:
  - {name: positive f2, expr: f2 > 150 or is_null(f2)}
"""


def run_rows(path: str, command: str, engine: str) -> dict:
    """Time `check` (with a quarantine) or `scan` of the file: engine "local", "direct" or "mapinarrow"."""
    import pyarrow as pa

    import tripwire
    from tripwire.run import check

    contract = tripwire.Contract.loads(BENCH_CONTRACT)
    out_dir = tempfile.mkdtemp(dir=str(Path(path).parent))
    if engine == "local":
        tripwire.profile(pa.table({"x": [1.0, 2.0], "s": ["a", None]}))  # imports are not what is measured
        data: object = path
    else:
        import tripwire.spark as tw
        import tripwire.spark.direct as direct

        spark = tw.session("local[2]", conf={"spark.driver.memory": "2g"})
        spark.sparkContext.setLogLevel("ERROR")
        tw.profile(spark.range(10))  # start the Python workers and their imports first
        if engine == "mapinarrow":
            direct.parquet_row_groups = lambda *_: None  # what any frame that is not a plain scan gets
        data = spark.read.parquet(path)
    t = time.perf_counter()
    if command == "check":
        report = check(contract, data, quarantine=out_dir)
    else:
        report = tripwire.scan(data)
    seconds = time.perf_counter() - t
    found = sorted((f.code, f.columns, f.evidence.get("count", len(f.rows))) for f in report.findings)
    return {"seconds": seconds, "rows": report.dataset.rows, "fingerprint": report.dataset.fingerprint,
            "found": json.dumps([list(map(str, x)) for x in found]),
            "reader": report.extra["profile"].source.get("reader", "mapInArrow" if engine != "local" else "local"),
            "quarantine": {k: v for k, v in (report.quarantine or {}).items() if k != "directory"}}


def run_direct(path: str) -> dict:
    """Experiment (not tripwire's path): Spark tasks that read their row groups with pyarrow and profile them.

    What skipping the JVM's column-to-row-to-Arrow round trip would give; the partials merge
    with tripwire.spark's own merge tree.
    """
    import pyarrow.parquet as pq

    import tripwire.spark as tw
    from tripwire.io.normalise import conform, normal_schema
    from tripwire.profiling import ProfileConfig, profile_batch
    from tripwire.spark.partial import pack, unpack
    from tripwire.spark.profile import ROW_SHIFT, _merge

    spark = tw.session("local[2]", conf={"spark.driver.memory": "2g"})
    groups = pq.ParquetFile(path).metadata.num_row_groups
    tasks = 8
    spark.sparkContext.parallelize(range(2), 2).count()  # Python workers started first
    cfg = ProfileConfig()

    def work(pid, _):
        f = pq.ParquetFile(path)
        schema = normal_schema(f.schema_arrow)[0]
        result, rows = None, 0
        for g in range(pid, groups, tasks):
            for batch in f.iter_batches(batch_size=262_144, row_groups=[g]):
                part = profile_batch(conform(batch, schema), (pid << ROW_SHIFT) + rows, cfg)
                result = part if result is None else result.merge(part)
                rows += batch.num_rows
        if result is not None:
            yield pack((result, {pid: rows}))

    t = time.perf_counter()
    merged = None
    for blob in spark.sparkContext.parallelize(range(tasks), tasks).mapPartitionsWithIndex(work).collect():
        merged = _merge(merged, unpack(blob))
    prof = merged[0]
    prof.settle()
    out = {"seconds": time.perf_counter() - t, "rows": prof.rows, "fingerprint": prof.fingerprint}
    spark.stop()
    return out


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def _count(batches):  # a mapInArrow function: only counts
    import pyarrow as pa

    yield pa.RecordBatch.from_pydict({"n": [sum(b.num_rows for b in batches)]})


def _seconds(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.1f} s"


def child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        raise SystemExit(f"{args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1e6,2e6,4e6")
    ap.add_argument("--partitions", default="8,64,512")
    ap.add_argument("--memory-rows", type=float, default=2e5)
    ap.add_argument("--transfer-max-rows", type=float, default=1e7,
                    help="measure 'moving the rows to Python alone' up to this many rows (it doubles the time)")
    ap.add_argument("--rows-pass", default="", help="sizes for the check/scan benchmark (see the module doc)")
    ap.add_argument("--data", default=None, help="folder for the generated Parquet files (default: a temporary one)")
    ap.add_argument("mode", nargs="*")
    a = ap.parse_args()
    if a.mode:
        kind, *rest = a.mode
        result = {"gen": lambda: generate(int(float(rest[0])), rest[1]) or {},
                  "local": lambda: run_local(rest[0]),
                  "spark": lambda: run_spark(rest[0], int(rest[1]), rest[2:] != ["no-transfer"]),
                  "direct": lambda: run_direct(rest[0]),
                  "rows": lambda: run_rows(rest[0], rest[1], rest[2])}[kind]()
        print(json.dumps(result))
        return
    import numpy as np

    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(dir=a.data) as tmp:
        for rows in (int(float(r)) for r in a.rows_pass.split(",") if r):
            path = str(Path(tmp) / f"r{rows}.parquet")
            child("gen", str(rows), path)
            for command in ("check", "scan"):
                got = {engine: child("rows", path, command, engine) for engine in ("local", "direct", "mapinarrow")}
                base = got["local"]
                for engine in ("direct", "mapinarrow"):  # the same data and, for check, the same report
                    assert got[engine]["fingerprint"] == base["fingerprint"], (engine, got[engine], base)
                    if command == "check":
                        assert (got[engine]["found"], got[engine]["quarantine"]) == \
                            (base["found"], base["quarantine"]), (engine, got[engine], base)
                same = all(got[e]["found"] == base["found"] for e in ("direct", "mapinarrow"))
                print(f"{command} rows {rows:>11,}  single-process {base['seconds']:7.1f} s  "
                      f"spark, pyarrow row groups {got['direct']['seconds']:7.1f} s "
                      f"(ratio {got['direct']['seconds'] / base['seconds']:.2f})  "
                      f"spark, mapInArrow {got['mapinarrow']['seconds']:7.1f} s "
                      f"(ratio {got['mapinarrow']['seconds'] / base['seconds']:.2f})  "
                      f"load {os.getloadavg()[0]:.1f}  same findings: {same}", flush=True)
        sizes = [int(float(r)) for r in a.rows.split(",") if r]
        table = []
        for rows in sizes:
            path = str(Path(tmp) / f"d{rows}.parquet")
            child("gen", str(rows), path)
            local = child("local", path)
            spark = child("spark", path, "0", *([] if rows <= a.transfer_max_rows else ["no-transfer"]))
            assert spark["fingerprint"] == local["fingerprint"] and spark["rows"] == rows
            table.append((rows, local["seconds"], spark["seconds"], spark["partitions"]))
            print(f"rows {rows:>11,}  single-process {local['seconds']:7.1f} s  spark {spark['seconds']:7.1f} s "
                  f"({spark['partitions']} partitions; moving the rows to Python alone "
                  f"{_seconds(spark['transfer_seconds'])})  ratio {spark['seconds'] / local['seconds']:.2f}  "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
        r = np.array([t[0] for t in table], float) / 1e6
        for label, col in (("single-process", 1), ("spark", 2)) if len(table) > 1 else ():
            slope, icpt = np.polyfit(r, [t[col] for t in table], 1)
            print(f"{label}: {slope:.2f} s per million rows (+{icpt:.1f} s)")
        if not a.partitions or not a.memory_rows:
            return
        rows = int(a.memory_rows)
        path = str(Path(tmp) / "mem.parquet")
        child("gen", str(rows), path)
        for parts in (int(p) for p in a.partitions.split(",")):
            m = child("spark", path, str(parts))
            print(f"{rows:,} rows, {m['partitions']:>4} partitions: {m['seconds']:6.1f} s, "
                  f"peak driver (Python) RSS {m['peak_rss_mb']:.0f} MB (before the profile "
                  f"{m['rss_before_mb']:.0f} MB)  load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
