"""Personal columns are masked in every face: text, JSON, HTML, the store; `show_pii` opts a column out."""

from __future__ import annotations

import json

import polars as pl
import pytest

import tripwire
from tripwire.run import drift, log, scan
from tripwire.store import Store

pytest.importorskip("phonenumbers")

FIRST = ["Maria", "John", "Anna", "Pierre", "Sofia", "Lukas", "Emma", "Noah"]


def _people(n: int = 400, offset: int = 0) -> pl.DataFrame:
    names = [FIRST[(i + offset) % len(FIRST)] for i in range(n)]
    names[7] = " maria "  # a variant: data.category_variants lists it, with values
    return pl.DataFrame({"first_name": names, "email": [f"p{i + offset}@example.org" for i in range(n)],
                         "score": [float(i % 17) for i in range(n)]})


def _faces(report) -> str:
    return report.to_text() + report.to_json() + report.to_html()


def test_other_findings_on_personal_columns_are_masked():
    report = scan(_people())
    variants = report.by_code("data.category_variants")
    assert variants and variants[0].columns == ("first_name",)
    text = _faces(report)
    assert "maria " not in text and "'Maria'" not in text and "p0@example.org" not in text
    assert all("masked" in k for k in variants[0].evidence["mapping"])
    assert "••••" in variants[0].title
    assert "first_name" in report.extra["personal_columns"]


def test_show_pii_shows_one_column():
    report = scan(_people(), options={"show_pii": ["first_name"]})
    variant = report.by_code("data.category_variants")[0]
    assert " maria " in json.dumps(variant.evidence)
    assert report.extra["personal_columns"] == ["email"]
    assert "p0@example.org" not in _faces(report)


def test_check_and_drift_mask_too(tmp_path):
    contract = tripwire.Contract.loads("columns: {first_name: {allowed: [Maria, John]}}")
    report = tripwire.run.check(contract, _people())
    assert "Anna" not in report.to_json()
    assert "Anna" in tripwire.run.check(contract, _people(), show_pii=["first_name"]).to_json()
    d = drift(_people(offset=3), _people())
    assert d.extra["personal_columns"] == ["email", "first_name"]


def test_a_drifted_personal_category_shows_none_of_its_values():
    # five e-mail addresses per batch, all replaced: drift.feature names the old and the new ones
    ref = pl.DataFrame({"email": [f"user{i % 5}@corp.example.com" for i in range(400)]})
    cur = pl.DataFrame({"email": [f"other{i % 5}@mail.example.org" for i in range(400)]})
    d = drift(cur, ref)
    assert d.by_code("drift.feature") and d.extra["personal_columns"] == ["email"]
    shown = _faces(d) + json.dumps(d.extra["columns"])
    assert "@corp.example.com" not in shown and "@mail.example.org" not in shown


def test_the_store_keeps_no_personal_values(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    done = log(_people(), "people", store=st)
    stored_profile = json.dumps(st.profile(done.batch_id).to_dict())
    stored_report = st.report(done.batch_id).to_json()
    for raw in ("Maria", "p0@example.org", "maria "):
        assert raw not in stored_profile and raw not in stored_report
    prof = st.profile(done.batch_id)
    assert prof.source["masked_columns"] == ["email", "first_name"]
    assert all(str(v).startswith("•") for v, _ in prof["first_name"].frequent.top(5))
    assert prof["first_name"].frequent.top(1)[0][1] == 50  # counts stay
    # a later batch against the stored reference: masked alike, so nothing looks new
    st.set_reference("people", done.batch_id)
    later = log(_people(offset=8), "people", store=st, reference="store:people")
    assert not later.report.by_code("data.vocabulary_change")
    assert not [f for f in later.report.by_code("drift.feature") if "first_name" in f.columns]
    pii = {f.columns[0] for f in later.report.by_code("privacy.pii")}
    assert pii == {"email", "first_name"}  # still reported from what was found before masking


def test_profile_and_show_print_personal_top_values_masked(tmp_path):
    import subprocess
    import sys

    _people().write_csv(tmp_path / "people.csv")
    out = tmp_path / "people.profile.json"
    run = [sys.executable, "-m", "tripwire", "profile", str(tmp_path / "people.csv"), "-o", str(out)]
    printed = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "Anna" not in printed and "example.org" not in printed and "•" in printed
    shown = subprocess.run([sys.executable, "-m", "tripwire", "show", str(out), "--show-pii", "first_name"],
                           capture_output=True, text=True, check=True).stdout
    assert "Anna" in shown and "example.org" not in shown
    column = subprocess.run([sys.executable, "-m", "tripwire", "show", str(out), "--column", "email"],
                            capture_output=True, text=True, check=True).stdout
    assert "p0@example.org" not in column and "top:" in column


def test_drift_over_time_masks_personal_values_too():
    months = [f"2024-{m:02d}-15" for m in (1, 2)]
    frames = []
    for i, month in enumerate(months):  # every address changes from one month to the next
        people = _people(400, offset=1000 * i).with_columns(pl.lit(month).str.to_date().alias("day"))
        frames.append(people)
    report = drift(pl.concat(frames), time_column="day", window="1mo")
    assert "email" in report.extra["personal_columns"]
    assert "@example.org" not in report.to_text() + report.to_json() + report.to_html()
