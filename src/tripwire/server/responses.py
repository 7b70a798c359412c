"""Answer a request from inside an ASGI middleware: JSON for the API, a short page otherwise."""

from __future__ import annotations

import json
from html import escape
from typing import Any

Send = Any


def wants_json(path: str) -> bool:
    """Tell whether a path is part of the JSON API (errors there are JSON)."""
    return path == "/api" or path.startswith("/api/")


def error_page(status: int, message: str) -> str:
    """Return a one-line error page (no template: it must work when everything else failed)."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>tripwire · {status}</title></head><body style=\"font:14px system-ui,sans-serif;margin:28px\">"
            f"<h1 style=\"font-size:18px\">{status}</h1><p>{escape(message)}</p>"
            "<p><a href=\"/\">all datasets</a></p></body></html>")


async def send_error(send: Send, path: str, status: int, message: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send a whole error response: `{"error": message}` on the API, else an HTML page."""
    if wants_json(path):
        body, ctype = json.dumps({"error": message}).encode(), b"application/json"
    else:
        body, ctype = error_page(status, message).encode(), b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
