"""The guard on real flights: it routes injected breaks, stays quiet on clean days, and never raises."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import tripwire
from tripwire.contracts import Contract
from tripwire.errors import InputError, UsageError
from tripwire.guarding import NEEDS_HUMAN, GuardError, RouteRule
from tripwire.guarding.recorder import Recorder

FEATURES = ["dep_delay", "distance", "hour", "carrier", "origin"]
CONTRACT = """
name: flights-serving
columns:
  dep_delay: {type: float, nullable: false, min: -60, max: 1500}
  distance: {type: int, nullable: false, min: 10, max: 5000}
  hour: {type: int, min: 0, max: 24}
  carrier: {allowed: [9E, AA, AS, B6, DL, EV, F9, FL, HA, MQ, OO, UA, US, VX, WN, YV]}
  origin: {allowed: [EWR, JFK, LGA]}
"""


@pytest.fixture(scope="module")
def departed(flights) -> pd.DataFrame:
    return flights[flights.dep_delay.notna()].reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(departed):
    return tripwire.profile(departed[departed.month == 1][FEATURES])


def day(departed: pd.DataFrame, month: int, d: int) -> pd.DataFrame:
    return departed[(departed.month == month) & (departed.day == d)][FEATURES].reset_index(drop=True)


def model(batch) -> np.ndarray:
    """A stand-in model: late departures arrive late."""
    frame = batch if isinstance(batch, pd.DataFrame) else pl.DataFrame(batch).to_pandas() \
        if isinstance(batch, list) else pl.from_arrow(batch).to_pandas() if isinstance(batch, pa.Table) \
        else batch.to_pandas()
    return (frame["dep_delay"].to_numpy() > 15).astype(int)


def make(reference, **kw):
    kw.setdefault("fallback", -1)
    return tripwire.guard(model, contract=Contract.loads(CONTRACT), reference=reference, **kw)


def test_clean_days_are_served_without_findings(departed, reference):
    g = make(reference)
    for d in (3, 10, 17, 24):
        batch = day(departed, 2, d)
        out = g(batch)
        assert g.last_decision["action"] == "served", g.last_decision
        assert g.last_decision["findings"] == []
        assert np.array_equal(out, model(batch))
    assert g.stats()["rows_routed"] == 0


def test_out_of_range_rows_go_to_the_fallback_and_only_them(departed, reference):
    batch = day(departed, 2, 3)
    batch.loc[[5, 40, 41], "distance"] = 9_999  # three impossible distances
    g = make(reference)
    out = g(batch)
    d = g.last_decision
    assert d["action"] == "rows" and d["rows_routed"] == 3 and d["rules"] == ["any error"]
    (f,) = d["findings"]
    assert (f["code"], f["columns"], f["count"], f["rows"]) == ("data.out_of_range", ["distance"], 3, [5, 40, 41])
    assert list(out[[5, 40, 41]]) == [-1, -1, -1]
    keep = np.setdiff1d(np.arange(len(batch)), [5, 40, 41])
    assert np.array_equal(out[keep], model(batch)[keep])


def test_missing_extra_and_mistyped_columns_route_the_batch(departed, reference):
    batch = day(departed, 2, 3)
    g = make(reference)
    g(batch.drop(columns=["hour"]))
    assert g.last_decision["action"] == "batch"
    assert [f["code"] for f in g.last_decision["findings"]] == ["schema.missing_column"]
    g(batch.assign(note="x"))  # the contract allows extra columns: recorded, served
    assert [(f["code"], f["severity"]) for f in g.last_decision["findings"]] == [("schema.unexpected_column", "info")]
    assert g.last_decision["action"] == "served"
    out = g(batch.assign(distance=batch.distance.astype(str)))
    f = g.last_decision["findings"][0]
    assert (f["code"], f["columns"]) == ("schema.type_mismatch", ["distance"])
    assert set(out.tolist()) == {-1}


def test_zero_rows_and_every_input_type(departed, reference):
    batch = day(departed, 2, 3)
    g = make(reference)
    assert len(g(batch.iloc[:0])) == 0 and g.last_decision["action"] == "empty"
    assert isinstance(g(pl.from_pandas(batch)), np.ndarray)
    assert isinstance(g(pa.Table.from_pandas(batch)), np.ndarray)
    out = g(batch.to_dict("records"))
    assert len(out) == len(batch) and g.last_decision["action"] == "served"


def test_a_fallback_that_raises_gives_the_human_marker_and_strict_raises(departed, reference):
    batch = day(departed, 2, 3).drop(columns=["origin"])

    def broken(_):
        raise RuntimeError("rules service down")

    g = make(reference, fallback=broken)
    out = g(batch)
    assert set(map(repr, out.tolist())) == {"NEEDS_HUMAN"} and out[0] is NEEDS_HUMAN
    assert any("fallback raised RuntimeError: rules service down" in r for r in g.last_decision["reasons"])
    with pytest.raises(GuardError, match="rules service down"):
        make(reference, fallback=broken, strict=True)(batch)


def test_a_model_that_raises_is_answered_by_the_fallback(departed, reference):
    def crashes(_):
        raise ValueError("bad input")

    g = tripwire.guard(crashes, reference=reference, fallback=0)
    assert set(g(day(departed, 2, 3)).tolist()) == {0}
    assert "model raised ValueError: bad input" in g.last_decision["reasons"][0]


def test_unknown_code_in_a_rule_file_is_one_line_with_a_suggestion(tmp_path, reference):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - name: typo\n    when: {code: data.out_of_rnage}\n    route: rows\n")
    with pytest.raises(InputError) as err:
        make(reference, rules=path)
    assert "rules.yaml:3" in str(err.value.one_line()) and "did you mean 'data.out_of_range'" in err.value.one_line()
    with pytest.raises(UsageError, match="did you mean"):
        RouteRule("x", code="shema")


def test_python_rule_and_failing_share_route_the_whole_batch(departed, reference):
    batch = day(departed, 2, 3)
    batch.loc[: len(batch) // 2 + 10, "distance"] = 9_999
    g = make(reference, rules=[RouteRule("most rows", route="batch", failing_share_above=0.5)])
    g(batch)
    assert g.last_decision["action"] == "batch" and g.last_decision["rules"] == ["most rows"]
    calls = []
    rule = RouteRule("custom", route="batch", code="data.out_of_range", when=lambda fs: calls.append(fs) or True)
    g = make(reference, rules=[rule])
    g(batch)
    assert g.last_decision["rules"] == ["custom"] and calls[0][0].columns == ("distance",)


def test_drift_over_the_window_fires_on_a_unit_change_and_not_on_clean_days(departed, reference):
    rule = RouteRule("drifted", route="batch", code="drift.feature", drift_above=0.5)
    g = make(reference, rules=[rule], window=3)
    for d in (3, 4, 5):
        g(day(departed, 2, d))
        assert not [f for f in g.last_decision["findings"] if f["code"] == "drift.feature" and
                    f["severity"] != "info"], g.last_decision
    for d in (6, 7, 8):
        batch = day(departed, 2, d)
        g(batch.assign(distance=(batch.distance * 1.609344).round().astype(int)))
    d = g.last_decision
    assert d["action"] == "batch" and d["rules"] == ["drifted"] and d["drift_score"] > 0.5
    assert any(f["code"] == "drift.feature" and f["columns"] == ["distance"] for f in d["findings"])


def test_store_down_never_blocks_and_is_counted(departed, reference):
    g = make(reference, store="postgresql://nobody:secret@127.0.0.1:9/none")
    for d in (3, 4):
        g(day(departed, 2, d))
    g.flush(30)
    s = g.stats()
    assert s["batches"] == 2 and s["records_failed"] == 2 and s["records_written"] == 0
    assert "cannot open the history store" in (s["store_error"] or "")
    g.close()


def test_full_queue_drops_and_counts_instead_of_waiting():
    release = threading.Event()
    recorder = Recorder(lambda: object(), lambda store, d, p: release.wait(10), size=2)
    results = [recorder.put({"n": i}, []) for i in range(6)]
    release.set()
    recorder.close()
    assert results.count(False) >= 3 and recorder.stats.dropped == results.count(False)
    assert recorder.stats.written + recorder.stats.dropped == 6


def test_the_guard_keeps_the_model_signature_and_reads_yaml_rules(reference):
    import inspect

    def predict(batch: pd.DataFrame, threshold: float = 15.0) -> np.ndarray:
        return (batch["dep_delay"].to_numpy() > threshold).astype(int)

    rules = {"rules": [{"name": "schema", "when": {"code": "schema"}, "route": "batch"}]}
    g = tripwire.guard(predict, reference=reference, rules=rules)
    assert inspect.signature(g) == inspect.signature(predict) and g.__name__ == "predict"
    assert [r.name for r in g.rules] == ["schema"]
    with pytest.raises(InputError, match="route"):
        tripwire.guard(predict, reference=reference, rules={"rules": [{"name": "x", "when": {}, "route": "al"}]})


def test_a_column_gone_null_routes_every_row(departed, reference):
    batch = day(departed, 9, 12).assign(dep_delay=np.nan)
    g = make(reference)
    out = g(batch)
    d = g.last_decision
    (f,) = [f for f in d["findings"] if f["code"] == "data.missing_values"]
    assert f["columns"] == ["dep_delay"] and f["count"] == len(batch)
    assert d["rows_routed"] == len(batch) and set(out.tolist()) == {-1}


def test_schema_findings_read_as_tripwire_check_says(departed, reference):
    from tripwire.guarding.checks import CompiledContract
    from tripwire.run import check as run_check

    strict = Contract.loads(CONTRACT + "dataset:\n  allow_extra_columns: false\n  forbidden_columns: [tail]\n")
    batch = day(departed, 2, 3).drop(columns=["hour"]).assign(note="x", tail="N1")
    guard = CompiledContract(strict, reference).judge(pl.from_pandas(batch)).findings
    check = run_check(strict, batch).findings
    schema = {"schema.missing_column", "schema.unexpected_column"}
    assert sorted((f.code, f.severity, f.title) for f in guard if f.code in schema) == \
        sorted((f.code, f.severity, f.title) for f in check if f.code in schema)
    assert len([f for f in guard if f.code in schema]) == 2
    clean = CompiledContract(strict, reference).judge(pl.from_pandas(day(departed, 2, 3))).findings
    assert not [f for f in clean if f.code in schema]


def test_store_reference_is_read_from_the_guards_store(departed, reference, tmp_path, monkeypatch):
    from tripwire.run import log
    from tripwire.store import Store

    monkeypatch.setenv("TRIPWIRE_STORE", f"sqlite:///{tmp_path / 'elsewhere.db'}")  # not the guard's store
    url = f"sqlite:///{tmp_path / 'h.db'}"
    st = Store(url)
    st.set_reference("flights", log(departed[departed.month == 1][FEATURES], "flights", store=st).batch_id)
    g = tripwire.guard(model, contract=Contract.loads(CONTRACT), reference="store:flights", store=url, fallback=-1)
    g(day(departed, 2, 3).drop(columns=["hour"]))
    assert [f["code"] for f in g.last_decision["findings"]] == ["schema.missing_column"]
    g.close()
