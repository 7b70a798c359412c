"""tripwire pseudonymise: HMAC-SHA256 pseudonyms, stable across batches; keys and columns checked."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tripwire.errors import UsageError
from tripwire.privacy.pseudonyms import CollisionCheck, pseudonymise_frame, read_key
from tripwire.run import pseudonymise

pytest.importorskip("polars_hash")

KEY = b"test-key-0123456789abcdef"
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def people(tmp_path):
    df = pl.DataFrame({"id": [1001, 1002, 1003, 1001, None], "email": ["a@x.org", "b@x.org", None, "a@x.org", "c@x.org"],
                       "code": ["00123", "98765", "00123", "4", "abc"], "age": [30, 40, 50, 30, 20]})
    path = tmp_path / "people.csv"
    df.write_csv(path)
    return path, df


def test_pseudonyms_are_hmac_sha256_truncated(people):
    _, df = people
    out = pseudonymise_frame(df, ["email"], KEY)
    want = [hmac.new(KEY, v.encode(), hashlib.sha256).hexdigest()[:16] if v else None for v in df["email"]]
    assert out["email"].to_list() == want
    assert out["age"].to_list() == df["age"].to_list()  # other columns untouched


def test_the_same_value_gets_the_same_pseudonym_in_any_batch(people):
    _, df = people
    whole = pseudonymise_frame(df, ["id", "email"], KEY)
    parts = pl.concat([pseudonymise_frame(df.slice(i, 1), ["id", "email"], KEY) for i in range(df.height)])
    assert whole.equals(parts)
    assert whole["id"][0] == whole["id"][3] and whole["id"][0] != whole["id"][1]
    assert whole["id"][4] is None


def test_keep_format_keeps_digits_and_length(people):
    _, df = people
    out = pseudonymise_frame(df, ["id", "code"], KEY, keep_format=True)
    assert out["id"].dtype == pl.Int64
    assert all(999 < v < 10_000 for v in out["id"].drop_nulls())
    assert out["id"][0] == out["id"][3] and out["id"][0] != 1001
    codes = out["code"].to_list()
    assert [len(c) for c in codes[:4]] == [5, 5, 5, 1] and all(c.isdigit() for c in codes[:4])
    assert codes[0] == codes[2] and codes[0] != "00123"
    assert len(codes[4]) == 16  # not digits: hex


def test_the_file_is_written_and_the_input_left_alone(people, tmp_path):
    path, df = people
    before = path.read_bytes()
    done = pseudonymise(path, ["id", "email"], tmp_path / "out.parquet", key=KEY)
    assert done["rows"] == 5 and path.read_bytes() == before
    out = pl.read_parquet(tmp_path / "out.parquet")
    want = pseudonymise_frame(df, ["email"], KEY)["email"].fill_null("").to_list()
    assert out["email"].fill_null("").to_list() == want  # the CSV held an empty value: it stays empty
    with pytest.raises(UsageError, match="is the input file"):
        pseudonymise(path, ["id"], path, key=KEY)


def test_keys_are_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("SHORT_KEY", "abc")
    with pytest.raises(UsageError, match="3 bytes; give at least 16"):
        read_key("SHORT_KEY")
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    with pytest.raises(UsageError, match="not set"):
        read_key("NO_SUCH_KEY")
    (tmp_path / "k").write_bytes(KEY + b"\n")
    assert read_key(key_file=tmp_path / "k") == KEY


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    full = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True, env=full)


def test_cli_refuses_a_short_key_in_one_line_without_showing_it(people, tmp_path):
    path, _ = people
    r = _cli("pseudonymise", str(path), "--columns", "id", "--key-env", "TW_K", "-o", str(tmp_path / "o.csv"),
             env={"TW_K": "s3cret"})
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "s3cret" not in r.stderr + r.stdout
    assert not (tmp_path / "o.csv").exists()


def test_cli_names_absent_columns(people, tmp_path):
    path, _ = people
    r = _cli("pseudonymise", str(path), "--columns", "id,nope", "--key-env", "TW_K", "-o", str(tmp_path / "o.csv"),
             env={"TW_K": KEY.decode()})
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "'nope'" in r.stderr


def test_cli_writes_the_copy(people, tmp_path):
    path, df = people
    r = _cli("pseudonymise", str(path), "--columns", "email", "--key-env", "TW_K", "-o", str(tmp_path / "o.csv"),
             env={"TW_K": KEY.decode()})
    assert r.returncode == 0, r.stderr
    assert KEY.decode() not in r.stderr + r.stdout
    out = pl.read_csv(tmp_path / "o.csv")
    want = pseudonymise_frame(df, ["email"], KEY)["email"].fill_null("").to_list()
    assert out["email"].fill_null("").to_list() == want
    assert out["age"].to_list() == df["age"].to_list()


def _clashing_pair(width: int) -> tuple[int, int]:
    """Return two different `width`-digit ids that get one format-kept pseudonym under KEY."""
    ids = list(range(10 ** (width - 1), 10**width))
    out = pseudonymise_frame(pl.DataFrame({"id": ids}), ["id"], KEY, keep_format=True,
                             collisions=CollisionCheck(["id"], keep_format=True, length=16))["id"].to_list()
    first: dict[int, int] = {}
    for value, pseudonym in zip(ids, out, strict=True):
        if pseudonym in first:
            return first[pseudonym], value
        first[pseudonym] = value
    raise AssertionError("no clash: the test needs a narrower width")


def test_keep_format_refuses_two_ids_sharing_a_pseudonym(tmp_path):
    # 90 two-digit ids into 90 two-digit pseudonyms drawn at random: a clash is certain
    with pytest.raises(UsageError, match=r"^id: \d+ value\(s\) would share a pseudonym with another \(first: rows "
                                         r"\d+ and \d+, counting from 1, of 90 distinct values\); two people must "
                                         r"never become one, so nothing was written: drop --keep-format"):
        pseudonymise_frame(pl.DataFrame({"id": range(10, 100)}), ["id"], KEY, keep_format=True)
    a, b = _clashing_pair(2)
    # the same id twice is one person: no clash
    assert pseudonymise_frame(pl.DataFrame({"id": [a, a, None]}), ["id"], KEY, keep_format=True)["id"][0] is not None
    # in different batches of one file: found when the file ends, and no output is left behind
    check = CollisionCheck(["id"], keep_format=True, length=16)
    for batch in ([a, 11, 12], [13, b]):
        df = pl.DataFrame({"id": batch})
        pseudonymise_frame(df, ["id"], KEY, keep_format=True, collisions=check)
    with pytest.raises(UsageError, match=r"rows 1 and 5, counting from 1"):
        check.verify()
    path = tmp_path / "ids.csv"
    pl.DataFrame({"id": [a, *range(1000, 1100), b]}).write_csv(path)
    with pytest.raises(UsageError, match=r"rows 1 and 102, counting from 1, of 102 distinct values"):
        pseudonymise(path, ["id"], tmp_path / "out.csv", key=KEY, keep_format=True)
    assert list(tmp_path.iterdir()) == [path]


def test_a_short_hex_length_that_clashes_is_refused():
    values = [f"user{i}@example.org" for i in range(2000)]  # 2,000 values into 65,536 4-hex pseudonyms
    with pytest.raises(UsageError, match=r"give a longer --length than 4$"):
        pseudonymise_frame(pl.DataFrame({"email": values}), ["email"], KEY, length=4)
    assert pseudonymise_frame(pl.DataFrame({"email": values}), ["email"], KEY)["email"].n_unique() == 2000
