"""The server refuses forged writes, wrong Hosts, oversized and endless bodies, and answers
everything with security headers; names with '/' route and link; error pages are pages."""

from __future__ import annotations

import json
import re
import socket

import pytest
from fastapi.testclient import TestClient

import tripwire
from tests.realdata import flights
from tests.server.conftest import TOKEN, serve
from tripwire.server.app import create_app

BASE = "http://127.0.0.1:8765"
SELF = {"Origin": BASE, "Sec-Fetch-Site": "same-origin"}
OTHER_ORIGINS = ["http://127.0.0.1:9999", "http://evil.example", "null"]


@pytest.fixture(scope="module")
def profile_body() -> dict:
    return {"profile": json.loads(tripwire.profile(flights().head(300), sample_rows=10).to_json())}


@pytest.fixture
def local(tmp_path):
    """A tokenless local server's app."""
    return TestClient(create_app(f"sqlite:///{tmp_path / 'h.db'}"), base_url=BASE, follow_redirects=False,
                      raise_server_exceptions=False)


@pytest.fixture
def guarded(tmp_path):
    """A token server's app."""
    return TestClient(create_app(f"sqlite:///{tmp_path / 'h.db'}", token=TOKEN), base_url=BASE,
                      follow_redirects=False, raise_server_exceptions=False)


def login(client: TestClient) -> str:
    """Log in with the token; return the session's CSRF token from the page's logout form."""
    assert client.post("/login", data={"password": TOKEN}).status_code == 303
    page = client.get("/")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


# ---- forged writes -------------------------------------------------------------------------
@pytest.mark.parametrize("origin", OTHER_ORIGINS)
def test_tokenless_server_refuses_writes_from_other_origins(local, profile_body, origin):
    r = local.post("/api/datasets/d/ingest", json=profile_body, headers={"Origin": origin})
    assert r.status_code == 403 and "another origin" in r.json()["error"]
    assert local.get("/api/datasets").json() == []


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_writes_marked_by_the_browser_as_from_another_site_are_refused(local, profile_body, site):
    # same-site: a page on another port of 127.0.0.1
    r = local.post("/api/datasets/d/ingest", json=profile_body, headers={"Sec-Fetch-Site": site, "Origin": "null"})
    assert r.status_code == 403 and site in r.json()["error"]


def test_a_json_write_must_say_it_is_json(local, profile_body):
    # a cross-origin <form> or no-cors fetch can only send text/plain or form types
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": ctype} if ctype else {}
        r = local.post("/api/datasets/d/ingest", content=json.dumps(profile_body), headers=headers)
        assert r.status_code == 415, ctype
    assert local.get("/api/datasets").json() == []


def test_tokenless_server_takes_writes_from_itself_and_from_scripts(local, profile_body):
    assert local.post("/api/datasets/d/ingest", json=profile_body, headers=SELF).status_code == 200
    assert local.post("/api/datasets/d/ingest", json=profile_body).status_code == 200  # curl sends no Origin
    assert len(local.get("/api/datasets/d/batches").json()) == 2


