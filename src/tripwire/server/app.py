"""The dashboard: server-rendered pages and a JSON API over the history store (FastAPI).

No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at
definition time, and `Request` is imported inside `create_app` (FastAPI is an optional extra).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tripwire.extras import require
from tripwire.server.security import COOKIE, MAX_BODY, token_matches

PUBLIC = ("/login", "/healthz")


def create_app(store_url: str | None = None, *, token: str | None = None, config_dir: str | Path | None = None,
               secure_cookie: bool = False) -> Any:
    """Build the FastAPI app. `config_dir` may hold `NAME.contract.yaml` and `alerts.yaml`,
    applied to profiles posted to the ingest endpoint."""
    fastapi = require("fastapi", "The dashboard")
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

    from tripwire.server import pages
    from tripwire.store import Store

    store = Store(store_url)
    app = FastAPI(title="tripwire", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    config = Path(config_dir) if config_dir else None

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return JSONResponse({"error": f"request body over {MAX_BODY // 2**20} MB"}, status_code=413)
        if token and not request.url.path.startswith(PUBLIC):
            auth = request.headers.get("authorization", "")
            given = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE)
            if not token_matches(given, token):
                if request.url.path.startswith("/api/"):
                    return JSONResponse({"error": "unauthorized: send Authorization: Bearer TOKEN"},
                                        status_code=401)
                return RedirectResponse("/login", status_code=303)
        return await call_next(request)

    from tripwire.errors import TripwireError

    @app.exception_handler(TripwireError)
    async def known(request: Request, exc: TripwireError) -> JSONResponse:
        missing = str(exc).startswith(("no dataset", "no batch")) or "has no stored reference" in str(exc)
        return JSONResponse({"error": str(exc)}, status_code=404 if missing else 400)

    @app.exception_handler(Exception)
    async def unknown(request: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger("tripwire.server").exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "internal error; see the server log"}, status_code=500)

    @app.exception_handler(fastapi.exceptions.RequestValidationError)
    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": "invalid request", "detail": json.loads(json.dumps(exc.errors(), default=str))},
                            status_code=422)

    # ---- pages -------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_form() -> str:
        return pages.login()

    @app.post("/login")
    async def login(request: Request) -> Response:
        from urllib.parse import parse_qs

        # a plain urlencoded form, parsed here so the server needs no multipart package
        password = parse_qs((await request.body()).decode("utf-8", "replace")).get("password", [""])[0]
        if not token or not token_matches(password, token):
            return HTMLResponse(pages.login(error=bool(token)), status_code=401)
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure_cookie, max_age=8 * 3600)
        return resp

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return pages.datasets(store.datasets())

    @app.get("/datasets/{name}", response_class=HTMLResponse)
    def dataset_page(name: str, column: str | None = None) -> str:
        return pages.dataset(store, name, column)

    @app.get("/batches/{batch_id}", response_class=HTMLResponse)
    def batch_page(batch_id: int) -> str:
        return pages.batch(store, batch_id)

    @app.get("/batches/{batch_id}/report", response_class=HTMLResponse)
    def batch_report(batch_id: int) -> str:
        report = store.report(batch_id)
        report.extra["profile"] = store.profile(batch_id)
        return report.to_html()

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts_page() -> str:
        return pages.alerts(store.alerts())

    @app.get("/lineage/{model}", response_class=HTMLResponse)
    def lineage_page(model: str) -> str:
        return pages.lineage(store.lineage(model), model)

    # ---- API ---------------------------------------------------------------------------------
    @app.get("/api")
    def endpoints() -> dict[str, list[str]]:
        return {"endpoints": sorted({f"{sorted(r.methods)[0]} {r.path}" for r in app.routes
                                     if hasattr(r, "methods") and r.path.startswith("/api")})}

    @app.get("/api/datasets")
    def api_datasets() -> list[dict[str, Any]]:
        return _jsonable(store.datasets())

    @app.get("/api/datasets/{name}/batches")
    def api_batches(name: str, limit: int = 100) -> list[dict[str, Any]]:
        return _jsonable(store.batches(name, limit))

    @app.get("/api/datasets/{name}/series")
    def api_series(name: str, metric: str, column: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        return [{"batch_id": b, "logged_at": t.isoformat(), "value": v}
                for b, t, v in store.series(name, metric, column, limit)]

    @app.get("/api/datasets/{name}/findings")
    def api_findings(name: str) -> list[dict[str, Any]]:
        return _jsonable(store.findings(name))

    @app.get("/api/batches/{batch_id}")
    def api_batch(batch_id: int) -> dict[str, Any]:
        return store.report(batch_id).to_dict()

    @app.get("/api/batches/{batch_id}/profile")
    def api_profile(batch_id: int) -> dict[str, Any]:
        return store.profile(batch_id).to_dict()

    @app.get("/api/alerts")
    def api_alerts(dataset: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return _jsonable(store.alerts(dataset, status))

    @app.get("/api/lineage/{model}")
    def api_lineage(model: str) -> dict[str, Any]:
        return _jsonable(store.lineage(model))

    @app.post("/api/datasets/{name}/ingest")
    async def ingest(name: str, request: Request) -> dict[str, Any]:
        from tripwire.server.ingest import ingest_profile

        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON: {profile: {...}, report?: {...}}"},
                                status_code=400)
        return ingest_profile(store, name, body, config)

    return app


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
