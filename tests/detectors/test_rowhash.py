"""One whole-row hash per batch, shared by data.duplicates and leakage.train_test_overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
from tests.realdata import penguins, random_halves

import tripwire
from tripwire.detectors import rowhash
from tripwire.detectors.labels.leakage import _normal_text, _normalised
from tripwire.detectors.rowhash import ROW_SEED, batch_row_hashes, repeated_rows, sample_row_hashes
from tripwire.vocabulary import hash_rows, later_occurrences


def test_the_hashes_of_one_frame_are_computed_once():
    df = pl.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "x"]})
    first = batch_row_hashes(df)
    assert batch_row_hashes(df) is first
    assert np.array_equal(first, hash_rows(df, seed=ROW_SEED)) and first[0] == first[2]
    other = pl.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "z"]})
    assert batch_row_hashes(other) is not first and batch_row_hashes(other)[2] != first[2]
    assert not first.flags.writeable  # shared between tasks: read-only


def test_duplicates_and_overlap_hash_each_batch_once(monkeypatch):
    calls: list[int] = []

    def counting(df, seed=3):
        calls.append(df.height)
        return hash_rows(df, seed=seed)

    monkeypatch.setattr(rowhash, "hash_rows", counting)
    df = penguins().dropna().reset_index(drop=True)
    train, test = random_halves(df, seed=2)
    bad = pd.concat([test, train.iloc[:4], test.iloc[:3]], ignore_index=True)  # 4 leaked, 3 repeated
    monkeypatch.setenv("TRIPWIRE_KEEP_ROWS_MB", "0")  # the row pass reads the rows again: they are hashed here
    report = tripwire.scan(bad, train, only=["duplicates", "train_test_overlap"])
    # every row hashed once for both tasks (per batch), and the reference's sampled rows (all of them) once
    assert sum(calls) == len(bad) + len(train)
    monkeypatch.delenv("TRIPWIRE_KEEP_ROWS_MB")
    calls.clear()
    kept = tripwire.scan(bad, train, only=["duplicates", "train_test_overlap"])
    assert sum(calls) == len(train)  # the kept batches' rows were hashed by the profile, with the same seed
    assert [f.to_dict() for f in kept.findings] == [f.to_dict() for f in report.findings]
    by_code = {f.code: f for f in report.findings}
    n = len(test)
    assert by_code["data.duplicates"].evidence["all_rows"] == list(range(n + 4, n + 7))
    assert by_code["leakage.train_test_overlap"].evidence["all_rows"] == list(range(n, n + 4))


def test_duplicates_and_overlap_sort_the_row_hashes_once(monkeypatch):
    calls: list[int] = []

    def counting(hashes):
        calls.append(hashes.size)
        return later_occurrences(hashes)

    monkeypatch.setattr(rowhash, "later_occurrences", counting)
    df = penguins().dropna().reset_index(drop=True)
    for c in ("species", "island", "sex"):  # text already in normal form: both tasks hash the same rows
        df[c] = df[c].str.lower()
    train, test = random_halves(df, seed=2)
    bad = pd.concat([test, train.iloc[:4], test.iloc[:3]], ignore_index=True)  # 4 leaked, 3 repeated
    report = tripwire.scan(bad, train, only=["duplicates", "train_test_overlap"])
    assert calls == [len(bad)]  # one sort of every row's hash for both tasks
    by_code = {f.code: f for f in report.findings}
    assert by_code["data.duplicates"].evidence["count"] == 3
    assert by_code["leakage.train_test_overlap"].evidence["batch_repeat_share"] == 3 / len(bad)
    parts = [np.array([1, 2, 1], np.uint64), np.array([2, 3], np.uint64)]
    assert repeated_rows(parts).tolist() == [2, 3] and repeated_rows(parts) is repeated_rows(parts)
    assert repeated_rows([parts[0].copy(), parts[1]]) is not repeated_rows(parts)  # other arrays: asked again


def test_normalising_distinct_values_gives_the_frame_normalising_every_value_gives():
    rng = np.random.default_rng(0)
    values = ["a", "A", " a ", "a  b", "A\tB", "\u00a0x\u2003", "Ⓐ", "ǅ", None, "", "  ", "ok", "İ", "ß", "ΣΑΣ"]
    df = pl.DataFrame({"s": [values[i] for i in rng.integers(0, len(values), 3000)],
                       "t": [values[i] for i in rng.integers(0, 3, 3000)], "n": rng.integers(0, 3, 3000)})
    every = df.with_columns(_normal_text(pl.col(c)) for c, t in df.schema.items() if t == pl.String)
    normal = _normalised(df)
    assert normal is not None and normal.equals(every)
    assert _normalised(pl.DataFrame({"s": ["a b", "c", None], "n": [1, 2, 3]})) is None  # nothing to change


def test_text_in_normal_form_is_not_normalised_again():
    df = pl.DataFrame({"s": ["a b", "c-d 1", None, ""], "n": [1, 2, 3, 4]})
    assert _normalised(df) is None
    for odd in ("A", "a\tb", "a  b", " a", "a ", "\u00a0", "a\nb", "\x0b", "é", "Ä"):
        frame = df.with_columns(pl.Series("s", ["a b", odd, None, ""]))
        every = frame.with_columns(_normal_text(pl.col("s")))
        got = _normalised(frame)
        assert (frame if got is None else got).equals(every), odd
        assert (got is None) == (odd == "é")  # checked (not ASCII) and found already normal


def test_later_occurrences_are_every_repeat_after_the_first():
    from tripwire.vocabulary import later_occurrences

    rng = np.random.default_rng(1)
    for n, distinct in ((0, 1), (1, 1), (50, 10), (5000, 4000), (5000, 5000), (3000, 2)):
        hashes = rng.integers(0, distinct, n).astype(np.uint64) * np.uint64(2**40 + 7)
        seen: set[int] = set()
        expected = []
        for i, h in enumerate(hashes.tolist()):
            if h in seen:
                expected.append(i)
            seen.add(h)
        got = later_occurrences(hashes)
        assert got.tolist() == expected and got.dtype == np.intp
    pairs = np.array([[0, 5], [1, 7], [2, 5], [3, 5]], dtype=np.uint64)
    assert later_occurrences(pairs[:, 1]).tolist() == [2, 3]  # a column of a 2-D array


def test_the_profile_tells_which_listed_text_columns_need_normalising_without_a_scan():
    from tripwire.detectors.labels.leakage import text_may_change
    from tripwire.profiling import profile

    rng = np.random.default_rng(2)
    df = pl.DataFrame({"clean": [["a b", "c"][i] for i in rng.integers(0, 2, 500)],
                       "odd": [["a", "A ", "b"][i] for i in rng.integers(0, 3, 500)],
                       "many": [f"id {i}" for i in range(500)], "n": rng.integers(0, 3, 500)})
    known = text_may_change(profile(df))
    assert known["clean"] is False and known["odd"] is True and "n" not in known
    every = df.with_columns(_normal_text(pl.col(c)) for c, t in df.schema.items() if t == pl.String)
    got = _normalised(df, known)
    assert got is not None and got.equals(every)  # the same frame as scanning every column
    assert _normalised(df.select("clean", "n"), known) is None


def test_the_reference_sample_is_hashed_once_for_duplicates_and_overlap(monkeypatch):
    """Both tasks hash the reference's sampled rows with the one row seed: the second reuses the first's hashes."""
    calls: list[int] = []

    def counting(df, seed=ROW_SEED):
        calls.append(df.height)
        return hash_rows(df, seed=seed)

    monkeypatch.setattr(rowhash, "hash_rows", counting)
    df = penguins().dropna().reset_index(drop=True)
    train, test = random_halves(df, seed=2)
    train = pd.concat([train, train.iloc[:5]], ignore_index=True)  # the reference repeats 5 of its rows
    bad = pd.concat([test, train.iloc[:4], test.iloc[:3]], ignore_index=True)  # 4 leaked, 3 repeated
    ref = tripwire.profile(train)
    report = tripwire.scan(bad, ref, only=["duplicates", "train_test_overlap"])
    assert calls.count(len(train)) == 1  # the reference's rows: hashed once, not once per task
    by_code = {f.code: f for f in report.findings}
    assert by_code["data.duplicates"].evidence["reference_share"] == 5 / len(train)  # the same count as before
    assert by_code["leakage.train_test_overlap"].evidence["all_rows"] == list(range(len(test), len(test) + 4))
    columns = list(ref.columns)
    hashes = sample_row_hashes(ref, columns)
    assert np.array_equal(hashes, hash_rows(ref.sample_frame().select(columns), seed=ROW_SEED))
    assert sample_row_hashes(ref, columns) is hashes and not hashes.flags.writeable
    assert sample_row_hashes(ref, columns[::-1]) is not hashes  # other columns: hashed again
