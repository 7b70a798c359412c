"""tripwire pseudonymise: HMAC-SHA256 pseudonyms, stable across batches; keys and columns checked."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def _clashing_pair(length: int) -> tuple[str, str]:
    """Return two different values that get one `length`-hex pseudonym under KEY."""
    values = [f"user{i}@example.org" for i in range(5_000)]
    out = pseudonymise_frame(pl.DataFrame({"v": values}), ["v"], KEY, length=length,
                             collisions=CollisionCheck(["v"], length=length))["v"].to_list()
    first: dict[str, str] = {}
    for value, pseudonym in zip(values, out, strict=True):
        if pseudonym in first:
            return first[pseudonym], value
        first[pseudonym] = value
    raise AssertionError("no clash: the test needs a shorter length")


@pytest.mark.parametrize("width", [1, 2, 3])
def test_keep_format_is_a_permutation_of_each_width(width):
    # every d-digit id gets a different d-digit pseudonym: two people never become one
    low = 0 if width == 1 else 10 ** (width - 1)
    ids = list(range(low, 10**width))
    out = pseudonymise_frame(pl.DataFrame({"id": ids}), ["id"], KEY, keep_format=True)["id"].to_list()
    assert sorted(out) == ids and out != ids
    codes = [str(i).zfill(width) for i in range(10**width)]  # leading zeros kept
    out = pseudonymise_frame(pl.DataFrame({"code": codes}), ["code"], KEY, keep_format=True)["code"].to_list()
    assert sorted(out) == codes and out != codes


def test_keep_format_never_clashes_on_many_wide_ids():
    # 200,000 random 12-digit ids drawn into 9×10^11: a truncated digest would clash ~0.02 times,
    # 2M ids twice; a permutation never does
    ids = np.random.default_rng(1).choice(9 * 10**11, 200_000, replace=False) + 10**11
    out = pseudonymise_frame(pl.DataFrame({"id": ids}), ["id"], KEY, keep_format=True)["id"]
    assert out.n_unique() == len(ids) and out.min() >= 10**11 and out.max() < 10**12
    again = pseudonymise_frame(pl.DataFrame({"id": ids[::-1].copy()}), ["id"], KEY, keep_format=True)["id"]
    assert again.to_list() == out.to_list()[::-1]  # the same id, the same pseudonym, in any order
    signs = pseudonymise_frame(pl.DataFrame({"id": [-5, 5, None, 0]}), ["id"], KEY, keep_format=True)["id"]
    assert signs[0] == -signs[1] and signs[2] is None and 0 <= signs[3] <= 9


def test_a_clash_across_batches_is_found_when_the_file_ends(tmp_path):
    a, b = _clashing_pair(4)
    # the same value twice is one person: no clash
    assert pseudonymise_frame(pl.DataFrame({"v": [a, a, None]}), ["v"], KEY, length=4)["v"][0] is not None
    # in different batches of one file: found when the file ends, and no output is left behind
    check = CollisionCheck(["v"], length=4)
    for batch in ([a, "x", "y"], ["z", b]):
        pseudonymise_frame(pl.DataFrame({"v": batch}), ["v"], KEY, length=4, collisions=check)
    with pytest.raises(UsageError, match=r"rows 1 and 5, counting from 1"):
        check.verify()
    path = tmp_path / "v.csv"
    pl.DataFrame({"v": [a, *(f"other{i}" for i in range(100)), b]}).write_csv(path)
    with pytest.raises(UsageError, match=r"rows 1 and 102, counting from 1, of 102 distinct values"):
        pseudonymise(path, ["v"], tmp_path / "out.csv", key=KEY, length=4)
    assert list(tmp_path.iterdir()) == [path]


def test_a_short_hex_length_that_clashes_is_refused():
    values = [f"user{i}@example.org" for i in range(2000)]  # 2,000 values into 65,536 4-hex pseudonyms
    with pytest.raises(UsageError, match=r"give a longer --length than 4$"):
        pseudonymise_frame(pl.DataFrame({"email": values}), ["email"], KEY, length=4)
    assert pseudonymise_frame(pl.DataFrame({"email": values}), ["email"], KEY)["email"].n_unique() == 2000


@pytest.mark.parametrize("seed", range(12))
def test_keep_format_keeps_signed_one_digit_numbers_apart(seed):
    # -k and k both went to 0 for the k whose image is 0 (nine keys in ten): two people became one
    key = KEY + bytes([seed])
    out = pseudonymise_frame(pl.DataFrame({"id": list(range(-9, 10))}), ["id"], key, keep_format=True)["id"]
    assert sorted(out.to_list()) == list(range(-9, 10))


def test_keep_format_refuses_integers_of_19_digits_in_one_line():
    # clipped to 18 digits they all became one number; the refusal names the way out
    with pytest.raises(UsageError, match=r"19 or more digits.*drop --keep-format"):
        pseudonymise_frame(pl.DataFrame({"id": [10**18 + 1, 10**18 + 2]}), ["id"], KEY, keep_format=True)


def test_keep_format_treats_non_ascii_digits_as_text():
    # Unicode digits matched \\d and then failed integer parsing with a Polars traceback
    out = pseudonymise_frame(pl.DataFrame({"s": ["٣٤", "12"]}), ["s"], KEY, keep_format=True)["s"]
    assert len(out[0]) == 16 and len(out[1]) == 2 and out[1].isdigit()
