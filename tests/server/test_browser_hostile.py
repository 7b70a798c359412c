"""Every dashboard page and the batch report, in headless Chromium, with hostile dataset
names, column names, values, model names and alert texts: no payload runs (each would mark
<body> or set a global if it did), no console error, no request leaves the server, and the
links built from hostile names lead to their pages."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import pytest

from tests.realdata import penguins
from tests.server.conftest import TOKEN, serve


def _mark(how: str) -> str:
    return f"document.body.setAttribute('data-pwned','{how}')"


PAYLOADS = [
    f"<script>{_mark('script')}</script>",
    f"<img src=x onerror=\"{_mark('img')}\">",
    f"\" onload=\"{_mark('attr')}\" x=\"",
    f"' onmouseover='{_mark('single')}' x='",
    f"javascript:{_mark('js')}",
    f"<svg onload=\"{_mark('svg')}\"><circle r=5/></svg>",
    "</title><script>window.__pwned=1</script>",
    "<iframe srcdoc=\"<script>parent.__pwned=1</script>\"></iframe>",
    "{{7*7}}<style>body{display:none}</style>",
]
NAMES = [PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[4] + "/" + PAYLOADS[5]]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """Serve a store full of hostile names and values with a token; yield the base URL and batch ids."""

    from tripwire.run import log
    from tripwire.server.app import create_app
    from tripwire.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'h.db'}"
    store = Store(url)
    base = penguins().head(80).reset_index(drop=True)
    batch_ids = []
    for k, name in enumerate(NAMES):
        frame = base.rename(columns={"island": PAYLOADS[(k + 3) % len(PAYLOADS)], "sex": PAYLOADS[(k + 5) % len(PAYLOADS)]})
        frame["note"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(frame))]
        for day in range(2):
            part = frame.iloc[day * 40:(day + 1) * 40].reset_index(drop=True)
            done = log(part, name, store=store, model=f"{PAYLOADS[1]}@{PAYLOADS[0][:20]}",
                       reference=f"store:{name}" if day else None)
            if day == 0:
                store.set_reference(name, done.batch_id)
            batch_ids.append(done.batch_id)
        store.record_delivery(name, PAYLOADS[2], "webhook", "failed", 3, PAYLOADS[5], error=PAYLOADS[0])
    with serve(create_app(url, token=TOKEN)) as base:
        yield base, batch_ids


def test_no_hostile_value_runs_on_any_page(browser_page, hostile_server):
    base, batch_ids = hostile_server
    page = browser_page
    errors, requests = [], []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base + "/")
    page.fill("input[name=password]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    urls = ["/", "/alerts", "/login", "/nowhere" + quote(PAYLOADS[0]), "/datasets/" + quote(PAYLOADS[3], safe="")]
    for name in NAMES:
        segment = quote(name, safe="")
        urls += [f"/datasets/{segment}", f"/datasets/{segment}?column={quote(PAYLOADS[4], safe='')}",
                 f"/datasets/{segment}?column={quote(PAYLOADS[(NAMES.index(name) + 3) % len(PAYLOADS)], safe='')}"]
    for batch_id in batch_ids:
        urls += [f"/batches/{batch_id}", f"/batches/{batch_id}/report"]
    urls += ["/lineage/" + quote(PAYLOADS[1], safe=""), "/api/datasets"]
    shown = 0
    for url in urls:
        response = page.goto(base + url)
        assert response is not None and response.status in (200, 404), (url, response and response.status)
        page.mouse.move(200, 300)  # would fire an injected onmouseover
        page.mouse.move(640, 450)
        assert page.evaluate("document.body ? document.body.getAttribute('data-pwned') : null") is None, url
        assert page.evaluate("window.__pwned") is None, url
        assert page.evaluate("document.querySelectorAll('iframe, script:not([src]) ~ script, img').length") == 0, url
        shown += 1
    assert shown == len(urls) >= 20
    # the two 404 pages asked for on purpose log their status; nothing else may log an error
    unexpected = [e for e in errors if "status of 404" not in e]
    assert unexpected == [] and len(errors) <= 2, errors
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]


def test_links_built_from_hostile_names_lead_to_their_pages(browser_page, hostile_server):
    base, _ = hostile_server
    page = browser_page
    for name in NAMES:
        page.goto(base + "/")
        link = page.get_by_role("link", name=name, exact=True)
        link.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == name
        assert page.evaluate("document.body.getAttribute('data-pwned')") is None


def test_the_hostile_store_is_really_hostile(hostile_server):
    """Guard the test above: the payloads reached the store unchanged."""
    import json
    import urllib.request

    base, batch_ids = hostile_server
    req = urllib.request.Request(base + "/api/datasets", headers={"Authorization": f"Bearer {TOKEN}"})
    names = [d["name"] for d in json.loads(urllib.request.urlopen(req).read())]
    assert sorted(names) == sorted(NAMES)
    req = urllib.request.Request(f"{base}/api/batches/{batch_ids[0]}/profile", headers={"Authorization": f"Bearer {TOKEN}"})
    columns = [c["name"] for c in json.loads(urllib.request.urlopen(req).read())["columns"]]
    assert PAYLOADS[3] in columns and "note" in columns
    assert isinstance(pd.DataFrame, type)
