"""The dashboard in Debian's headless Chromium: log in, open a dataset, see a chart, open a
batch's full report — offline, with no console error and no injected script running."""

from __future__ import annotations

import pytest

from tests.server.conftest import TOKEN, chromium_page


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with chromium_page(tmp_path_factory.mktemp("chromium")) as page:
        yield page


def test_login_dataset_chart_and_report(page, live_server, tmp_path):
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=password]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    page.click("text=nyc <flights>")
    page.wait_for_selector("svg circle")
    assert page.locator("svg").count() >= 7
    page.screenshot(path=str(tmp_path / "dataset.png"), full_page=True)
    page.locator("table a").first.click()
    page.wait_for_selector("text=full HTML report")
    page.click("text=full HTML report")
    page.wait_for_selector("#findings")
    assert page.locator("tr.finding").count() >= 1
    assert page.evaluate("window.__pwned") is None
    assert errors == []
    assert all(u.startswith(live_server) for u in requests), requests
