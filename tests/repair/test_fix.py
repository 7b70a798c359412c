"""fix: the repairs findings propose, applied with an audit; refusals of bad input in one line."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from tripwire import fix, scan
from tripwire.errors import InputError, UsageError

pytest.importorskip("ftfy")
pytest.importorskip("rapidfuzz")

CITIES = ["Minneapolis", "Saint Paul", "Bloomington", "Rochester", "Duluth"]


def damaged(n: int = 4000, seed: int = 7) -> pl.DataFrame:
    """A table with known injected damage: 40 case variants, 30 mojibake cells, 25 'N/A', 20 duplicates."""
    rng = np.random.default_rng(seed)
    city = [CITIES[i] for i in rng.integers(0, len(CITIES), n)]
    note = ["Café au lait" if i % 2 else "Crème brûlée" for i in range(n)]
    for i in range(40):
        city[i * 50] = city[i * 50].upper()
    for i in range(30):
        note[i * 70 + 3] = note[i * 70 + 3].encode("utf-8").decode("cp1252")
    grade = [str(g) for g in rng.integers(1, 6, n)]
    for i in range(25):
        grade[i * 90 + 7] = "N/A"
    frame = pl.DataFrame({"id": np.arange(n), "city": city, "note": note, "grade": grade,
                          "amount": rng.normal(100, 10, n).round(2)})
    return pl.concat([frame, frame.slice(100, 20)])


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def batch(tmp_path):
    path = tmp_path / "batch.parquet"
    damaged().write_parquet(path)
    return path


def test_each_repair_changes_exactly_the_injected_cells(batch, tmp_path):
    before = _digest(batch)
    report = scan(batch)
    result = fix(batch, report, output=tmp_path / "clean.parquet", save_mapping=tmp_path / "fixes.yaml")
    cells = {(a.rule.name, a.rule.column): a.cells for a in result.applied}
    # 41: row 100's upper-case city is also in its duplicate, row 4000 (cells are fixed before rows drop)
    assert cells == {("category_variants", "city"): 41, ("encoding", "note"): 30,
                     ("disguised_nulls", "grade"): 25, ("exact_duplicates", None): 20}
    audit = pl.read_parquet(tmp_path / "clean.audit.parquet")
    assert audit.columns == ["row", "column", "before", "after", "code", "rule"]
    assert audit.height == 116
    mojibake = audit.filter(pl.col("rule") == "encoding").row(0, named=True)
    assert mojibake["row"] == 3  # row 3 holds 'Café au lait' (odd rows), damaged
    assert mojibake["before"] == "Café au lait".encode().decode("cp1252") and mojibake["after"] == "Café au lait"
    assert audit.filter(pl.col("rule") == "category_variants")["row"].to_list()[:3] == [0, 50, 100]
    assert audit.filter(pl.col("rule") == "exact_duplicates")["row"].to_list() == list(range(4000, 4020))
    clean = pl.read_parquet(tmp_path / "clean.parquet")
    assert clean.height == 4000 and set(clean["city"]) == set(CITIES)
    assert clean["grade"].null_count() == 25
    counts = {c: (b, a) for c, b, a in result.counts()}
    for code in ("data.category_variants", "data.encoding", "data.duplicates"):
        assert counts[code][0] >= 1 and counts[code][1] == 0, (code, counts)
    assert _digest(batch) == before  # the input is never touched
    assert "fixed 4,020 rows -> 4,000 rows" in result.to_text()


def test_apply_and_skip_choose_rules_by_code_or_name(batch, tmp_path):
    report = scan(batch)
    only = fix(batch, report, apply=["data.duplicates"], rescan=False)
    assert [a.rule.name for a in only.applied] == ["exact_duplicates"]
    skipped = fix(batch, report, skip=["encoding", "data.duplicates"], rescan=False)
    assert {a.rule.name for a in skipped.applied} == {"category_variants", "disguised_nulls"}
    with pytest.raises(UsageError, match=r"did you mean 'data\.encoding'"):
        fix(batch, report, apply=["data.encodng"], rescan=False)


def test_a_saved_mapping_repairs_a_later_batch_the_same_way(batch, tmp_path):
    fix(batch, scan(batch), save_mapping=tmp_path / "fixes.yaml", rescan=False)
    text = (tmp_path / "fixes.yaml").read_text()
    assert "MINNEAPOLIS: Minneapolis" in text and "note: ftfy" in text
    later = tmp_path / "later.parquet"
    damaged(seed=8).write_parquet(later)
    result = fix(later, mapping=tmp_path / "fixes.yaml", output=tmp_path / "later-clean.parquet", rescan=False)
    cleaned = pl.read_parquet(tmp_path / "later-clean.parquet")
    assert cleaned["note"].str.contains("Ã").sum() == 0 and cleaned.height == 4000
    assert {a.rule.name for a in result.applied} >= {"encoding", "exact_duplicates"}


def test_numbers_stored_as_text_are_parsed(tmp_path):
    values = [f"{v:,}" for v in range(990, 1_300)] * 3
    path = tmp_path / "amounts.csv"
    pl.DataFrame({"amount": values}).write_csv(path)
    report = scan(path)
    assert [f.code for f in report.findings if f.code == "schema.type_mismatch"]
    result = fix(path, report, output=tmp_path / "out.parquet")
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out.schema["amount"] == pl.Float64 and out["amount"].to_list()[:12] == [float(v) for v in range(990, 1002)]
    [applied] = [a for a in result.applied if a.rule.name == "numbers_as_text"]
    assert applied.cells == 3 * (1_300 - 1_000)  # only the cells written with a separator


def test_magnitude_errors_are_rescaled_only_when_the_factor_is_named(tmp_path):
    rng = np.random.default_rng(3)
    price = rng.uniform(10, 90, 5_000)
    price[:40] *= 100
    path = tmp_path / "prices.parquet"
    pl.DataFrame({"price": price}).write_parquet(path)
    report = scan(path)
    assert report.by_code("data.magnitude_error")
    untouched = fix(path, report, rescan=False)
    assert not untouched.applied and "--rescale price=100" in untouched.to_text()
    with pytest.raises(UsageError, match="measured a factor of 100"):
        fix(path, report, rescale={"price": 10}, rescan=False)
    done = fix(path, report, rescale={"price": 100}, rescan=False)
    assert done.applied[0].cells == 40 and done.frame["price"].max() < 100


def test_clean_real_data_is_left_alone(tmp_path):
    palmerpenguins = pytest.importorskip("palmerpenguins")
    path = tmp_path / "penguins.parquet"
    pl.from_pandas(palmerpenguins.load_penguins()).write_parquet(path)
    result = fix(path, scan(path), apply=["data.category_variants", "data.encoding", "data.duplicates"],
                 rescan=False)
    assert result.audit.height == 0 and result.frame.height == 344


def test_report_fix_is_the_same_repair(batch, tmp_path):
    report = scan(batch)
    result = report.fix(batch, tmp_path / "out.csv", rescan=False)
    assert (tmp_path / "out.csv").exists() and result.frame.height == 4000


def test_refusals_are_one_line_and_write_nothing(batch, tmp_path):
    other = tmp_path / "other.parquet"
    damaged(seed=9).write_parquet(other)
    report = scan(batch)
    with pytest.raises(InputError, match="the report is of other data"):
        fix(other, report, output=tmp_path / "x.parquet")
    with pytest.raises(UsageError, match="is the input"):
        fix(batch, report, output=batch)
    assert not (tmp_path / "x.parquet").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  category_variants:\n    cty: {A: B}\n")
    with pytest.raises(InputError, match=r"bad.yaml:4: category_variants: no column 'cty'.*did you mean 'city'"):
        fix(batch, mapping=bad)
    bad.write_text("version: 1\nrules:\n  disguised_null:\n    grade: [N/A]\n")
    with pytest.raises(InputError, match=r"bad.yaml:3: unknown rule 'disguised_null'; did you mean 'disguised_nulls'"):
        fix(batch, mapping=bad)
    with pytest.raises(UsageError, match="needs --report"):
        fix(batch)


def test_decimal_commas_are_parsed_from_a_mapping_after_disguised_nulls(tmp_path):
    path = tmp_path / "eu.csv"
    pl.DataFrame({"price": ["1.234,50", "12,00", "N/A", "7", "3,25"]}).write_csv(path)
    (tmp_path / "fixes.yaml").write_text(
        "version: 1\nrules:\n  disguised_nulls:\n    price: [N/A]\n"
        "  numbers_as_text:\n    price: {thousands: '.', decimal: ','}\n")
    result = fix(path, mapping=tmp_path / "fixes.yaml", rescan=False)
    assert result.frame["price"].to_list() == [1234.5, 12.0, None, 7.0, 3.25]
    assert {a.rule.name: a.cells for a in result.applied} == {"disguised_nulls": 1, "numbers_as_text": 3}


def test_numbers_as_text_is_refused_when_a_value_does_not_parse():
    from tripwire.repair import apply_rules
    from tripwire.repair.rules import Rule

    frame = pl.DataFrame({"amt": ["1,200", "35", "twelve", None], "x": [1, 2, 3, 4]})
    out = apply_rules(frame, [Rule("numbers_as_text", "amt")])
    [refused] = out.refused
    assert "1 values do not parse as numbers (e.g. 'twelve')" in refused.reason
    assert out.frame.equals(frame) and out.audit.height == 0
    clean = apply_rules(frame.head(2), [Rule("numbers_as_text", "amt")])
    assert clean.frame["amt"].to_list() == [1200.0, 35.0] and clean.audit["row"].to_list() == [0]


def test_text_and_json_show_the_same_counts_and_an_unscanned_side_as_unknown(batch, tmp_path):
    fix(batch, scan(batch), save_mapping=tmp_path / "fixes.yaml", rescan=False)
    result = fix(batch, mapping=tmp_path / "fixes.yaml")  # no report: the before side was not scanned
    rows = result.counts()
    assert rows and all(b is None and a is not None for _, b, a in rows)
    assert result.to_dict()["findings"] == [{"code": c, "before": b, "after": a} for c, b, a in rows]
    text = result.to_text()
    assert all(f"  {c:<26}   - -> {a}" in text for c, _, a in rows), text
