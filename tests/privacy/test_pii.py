"""privacy.pii fires on each kind of personal column (code, column, count, rows) and masks examples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import tripwire
from tripwire.privacy import kinds as K
from tripwire.privacy.masking import mask_value

pytest.importorskip("phonenumbers")

N = 200
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def _scan(df: pl.DataFrame):
    return tripwire.scan(df, only=["privacy"])


def _findings(report) -> dict[str, object]:
    return {f.columns[0]: f for f in report.by_code("privacy.pii")}


def _table() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    base = pl.DataFrame({"id": [str(v) for v in rng.integers(10**6, 10**7, N)],
                         "amount": rng.gamma(2, 10, N).round(2)})
    emails = [f"user{i}@example.org" for i in range(N)]
    emails[5] = None  # one missing value: 199 e-mail rows
    return base.with_columns(
        contact=pl.Series(emails),
        phone=pl.Series([f"+1 (212) 555-{1000 + i:04d}" for i in range(N)]),
        card=pl.Series(["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 0000 0000 009"] * 66 + ["x", "y"]),
        iban=pl.Series(["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"] * (N // 2)),
        ip=pl.Series([f"10.0.{i // 256}.{i % 256}" for i in range(N)]),
        ssn=pl.Series([f"{123 + i % 500:03d}-45-{6789 - i:04d}" for i in range(N)]),
        zip=pl.Series([f"{10001 + i:05d}" for i in range(N)]),
        dob=pl.date_range(pl.date(1950, 1, 1), pl.date(2000, 1, 1), "3mo", eager=True).head(N),
        full_name=pl.Series(["Maria Garcia", "John Smith", "Anna Müller", "Pierre Dubois"] * (N // 4)),
        notes=pl.Series([f"please call back, my address is user{i}@example.org thanks a lot"
                         if i % 10 == 0 else "nothing special to report about this order today" for i in range(N)]),
    )


@pytest.fixture(scope="module")
def report():
    return _scan(_table())


@pytest.mark.parametrize(("column", "kind", "count"), [
    ("contact", "email", 199), ("phone", "phone", N), ("card", "card", 198), ("iban", "iban", N),
    ("ip", "ip", N), ("ssn", "national_id", N), ("zip", "postal_code", N), ("dob", "date_of_birth", N),
    ("full_name", "name", N), ("notes", "email", 20),
])
def test_each_kind_is_found_with_its_rows(report, column, kind, count):
    f = _findings(report)[column]
    assert f.code == "privacy.pii" and f.severity == "warning" and f.columns == (column,)
    assert f.evidence["kinds"][0] == kind
    assert f.evidence["count"] == count
    assert f.evidence["share"] == pytest.approx(count / N)
    assert f.evidence["estimated"] is False  # the sample holds every row
    expected = [i for i in range(N) if i != 5][:100] if column == "contact" else None
    if column == "notes":
        expected = list(range(0, N, 10))
    if column == "card":
        expected = list(range(100))
    if expected is not None:
        assert list(f.rows) == expected
    assert f.evidence["free_text"] is (column == "notes")


def test_quiet_columns_are_not_flagged(report):
    assert not {"id", "amount"} & set(_findings(report))


def test_examples_are_masked_everywhere(report):
    text = report.to_json() + report.to_text() + report.to_html()
    for raw in ("user0@example.org", "4111 1111 1111 1111", "GB82 WEST", "212) 555-1000", "Maria Garcia",
                "123-45-6789", "1950-01-01"):
        assert raw not in text
    examples = _findings(report)["contact"].evidence["examples"]
    assert examples and all("•" in e for e in examples)


def test_a_saved_profile_is_enough(tmp_path):
    prof = tripwire.profile(_table())
    prof.save(tmp_path / "p.json")
    found = _findings(tripwire.scan(tmp_path / "p.json", only=["privacy"]))
    assert "contact" in found and "phone" in found


def test_a_sampled_share_says_it_is_estimated():
    df = pl.DataFrame({"email": [f"u{i}@example.com" for i in range(30_000)]})
    f = _findings(_scan(df))["email"]
    assert f.evidence["estimated"] is True and f.evidence["sampled_rows"] == 10_000
    assert "of sampled rows" in f.title


def test_checksums():
    cards = pl.Series(["4111111111111111", "4111111111111112", "378282246310005", "1234"])
    assert K.is_card(cards).to_list() == [True, False, True, False]
    ibans = pl.Series(["GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 33", "FR1420041010050500013M02606"])
    assert K.iban_valid(ibans).to_list() == [True, False, True]
    nirs = pl.Series(["2 55 08 14 168 025 38", "2550814168025 39", "1 84 12 2A 123 456 26"])
    ok = K.is_nir(nirs).to_list()
    assert ok[0] is True and ok[1] is False
    ssn = pl.Series(["123-45-6789", "000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567"])
    assert K.is_ssn(ssn, hinted=False).to_list() == [True, False, False, False, False]
    nino = pl.Series(["AB123456C", "QQ123456C", "GB123456A", "AB 12 34 56 C"])
    assert K.is_nino(nino).to_list() == [True, False, False, True]


def test_codes_and_ids_are_not_phones():
    codes = pl.Series(["17-000003", "2013-01-01", "1234567890", "12.50", "0942104894"])
    assert not K.phone_candidates(codes, hinted=False).any()
    # beside numbers written like phones, bare digits are phone numbers too
    mixed = pl.Series(["+39 0585 268899", "0942104894", "(212) 555-0100", "17-000003"])
    assert K.phone_candidates(mixed, hinted=False).to_list() == [True, True, True, False]
    assert K.phone_candidates(pl.Series(["0942104894"]), hinted=True).to_list() == [True]


def test_mask_value_keeps_only_a_shape():
    assert mask_value("john.smith@example.org", "email") == "j•••@•••.org"
    assert mask_value("4111 1111 1111 1111") == "•••• •••• •••• ••11"
    assert mask_value("Maria") == "M••••"
    assert mask_value("ab") == "••"


def test_json_report_validates(report):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(report.to_json()), json.loads(SCHEMA.read_text(encoding="utf-8")))
