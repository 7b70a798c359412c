"""The dashboard's pages, JSON API, ingest endpoint and security, through the test client."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import TOKEN
from tripwire.errors import UsageError
from tripwire.server.app import create_app
from tripwire.server.security import require_token_off_loopback

NAME = "nyc <flights>"
BASE = "http://127.0.0.1:8765"


@pytest.fixture
def client(store_url):
    return TestClient(create_app(store_url), base_url=BASE, raise_server_exceptions=False)


def test_pages_render_and_escape(client):
    home = client.get("/")
    assert home.status_code == 200 and "nyc &lt;flights&gt;" in home.text and "<flights>" not in home.text
    page = client.get("/datasets/nyc <flights>")
    assert page.status_code == 200 and page.text.count("<svg") >= 7
    assert "<script" not in page.text
    batches = client.get(f"/api/datasets/{NAME}/batches").json()
    assert len(batches) == 7
    broken = batches[5]["id"]
    batch = client.get(f"/batches/{broken}")
    assert "schema.type_mismatch" in batch.text and "<script>window" not in batch.text
    report = client.get(f"/batches/{broken}/report")
    assert report.status_code == 200 and report.text.count("<script") == 1
    assert client.get("/alerts").status_code == 200
    assert "delay" in client.get("/lineage/delay").text


def test_api(client):
    names = [d["name"] for d in client.get("/api/datasets").json()]
    assert names == [NAME]
    series = client.get(f"/api/datasets/{NAME}/series", params={"metric": "null_share", "column": "dep_delay"}).json()
    assert len(series) == 7 and all(0 <= p["value"] < 1 for p in series)
    rows = client.get(f"/api/datasets/{NAME}/series", params={"metric": "rows"}).json()
    assert [p["value"] for p in rows][:2] == [842, 943]
    batch_id = rows[-1]["batch_id"]
    assert client.get(f"/api/batches/{batch_id}").json()["command"] == "log"
    assert client.get(f"/api/batches/{batch_id}/profile").json()["format"] == "tripwire-profile"
    assert client.get("/api/lineage/delay@1").json()["seen"]
    assert "GET /api/datasets" in client.get("/api").json()["endpoints"]


def test_errors_are_json_without_stack_traces(client):
    r = client.get("/api/batches/99999")
    assert r.status_code == 404 and r.json() == {"error": "no batch 99999 in the store"}
    r = client.get(f"/api/datasets/{NAME}/series", params={"metric": "nope"})
    assert r.status_code == 400 and "Traceback" not in r.text
    r = client.get("/api/datasets/x/series")
    assert r.status_code == 422 and "error" in r.json()


def test_ingest_a_profile_computed_elsewhere(tmp_path, store_url, monkeypatch):
    import tripwire
    from tests.realdata import flights

    config = tmp_path / "config"
    config.mkdir()
    (config / "ingested.contract.yaml").write_text("columns: {distance: {max: 3000}}\n")
    (config / "alerts.yaml").write_text("- {name: errors, when: {metric: errors, above: 0}, notify: [webhook]}\n")
    monkeypatch.setenv("TRIPWIRE_WEBHOOK_URL", "http://127.0.0.1:9/none")
    monkeypatch.setenv("TRIPWIRE_ALERT_RETRIES", "1")
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'h.db'}", config_dir=config), base_url=BASE)
    prof = tripwire.profile(flights().head(5_000))
    r = client.post("/api/datasets/ingested/ingest", json={"profile": prof.to_dict(), "source": "spark"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["summary"]["error"] == 1  # distance reaches 4,983 miles
    assert body["alerts"] == [{"rule": "errors", "notifier": "webhook", "ok": False}]
    stored = client.get(f"/api/batches/{body['batch_id']}").json()
    assert any(f["code"] == "data.out_of_range" for f in stored["findings"])
    assert client.get("/api/alerts", params={"status": "failed"}).json()[0]["rule"] == "errors"
    bad = client.post("/api/datasets/ingested/ingest", json={"profile": {"format": "nope"}})
    assert bad.status_code == 422 and bad.json()["error"].startswith("profile.format: must be one of")


def test_token_required_everywhere_when_set(store_url):
    client = TestClient(create_app(store_url, token=TOKEN), base_url=BASE, follow_redirects=False)
    assert client.get("/api/datasets").status_code == 401
    assert client.get("/api/datasets", headers={"Authorization": "Bearer wrong-token-value-xx"}).status_code == 401
    assert client.get("/api/datasets", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/").status_code == 303  # pages send the browser to the login form
    assert client.post("/login", data={"password": "nope"}).status_code == 401
    login = client.post("/login", data={"password": TOKEN})
    assert login.status_code == 303 and "httponly" in login.headers["set-cookie"].lower()
    assert client.get("/").status_code == 200  # the cookie now opens the pages
    assert TOKEN not in login.headers["set-cookie"]  # the cookie holds a session id, not the token
    # the cookie alone does not make a write: that needs the session's CSRF token
    assert client.post(f"/api/datasets/{NAME}/ingest", json={}).status_code == 403


def test_body_size_limit(store_url):
    client = TestClient(create_app(store_url), base_url=BASE)
    big = b"{" + b" " * (33 * 1024 * 1024) + b"}"
    r = client.post("/api/datasets/x/ingest", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_refuses_to_listen_beyond_loopback_without_token():
    with pytest.raises(UsageError, match="TRIPWIRE_TOKEN"):
        require_token_off_loopback("0.0.0.0", None)
    with pytest.raises(UsageError, match="too short"):
        require_token_off_loopback("0.0.0.0", "short")
    require_token_off_loopback("127.0.0.1", None)
    require_token_off_loopback("0.0.0.0", TOKEN)


def test_serve_cli_refuses_public_bind(tmp_path):
    from tests.cli.test_cli import assert_one_line_error, run

    assert_one_line_error(run("serve", "--host", "0.0.0.0", "--store", f"sqlite:///{tmp_path}/h.db"),
                          "TRIPWIRE_TOKEN")


def test_openapi_is_served_locally(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/datasets" in spec["paths"]
    assert json.dumps(spec).count("cdn") == 0
