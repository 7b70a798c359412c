"""Keep what the dashboard read last for a moment, so a burst of readers costs one render.

A cached read is served until an ingest through this server completes or `seconds` pass,
whichever comes first; a write made by another process (`tripwire log` into the same store)
shows within `seconds` ($TRIPWIRE_READ_CACHE_SECONDS, 0 turns the cache off).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from tripwire.errors import UsageError

T = TypeVar("T")

#: how long a read may be served from memory (seconds)
SECONDS = 1.0
#: cached reads kept at most (the least recently used go first)
LIMIT = 256
#: stands for the session's CSRF token in a cached page (tokens are URL-safe base64, never this)
CSRF_SLOT = "tripwire-csrf-slot"


def _seconds_from_env() -> float:
    raw = os.environ.get("TRIPWIRE_READ_CACHE_SECONDS", "")
    try:
        seconds = float(raw) if raw else SECONDS
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also NaN
        raise UsageError(f"TRIPWIRE_READ_CACHE_SECONDS={raw!r}: give seconds, 0 or more (0 turns the cache off)")
    return seconds


class ReadCache:
    """Cached reads, dropped on every completed ingest and after `seconds`; thread-safe."""

    def __init__(self, seconds: float | None = None, limit: int = LIMIT) -> None:
        self.seconds = _seconds_from_env() if seconds is None else seconds
        self.limit = limit
        self._items: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget every cached read (a batch was just stored)."""
        with self._lock:
            self._generation += 1
            self._items.clear()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the cached value of `key`, computing it when absent, stale or invalidated."""
        if self.seconds <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            generation = self._generation
            hit = self._items.get(key)
            if hit is not None and hit[0] == generation and hit[1] > now:
                self._items.move_to_end(key)
                return hit[2]
        value = compute()  # outside the lock: readers of other keys never wait for this one
        with self._lock:
            if generation == self._generation:  # an ingest finished meanwhile: do not keep old data
                self._items[key] = (generation, now + self.seconds, value)
                self._items.move_to_end(key)
                while len(self._items) > self.limit:
                    self._items.popitem(last=False)
        return value

    def page(self, key: Hashable, csrf: str | None, render: Callable[[str | None], str]) -> str:
        """Return a cached page rendered for this session's CSRF token (the rest is shared)."""
        html = self.get((key, csrf is not None), lambda: render(CSRF_SLOT if csrf is not None else None))
        return html.replace(CSRF_SLOT, csrf) if csrf is not None else html


class Recent:
    """The last `limit` values computed from stored data that a key pins down (a batch id, a
    table's last row id), so they never go stale; thread-safe, since pages render in several threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """Return the value kept under `key`, or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> Any:
        """Keep `value` under `key` (dropping the least recently used beyond the limit); return it."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return value