def test_the_login_cookie_is_a_session_id_and_needs_csrf_to_write(guarded, profile_body):
    r = guarded.post("/login", data={"password": TOKEN})
    cookie = r.headers["set-cookie"]
    assert TOKEN not in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    csrf = re.search(r'name="csrf" value="([^"]+)"', guarded.get("/").text).group(1)
    url = "/api/datasets/d/ingest"
    assert guarded.post(url, json=profile_body).status_code == 403  # the cookie alone
    assert guarded.post(url, json=profile_body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    for origin in OTHER_ORIGINS:  # even with the right CSRF token
        r = guarded.post(url, json=profile_body, headers={"X-CSRF-Token": csrf, "Origin": origin})
        assert r.status_code == 403
    assert guarded.post(url, json=profile_body, headers={"X-CSRF-Token": csrf, **SELF}).status_code == 200
    assert len(guarded.get("/api/datasets/d/batches").json()) == 1


def test_bearer_token_writes_but_not_from_another_origin(guarded, profile_body):
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    url = "/api/datasets/d/ingest"
    assert guarded.post(url, json=profile_body).status_code == 401
    assert guarded.post(url, json=profile_body, headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    for origin in OTHER_ORIGINS:
        assert guarded.post(url, json=profile_body, headers={**bearer, "Origin": origin}).status_code == 403
    assert guarded.post(url, json=profile_body, headers=bearer).status_code == 200


def test_login_from_another_origin_is_refused(guarded):
    for origin in OTHER_ORIGINS:
        r = guarded.post("/login", data={"password": TOKEN}, headers={"Origin": origin})
        assert r.status_code == 403 and "set-cookie" not in r.headers


def test_logout_needs_the_form_csrf_and_ends_the_session(guarded):
    csrf = login(guarded)
    assert guarded.post("/logout", data={}).status_code == 403
    assert guarded.post("/logout", data={"csrf": csrf}, headers={"Origin": "http://evil.example"}).status_code == 403
    sid = guarded.cookies.get("tripwire_session")
    r = guarded.post("/logout", data={"csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    guarded.cookies.set("tripwire_session", sid)  # the old id is dead on the server
    assert guarded.get("/").status_code == 303
    assert guarded.get("/api/datasets").status_code == 401


# ---- Host, headers, error pages ----------------------------------------------------------------
def test_host_header_is_checked(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'h.db'}", allow_hosts=["dash.example.org"])
    for host, status in (("127.0.0.1:8765", 200), ("localhost", 200), ("[::1]:8765", 200),
                         ("dash.example.org", 200), ("evil.example", 400), ("127.0.0.1.evil.example", 400), ("", 400)):
        r = TestClient(app, base_url="http://placeholder").get("/api/datasets", headers={"Host": host})
        assert r.status_code == status, host
        assert r.headers["x-frame-options"] == "DENY"


def test_security_headers_on_every_response(local, profile_body):
    local.post("/api/datasets/d/ingest", json=profile_body)
    batch = local.get("/api/datasets/d/batches").json()[0]["id"]
    responses = [local.get(u) for u in ("/", "/datasets/d", f"/batches/{batch}", f"/batches/{batch}/report",
                                        "/api/datasets", "/nowhere", "/api/nowhere", "/login", "/alerts")]
    responses.append(local.post("/api/datasets/d/ingest", content=b"x" * 100, headers={"Content-Length": str(10**9)}))
    responses.append(local.post("/login", content=b"password=" + b"x" * 100_000))
    for r in responses:
        assert r.headers["x-frame-options"] == "DENY", r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "connect-src" not in csp
    report_csp = responses[3].headers["content-security-policy"]
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+';", report_csp)  # only the report's own script
    assert "script-src 'none'" in responses[0].headers["content-security-policy"]


def test_not_found_is_a_page_for_people_and_json_for_the_api(local):
    page = local.get("/nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no page at /nowhere" in page.text and "<h1>404</h1>" in page.text
    api = local.get("/api/nowhere")
    assert api.status_code == 404 and api.json() == {"error": "no page at /api/nowhere"}
    missing = local.get("/datasets/nothing-here")
    assert missing.status_code == 404 and "no dataset &#39;nothing-here&#39;" in missing.text
    assert local.get("/api/datasets/nothing-here/batches").json() == {"error": "no dataset 'nothing-here' in the store"}
    assert local.get("/batches/12345").status_code == 404


def test_an_internal_error_is_a_500_without_a_trace(local, monkeypatch):
    from tripwire.store import Store

    monkeypatch.setattr(Store, "datasets", lambda self: 1 / 0)
    r = local.get("/api/datasets")
    assert r.status_code == 500 and r.json() == {"error": "internal error; see the server log"}
    assert r.headers["x-frame-options"] == "DENY"


# ---- dataset names ---------------------------------------------------------------------------------
def test_names_with_slashes_route_and_link(local, profile_body):
    for path in ("team/orders", "a%2F..%2Fb", "x%3Fy%23z"):
        assert local.post(f"/api/datasets/{path}/ingest", json=profile_body).status_code == 200, path
    names = [d["name"] for d in local.get("/api/datasets").json()]
    assert sorted(names) == ["a/../b", "team/orders", "x?y#z"]
    home = local.get("/").text
    for name, href in (("team/orders", "team%2Forders"), ("a/../b", "a%2F..%2Fb"), ("x?y#z", "x%3Fy%23z")):
        assert f'href="/datasets/{href}"' in home
        page = local.get(f"/datasets/{href}")
        assert page.status_code == 200 and f"<h1>{name}</h1>" in page.text
        assert local.get(f"/api/datasets/{href}/batches").status_code == 200


@pytest.mark.parametrize(("name", "problem"), [
    ("x" * 201, "201 characters long (at most 200)"),
    ("bad%09name", "control character U+0009"),
    ("bad%0Dname", "control character U+000D"),
    ("bad%00name", "control character U+0000"),
    ("rtl%E2%80%AEname", "control character U+202E"),
    ("%20padded", "cannot be used in a URL"),
])
def test_bad_dataset_names_are_a_clear_422(local, profile_body, name, problem):
    r = local.post(f"/api/datasets/{name}/ingest", json=profile_body)
    assert r.status_code == 422 and problem in r.json()["error"], r.text
    assert local.get("/api/datasets").json() == []


def test_a_newline_in_a_name_matches_no_route(local, profile_body):
    assert local.post("/api/datasets/bad%0Aname/ingest", json=profile_body).status_code == 404
    assert local.get("/api/datasets").json() == []


def test_log_refuses_a_bad_name_before_storing(tmp_path):
    from tripwire.errors import InputError
    from tripwire.run import log
    from tripwire.store import Store

    store = Store(f"sqlite:///{tmp_path / 'h.db'}")
    with pytest.raises(InputError, match="control character"):
        log(flights().head(50), "bad\tname", store=store)
    assert store.datasets() == []


# ---- bodies: capped while read, chunked too -----------------------------------------------------------
def test_a_chunked_body_is_cut_at_the_cap_without_reading_the_rest(store_url):
    """Drive the app over ASGI with a body of 100,000 × 64 KB chunks and no Content-Length."""
    import asyncio

    app = create_app(store_url, token=TOKEN)
    pulled, answer = [], {}

    async def receive():
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * 65_536, "more_body": len(pulled) < 100_000}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] = answer.get("body", b"") + message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/login", "raw_path": b"/login", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8765"), (b"transfer-encoding", b"chunked"),
                         (b"content-type", b"application/x-www-form-urlencoded")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8765)}
    asyncio.run(app(scope, receive, send))
    assert answer["status"] == 413 and b"64 KB" in answer["body"]
    assert len(pulled) == 2  # the server stopped reading at the cap


