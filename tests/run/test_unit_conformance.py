"""Every registered detector and contract check kind passes the same checks, one unit at a time.

A new detector or check gets these for free: codes it emits are declared; the same findings
from a live profile, a saved and re-loaded one (and the same verdicts from a profile merged
from two halves); quiet on an empty table, a one-row table and an all-null column; no
exception on edge tables; the same output twice. Every combination of needs is exercised
(reference, rows, sample, labels, predictions).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from tripwire.contracts import Contract
from tripwire.contracts.unit import UNKNOWN, expand, load_kinds
from tripwire.detectors.registry import DETECTORS, ScanContext, load_detectors, start_detectors
from tripwire.io import open_source
from tripwire.profiling import DatasetProfile, ProfileConfig, profile, profile_batch
from tripwire.report.codes import code_info

load_detectors()
NAMES = sorted(DETECTORS)


def penguins() -> pd.DataFrame:
    import palmerpenguins

    df = palmerpenguins.load_penguins().dropna().reset_index(drop=True)
    rng = np.random.default_rng(0)
    # a prediction column that is right about 80% of the time, so drift.prediction has work
    wrong = rng.random(len(df)) < 0.2
    df["predicted"] = np.where(wrong, rng.permutation(df["species"].to_numpy()), df["species"])
    df["note"] = [f"bird number {i} seen on {d} near the shore" for i, d in zip(df.index, df["year"], strict=True)]
    return df


DATA = penguins()
HALF = len(DATA) // 2
CUR, REF = DATA.iloc[HALF:].reset_index(drop=True), DATA.iloc[:HALF].reset_index(drop=True)


def run_unit(name: str, data: object, reference: DatasetProfile | None, prof: DatasetProfile | None = None,
             label: str | None = "species", prediction: str | None = "predicted") -> list[dict]:
    """Run one detector alone (profile phase, then its row task over the rows) and return its findings."""
    source = open_source(data) if data is not None else None
    prof = prof if prof is not None else profile(source)
    label = label if label in prof else None
    prediction = prediction if prediction in prof else None
    ctx = ScanContext(profile=prof, reference=reference, source=source, label=label, prediction=prediction)
    started = start_detectors(ctx, names=[name])
    if started.tasks and source is not None:
        offset = 0
        for batch in source.batches():
            started.feed(pl.from_arrow(batch), offset)
            offset += batch.num_rows
    findings, checks = started.complete()
    assert not [c for c in checks if c.reason.startswith("internal error")], checks
    return [f.to_dict() for f in findings]


def verdicts(found: list[dict]) -> list[tuple]:
    return sorted((f["code"], f["severity"], tuple(f["columns"])) for f in found)


@pytest.fixture(scope="module")
def ref_profile():
    return profile(REF)


@pytest.mark.parametrize("name", NAMES)
def test_emitted_codes_are_declared_and_documented(name, ref_profile):
    cls = DETECTORS[name]
    for code in cls.codes:
        assert code_info(code).meaning
    found = run_unit(name, CUR, ref_profile)
    assert {f["code"] for f in found} <= set(cls.codes)


@pytest.mark.parametrize("name", NAMES)
def test_same_findings_from_live_saved_and_merged_profiles(name, ref_profile, tmp_path):
    cls = DETECTORS[name]
    live = profile(CUR)
    path = tmp_path / "p.json"
    live.save(path)
    reloaded = DatasetProfile.load(path)
    ref_reloaded = DatasetProfile.from_dict(json.loads(ref_profile.to_json()))
    rows = "rows" in cls.requires
    data = CUR if rows else None
    a = run_unit(name, data, ref_profile, prof=live)
    b = run_unit(name, data, ref_reloaded, prof=reloaded)
    assert a == b
    # two halves profiled apart (rows numbered as in the whole), then merged
    table = pa.Table.from_pandas(CUR, preserve_index=False)
    mid = table.num_rows // 2
    first, second = (profile_batch(t.combine_chunks().to_batches()[0], off, ProfileConfig())
                     for t, off in ((table.slice(0, mid), 0), (table.slice(mid), mid)))
    halves = first.merge(second)
    c = run_unit(name, data, ref_profile, prof=halves)
    assert verdicts(a) == verdicts(c)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic(name, ref_profile):
    assert run_unit(name, CUR, ref_profile) == run_unit(name, CUR, ref_profile)


QUIET_TABLES = {
    "one_row": pa.table({"x": [1.5], "s": ["a"], "species": ["Adelie"], "predicted": ["Adelie"]}),
    "all_null_column": pa.table({"x": np.arange(200, dtype=float), "s": pa.nulls(200, pa.large_string()),
                                 "species": ["Adelie", "Gentoo"] * 100, "predicted": ["Adelie", "Gentoo"] * 100}),
    "empty": pa.table({"x": pa.array([], pa.float64()), "s": pa.array([], pa.large_string())}),
}
#: what a table of that shape may rightly say (an empty batch is worth one finding: it has no rows)
ALLOWED_ON = {"empty": {"data.low_quantity"}, "all_null_column": {"data.missing_values"},
              # one labelled row is, truthfully, too little data per class
              "one_row": {"labels.low_class_count"}}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", list(QUIET_TABLES))
@pytest.mark.parametrize("with_reference", [False, True])
def test_quiet_on_degenerate_tables(name, case, with_reference):
    table = QUIET_TABLES[case]
    ref = profile(table) if with_reference else None
    loud = [f for f in run_unit(name, table, ref) if f["severity"] in ("error", "warning")
            and f["code"] not in ALLOWED_ON.get(case, set())]
    assert not loud


# ---- contract check kinds ------------------------------------------------------------------

CONTRACT = Contract.loads("""
dataset:
  rows: {min: 1, max: 1000}
  unique_key: [id]
  forbidden_columns: [secret]
  allow_extra_columns: true
  freshness: {column: seen, max_age: 30d}
