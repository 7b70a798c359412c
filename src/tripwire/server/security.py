"""Who may use the dashboard: loopback by default; elsewhere only with TRIPWIRE_TOKEN."""

from __future__ import annotations

import hmac
import ipaddress

from tripwire.errors import UsageError

#: the login cookie: a random session id (see sessions.py), never the token
COOKIE = "tripwire_session"


def is_loopback(host: str) -> bool:
    """Tell whether a bind address only accepts local connections."""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_token_off_loopback(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise UsageError(f"refusing to listen on {host} without a token: set TRIPWIRE_TOKEN (a long random "
                         "string) so every page and endpoint needs it, or bind to 127.0.0.1")
    if token is not None and len(token) < 16:
        raise UsageError("TRIPWIRE_TOKEN is too short: use at least 16 random characters")


def token_matches(given: str | None, expected: str) -> bool:
    """Compare in constant time, so the comparison leaks nothing about the token."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
