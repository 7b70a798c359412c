"""Who may read and who may write: the token, login sessions, CSRF tokens and origin checks.

Reads need the bearer token or a session cookie (when the server has a token). Writes also
refuse any request a browser marks as coming from another origin (`Origin`, `Sec-Fetch-Site`),
on a tokenless local server too; with a session they need the session's CSRF token, since a
cookie alone is what a forged request would carry. API writes must be JSON, which a page on
another origin cannot send without a CORS preflight this server never grants.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tripwire.server.limits import SAFE_METHODS
from tripwire.server.responses import send_error, wants_json
from tripwire.server.security import COOKIE, token_matches
from tripwire.server.sessions import Session, Sessions

PUBLIC = ("/login", "/healthz")
CSRF_HEADER = b"x-csrf-token"
CSRF_FIELD = "csrf"


def cross_origin(headers: dict[bytes, str]) -> str | None:
    """Return why a write looks sent by a page of another origin, or None.

    `Sec-Fetch-Site`, which pages cannot set, decides when the browser sends it; an `Origin`
    must then match the Host, except "null", which Chromium sends for the dashboard's own
    forms under `Referrer-Policy: no-referrer`. Without `Sec-Fetch-Site` (older browsers) the
    `Origin` must match the Host exactly. A request with neither is not from a browser page.
    """
    site = headers.get(b"sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"a write from another site (Sec-Fetch-Site: {site})"
    origin = headers.get(b"origin")
    if origin is None or (origin == "null" and site is not None):
        return None
    try:
        netloc = urlsplit(origin).netloc.lower() if origin != "null" else None
    except ValueError:
        netloc = None
    if netloc is None or netloc != headers.get(b"host", "").lower():
        return f"a write from another origin ({origin[:100]})"
    return None


class Access:
    """ASGI middleware deciding from the headers alone, before the body is read."""

    def __init__(self, app: Any, *, token: str | None, sessions: Sessions) -> None:
        self.app = app
        self.token = token
        self.sessions = sessions

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path, write = scope["path"], scope["method"] not in SAFE_METHODS
        if write:
            why = cross_origin(headers)
            if why:
                return await send_error(send, path, 403, f"refused {why}")
            ctype = headers.get(b"content-type", "").split(";")[0].strip().lower()
            if wants_json(path) and ctype != "application/json":
                return await send_error(send, path, 415, "API writes must be sent as Content-Type: application/json")
        session = self.sessions.get(_cookie(headers, COOKIE))
        scope["tripwire.session"] = session
        if self.token is None or path in PUBLIC:
            return await self.app(scope, receive, send)
        auth = headers.get(b"authorization", "")
        if auth.lower().startswith("bearer "):
            if token_matches(auth[7:].strip(), self.token):
                return await self.app(scope, receive, send)
            return await send_error(send, path, 401, "unauthorized: that bearer token is not right")
        if session is None:
            if wants_json(path) or write:
                return await send_error(send, path, 401, "unauthorized: send Authorization: Bearer TOKEN")
            return await _redirect(send, "/login")
        if write:
            given = headers.get(CSRF_HEADER)
            if given is None and headers.get(b"content-type", "").startswith("application/x-www-form-urlencoded"):
                scope["tripwire.csrf_form"] = session  # checked by FormCsrf once the body is read
            elif not session.csrf_matches(given):
                return await send_error(send, path, 403, "a write with the login cookie needs the session's "
                                                         "CSRF token (X-CSRF-Token), or use the bearer token")
        return await self.app(scope, receive, send)


class FormCsrf:
    """ASGI middleware after the body is read: check the CSRF field of a form posted with a session."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        session: Session | None = scope.get("tripwire.csrf_form")
        if session is not None:
            form = parse_qs(scope.get("tripwire.body", b"").decode("utf-8", "replace"))
            if not session.csrf_matches(form.get(CSRF_FIELD, [None])[0]):
                return await send_error(send, scope["path"], 403, "this form is missing the session's CSRF token; "
                                                                  "reload the page and try again")
        return await self.app(scope, receive, send)


def _cookie(headers: dict[bytes, str], name: str) -> str | None:
    for part in headers.get(b"cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _redirect(send: Any, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
