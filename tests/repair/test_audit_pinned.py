"""The audit and the repaired frame of a generated table are pinned: a faster repair must change nothing."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from tripwire import fix, scan
from tripwire.repair import apply_rules
from tripwire.repair.rules import Rule

pytest.importorskip("ftfy")


def every_rule_table(n: int = 3000, seed: int = 11) -> pl.DataFrame:
    """Damage every rule repairs: case variants (one also mojibake), mojibake, disguised and real nulls,
    numbers with thousands separators and blanks, prices 100× too large, 15 duplicate rows."""
    rng = np.random.default_rng(seed)
    city = np.array(["Minneapolis", "Saint Paul", "Near – North", "Duluth"], dtype=object)[rng.integers(0, 4, n)]
    up = rng.random(n) < 0.03
    city[up] = [c.upper() for c in city[up]]
    moj = rng.random(n) < 0.02
    city[moj] = [c.encode().decode("cp1252") for c in city[moj]]
    city[rng.random(n) < 0.01] = None
    city[5::400] = "NEAR â€“ NORTH"  # a variant the scan saw damaged: repaired first, then mapped
    note = np.array(["Café", "naïve", "plain", "&amp; co"], dtype=object)[rng.integers(0, 4, n)]
    bad = rng.random(n) < 0.02
    note[bad] = [v.encode().decode("cp1252") for v in note[bad]]
    grade = rng.integers(1, 6, n).astype(str).astype(object)
    grade[rng.random(n) < 0.02] = "N/A"
    grade[rng.random(n) < 0.01] = "-"
    grade[rng.random(n) < 0.01] = None
    amount = np.array([f"{v:,}" for v in rng.integers(1, 5000, n)], dtype=object)
    amount[rng.random(n) < 0.01] = " "
    price = rng.integers(10, 90, n)
    price[rng.random(n) < 0.02] *= 100
    frame = pl.DataFrame({"id": np.arange(n), "city": city.tolist(), "note": note.tolist(), "grade": grade.tolist(),
                          "amount": amount.tolist(), "price": price})
    return pl.concat([frame, frame.slice(10, 15)])


RULES = [Rule("disguised_nulls", "grade", {"values": ["-", "N/A"]}),
         Rule("encoding", "city", {"fixer": "ftfy"}), Rule("encoding", "note", {"fixer": "ftfy"}),
         Rule("category_variants", "city", {"mapping": {
             "MINNEAPOLIS": "Minneapolis", "SAINT PAUL": "Saint Paul", "NEAR â€“ NORTH": "Near – North",
             "DULUTH": "Duluth", "Duluth": "Duluth"}}),
         Rule("numbers_as_text", "amount", {"thousands": ",", "decimal": "."}),
         Rule("rescale", "price", {"factor": 100.0, "min": 1000, "max": 9000}),
         Rule("exact_duplicates", None, {}),
         Rule("encoding", "nope", {"fixer": "ftfy"}), Rule("disguised_nulls", "id", {"values": ["0"]})]


def _sha(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


@pytest.mark.parametrize("equalities", [16, 0], ids=["compared-with-each-value", "hashed"])
def test_the_audit_of_every_rule_is_pinned(monkeypatch, equalities):
    monkeypatch.setattr("tripwire.repair.apply._EQUALITIES", equalities)
    out = apply_rules(every_rule_table(), RULES)
    assert [(a.rule.name, a.rule.column, a.cells) for a in out.applied] == [
        ("disguised_nulls", "grade", 95), ("encoding", "city", 19), ("encoding", "note", 27),
        ("category_variants", "city", 94), ("numbers_as_text", "amount", 2416), ("rescale", "price", 64),
        ("exact_duplicates", None, 15)]
    assert [(s.column, s.reason) for s in out.refused] == [
        ("nope", "no such column in this data"), ("id", "the column is Int64, not text")]
    assert out.audit.height == 2730
    first = out.audit.filter(pl.col("column") == "city").head(3).rows()
    assert first == [(5, "city", "NEAR â€“ NORTH", "NEAR – NORTH", "data.encoding", "encoding"),
                     (5, "city", "NEAR – NORTH", "Near – North", "data.category_variants", "category_variants"),
                     (39, "city", "Near â€“ North", "Near – North", "data.encoding", "encoding")]
    assert out.frame.schema == pl.Schema({"id": pl.Int64, "city": pl.String, "note": pl.String,
                                          "grade": pl.String, "amount": pl.Float64, "price": pl.Float64})
    # every audit row and every repaired cell, as the first implementation wrote them
    assert _sha(out.audit) == "f0be024b395401aa917f882936f7dc9add25e33a77a789fec56a27bf89f8652a"
    assert _sha(out.frame) == "ecb6e0d70235834cf30d39665b3fb6fddf63d42112e9e7063249654c5373f265"


def test_the_audit_of_a_scanned_file_is_pinned(tmp_path):
    path = tmp_path / "batch.parquet"
    every_rule_table().drop("amount", "price").write_parquet(path)
    result = fix(path, scan(path), output=tmp_path / "clean.parquet", rescan=False)
    audit = pl.read_parquet(tmp_path / "clean.audit.parquet")
    assert audit.equals(result.audit)
    assert [(a.rule.name, a.rule.column, a.cells) for a in result.applied] == [
        ("disguised_nulls", "grade", 95), ("encoding", "city", 19), ("encoding", "note", 788),
        ("category_variants", "city", 94), ("exact_duplicates", None, 15)]
    assert _sha(audit) == "490c7bc4dafd74a66a6810f96a69dd81a5a129be53b4d7d8c1ff84904cb25810"
    assert _sha(pl.read_parquet(tmp_path / "clean.parquet")) == (
        "dfad429429ca3bcf0ac1ce504d483442db37dcfbce4f45b94574559eef56b7c3")


def test_the_rescan_of_the_frame_in_hand_is_the_scan_of_the_written_file(tmp_path):
    path = tmp_path / "batch.parquet"
    every_rule_table().write_parquet(path)
    for name in ("clean.parquet", "clean.arrow"):
        result = fix(path, scan(path), output=tmp_path / name)
        again = scan(tmp_path / name, name="batch.parquet")
        assert result.after is not None and [f.title for f in result.after.findings] == [
            f.title for f in again.findings], name
        assert result.after.dataset.fingerprint == again.dataset.fingerprint


def test_every_cell_rule_is_registered_once():
    from tripwire.repair.apply import REPAIRS
    from tripwire.repair.rules import RULE_CODES

    assert set(REPAIRS) == set(RULE_CODES) - {"exact_duplicates"}  # whole rows are dropped apart
