"""Errors by property: a digits classifier whose mistakes concentrate in darkened images."""

from __future__ import annotations

import polars as pl
import pytest

from tests.images.generated import digits_with_dark_share

pytest.importorskip("PIL")


@pytest.mark.slow
def test_errors_concentrate_in_the_darkest_images_and_the_slice_search_names_them(tmp_path):
    from tripwire.run import scan_images

    preds, truth = digits_with_dark_share(tmp_path / "digits")
    preds.write_csv(tmp_path / "preds.csv")
    report = scan_images(tmp_path / "digits", predictions=tmp_path / "preds.csv", workers=1, thumbnails=False)
    names = report.extra["image_table"]["path"].to_list()
    slices = report.by_code("model.weak_slice")
    dark = [f for f in slices if f.columns == ("brightness",)]
    assert len(dark) == 1, [f.title for f in slices]
    f = dark[0]
    assert f.evidence["slice"].startswith("brightness < ")
    assert f.evidence["value"] > 2.5 * f.evidence["overall"]
    rows = f.evidence.get("all_rows", f.rows)
    assert all(truth[names[r]] == "dark" for r in rows)  # the slice's rows are images, by their folder index
    wrong = preds.filter(pl.col("label") != pl.col("prediction"))["file"].to_list()
    assert f.evidence["overall"] == pytest.approx(len(wrong) / preds.height)
    assert f"vs {round(100 * f.evidence['overall'])}% overall" in f.title


def test_predictions_join_by_bare_file_name_and_unmatched_images_are_noted():
    from tripwire.images import join_predictions

    table = pl.DataFrame({"path": ["a/x.png", "a/y.png", "b/z.png"], "error": [None, None, None],
                          "brightness": [0.1, 0.2, 0.3]})
    preds = pl.DataFrame({"filename": ["C:\\shots\\x.png", "y.png"], "label": [1, 2], "prediction": [1, 3]})
    joined, notes = join_predictions(table, preds, key=None, label="label", prediction="prediction")
    assert joined["row"].to_list() == [0, 1]
    assert joined["_prediction"].to_list() == [1, 3]
    assert notes == ["1 of 3 readable images have no prediction (joined on 'filename'); they are left out of "
                     "the errors by property"]


def test_a_missing_prediction_column_is_one_usage_line():
    from tripwire.errors import UsageError
    from tripwire.images import join_predictions

    table = pl.DataFrame({"path": ["x.png"], "error": [None]})
    with pytest.raises(UsageError, match="--prediction 'pred' is not a column of the predictions table"):
        join_predictions(table, pl.DataFrame({"file": ["x.png"], "label": [1]}), key=None, label="label",
                         prediction="pred")
