"""Reads served from memory for a moment: a completed ingest shows at once, another process's
write within the cache's seconds, and each session still gets its own CSRF token."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

import tripwire
from tests.realdata import flights
from tripwire.server.app import create_app
from tripwire.server.readcache import CSRF_SLOT, ReadCache

BASE = "http://127.0.0.1"
TOKEN = "test-token-0123456789abcdef"


def test_cache_serves_until_invalidated_or_stale():
    cache, calls = ReadCache(seconds=60), []

    def compute():
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute) == 1 and cache.get("k", compute) == 1
    cache.invalidate()
    assert cache.get("k", compute) == 2
    short = ReadCache(seconds=0.05)
    assert short.get("k", compute) == 3
    time.sleep(0.1)
    assert short.get("k", compute) == 4
    assert ReadCache(seconds=0).get("k", compute) == 5  # 0 turns the cache off


def test_an_ingest_shows_at_once_and_other_writers_within_the_ttl(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("TRIPWIRE_READ_CACHE_SECONDS", "0.3")
    client = TestClient(create_app(url), base_url=BASE)
    prof = tripwire.profile(flights().head(2_000))
    assert client.post("/api/datasets/d/ingest", json={"profile": prof.to_dict()}).status_code == 200
    assert len(client.get("/api/datasets/d/batches").json()) == 1
    assert client.post("/api/datasets/d/ingest", json={"profile": prof.to_dict()}).status_code == 200
    assert len(client.get("/api/datasets/d/batches").json()) == 2  # this server's ingest: seen at once
    tripwire.log(flights().head(2_000), "d", store=url)  # another writer of the same store
    time.sleep(0.4)
    assert len(client.get("/api/datasets/d/batches").json()) == 3  # seen once the cached read is stale


def test_cached_pages_carry_each_sessions_own_csrf_token(store_url):
    app, tokens = create_app(store_url, token=TOKEN), []
    for _ in range(2):  # two browsers on one server: the second page comes from the cache
        client = TestClient(app, base_url=BASE)
        assert client.post("/login", data={"password": TOKEN}, follow_redirects=False).status_code == 303
        page = client.get("/").text
        assert CSRF_SLOT not in page
        tokens.append(re.search(r'name="csrf" value="([^"]+)"', page).group(1))
    assert tokens[0] != tokens[1]


def test_bad_settings_stop_the_server_at_start_in_one_line(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    for name, value in (("TRIPWIRE_READ_CACHE_SECONDS", "soon"), ("TRIPWIRE_INGEST_WORKERS", "0")):
        env = {**os.environ, name: value}
        proc = subprocess.run([sys.executable, "-m", "tripwire", "serve", "--store", f"sqlite:///{tmp_path}/h.db",
                               "--port", "0"], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 2 and name in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
