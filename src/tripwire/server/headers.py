"""Security headers on every response, the Host header checked, no error without an answer."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from tripwire.server.responses import send_error

#: no script, no network, no framing; a page that needs its own script sets a CSP with its hash
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"),
           (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin"))

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_log = logging.getLogger("tripwire.server")


def host_name(value: str | None) -> str | None:
    """Return the lower-case host name of a Host header value (port and brackets removed)."""
    if not value:
        return None
    try:
        return urlsplit("//" + value).hostname
    except ValueError:
        return None


class Shield:
    """ASGI middleware, outermost: add security headers, check Host, turn any crash into a 500.

    `allowed_hosts` None accepts any Host (tests of the app alone); the server passes the
    bound address, the loopback names and the names it was told to answer to.
    """

    def __init__(self, app: Any, *, allowed_hosts: frozenset[str] | None) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def secure(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in have]
                if b"content-security-policy" not in have:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        path = scope["path"]
        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), None)
        if self.allowed_hosts is not None and host_name(host) not in self.allowed_hosts:
            return await send_error(secure, path, 400, "this server does not answer to that Host name "
                                                      "(start it with --allow-host NAME to add one)")
        try:
            await self.app(scope, receive, secure)
        except Exception:
            _log.exception("unhandled error on %s %s", scope.get("method"), path)
            if not started:
                await send_error(secure, path, 500, "internal error; see the server log")
