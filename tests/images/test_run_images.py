"""`scan_images` and `profile_images` as one run: each image measured once, a saved profile as reference."""

from __future__ import annotations

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402


@pytest.fixture
def folders(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("train", "new"):
        (tmp_path / name).mkdir()
        for i in range(15):
            a = rng.integers(50, 200, (48, 64, 3), dtype=np.uint8)
            Image.fromarray(a).save(tmp_path / name / f"{name}_{i:02d}.png")
    return tmp_path / "new", tmp_path / "train"


def test_each_image_is_measured_once_per_run(folders, monkeypatch):
    import tripwire.images.reader as reader
    from tripwire.run import scan_images

    calls = []
    real = reader.measure_files
    monkeypatch.setattr(reader, "measure_files", lambda paths, worker=False: calls.extend(paths) or real(paths))
    report = scan_images(*folders, workers=1)
    assert len(calls) == 30 and len(set(calls)) == 30  # new and train, each image once
    assert [p["kind"] for p in report.run.passes] == ["profile", "profile"]
    assert report.summary["error"] == report.summary["warning"] == 0  # ordinary images on both sides
    assert {f.code for f in report.findings} <= {"drift.feature"}  # at most info: small moves, said as such


def test_a_saved_image_profile_is_a_reference_for_drift(folders, tmp_path):
    from tripwire.run import profile_images, scan_images

    new, train = folders
    saved = tmp_path / "train.profile.json"
    profile_images(train, workers=1).save(saved)
    darker = tmp_path / "darker"
    darker.mkdir()
    for p in sorted(new.glob("*.png")):
        Image.fromarray((np.asarray(Image.open(p)) * 0.5).astype(np.uint8)).save(darker / p.name)
    report = scan_images(darker, saved, workers=1)
    drifted = {f.columns[0] for f in report.by_code("drift.feature")}
    assert "brightness" in drifted
    assert {c.name: c.reason for c in report.checks if c.status == "skipped"}["images.coverage_gap"] == \
        "needs --reference"


def test_two_worker_processes_give_the_same_table_as_one(tmp_path):
    from tripwire.images import open_images
    from tripwire.images.reader import INLINE_BELOW

    rng = np.random.default_rng(1)
    for i in range(INLINE_BELOW + 6):  # enough files for the process pool
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(tmp_path / f"i{i:03d}.png")
    (tmp_path / "bad.png").write_bytes(b"nope")
    pooled = open_images(tmp_path, workers=2).table()
    inline = open_images(tmp_path, workers=1).table()
    assert pooled.equals(inline)
    assert pooled.height == INLINE_BELOW + 7 and pooled["error"].null_count() == INLINE_BELOW + 6


def test_a_broken_pool_falls_back_to_this_process_without_losing_a_file(tmp_path, monkeypatch):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    import tripwire.images.reader as reader

    class Broken:  # as when a script without a __main__ guard re-runs itself in each worker
        def __init__(self):
            self.calls = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, fn, *args):
            self.calls += 1
            fut = Future()
            if self.calls <= 3:
                fut.set_result(fn(*args))
            else:
                fut.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            return fut

    monkeypatch.setattr(reader, "_pool", lambda n: Broken())
    paths = [str(tmp_path / f"{i}.png") for i in range(200)]
    for i, p in enumerate(paths):
        Image.fromarray(np.full((8, 8), i % 256, np.uint8)).save(p)
    batches = list(reader.measure_all(paths, [f"{i}.png" for i in range(200)], workers=2))
    names = [n for b in batches for n in b.column("path").to_pylist()]
    assert names == [f"{i}.png" for i in range(200)]


def test_a_table_of_paths_with_labels_and_predictions_is_its_own_predictions_table(tmp_path):
    import polars as pl

    from tripwire.run import scan_images

    rng = np.random.default_rng(2)
    rows = []
    for i in range(300):
        dark = i % 3 == 0
        a = rng.integers(0, 40, (24, 32, 3)) if dark else rng.integers(80, 220, (24, 32, 3))
        Image.fromarray(a.astype(np.uint8)).save(tmp_path / f"p{i:03d}.png")
        wrong = rng.random() < (0.6 if dark else 0.05)
        rows.append({"file": f"p{i:03d}.png", "label": 1, "prediction": 0 if wrong else 1})
    pl.DataFrame(rows).write_csv(tmp_path / "list.csv")
    report = scan_images(tmp_path / "list.csv", image_column="file", workers=1, thumbnails=False)
    slices = report.by_code("model.weak_slice")
    assert any(f.columns == ("brightness",) and f.evidence["slice"].startswith("brightness < ") for f in slices)
    assert {c.name: c.status for c in report.checks}["images.errors_by_property"] == "failed"


def test_a_scan_against_reference_images_fits_the_report_schema(folders, tmp_path):
    import json
    from pathlib import Path

    jsonschema = pytest.importorskip("jsonschema")
    from tripwire.run import scan_images

    new, train = folders
    rng = np.random.default_rng(5)
    for i in range(10):  # 25 training images: coverage is judged from 20 on
        Image.fromarray(rng.integers(50, 200, (48, 64, 3), dtype=np.uint8)).save(train / f"more_{i}.png")
    for i in range(6):  # darker than every training image: a coverage gap; one copied in: a leak
        Image.fromarray(np.full((48, 64, 3), 10 + i, np.uint8)).save(new / f"dark_{i}.png")
    (new / "copy.png").write_bytes((train / "train_00.png").read_bytes())
    report = scan_images(new, train, workers=1)
    assert {"image.coverage_gap", "leakage.train_test_overlap"} <= {f.code for f in report.findings}
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "report.schema.json").read_text())
    jsonschema.validate(json.loads(report.to_json()), schema)
