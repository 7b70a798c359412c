"""Image checks on property tables: each fires on a known case (code, count, rows) and stays quiet."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tripwire.images import image_findings
from tripwire.images.duplicates import near_pairs
from tripwire.images.reader import SCHEMA


def table(n: int = 60, seed: int = 0, **columns) -> pl.DataFrame:
    """A property table of n ordinary 4:3 photos (seeded), with some columns overridden."""
    rng = np.random.default_rng(seed)
    base = {
        "path": [f"img_{i:03d}.jpg" for i in range(n)], "file_bytes": rng.integers(50_000, 90_000, n),
        "format": ["JPEG"] * n, "mode": ["RGB"] * n, "width": [640] * n, "height": [480] * n,
        "aspect_ratio": [640 / 480] * n, "orientation": [1] * n, "brightness": rng.uniform(0.3, 0.6, n),
        "contrast": rng.uniform(0.12, 0.25, n), "saturation": rng.uniform(0.2, 0.5, n),
        "colourfulness": rng.uniform(20, 60, n), "sharpness": rng.uniform(800, 3000, n),
        "glare": rng.uniform(0, 0.01, n), "noise": rng.uniform(1, 4, n), "entropy": rng.uniform(6, 7.5, n),
        "phash": rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64),
        "file_hash": rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64), "error": [None] * n,
    }
    df = pl.DataFrame(base).with_columns(pl.col("error").cast(pl.String))
    for name, values in columns.items():
        df = df.with_columns(pl.Series(name, values, dtype=df.schema[name]))
    assert df.columns == SCHEMA.names
    return df


def _set(df: pl.DataFrame, column: str, rows: list[int], value) -> pl.DataFrame:
    values = df[column].to_list()
    for r in rows:
        values[r] = value
    return df.with_columns(pl.Series(column, values, dtype=df.schema[column]))


def test_an_ordinary_folder_raises_nothing():
    found, checks = image_findings(table())
    assert found == []
    assert {c.name for c in checks if c.status == "passed"} >= {"images.dark", "images.blurry", "images.duplicates"}
    assert {c.name: c.reason for c in checks if c.status == "skipped"} == {
        "images.train_test_overlap": "needs --reference", "images.coverage_gap": "needs --reference"}


@pytest.mark.parametrize(("code", "column", "value"), [
    ("image.dark", "brightness", 0.05), ("image.bright", "brightness", 0.95), ("image.glare", "glare", 0.2),
    ("image.blurry", "sharpness", 5.0),
])
def test_each_condition_names_its_images(code, column, value):
    found, _ = image_findings(_set(table(), column, [7, 21], value))
    assert [f.code for f in found] == [code]
    f = found[0]
    assert f.rows == (7, 21) and f.evidence["count"] == 2 and f.columns == (column,)
    assert f.title.startswith("2 images are ")
    assert f.evidence["examples"] == ["img_007.jpg", "img_021.jpg"]


def test_a_dark_folder_does_not_call_its_own_images_dark():
    df = table()
    df = df.with_columns(pl.col("brightness") * 0.2)  # night shots: all of them dark
    assert [f.code for f in image_findings(df)[0]] == []


def test_portraits_among_landscapes_and_tiny_images_are_odd_sizes():
    df = _set(_set(_set(table(), "aspect_ratio", [3], 0.75), "width", [9], 20), "height", [9], 15)
    df = _set(df, "orientation", [11], 6)
    found, _ = image_findings(df)
    assert [f.code for f in found] == ["image.odd_size"]
    assert found[0].rows == (3, 9, 11)
    assert (found[0].evidence["rare_aspect"], found[0].evidence["odd_pixels"], found[0].evidence["exif_rotated"]) == (1, 1, 1)


def test_unreadable_files_are_one_error_naming_each_and_the_rest_are_judged():
    df = _set(_set(table(), "error", [4], "empty file (0 bytes)"), "error", [8], "truncated or corrupt image data")
    for col in ("brightness", "sharpness", "phash"):
        df = _set(_set(df, col, [4], None), col, [8], None)
    df = _set(df, "brightness", [30], 0.04)
    found, _ = image_findings(df)
    assert [f.code for f in found] == ["image.unreadable", "image.dark"]
    assert found[0].severity == "error" and found[0].rows == (4, 8)
    assert found[0].evidence["files"] == ["img_004.jpg: empty file (0 bytes)", "img_008.jpg: truncated or corrupt image data"]
    assert found[1].rows == (30,)


def test_exact_and_near_copies_are_grouped():
    df = table()
    h = df["phash"].to_list()
    fh = df["file_hash"].to_list()
    fh[5], h[5] = fh[2], h[2]  # a byte-identical copy
    h[40] = h[10] ^ 0b1011  # three bits apart: the same picture re-encoded
    df = df.with_columns(pl.Series("phash", h), pl.Series("file_hash", fh))
    found, _ = image_findings(df)
    by = {f.code: f for f in found}
    assert set(by) == {"image.duplicate", "image.near_duplicate"}
    assert by["image.duplicate"].rows == (2, 5) and by["image.duplicate"].evidence["count"] == 1
    assert by["image.near_duplicate"].rows == (10, 40) and by["image.near_duplicate"].evidence["pairs"][0][2] == 3


def test_coverage_gap_and_overlap_against_a_reference():
    ref = table(200, seed=1)
    new = table(100, seed=2)
    new = _set(new, "brightness", list(range(20)), 0.1)  # 20% far darker than any training image
    ph = new["phash"].to_list()
    ph[50] = ref["phash"][17]
    new = new.with_columns(pl.Series("phash", ph))
    found, checks = image_findings(new, ref)
    gaps = [f for f in found if f.code == "image.coverage_gap"]
    assert len(gaps) == 1 and gaps[0].columns == ("brightness",)
    k = gaps[0].evidence["count"]
    assert 20 <= k <= 26  # the 20 darkened, and the ~1% of ordinary ones past the edge by chance
    assert gaps[0].title.startswith(f"{k}% of new images ({k} of 100) are darker than 99% of the reference images")
    assert set(range(20)) <= set(gaps[0].rows) and len(gaps[0].rows) == k
    leak = [f for f in found if f.code == "leakage.train_test_overlap"]
    assert len(leak) == 1 and leak[0].rows == (50,) and leak[0].severity == "error"
    assert all(c.status != "skipped" for c in checks)


def test_a_clean_new_set_against_its_reference_raises_nothing():
    assert image_findings(table(100, seed=4), table(200, seed=5))[0] == []


def test_near_pairs_match_brute_force():
    rng = np.random.default_rng(3)
    a = rng.integers(-(2**63), 2**63 - 1, 300, dtype=np.int64)
    flips = rng.integers(0, 64, (40, 5))
    a[260:] = [int(np.int64(a[i]) ^ np.int64(sum(1 << int(b) for b in set(flips[i][: i % 6]) if b < 63))) for i in range(40)]
    got = {(int(i), int(j)) for i, j, _ in near_pairs(a)}
    u = a.view(np.uint64)
    dist = np.bitwise_count(u[:, None] ^ u[None, :])
    want = {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(dist <= 6, 1)), strict=True)}
    assert got == want and len(want) >= 30


def test_gaps_over_the_same_images_are_one_finding_naming_each_property():
    ref = table(200, seed=1)
    new = _set(_set(table(100, seed=2), "brightness", list(range(20)), 0.1), "contrast", list(range(20)), 0.01)
    gaps = [f for f in image_findings(new, ref)[0] if f.code == "image.coverage_gap"]
    assert len(gaps) == 1 and set(gaps[0].columns) == {"brightness", "contrast"}
    assert "darker and lower in contrast" in gaps[0].title or "lower in contrast and darker" in gaps[0].title
    other = gaps[0].columns[1]
    assert gaps[0].evidence["also"][other]["side"] == "low"


def test_ten_thousand_identical_hashes_are_one_group_without_comparing_every_pair():
    from tripwire.images.duplicates import near_groups, near_matches

    h = np.zeros(10_000, dtype=np.int64)  # a camera that wrote blank frames all day
    h[-1] = 0b111  # three bits off: still the same picture
    label = near_groups(h)
    assert (label == label[0]).all()
    i, j, bits = near_matches(h[:5000], h[5000:])
    assert i.size == 5000 and (bits == 0).all() and j[0] == 0