def test_deep_json_is_422_before_parsing(local):
    raw = b'{"profile": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}"
    r = local.post("/api/datasets/d/ingest", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "nested 5001 levels deep" in r.json()["error"]


def test_json_depth_ignores_brackets_in_strings():
    from tripwire.server.limits import json_depth

    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}], "c": "\\"[[[["}') == 3
    assert json_depth(b'["\\\\", [[]]]') == 3
    assert json_depth(b"") == 0


def test_body_limit_on_a_live_server_under_a_chunked_flood(store_url):
    """Stream 256 MB chunked to /login of a live token server: 413 after the cap, connection closed."""
    with serve(create_app(store_url, token=TOKEN)) as base:
        port = int(base.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
        chunk = b"%x\r\n%s\r\n" % (1 << 20, b"x" * (1 << 20))
        sent = 0
        try:
            for _ in range(256):
                sock.sendall(chunk)
                sent += 1
        except OSError:  # the server answered and closed: the rest is never read
            pass
        sock.settimeout(10)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                part = sock.recv(65_536)
                if not part:
                    break
                answer += part
        except OSError:
            pass
        sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


# ---- time limits ---------------------------------------------------------------------------
def _call(app, method: str, receive) -> dict:
    import asyncio

    answer: dict = {}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {"type": "http", "method": method, "path": "/x", "headers": [(b"host", b"127.0.0.1")]}
    asyncio.run(app(scope, receive, send))
    return answer


async def _ok_app(scope, receive, send, delay: float = 0.0):
    import asyncio

    await receive()
    await asyncio.sleep(delay)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_body_that_does_not_arrive_in_time_is_408():
    import asyncio

    from tripwire.server.limits import RequestLimits

    async def trickle():
        await asyncio.sleep(0.2)
        return {"type": "http.request", "body": b"x", "more_body": True}

    app = RequestLimits(_ok_app, is_upload=lambda p: False, body_seconds=0.5)
    assert _call(app, "POST", trickle)["status"] == 408


def test_a_slow_read_is_503_but_a_slow_write_is_not_cut():
    from functools import partial

    from tripwire.server.limits import RequestLimits

    async def empty():
        return {"type": "http.request", "body": b"", "more_body": False}

    slow = partial(_ok_app, delay=0.5)
    assert _call(RequestLimits(slow, is_upload=lambda p: False, read_seconds=0.1), "GET", empty)["status"] == 503
    assert _call(RequestLimits(slow, is_upload=lambda p: False, read_seconds=0.1), "POST", empty)["status"] == 200