columns:
  id: {type: int, nullable: false, unique: true, monotonic: increasing, min: 0, max: 10000}
  species: {type: category, allowed: [Adelie, Gentoo, Chinstrap], regex: '[A-Z][a-z]+', min_length: 3,
            max_length: 20, max_distinct_share: 0.5}
  body_mass_g: {type: float, mean: {min: 3000, max: 6000}, std: {max: 2000}, max_null_share: 0.1,
                quantiles: {0.5: {min: 3000, max: 6000}}}
  seen: {type: string, format: '%Y-%m-%d'}
rules:
  - name: heavy birds are long
    expr: body_mass_g < 5000 or flipper_length_mm > 200
joins:
  - {with: "sql: SELECT range AS id FROM range(1000)", on: id, expect: "1:1"}
""")


def check_table() -> pd.DataFrame:
    df = DATA[["species", "body_mass_g", "flipper_length_mm"]].copy()
    df.insert(0, "id", np.arange(len(df)))
    df["seen"] = "2026-11-20"
    return df


def test_the_sample_contract_exercises_every_kind():
    prof = profile(check_table())
    built = {type(c).__name__ for c in expand(CONTRACT, prof, pd.Timestamp("2026-11-24", tz="UTC")).checks}
    kinds_ = {cls.__name__ for cls in load_kinds().values()}
    assert kinds_ <= built, f"add these kinds to the sample contract: {sorted(kinds_ - built)}"


@pytest.mark.parametrize("variant", ["live", "reloaded"])
def test_every_check_decides_the_same_from_live_and_saved_profiles(variant, tmp_path):
    live = profile(check_table())
    prof = live if variant == "live" else DatasetProfile.from_dict(json.loads(live.to_json()))
    as_of = pd.Timestamp("2026-11-24", tz="UTC").to_pydatetime()
    a = {c.name: c.decide(prof) for c in expand(CONTRACT, prof, as_of).checks}
    b = {c.name: c.decide(live) for c in expand(CONTRACT, live, as_of).checks}
    assert {k: (v.status, dict(v.evidence)) for k, v in a.items()} == \
           {k: (v.status, dict(v.evidence)) for k, v in b.items()}


@pytest.mark.parametrize("case", ["empty", "one_row", "all_null_column"])
def test_checks_survive_degenerate_tables(case):
    from tripwire.run import check

    table = QUIET_TABLES[case]
    contract = Contract.loads("""
columns:
  x: {type: float, min: 0, max: 10, mean: {max: 5}, unique: true, monotonic: increasing}
  s: {type: string, regex: 'a', min_length: 1, required: false}
""")
    report = check(contract, table)
    for c in report.checks:
        assert c.status in ("passed", "failed", "skipped", "unknown")
        assert not c.reason.startswith("internal error")


def test_unknown_is_said_and_strict_fails_it():
    from tripwire.run import check_profile

    prof = profile(check_table())
    report = check_profile(CONTRACT, prof, as_of="2026-11-24")
    unknown = [c for c in report.checks if c.status == "unknown"]
    assert unknown and all(c.reason for c in unknown)
    assert "unknown" in report.to_text() and "unknown:" in report.to_junit()
    strict = check_profile(CONTRACT, prof, as_of="2026-11-24", strict=True)
    assert {c.name for c in strict.checks if c.status == "failed"} >= {c.name for c in unknown}
    assert strict.exit_code == 1
    assert UNKNOWN == "unknown"
