"""Bound every request in size and time, and parse JSON with a depth limit.

The body is read here, counted chunk by chunk (chunked bodies too, whatever Content-Length
says), before any route or parser sees it: past the route's cap the request is answered 413
and the rest is never read, so a 1 GB body costs no more memory than the cap.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from tripwire.errors import InputError
from tripwire.server.responses import send_error

#: the ingest endpoint's cap (profiles are ~1-5 MB); every other route takes at most SMALL_BODY
MAX_BODY = 32 * 1024 * 1024
SMALL_BODY = 64 * 1024
#: a body must arrive within this many seconds; a read (GET) must be answered within READ_SECONDS
BODY_SECONDS = 30.0
READ_SECONDS = 30.0
#: JSON nested deeper than this is refused before it is parsed (a profile nests 6 levels)
MAX_JSON_DEPTH = 32
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class RequestLimits:
    """ASGI middleware: cap the body per route while reading it, bound body and read time."""

    def __init__(self, app: Any, *, is_upload: Callable[[str], bool], max_body: int = MAX_BODY,
                 small_body: int = SMALL_BODY, body_seconds: float = BODY_SECONDS,
                 read_seconds: float = READ_SECONDS) -> None:
        self.app = app
        self.is_upload = is_upload
        self.max_body = max_body
        self.small_body = small_body
        self.body_seconds = body_seconds
        self.read_seconds = read_seconds

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        cap = self.max_body if self.is_upload(path) else self.small_body
        too_large = f"request body over {_size(cap)} (the limit for {path})"
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return await send_error(send, path, 413, too_large)
        try:
            async with asyncio.timeout(self.body_seconds):
                body = await _read_body(receive, cap)
        except _TooLarge:
            return await send_error(send, path, 413, too_large)
        except TimeoutError:
            return await send_error(send, path, 408, f"the request body did not arrive within {self.body_seconds:.0f} s")
        except _Disconnected:
            return None
        scope["tripwire.body"] = body
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        if scope["method"] not in SAFE_METHODS:
            # a write is not cut short: cancelling it midway could leave a stored batch whose
            # client was told it failed (and would post it again)
            return await self.app(scope, replay, send)
        started = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(self.read_seconds):
                await self.app(scope, replay, watch)
        except TimeoutError:
            if not started:
                await send_error(send, path, 503, f"the answer took longer than {self.read_seconds:.0f} s; try again")


async def _read_body(receive: Any, cap: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n // 1024} KB"


# ---- JSON ------------------------------------------------------------------------------------
def json_depth(raw: bytes) -> int:
    """Return the deepest nesting of objects and arrays in JSON text, ignoring brackets in strings.

    Vectorised over the bytes (a 32 MB body takes a fraction of a second), so the depth is
    known before the recursive parser runs.
    """
    b = np.frombuffer(raw, dtype=np.uint8)
    if b.size == 0:
        return 0
    backslash = b == 0x5C
    idx = np.arange(b.size)
    # a quote is escaped when an odd run of backslashes precedes it
    last_plain = np.maximum.accumulate(np.where(backslash, -1, idx))
    run_before = np.empty(b.size, dtype=np.int64)
    run_before[0] = 0
    run_before[1:] = idx[:-1] - last_plain[:-1]
    quotes = (b == 0x22) & (run_before % 2 == 0)
    inside = (np.cumsum(quotes) - quotes) % 2 == 1  # after an odd number of quotes: in a string
    step = np.zeros(b.size, dtype=np.int64)
    step[(b == 0x7B) | (b == 0x5B)] = 1
    step[(b == 0x7D) | (b == 0x5D)] = -1
    step[inside] = 0
    return int(np.cumsum(step).max(initial=0))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads_bounded(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON nested at most `max_depth` levels; NaN and Infinity are refused."""
    depth = json_depth(raw)
    if depth > max_depth:
        raise InputError(f"the JSON is nested {depth} levels deep (at most {max_depth})")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(f"the JSON is nested too deeply (at most {max_depth} levels)") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, a 5,000-digit number, NaN
        raise InputError(f"the body is not valid JSON ({str(exc)[:120]})",
                         hint='post {"profile": {...tripwire profile JSON...}}') from None
