"""A seeded generator of malformed input files, of every format tripwire reads.

`malformed_inputs(seed, count)` yields `Malformed` files: the same seed gives the same bytes.
Each comes from one *family* (a named way of breaking a file: ragged CSV rows, a bit-flipped
Parquet footer, JSON nested 100,000 deep, ...); the families cycle, so any `count` covers all
of them. `reference_file(suffix)` is a clean file of the same format for `drift`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import io
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Malformed:
    """One generated input: a file name (its ending picks the reader) and its bytes."""

    family: str
    name: str
    data: bytes


# ---------------------------------------------------------------- clean material


def clean_table(rng: random.Random, rows: int | None = None) -> pa.Table:
    """Return a small, valid table of the common column kinds."""
    n = rows if rows is not None else rng.randint(1, 60)
    day = dt.date(2024, 1, 1)
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "price": pa.array([round(rng.uniform(-5, 500), 2) for _ in range(n)]),
        "city": pa.array([rng.choice(["Gent", "Lyon", "Köln", "", None]) for _ in range(n)]),
        "ok": pa.array([rng.random() < 0.5 for _ in range(n)]),
        "day": pa.array([day + dt.timedelta(days=rng.randint(0, 400)) for _ in range(n)]),
        "email": pa.array([f"user{rng.randint(0, 99)}@example.com" for _ in range(n)]),
    })


def csv_bytes(table: pa.Table, delimiter: str = ",") -> bytes:
    """Return `table` as CSV text (UTF-8), header first."""
    import pyarrow.csv as pacsv

    out = io.BytesIO()
    pacsv.write_csv(table, out, pacsv.WriteOptions(delimiter=delimiter))
    return out.getvalue()


def parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def ipc_file_bytes(table: pa.Table, compression: str | None = None) -> bytes:
    out = io.BytesIO()
    feather.write_feather(table, out, compression=compression or "uncompressed")
    return out.getvalue()


def ipc_stream_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    with pa.ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table)
    return out.getvalue()


def jsonl_bytes(table: pa.Table) -> bytes:
    rows = table.to_pylist()
    return "".join(json.dumps(r, default=str) + "\n" for r in rows).encode()


def reference_file(suffix: str) -> bytes:
    """Return a clean file of the format `suffix` names (".csv", ".parquet", ...)."""
    table = clean_table(random.Random(0), rows=40)
    return ENCODERS[_format(suffix)](table)


def _format(suffix: str) -> str:
    s = suffix.lower().removesuffix(".gz")
    return {".tsv": ".csv", ".txt": ".csv", ".feather": ".arrow", ".ipc": ".arrow",
            ".ndjson": ".jsonl", ".json": ".jsonl"}.get(s, s)


ENCODERS: dict[str, Callable[[pa.Table], bytes]] = {
    ".csv": csv_bytes,
    ".parquet": parquet_bytes,
    ".arrow": ipc_file_bytes,
    ".jsonl": jsonl_bytes,
}


# ---------------------------------------------------------------- byte mutations


def flip_bits(rng: random.Random, data: bytes, flips: int | None = None) -> bytes:
    """Return `data` with a few random bits flipped."""
    buf = bytearray(data)
    for _ in range(flips or rng.randint(1, 8)):
        if buf:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def flip_region(rng: random.Random, data: bytes, start: int, end: int) -> bytes:
    """Return `data` with random bytes written inside [start, end)."""
    buf = bytearray(data)
    start, end = max(0, start), min(len(buf), end)
    for _ in range(rng.randint(1, 6)):
        if end > start:
            buf[rng.randrange(start, end)] = rng.randrange(256)
    return bytes(buf)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(0, max(len(data), 1))]


def splice(rng: random.Random, data: bytes) -> bytes:
    """Return `data` with a random run of bytes inserted, deleted or duplicated."""
    if not data:
        return bytes(rng.randrange(256) for _ in range(8))
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 64))
    choice = rng.randrange(3)
    if choice == 0:
        return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 32))) + data[i:]
    if choice == 1:
        return data[:i] + data[j:]
    return data[:j] + data[i:j] + data[j:]


# ---------------------------------------------------------------- odd but valid columns


def odd_tables(rng: random.Random) -> list[tuple[str, pa.Table]]:
    """Return valid tables whose column types are unusual (each downstream must cope)."""
    n = rng.randint(1, 30)

    def pick(values: list) -> list:
        return [rng.choice(values) for _ in range(n)]

    big = 2**63 - 1
    d256 = pa.decimal256(60, 5)
    tables = {
        "decimal256": pa.table({"x": pa.array(pick([decimal.Decimal("1.5"), None,
                                                    decimal.Decimal("-1e40")]), d256)}),
        "decimal128": pa.table({"x": pa.array(pick([decimal.Decimal("12345678901234567890.12"),
                                                    None]), pa.decimal128(38, 2))}),
        "duration": pa.table({"x": pa.array(pick([1, 10**15, None, -5]), pa.duration("us"))}),
        "duration_s": pa.table({"x": pa.array(pick([1, 2**40, None]), pa.duration("s"))}),
        "dictionary": pa.table({"x": pa.array(pick(["a", "b", None])).dictionary_encode()}),
        "large_types": pa.table({"s": pa.array(pick(["x", None]), pa.large_string()),
                                 "b": pa.array(pick([b"\x00\xff", None]), pa.large_binary())}),
        "null_type": pa.table({"x": pa.nulls(n), "y": pa.array(range(n))}),
        "nested": pa.table({"l": pa.array(pick([[1, 2], [], None]), pa.list_(pa.int64())),
                            "s": pa.array(pick([{"a": 1, "b": "x"}, None]))}),
        "deep_nested": pa.table({"x": pa.array(pick([[[[{"a": [1]}]]], None]))}),
        "map": pa.table({"m": pa.array(pick([[("k", 1)], None]), pa.map_(pa.string(),
                                                                          pa.int64()))}),
        "binary": pa.table({"b": pa.array(pick([b"\x00\x01", b"", None, b"\xff" * 40]))}),
        "fixed_binary": pa.table({"b": pa.array(pick([b"abcd", None]), pa.binary(4))}),
        "uint64_max": pa.table({"x": pa.array(pick([2**64 - 1, 0, None]), pa.uint64())}),
        "int64_edges": pa.table({"x": pa.array(pick([big, -big - 1, 0]), pa.int64())}),
        "float_edges": pa.table({"x": pa.array(pick([float("inf"), float("-inf"),
                                                     float("nan"), 1e308, -0.0, None]))}),
        "float16": pa.table({"x": pa.array(pick([1.0, None]), pa.float32()).cast(pa.float16())
                             if hasattr(pa, "float16") else pa.array(pick([1.0]))}),
        "timestamp_edges": pa.table({"x": pa.array(pick([0, 2**62, -(2**62), None]),
                                                   pa.timestamp("us"))}),
        "timestamp_ns_tz": pa.table({"x": pa.array(pick([0, 2**63 - 1, None]),
                                                   pa.timestamp("ns", "Asia/Kolkata"))}),
        "date_edges": pa.table({"x": pa.array(pick([-(2**31), 2**31 - 1, 0, None]),
                                              pa.date32())}),
        "time": pa.table({"t": pa.array(pick([0, 86_399_999_999, None]), pa.time64("us"))}),
        "interval": pa.table({"x": pa.array(pick([pa.MonthDayNano([1, 2, 3]), None]),
                                            pa.month_day_nano_interval())}),
        "weird_names": pa.table({"": [1] * n, "a\nb": [2] * n, "<script>": [3] * n,
                                 "x" * 300: [4] * n, "\x00": [5] * n}),
        "duplicate_names": pa.Table.from_arrays([pa.array([1] * n), pa.array(["a"] * n)],
                                                names=["id", "id"]),
        "no_columns": pa.table({}),
        "zero_rows": clean_table(rng, rows=0),
        "all_null": pa.table({"x": pa.array([None] * n, pa.float64()),
                              "s": pa.array([None] * n, pa.string())}),
        "long_cell": pa.table({"x": pick(["a" * 50_000, "b@" * 20_000, "x"])}),
        "union": pa.table({"u": pa.UnionArray.from_sparse(
            pa.array([0, 1] * (n // 2) + [0] * (n % 2), pa.int8()),
            [pa.array(range(n)), pa.array(["s"] * n)])}),
        "run_end": pa.table({"x": pa.RunEndEncodedArray.from_arrays(
            pa.array([n], pa.int32()), pa.array(["v"]))}) if n else pa.table({"x": [1]}),
        "string_view": pa.table({"x": pa.array(pick(["a", None]), pa.string_view())}),
    }
    return list(tables.items())


# ---------------------------------------------------------------- families


def _csv_table(rng: random.Random) -> bytes:
    return csv_bytes(clean_table(rng))


def _ragged(rng: random.Random) -> bytes:
    lines = _csv_table(rng).splitlines(keepends=True)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
        lines[i] = lines[i].rstrip(b"\n") + b"," * rng.randint(1, 4) + b"x\n"
    if rng.random() < 0.5 and len(lines) > 2:
        lines[-1] = b"1\n"
    return b"".join(lines)


def _bad_quotes(rng: random.Random) -> bytes:
    lines = _csv_table(rng).splitlines(keepends=True)
    i = rng.randrange(len(lines))
    cuts = [b'"', b'""', b'"a"b"', b'x"y', b'"\n', b'"""']
    lines[i] = lines[i].rstrip(b"\n") + b"," + rng.choice(cuts) + b"\n"
    return b"".join(lines)


