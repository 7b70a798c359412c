"""Login sessions held by the server: the browser's cookie is a random id, never the token."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

#: how long a login lasts, and how many live sessions are kept (the oldest go first)
SESSION_SECONDS = 8 * 3600
MAX_SESSIONS = 1_000


@dataclass(frozen=True)
class Session:
    """One logged-in browser: its id (the cookie), its CSRF token, when it ends."""

    sid: str
    csrf: str
    expires: float

    def csrf_matches(self, given: str | None) -> bool:
        """Compare a submitted CSRF token in constant time."""
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())


class Sessions:
    """Session ids mapped to sessions, in memory (a restart logs everyone out)."""

    def __init__(self, seconds: float = SESSION_SECONDS, limit: int = MAX_SESSIONS) -> None:
        self.seconds = seconds
        self.limit = limit
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self) -> Session:
        """Start a session with fresh random id and CSRF token."""
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), time.monotonic() + self.seconds)
        with self._lock:
            now = time.monotonic()
            self._items = {k: s for k, s in self._items.items() if s.expires > now}
            while len(self._items) >= self.limit:
                self._items.pop(next(iter(self._items)))
            self._items[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        """Return the live session with this id, or None."""
        if not sid:
            return None
        with self._lock:
            session = self._items.get(sid)
            if session is not None and session.expires <= time.monotonic():
                del self._items[sid]
                session = None
        return session

    def delete(self, sid: str | None) -> None:
        """End a session (log out)."""
        with self._lock:
            self._items.pop(sid or "", None)
