"""`tripwire profile/scan --images` as a user meets them: subprocesses, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_cli import assert_one_line_error, run

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


@pytest.fixture
def folder(tmp_path) -> Path:
    """Twelve ordinary images, one dark, one broken, one empty, a note that is not an image."""
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(12):
        a = rng.integers(60, 200, (48, 64, 3), dtype=np.uint8)
        Image.fromarray(a).save(root / ("sub" if i % 2 else ".") / f"p{i:02d}.png")
    Image.fromarray(rng.integers(0, 30, (48, 64, 3), dtype=np.uint8)).save(root / "night.png")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "empty.png").write_bytes(b"")
    (root / "README.txt").write_text("shots from the line camera")
    return root


def test_profile_images_prints_one_row_per_property(folder, tmp_path):
    out = tmp_path / "photos.profile.json"
    proc = run("profile", str(folder), "--images", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    for col in ("brightness", "sharpness", "glare", "phash", "error"):
        assert col in proc.stdout
    assert "photos: 15 rows × 19 columns" in proc.stdout
    assert "skipped 1 file(s) that are not images by name (README.txt)" in proc.stderr
    saved = json.loads(out.read_text())
    assert saved["rows"] == 15


def test_scan_images_names_bad_files_and_the_dark_image(folder, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    proc = run("scan", str(folder), "--images", "--format", "json")
    assert proc.returncode == 1, proc.stderr  # unreadable files are an error
    report = json.loads(proc.stdout)
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    by = {f["code"]: f for f in report["findings"]}
    assert by["image.unreadable"]["evidence"]["files"] == [
        "broken.jpg: truncated or corrupt image data (Truncated File Read)", "empty.png: empty file (0 bytes)"]
    assert by["image.dark"]["evidence"]["examples"] == ["night.png"]
    assert set(by) == {"image.unreadable", "image.dark"}


def test_scan_images_against_a_reference_folder_and_as_html(folder, tmp_path):
    page = tmp_path / "r.html"
    proc = run("scan", str(folder), "--images", "--reference", str(folder), "--format", "html", "-o", str(page))
    assert proc.returncode == 1, proc.stderr
    html = page.read_text()
    assert "leakage.train_test_overlap" in html and "data:image/jpeg;base64," in html


def test_a_table_of_paths_is_read_with_image_column(folder, tmp_path):
    table = tmp_path / "list.csv"
    table.write_text("file,label\nphotos/p00.png,a\nphotos/sub/p01.png,b\nphotos/missing.png,c\n")
    proc = run("scan", str(table), "--image-column", "file", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    f = next(f for f in json.loads(proc.stdout)["findings"] if f["code"] == "image.unreadable")
    assert f["rows"] == [2] and "missing.png: cannot read the file" in f["evidence"]["files"][0]


@pytest.mark.parametrize(("args", "needles"), [
    (("scan", "nowhere/", "--images"), ("nowhere", "folder not found")),
    (("profile", "README.md", "--images"), ("--images needs a folder of images",)),
    (("scan", "README.md", "--predictions", "p.csv"), ("--predictions needs --images",)),
    (("scan", "src", "--images"), ("src", "folder holds no image files")),
])
def test_bad_use_is_one_line_and_exit_2(args, needles):
    assert_one_line_error(run(*args, cwd=Path(__file__).resolve().parents[2]), *needles)