def _nuls(rng: random.Random) -> bytes:
    data = bytearray(_csv_table(rng))
    for _ in range(rng.randint(1, 5)):
        data.insert(rng.randrange(len(data)), 0)
    return bytes(data)


def _mixed_encodings(rng: random.Random) -> bytes:
    text = "name,city\n" + "".join(
        f"{rng.choice(['Zoë', 'Jürgen', 'Ådne', '東京', 'plain'])},{rng.choice(['Köln', 'x'])}\n"
        for _ in range(rng.randint(1, 40))
    )
    encoded = bytearray()
    for line in text.splitlines(keepends=True):
        enc = rng.choice(["utf-8", "latin-1", "cp1252", "utf-8"]) if rng.random() < 0.95 \
            else "utf-16-le"
        encoded += line.encode(enc, errors="replace")
    return bytes(encoded)


def _boms(rng: random.Random) -> bytes:
    bom = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf",
                      b"\x00\x00\xfe\xff"])
    body = _csv_table(rng)
    if bom in (b"\xff\xfe", b"\xfe\xff") and rng.random() < 0.5:
        body = body.decode().encode("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be")
    return bom + body


def _huge_field(rng: random.Random) -> bytes:
    # one in ten is large: the run's time goes to the sizes, not to the count of inputs
    size = rng.choice([2_000_000, 300_000]) if rng.random() < 0.1 else rng.choice([5_000, 70_000])
    cell = rng.choice([b"a", b"a@", b"1", b"x.", b" ", b"\xc3\xa9"]) * (size // 2)
    if rng.random() < 0.5:
        cell = b'"' + cell.replace(b'"', b'""') + b'\n,"'  + b'"'
    return b"id,text\n1," + cell + b"\n2,short\n"


def _wide(rng: random.Random) -> bytes:
    # 10,000+ columns cost ~10 s per command (per-column profiling): one in twenty-five,
    # else a few hundred, so the long run's hour goes to many inputs
    cols = rng.choice([10_000, 12_000]) if rng.random() < 0.04 else rng.randint(50, 400)
    header = ",".join(f"c{i}" for i in range(cols))
    rows = [",".join(str(rng.randint(0, 9)) for _ in range(cols)) for _ in range(rng.randint(0, 3))]
    return ("\n".join([header, *rows]) + "\n").encode()


def _empty(rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n", b"\r\n\r\n", b"   ", b"\xef\xbb\xbf", b",", b'""\n'])


def _header_only(rng: random.Random) -> bytes:
    return rng.choice([b"a,b,c", b"a,b,c\n", b"a\n", b"a,a,\n", b'"a\nb",c\r\n'])


def _odd_values(rng: random.Random) -> bytes:
    values = ["9223372036854775808", "-9223372036854775809", "1e400", "-0", "NaN", "inf",
              "9999-12-31T23:59:59.999999", "10000-01-01", "0000-00-00", "2024-02-30",
              "1970-01-01T00:00:00+99:99", "0x1F", "1_000", "٣", "１２", "\u202e", "💥" * 10,
              "<img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0", "a" * 5000 + "@" + "b" * 5000]
    column = [rng.choice(values) for _ in range(rng.randint(1, 30))]
    if rng.random() < 0.5:  # one type throughout but out of range
        column = [rng.choice(values[:3] + values[6:8])] * rng.randint(1, 10)
    return ("v,n\n" + "".join(f'"{v}",{i}\n' for i, v in enumerate(column))).encode()


def _csv_mutated(rng: random.Random) -> bytes:
    return rng.choice([flip_bits, splice, truncate])(rng, _csv_table(rng))


def _tsv_mutated(rng: random.Random) -> bytes:
    return splice(rng, csv_bytes(clean_table(rng), "\t"))


def _line_endings(rng: random.Random) -> bytes:
    data = _csv_table(rng)
    return rng.choice([data.replace(b"\n", b"\r"), data.replace(b"\n", b"\r\r\n"),
                       data.replace(b"\n", b"\n\n\n"), data.replace(b",", b"\r", 3)])


def _parquet_odd(rng: random.Random) -> bytes:
    return parquet_bytes(rng.choice(_parquet_safe(rng)))


def _parquet_safe(rng: random.Random) -> list[pa.Table]:
    out = []
    for _, t in odd_tables(rng):
        try:
            parquet_bytes(t)
        except (pa.ArrowException, NotImplementedError):
            continue
        out.append(t)
    return out


def _parquet_broken(rng: random.Random) -> bytes:
    data = parquet_bytes(clean_table(rng))
    how = rng.randrange(5)
    if how == 0:
        return truncate(rng, data)
    if how == 1:
        return b"PAR2" + data[4:]
    if how == 2:  # the footer: metadata length and the thrift metadata itself
        return flip_region(rng, data, len(data) - 200, len(data) - 4)
    if how == 3:
        return flip_bits(rng, data, rng.randint(1, 30))
    return splice(rng, data)


def _ipc_odd(rng: random.Random) -> bytes:
    _, table = rng.choice(odd_tables(rng))
    if rng.random() < 0.5:
        return ipc_stream_bytes(table)
    return ipc_file_bytes(table, rng.choice([None, "lz4", "zstd"]))


def _ipc_broken(rng: random.Random) -> bytes:
    table = rng.choice([clean_table(rng)] + [t for _, t in odd_tables(rng)[:12]])
    data = rng.choice([ipc_file_bytes, ipc_stream_bytes])(table)
    how = rng.randrange(6)
    if how == 0:
        return truncate(rng, data)
    if how == 1:
        return b"ARROW2" + data[6:]
    if how == 2:  # the schema / footer flatbuffers
        return flip_region(rng, data, len(data) - 300, len(data) - 10)
    if how == 3:  # the body: offsets and lengths of buffers
        return flip_region(rng, data, 8, min(len(data), 600))
    if how == 4:
        return flip_bits(rng, data, rng.randint(1, 40))
    return splice(rng, data)


def _deep_json(rng: random.Random) -> bytes:
    depth = rng.choice([200, 1_000, 20_000, 200_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    deep = opener * depth + "1" + closer * depth
    line = '{"x": ' + deep + "}"
    if rng.random() < 0.3:
        line = line[: len(line) // 2]  # unclosed
    return ('{"x": 1}\n' + line + "\n").encode()


def _jsonl_odd(rng: random.Random) -> bytes:
    lines = [b'{"a": 1, "b": "x"}', b'{"a": "one", "b": null}', b'{"a": [1, 2]}',
             b'{"a": {"c": 1}}', b'{"a": 1.5e400}', b'{"a": 123456789012345678901234567890}',
             b'{"a": NaN}', b'{"a": 1, "a": 2}', b'{"": 1}', b'[1, 2]', b'"text"', b"null",
             b'{"a": "\xff\xfe"}', b'{"a": "\\ud800"}', b'{"a": 1', b'{"a": true}',
             b'{"\xc3\x28": 1}', b'{"a": "' + b"x" * 100_000 + b'"}', b"{}", b"   ",
             b'{"a": -9223372036854775809}', b'{"a": 18446744073709551615}',
             b'{"b": {"c": [{"d": null}]}}', b'{"a": "2024-01-01T00:00:00Z"}']
    return b"\n".join(rng.choice(lines) for _ in range(rng.randint(1, 12))) + b"\n"


def _jsonl_mutated(rng: random.Random) -> bytes:
    return rng.choice([flip_bits, splice, truncate])(rng, jsonl_bytes(clean_table(rng)))


def _gzip_broken(rng: random.Random) -> bytes:
    data = gzip.compress(_csv_table(rng))
    how = rng.randrange(4)
    if how == 0:
        return truncate(rng, data)
    if how == 1:
        return flip_region(rng, data, 10, len(data) - 8)
    if how == 2:  # the CRC and length trailer
        return flip_region(rng, data, len(data) - 8, len(data))
    return _csv_table(rng)  # not compressed at all


#: family name -> (file endings to pick from, maker)
FAMILIES: dict[str, tuple[tuple[str, ...], Callable[[random.Random], bytes]]] = {
    "csv_ragged": ((".csv",), _ragged),
    "csv_bad_quotes": ((".csv",), _bad_quotes),
    "csv_nul": ((".csv", ".tsv"), _nuls),
    "csv_mixed_encodings": ((".csv", ".txt"), _mixed_encodings),
    "csv_bom": ((".csv",), _boms),
    "csv_huge_field": ((".csv",), _huge_field),
    "csv_wide": ((".csv",), _wide),
    "csv_empty": ((".csv", ".tsv", ".jsonl", ".parquet", ".arrow", ".feather", ".csv.gz"),
                  _empty),
    "csv_header_only": ((".csv", ".tsv"), _header_only),
    "csv_odd_values": ((".csv",), _odd_values),
    "csv_mutated": ((".csv",), _csv_mutated),
    "tsv_mutated": ((".tsv",), _tsv_mutated),
    "csv_line_endings": ((".csv",), _line_endings),
    "parquet_odd_types": ((".parquet",), _parquet_odd),
    "parquet_broken": ((".parquet",), _parquet_broken),
    "ipc_odd_types": ((".arrow", ".feather"), _ipc_odd),
    "ipc_broken": ((".arrow", ".feather", ".ipc"), _ipc_broken),
    "jsonl_deep": ((".jsonl",), _deep_json),
    "jsonl_odd": ((".jsonl", ".ndjson", ".jsonl.gz"), _jsonl_odd),
    "jsonl_mutated": ((".jsonl",), _jsonl_mutated),
    "gzip_broken": ((".csv.gz", ".jsonl.gz"), _gzip_broken),
}


def make(family: str, seed: int) -> Malformed:
    """Return the input of `family` for `seed` (the same bytes every time)."""
    rng = random.Random(f"{family}:{seed}")
    suffixes, maker = FAMILIES[family]
    suffix = rng.choice(suffixes)
    data = maker(rng)
    if suffix.endswith(".gz") and family not in ("gzip_broken", "csv_empty"):
        data = gzip.compress(data, mtime=0)
    return Malformed(family, f"{family}-{seed}{suffix}", data)


def malformed_inputs(seed: int, count: int) -> Iterator[Malformed]:
    """Yield `count` inputs, cycling through every family, from `seed` on."""
    names = sorted(FAMILIES)
    for i in range(count):
        yield make(names[i % len(names)], seed + i // len(names))
