"""The images report in a real headless Chromium: thumbnails of the worst images show, hostile
file names stay text, and every property's distribution is drawn against the reference."""

from __future__ import annotations

import numpy as np
import pytest

from tests.html.test_browser import browser  # noqa: F401  (the module's Chromium fixture)

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

HOSTILE = "<img src=x onerror=\"document.body.setAttribute('data-pwned-name','1')\">"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from tripwire.run import scan_images

    root = tmp_path_factory.mktemp("imgs")
    rng = np.random.default_rng(0)
    for folder in ("train", "new"):
        (root / folder).mkdir()
        for i in range(20):
            a = rng.integers(40, 210, (60, 80, 3), dtype=np.uint8)
            Image.fromarray(a).save(root / folder / f"{folder}_{i:02d}.png")
    for i in range(4):
        a = rng.integers(0, 25, (60, 80, 3), dtype=np.uint8)
        Image.fromarray(a).save(root / "new" / f"{HOSTILE}{i}.png")
    return scan_images(root / "new", root / "train", workers=1)


def test_the_report_names_the_dark_images_by_their_hostile_names_as_text(report):
    dark = report.by_code("image.dark")[0]
    assert dark.evidence["count"] == 4 and HOSTILE in dark.title
    shown = report.extra["image_thumbnails"][f"image.dark|{dark.title}"]
    assert sorted(t["name"] for t in shown) == [f"{HOSTILE}{i}.png" for i in range(4)]  # darkest first
    assert all(t["uri"].startswith("data:image/jpeg;base64,") for t in shown)
    html = report.to_html()
    assert HOSTILE not in html and "&lt;img src=x onerror=" in html


def test_thumbnails_load_and_nothing_runs_in_chromium(browser, report, tmp_path):  # noqa: F811
    page_file = tmp_path / "images.html"
    page_file.write_text(report.to_html(), encoding="utf-8")
    page = browser.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    widths = page.evaluate("Array.from(document.querySelectorAll('.thumbs img')).map(i => i.naturalWidth)")
    alts = page.evaluate("Array.from(document.querySelectorAll('.thumbs img')).map(i => i.alt)")
    pwned = page.evaluate("Array.from(document.body.attributes).map(a => a.name)"
                          ".filter(n => n.startsWith('data-pwned'))")
    charts = page.evaluate("['brightness', 'sharpness', 'glare'].map(c => "
                           "document.querySelectorAll(`.col[data-col='${c}'] svg`).length)")
    page.close()
    assert errors == [] and pwned == []
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    assert len(widths) >= 4 and all(w > 0 for w in widths)  # every thumbnail decoded
    assert f"{HOSTILE}0.png" in alts
    assert all(n >= 1 for n in charts)  # each property's distribution, drawn against the reference
