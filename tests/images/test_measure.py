"""Per-image properties: each figure right on images whose answer is known; bad files one row each."""

from __future__ import annotations

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from tripwire.images.measure import measure_file  # noqa: E402


def _save(tmp_path, name, a, **kw):
    path = tmp_path / name
    Image.fromarray(a).save(path, **kw)
    return str(path)


def test_a_flat_grey_image_has_its_level_as_brightness_and_nothing_else(tmp_path):
    row = measure_file(_save(tmp_path, "grey.png", np.full((100, 150), 102, np.uint8)))
    assert "error" not in row
    assert row["brightness"] == pytest.approx(102 / 255, abs=1e-6)
    assert row["contrast"] == pytest.approx(0, abs=1e-6)
    assert row["saturation"] == 0 and row["glare"] == 0 and row["entropy"] == 0
    assert row["sharpness"] == pytest.approx(0, abs=1e-6) and row["noise"] == pytest.approx(0, abs=1e-6)
    assert (row["width"], row["height"], row["aspect_ratio"], row["orientation"]) == (150, 100, 1.5, 1)
    assert row["format"] == "PNG" and row["mode"] == "L"


def test_glare_is_the_share_of_clipped_white_pixels(tmp_path):
    a = np.full((100, 100, 3), 90, np.uint8)
    a[:25] = 255
    row = measure_file(_save(tmp_path, "glare.png", a))
    assert row["glare"] == pytest.approx(0.25)


def test_pure_red_is_fully_saturated_with_the_hasler_susstrunk_colourfulness(tmp_path):
    a = np.zeros((64, 64, 3), np.uint8)
    a[..., 0] = 255
    row = measure_file(_save(tmp_path, "red.png", a))
    assert row["saturation"] == pytest.approx(1.0)
    assert row["colourfulness"] == pytest.approx(0.3 * np.hypot(255, 127.5), rel=1e-5)


def test_the_noise_estimate_recovers_the_sigma_of_added_gaussian_noise(tmp_path):
    rng = np.random.default_rng(0)
    a = np.clip(128 + rng.normal(0, 10, (256, 256)), 0, 255).astype(np.uint8)
    row = measure_file(_save(tmp_path, "noisy.png", a))
    assert row["noise"] == pytest.approx(10, rel=0.1)


def test_blur_lowers_sharpness_and_a_second_encoding_keeps_the_hash(tmp_path):
    from PIL import ImageFilter

    rng = np.random.default_rng(1)
    a = (rng.random((64, 64)) > 0.5).astype(np.uint8) * 255
    a = np.asarray(Image.fromarray(np.kron(a, np.ones((4, 4), np.uint8))).convert("RGB"))
    sharp = measure_file(_save(tmp_path, "a.png", a))
    blurred = measure_file(_save(tmp_path, "b.png", np.asarray(Image.fromarray(a).filter(ImageFilter.GaussianBlur(3)))))
    jpeg = measure_file(_save(tmp_path, "a.jpg", a, quality=70))
    other = measure_file(_save(tmp_path, "o.png", a[::-1].copy()))
    assert blurred["sharpness"] < sharp["sharpness"] / 10

    def bits(x, y):
        return bin((x ^ y) & (2**64 - 1)).count("1")

    assert bits(sharp["phash"], jpeg["phash"]) <= 6
    assert bits(sharp["phash"], other["phash"]) > 16


def test_exif_orientation_turns_the_aspect_ratio(tmp_path):
    exif = Image.Exif()
    exif[274] = 6
    path = _save(tmp_path, "turned.jpg", np.zeros((200, 300, 3), np.uint8) + 50, exif=exif)
    row = measure_file(path)
    assert (row["width"], row["height"], row["orientation"]) == (300, 200, 6)
    assert row["aspect_ratio"] == pytest.approx(200 / 300)


def test_large_images_are_measured_on_a_reduced_copy_with_the_same_light(tmp_path):
    a = np.zeros((1200, 1600, 3), np.uint8)
    a[:, :800] = 200
    row = measure_file(_save(tmp_path, "big.jpg", a, quality=95))
    assert (row["width"], row["height"]) == (1600, 1200)
    assert row["brightness"] == pytest.approx(100 / 255, abs=0.01)


@pytest.mark.parametrize(("name", "make", "needle"), [
    ("empty.png", lambda p: p.write_bytes(b""), "empty file (0 bytes)"),
    ("text.jpg", lambda p: p.write_text("not an image"), "not an image"),
    ("half.jpg", lambda p: p.write_bytes(_jpeg_bytes()[: len(_jpeg_bytes()) // 2]), "truncated"),
    ("bomb.png", lambda p: Image.new("1", (9000, 9000)).save(p), "over the 64,000,000-pixel limit"),
    ("garbage.png", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4), "cannot"),
])
def test_a_bad_file_is_one_row_with_its_reason(tmp_path, name, make, needle):
    path = tmp_path / name
    make(path)
    row = measure_file(str(path))
    assert needle in row["error"]
    assert "brightness" not in row


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    import tripwire.images.measure as m

    monkeypatch.setattr(m, "MAX_FILE_BYTES", 1000)
    row = m.measure_file(_save(tmp_path, "big.png", np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8)))
    assert "over the 0 MB limit" in row["error"] or "bytes is over" in row["error"]


def _jpeg_bytes() -> bytes:
    import io

    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (128, 128, 3), np.uint8)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("mode", ["CMYK", "I;16", "P+transparency", "LA", "RGBA", "1", "F"])
def test_unusual_modes_are_converted_and_measured(tmp_path, mode):
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[:, 32:] = 200
    im = Image.fromarray(rgb)
    if mode == "CMYK":
        path = tmp_path / "c.jpg"
        im.convert("CMYK").save(path)
    elif mode == "I;16":
        path = tmp_path / "g16.png"
        Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(path)
    elif mode == "P+transparency":
        path = tmp_path / "p.png"
        im.convert("P").save(path, transparency=0)
    elif mode == "F":
        path = tmp_path / "f.tif"
        Image.fromarray(rgb[..., 0].astype(np.float32) / 255).save(path)
    else:
        path = tmp_path / f"m{len(mode)}.png"
        im.convert(mode).save(path)
    row = measure_file(str(path))
    assert row.get("error") is None, row
    assert 0 <= row["brightness"] <= 1
    if mode in ("CMYK", "I;16", "LA", "F"):  # half black, half level 200 ("1" is dithered, so not exact)
        assert row["brightness"] == pytest.approx(100 / 255, abs=0.02)
