"""A contract's `joins:` runs the join check on every batch, in the run's shared row pass."""

from __future__ import annotations

import polars as pl
import pytest

from tripwire.contracts import Contract
from tripwire.errors import InputError
from tripwire.run import check

RIGHT = '"sql: SELECT range AS id FROM range(100)"'


def _contract(extra: str = "") -> Contract:
    pytest.importorskip("duckdb")
    return Contract.loads(f"joins:\n  - {{with: {RIGHT}, on: id, expect: 1:1{extra}}}\n")


def test_orphan_rows_are_named_and_counted():
    batch = pl.DataFrame({"id": [*range(95), 500, 501, 502]})
    report = check(_contract(), batch)
    [f] = report.findings
    assert f.code == "data.join_keys" and f.severity == "error"
    assert f.evidence["count"] == 3 and f.rows == (95, 96, 97)
    assert "3 of 98 batch rows" in f.title


def test_a_clean_batch_passes_and_a_tolerated_share_passes_too():
    assert check(_contract(), pl.DataFrame({"id": list(range(100))})).checks[0].status == "passed"
    tolerant = _contract(", max_orphan_share: 0.05")
    assert check(tolerant, pl.DataFrame({"id": [*range(99), 700]})).checks[0].status == "passed"


def test_repeated_keys_break_the_declared_cardinality():
    report = check(_contract(), pl.DataFrame({"id": [1, 2, 2, 3]}))
    [f] = report.findings
    assert "expected 1:1, the keys are n:1" in f.title and f.evidence["count"] == 0


def test_quarantine_removes_the_orphan_rows(tmp_path):
    report = check(_contract(), pl.DataFrame({"id": [1, 2, 777]}), quarantine=tmp_path)
    assert report.quarantine["rows_kept"] == 2
    assert pl.read_parquet(tmp_path / "rejected.parquet")["id"].to_list() == [777]


def test_joins_round_trip_and_typos_name_the_line():
    c = Contract.loads("joins:\n  - with: planes.csv\n    on: [tailnum]\n    expect: n:1\n    severity: warning\n")
    assert Contract.loads(c.dumps()) == c and c.joins[0].on == "tailnum"
    with pytest.raises(InputError, match=r"contract:4: joins\[0\]: unknown key 'expct'; did you mean 'expect'"):
        Contract.loads("joins:\n  - with: planes.csv\n    on: tailnum\n    expct: n:1\n")


def test_an_absent_key_is_one_clear_error():
    with pytest.raises(InputError, match="no key column 'idx' in this data set"):
        check(Contract.loads(f"joins:\n  - {{with: {RIGHT}, on: idx}}\n"), pl.DataFrame({"id": [1]}))
    with pytest.raises(InputError, match="no key column 'nope' on the other side"):
        check(Contract.loads(f"joins:\n  - {{with: {RIGHT}, on: id=nope}}\n"), pl.DataFrame({"id": [1]}))


def test_null_keys_are_counted_apart_and_never_named_as_orphans():
    report = check(_contract(), pl.DataFrame({"id": [1, None, 2, 900, None]}))
    [f] = report.findings
    assert f.evidence["count"] == 1 and f.rows == (3,)
    [details] = [d for d in f.evidence["details"] if d.get("side") == "left"]
    assert "1 of 5 batch rows" in f.title and details["count"] == 1 and details["null_rows"] == 2
