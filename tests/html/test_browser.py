"""The HTML report in a real headless Chromium: loads clean, stays offline, runs no injected
script, draws something, and its findings filter works.

Hostile payloads sit in every place a report shows data: the dataset and reference names,
column names, values (charts), examples, titles, fixes, notes and check names. Each payload
would set an attribute on <body> if it ran; a control page with the payloads unescaped
proves that they do run when nothing stops them.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import struct
import threading
import zlib
from pathlib import Path

import pandas as pd
import pytest

import tripwire
from tests.conftest import skip_or_fail
from tests.html.test_html_report import hostile_report
from tripwire.report import CheckResult, DatasetInfo, Finding, Report


def _mark(tag: str) -> str:
    return f"document.body.setAttribute('data-pwned-{tag}','1')"


#: each would leave data-pwned-<tag> on <body> if the browser ran it
PAYLOADS = {
    "img": f'<img src=x onerror="{_mark("img")}">',
    "attr": f'" onload="{_mark("attr")}" x="',
    "focus": f'" tabindex=1 autofocus onfocus="{_mark("focus")}" x="',
    "squote": f"' autofocus tabindex=1 onfocus='{_mark('squote')}' x='",
    "js": f"javascript:{_mark('js')}",
    "svg": f'<svg onload="{_mark("svg")}"><script>{_mark("svgscript")}</script></svg>',
    "script": f"<script>{_mark('script')}</script>",
    "title": f"</title><script>{_mark('title')}</script>",
    "toggle": f'<details open ontoggle="{_mark("toggle")}">x</details>',
    "iframe": f'<iframe srcdoc="<script>parent.{_mark("iframe")}</script>"></iframe>',
    "style": f"</style><img src=x onerror=\"{_mark('style')}\">",
    "textarea": f"</textarea></pre><img src=x onerror={_mark('textarea').replace(' ', '')}>",
}


def payload_report() -> Report:
    """Return a report whose every shown name and value is a payload."""
    values = list(PAYLOADS.values())
    n = len(values) * 20
    columns = {p: values * 20 for p in values[:6]}
    columns.update({"amount": [*range(n - 1), 10**9], "note": values * 20})
    df = pd.DataFrame(columns)
    scanned = tripwire.scan(df.iloc[n // 2:], df.iloc[: n // 2], name=values[0])
    extra = tuple(
        Finding("data.encoding", "warning", (p,), f"{p} in the title", {"examples": values, "value": p, p: p},
                fix=p, detector=p)
        for p in values)
    return Report(command="scan", dataset=DatasetInfo(values[1], n, len(columns), values[2]),
                  reference=DatasetInfo(values[3], n, len(columns)),
                  findings=(*scanned.findings, *extra),
                  checks=(*scanned.checks, *(CheckResult(p, "skipped", p) for p in values)),
                  notes=tuple(values), extra=scanned.extra)


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        skip_or_fail("needs Chromium (Debian package chromium; scripts/test installs it)")
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Serve the hostile report from 127.0.0.1 and yield its URL."""
    root = tmp_path_factory.mktemp("site")
    (root / "report.html").write_text(hostile_report().to_html(), encoding="utf-8")
    (root / "payloads.html").write_text(payload_report().to_html(), encoding="utf-8")
    (root / "profile.html").write_text(payload_report().extra["profile"]._repr_html_(), encoding="utf-8")
    control = "<!DOCTYPE html><html><body><p>control</p>" + "".join(PAYLOADS.values()) + "</body></html>"
    (root / "control.html").write_text(control, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/report.html"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("needs the playwright package (pip install 'tripwire[dev]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile), executable_path=path, args=ARGS,
                                                       viewport={"width": 1280, "height": 1000})
        yield context
        context.close()


def test_loads_without_errors_offline_and_inert(browser, served, tmp_path):
    page = browser.new_page()
    errors, requests, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served)
    page.wait_for_load_state("networkidle")
    assert errors == []
    assert all(u.startswith("http://127.0.0.1:") for u in requests), requests
    assert page.evaluate("window.__pwned") is None  # no injected script ran
    assert dialogs == []
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert _pixel_spread(shot) > 10, "the screenshot is blank"
    page.close()


def _pwned(browser, url: str) -> tuple[list[str], list[str], list[str]]:
    """Open a page; return the body's data-pwned-* attributes, page errors and requests."""
    page = browser.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: d.dismiss())
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # let focus and toggle events fire
    for frame in page.frames:  # the Jupyter view nests the report in an iframe
        if frame is not page.main_frame:
            frame.wait_for_load_state("load")
    marks = []
    for frame in page.frames:
        marks += frame.evaluate(
            "Array.from(document.body ? document.body.attributes : []).map(a => a.name)"
            ".filter(n => n.startsWith('data-pwned'))")
    page.close()
    return marks, errors, requests


def test_the_control_page_runs_the_payloads(browser, served):
    """Without escaping the payloads do run: so an empty result below means they were inert."""
    marks, _, _ = _pwned(browser, served.replace("report.html", "control.html"))
    assert {"data-pwned-img", "data-pwned-script", "data-pwned-svgscript", "data-pwned-toggle"} <= set(marks)


@pytest.mark.parametrize("page_name", ["payloads.html", "profile.html"])
def test_no_payload_runs_anywhere_in_the_report(browser, served, page_name):
    marks, errors, requests = _pwned(browser, served.replace("report.html", page_name))
    assert marks == []
    assert [e for e in errors if "Content Security Policy" not in e] == []
    assert all(u.startswith("http://127.0.0.1:") or u.startswith(("about:", "data:")) for u in requests), requests


def test_findings_filter_and_sort(browser, served):
    page = browser.new_page()
    page.goto(served)
    rows = page.locator("tr.finding")
    total = rows.count()
    assert total >= 3
    visible = lambda: page.locator("tr.finding:not(.hidden)").count()  # noqa: E731
    page.uncheck("input.sevfilter[value=info]")
    without_info = visible()
    assert without_info < total
    assert page.locator("tr.finding.hidden[data-sev=info]").count() == total - without_info
    page.check("input.sevfilter[value=info]")
    assert visible() == total
    page.fill("#findq", "email")
    assert 0 < visible() < total
    page.fill("#findq", "")
    page.click("th[data-k='1']")  # sort by code
    codes = page.locator("tr.finding td:nth-child(2)").all_inner_texts()
    assert codes == sorted(codes)
    page.close()


def _pixel_spread(png: Path) -> float:
    """Return the standard deviation of grey levels of a PNG (decoded without dependencies)."""
    import numpy as np

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, _, ctype = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    channels = {2: 3, 6: 4}[ctype]
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8)
    stride = width * channels + 1
    rows = raw[: stride * height].reshape(height, stride)[:, 1:]  # filter bytes dropped: rough, fine
    return float(rows.astype(np.float64).std())
