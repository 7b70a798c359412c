"""The model page: guard decisions over time, champion vs challenger, delayed-label and evaluate
trends — rendered in Chromium with a hostile model name that must stay text."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.realdata import flights
from tests.server.conftest import chromium_page, serve

HOSTILE = "<script>window.__pwned=1</script>"
FEATURES = ["dep_delay", "distance", "hour", "carrier", "origin"]


@pytest.fixture(scope="module")
def model_store(tmp_path_factory):
    """Serve five February days of flights through a guard named HOSTILE, log labels, evaluate twice."""
    import tripwire
    from tripwire.run import evaluate, log_labels

    df = flights()
    df = df[df.dep_delay.notna() & df.arr_delay.notna()].reset_index(drop=True)
    df["flight_id"] = df.index.astype(str)
    df["delayed"] = (df.arr_delay > 15).astype(int)
    url = f"sqlite:///{tmp_path_factory.mktemp('models') / 'h.db'}"
    clock = [datetime(2013, 2, 1, tzinfo=UTC)]

    def champion(batch):
        return (batch.dep_delay.to_numpy() > 15).astype(int)

    def challenger(batch):
        return (batch.dep_delay.to_numpy() > 5).astype(int)

    g = tripwire.guard(champion, reference=df[df.month == 1][["flight_id", *FEATURES]], store=url,
                       dataset=f"flights {HOSTILE}", model=f"{HOSTILE}@1", challenger=challenger,
                       challenger_model="loose@1", id="flight_id", fallback=0, clock=lambda: clock[0])
    served = []
    for d in (4, 5, 11, 12, 13):
        clock[0] = datetime(2013, 2, d, 12, tzinfo=UTC)
        batch = df[(df.month == 2) & (df.day == d)]
        g(batch[["flight_id", *FEATURES]].drop(columns=["hour"]) if d == 12 else batch[["flight_id", *FEATURES]])
        served.append(batch)
    assert g.flush(60)
    g.close()
    labelled = __import__("pandas").concat(served)
    log_labels(labelled[["flight_id", "delayed"]], dataset=f"flights {HOSTILE}", id="flight_id", label="delayed",
               store=url, resamples=50)
    for version, d in (("1", 4), ("2", 5)):
        batch = df[(df.month == 2) & (df.day == d)].assign(pred=lambda b: (b.dep_delay > 15).astype(int))
        evaluate(batch[["delayed", "pred", "distance"]], label="delayed", prediction="pred", model=f"{HOSTILE}@{version}",
                 store=url, resamples=50, slices=False)
    return url


@pytest.fixture(scope="module")
def client(model_store):
    from tripwire.server.app import create_app

    return TestClient(create_app(model_store), base_url="http://127.0.0.1:8765")


def test_model_page_shows_every_section_and_escapes_the_name(client):
    listing = client.get("/models")
    assert listing.status_code == 200 and HOSTILE not in listing.text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in listing.text
    page = client.get("/models/" + quote(HOSTILE, safe=""))
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert HOSTILE not in html and "&lt;script&gt;" in html
    for section in ('id="guard"', 'id="compare"', 'id="labels"', 'id="evaluate"', 'id="decisions"'):
        assert section in html, section
    assert "routed by rule: any error" in html  # the day without `hour`
    assert "accuracy_gain_of_challenger" in html and "accuracy per stored evaluation" in html
    assert html.count("<svg") >= 4


def test_unknown_model_is_a_404(client):
    assert client.get("/models/nobody").status_code == 404


@pytest.fixture(scope="module")
def live(model_store):
    from tripwire.server.app import create_app

    with serve(create_app(model_store)) as url:
        yield url


def test_model_page_in_chromium(live, tmp_path_factory):
    with chromium_page(tmp_path_factory.mktemp("chromium")) as page:
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live + "/models")
        page.click(f"text={HOSTILE}")
        page.wait_for_selector("#guard svg circle")
        assert page.locator("h1").inner_text() == f"Model {HOSTILE}"
        assert page.locator("svg").count() >= 4
        assert page.evaluate("window.__pwned") is None
        assert np.all([e == "" for e in errors]) and errors == []
