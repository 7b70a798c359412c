"""The dashboard: server-rendered pages and a JSON API over the history store (FastAPI).

Every request passes, outermost first: `Shield` (security headers, Host check, no crash
without an answer), `Access` (token, session, origin and content-type checks, from the
headers alone), `RequestLimits` (body read and capped per route, time bounded) and
`FormCsrf`. An ingest (parsing, validation, scans, the store write, alert delivery) runs in
a worker process (`worker.py`), and page reads in the server's thread pool, so the event
loop only moves bytes and a big ingest or a slow alert receiver never delays a page.

No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at
definition time, and `Request` is imported inside `create_app` (FastAPI is an optional extra).
"""

import base64
import hashlib
import json
import re
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from tripwire.errors import TripwireError
from tripwire.extras import require
from tripwire.server.errors import status_of
from tripwire.server.headers import LOCAL_NAMES
from tripwire.server.limits import MAX_BODY, SMALL_BODY
from tripwire.server.lookup import require_batch, require_dataset
from tripwire.server.security import COOKIE, token_matches
from tripwire.server.sessions import SESSION_SECONDS, Sessions

_INGEST = re.compile(r"^/api/datasets/.+/ingest$", re.S)


def allowed_host_names(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Return the Host names the server answers to: the loopback names, the bound address,
    and `extra`; bound to every interface, also this machine's own names."""
    names = set(LOCAL_NAMES) | {h.strip().lower().strip("[]") for h in extra if h.strip()}
    if host in ("0.0.0.0", "::", ""):
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    else:
        names.add(host.lower().strip("[]"))
    return frozenset(names)


def create_app(store_url: str | None = None, *, token: str | None = None, config_dir: str | Path | None = None,
               secure_cookie: bool = False, host: str = "127.0.0.1", allow_hosts: Iterable[str] = (),
               max_body: int = MAX_BODY, small_body: int = SMALL_BODY) -> Any:
    """Build the FastAPI app. `config_dir` may hold `NAME.contract.yaml` and `alerts.yaml`,
    applied to profiles posted to the ingest endpoint. The app answers only to the Host
    names of `allowed_host_names(host, allow_hosts)`."""
    fastapi = require("fastapi", "The dashboard")
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.exceptions import HTTPException

    from tripwire.server import pages
    from tripwire.server.auth import Access, FormCsrf
    from tripwire.server.headers import Shield
    from tripwire.server.limits import RequestLimits
    from tripwire.server.readcache import ReadCache
    from tripwire.server.responses import wants_json
    from tripwire.server.worker import worker_count
    from tripwire.store import Store
    from tripwire.store.names import check_dataset_name

    worker_count()  # a bad $TRIPWIRE_INGEST_WORKERS stops the server at start, not its first ingest
    store = Store(store_url)
    reads = ReadCache()
    sessions = Sessions()
    app = FastAPI(title="tripwire", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    config = Path(config_dir) if config_dir else None
    # add_middleware puts each new one outside the previous: this reads innermost first
    app.add_middleware(FormCsrf)
    app.add_middleware(RequestLimits, is_upload=lambda path: bool(_INGEST.match(path)),
                       max_body=max_body, small_body=small_body)
    app.add_middleware(Access, token=token, sessions=sessions)
    app.add_middleware(Shield, allowed_hosts=allowed_host_names(host, allow_hosts))

    def csrf(request: Request) -> str | None:
        session = request.scope.get("tripwire.session")
        return session.csrf if session is not None else None

    # ---- errors, mapped by type ----------------------------------------------------------------
    def failure(request: Request, status: int, message: str) -> Response:
        if wants_json(request.url.path):
            return JSONResponse({"error": message}, status_code=status)
        return HTMLResponse(pages.error(status, message, csrf(request)), status_code=status)

    @app.exception_handler(TripwireError)
    async def known(request: Request, exc: TripwireError) -> Response:
        return failure(request, status_of(exc), str(exc))

    @app.exception_handler(pages.CannotShow)
    async def cannot_show(request: Request, exc: Exception) -> Response:
        return failure(request, 422, f"cannot show this batch: {exc}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = {404: f"no page at {request.url.path}", 405: f"{request.method} is not allowed here"}.get(
            exc.status_code, str(exc.detail))
        return failure(request, exc.status_code, message)

    @app.exception_handler(fastapi.exceptions.RequestValidationError)
    async def invalid(request: Request, exc: Exception) -> Response:
        detail = json.loads(json.dumps(exc.errors(), default=str))
        if not wants_json(request.url.path):
            return failure(request, 422, "invalid request: " + "; ".join(
                f"{'.'.join(map(str, d.get('loc', ())))}: {d.get('msg', '')}" for d in detail))
        return JSONResponse({"error": "invalid request", "detail": detail}, status_code=422)

    # ---- login ---------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_form() -> str:
        return pages.login()

    @app.post("/login")
    async def login(request: Request) -> Response:
        # a plain urlencoded form, parsed here so the server needs no multipart package
        form = parse_qs(request.scope.get("tripwire.body", b"").decode("utf-8", "replace"))
        if not token or not token_matches(form.get("password", [""])[0], token):
            return HTMLResponse(pages.login(error=bool(token)), status_code=401)
        session = sessions.create()
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict", secure=secure_cookie,
                        max_age=SESSION_SECONDS, path="/")
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        session = request.scope.get("tripwire.session")
        sessions.delete(session.sid if session is not None else None)
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookie)
        return resp

    # ---- pages ---------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> str:
        return reads.page("home", csrf(request), lambda token: pages.datasets(store.datasets(), token))

    @app.get("/datasets/{name:path}", response_class=HTMLResponse)
    def dataset_page(request: Request, name: str, column: str | None = None) -> str:
        return reads.page(("dataset", name, column), csrf(request),
                          lambda token: pages.dataset(store, name, column, token))

    @app.get("/batches/{batch_id}", response_class=HTMLResponse)
    def batch_page(request: Request, batch_id: int) -> str:
        return pages.batch(store, batch_id, csrf(request))

    @app.get("/batches/{batch_id}/report", response_class=HTMLResponse)
    def batch_report(batch_id: int) -> Response:
        html = pages.batch_report(store, batch_id)
        return HTMLResponse(html, headers={"Content-Security-Policy": _report_csp()})

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts_page(request: Request) -> str:
        return reads.page("alerts", csrf(request), lambda token: pages.alerts(store.alerts(), token))

    @app.get("/lineage/{model:path}", response_class=HTMLResponse)
    def lineage_page(request: Request, model: str) -> str:
        return pages.lineage(store.lineage(model), model, csrf(request))

    @app.get("/models", response_class=HTMLResponse)
    def models_page(request: Request) -> str:
        return reads.page("models", csrf(request), lambda token: pages.models(store, token))

    @app.get("/models/{model:path}", response_class=HTMLResponse)
    def model_page(request: Request, model: str) -> str:
        return reads.page(("model", model), csrf(request), lambda token: pages.model(store, model, token))

    # ---- API -------------------------------------------------------------------------------------
    @app.get("/api")
    def endpoints() -> dict[str, list[str]]:
        return {"endpoints": sorted({f"{sorted(r.methods)[0]} {r.path}" for r in app.routes
                                     if hasattr(r, "methods") and r.path.startswith("/api")})}

    @app.get("/api/datasets")
    def api_datasets() -> list[dict[str, Any]]:
        return reads.get("api/datasets", lambda: _jsonable(store.datasets()))

    @app.get("/api/datasets/{name:path}/batches")
    def api_batches(name: str, limit: int = 100) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            require_dataset(store, name)
            return _jsonable(store.batches(name, limit))
        return reads.get(("api/batches", name, limit), read)

    @app.get("/api/datasets/{name:path}/series")
    def api_series(name: str, metric: str, column: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            require_dataset(store, name)
            return [{"batch_id": b, "logged_at": t.isoformat(), "value": v}
                    for b, t, v in store.series(name, metric, column, limit)]
        return reads.get(("api/series", name, metric, column, limit), read)

    @app.get("/api/datasets/{name:path}/findings")
    def api_findings(name: str) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            require_dataset(store, name)
            return _jsonable(store.findings(name))
        return reads.get(("api/findings", name), read)

    @app.get("/api/batches/{batch_id}")
    def api_batch(batch_id: int) -> dict[str, Any]:
        require_batch(store, batch_id)
        return pages.load_report(store, batch_id).to_dict()

    @app.get("/api/batches/{batch_id}/profile")
    def api_profile(batch_id: int) -> dict[str, Any]:
        require_batch(store, batch_id)
        return pages.load_profile(store, batch_id).to_dict()

    @app.get("/api/alerts")
    def api_alerts(dataset: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return reads.get(("api/alerts", dataset, status), lambda: _jsonable(store.alerts(dataset, status)))

    @app.get("/api/lineage/{model:path}")
    def api_lineage(model: str) -> dict[str, Any]:
        return _jsonable(store.lineage(model))

    @app.post("/api/datasets/{name:path}/ingest")
    async def ingest(name: str, request: Request) -> dict[str, Any]:
        from tripwire.server import worker

        check_dataset_name(name)
        try:
            return await worker.ingest(store.url, name, request.scope.get("tripwire.body", b""), config)
        finally:
            reads.invalidate()  # stored or not, the next read sees the store as it is now

    return app


@cache
def _report_csp() -> str:
    """Return the CSP of the full report page: only the report's own script may run."""
    from tripwire.report import DatasetInfo, Report

    html = Report(command="profile", dataset=DatasetInfo("x", 0, 0)).to_html()
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    allowed = hashes or "'none'"
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {allowed}; "
            "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
