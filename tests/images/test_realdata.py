"""Photos shipped in scikit-image and scikit-learn, with generated conditions: precision and recall."""

from __future__ import annotations

import polars as pl
import pytest

from tests.images.generated import (
    CODE_OF,
    clean_images,
    flagged_names,
    make_folder,
    precision_recall,
    standard_split,
)

pytest.importorskip("PIL")
IMAGE_CODES = {f"image.{c}" for c in ("dark", "bright", "blurry", "glare", "odd_size", "low_information",
                                      "near_duplicate", "duplicate", "unreadable", "coverage_gap")}


def _findings(folder, reference=None):
    from tripwire.images import image_findings, open_images

    table = open_images(folder, workers=1).table()
    ref = open_images(reference, workers=1).table() if reference is not None else None
    found, _ = image_findings(table, ref)
    return found, table["path"].to_list()


@pytest.mark.slow
def test_every_generated_condition_is_found_in_the_folder_and_nothing_else(tmp_path):
    images = make_folder(tmp_path / "mixed", *standard_split(len(clean_images()), 10))
    found, names = _findings(tmp_path / "mixed")
    rows = precision_recall(images, flagged_names(found, names))
    assert {r["condition"] for r in rows} == set(CODE_OF)
    for r in rows:
        assert r["recall"] >= 0.9, r
        assert r["precision"] == 1.0, r
    assert {f.code for f in found} == set(CODE_OF.values())  # no other image finding


@pytest.mark.slow
def test_untouched_photos_raise_no_finding(tmp_path):
    make_folder(tmp_path / "clean", list(range(len(clean_images()))), {})
    found, _ = _findings(tmp_path / "clean")
    assert found == []


@pytest.mark.slow
def test_against_training_images_darkened_new_images_are_a_coverage_gap_and_copies_a_leak(tmp_path):
    n = len(clean_images())
    train, test = list(range(n // 2)), list(range(n // 2, n))  # plain quadrants vs their mirror images
    make_folder(tmp_path / "train", train, {})
    clean_test = make_folder(tmp_path / "clean_test", test, {})
    found, _ = _findings(tmp_path / "clean_test", tmp_path / "train")
    assert [f.code for f in found] == [], [f.title for f in found]

    dark = test[:12]
    make_folder(tmp_path / "new", test[12:], {"dark": dark})
    for name in ("clean_000.jpg", "clean_001.jpg", "clean_002.jpg"):  # training images copied into the test set
        (tmp_path / "new" / f"leaked_{name}").write_bytes((tmp_path / "train" / name).read_bytes())
    found, names = _findings(tmp_path / "new", tmp_path / "train")
    by_code = {f.code: f for f in found}
    gap = [f for f in found if f.code == "image.coverage_gap" and "brightness" in f.columns]
    assert len(gap) == 1 and (gap[0].evidence["side"] == "low" if gap[0].columns[0] == "brightness"
                              else gap[0].evidence["also"]["brightness"]["side"] == "low")
    share = gap[0].evidence["share"]
    assert gap[0].title.startswith(f"{round(share * 100)}% of new images")
    assert "darker" in gap[0].title and "than 99% of the reference images" in gap[0].title
    beyond = {names[r] for r in gap[0].rows}
    assert {f"dark_{i:03d}.jpg" for i in dark} <= beyond
    assert len(beyond) - len(dark) <= 2  # a clean image or two lie beyond the 1% edge by nature
    leak = by_code["leakage.train_test_overlap"]
    assert {names[r] for r in leak.rows} == {"leaked_clean_000.jpg", "leaked_clean_001.jpg", "leaked_clean_002.jpg"}
    assert leak.evidence["exact"] == 3
    assert {names[r] for r in by_code["image.dark"].rows} == {f"dark_{i:03d}.jpg" for i in dark}
    assert clean_test.truth  # the clean test set was written


def test_the_generated_images_are_the_stated_set():
    images = clean_images()
    assert len(images) == 102  # 14 photos × 4 quadrants − 1 left out (china's sky) − 4 (clock) = 51, and mirrored
    assert all(a.shape == (192, 256, 3) for a in images)
    assert pl.Series([a.mean() for a in images]).n_unique() > 50
