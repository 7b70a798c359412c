"""Ingest and alert delivery run off the event loop: a webhook that hangs for 5 s does not
hold up page reads on a live server, and errors map to statuses by their type."""

from __future__ import annotations

import http.server
import json
import socket
import statistics
import threading
import time
import urllib.request

import pytest

import tripwire
from tests.realdata import flights


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def slow_webhook():
    """A webhook receiver that holds each request up to 5 s (until released); yield its URL and events."""
    entered, release = threading.Event(), threading.Event()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            entered.set()
            release.wait(5)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", entered, release
    release.set()
    server.shutdown()


def test_a_slow_alert_receiver_does_not_delay_page_reads(tmp_path, monkeypatch, slow_webhook):
    import uvicorn

    from tripwire.server.app import create_app

    url, entered, release = slow_webhook
    monkeypatch.setenv("TRIPWIRE_WEBHOOK_URL", url)
    monkeypatch.setenv("TRIPWIRE_ALERT_RETRIES", "1")
    config = tmp_path / "config"
    config.mkdir()
    (config / "alerts.yaml").write_text("- {name: any batch, when: {metric: rows, above: 0}, notify: [webhook]}\n")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(create_app(f"sqlite:///{tmp_path / 'h.db'}", config_dir=config),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    body = json.dumps({"profile": json.loads(tripwire.profile(flights().head(2_000), sample_rows=50).to_json())}).encode()

    def post() -> int:
        req = urllib.request.Request(base + "/api/datasets/d/ingest", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())["batch_id"]

    try:
        post()  # the dataset and its pages exist before the slow one
        release.set()
        entered.clear()
        release.clear()
        outcome = {}
        poster = threading.Thread(target=lambda: outcome.update(batch=post()))
        poster.start()
        assert entered.wait(30), "the ingest never reached the webhook"
        latencies = []
        for page in ("/", "/datasets/d", "/api/datasets", "/api/datasets/d/batches", "/alerts") * 3:
            t = time.perf_counter()
            with urllib.request.urlopen(base + page, timeout=5) as resp:
                assert resp.status == 200
            latencies.append(time.perf_counter() - t)
        assert poster.is_alive()  # every read was answered while the webhook still held the ingest
        release.set()
        poster.join(30)
        assert outcome["batch"] == 2
        assert statistics.median(latencies) < 0.1, latencies
    finally:
        release.set()
        server.should_exit = True
        thread.join(timeout=10)


def test_errors_map_by_type_not_by_message(tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tripwire.errors import InputError, MissingExtraError, TripwireError, UsageError
    from tripwire.server.app import create_app
    from tripwire.server.lookup import NotFound

    app: FastAPI = create_app(f"sqlite:///{tmp_path / 'h.db'}")
    cases = {"notfound": NotFound("has no stored reference"), "input": InputError("no dataset here"),
             "usage": UsageError("no batch 3"), "extra": MissingExtraError("server", "x", "y"),
             "other": TripwireError("no dataset"), "bug": KeyError("no batch")}

    @app.get("/api/raise/{kind}")
    def raiser(kind: str) -> None:
        raise cases[kind]

    client = TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False)
    got = {kind: client.get(f"/api/raise/{kind}").status_code for kind in cases}
    assert got == {"notfound": 404, "input": 422, "usage": 400, "extra": 503, "other": 400, "bug": 500}
