"""Deliver alert messages: Slack-compatible webhook, generic JSON webhook, e-mail over SMTP.

Addresses and secrets come from environment variables, never from the store or rule files:

| notifier | variables |
|---|---|
| `slack` | `TRIPWIRE_SLACK_WEBHOOK` |
| `webhook` | `TRIPWIRE_WEBHOOK_URL`, optional `TRIPWIRE_WEBHOOK_TOKEN` (sent as a bearer token) |
| `email` | `TRIPWIRE_SMTP_HOST`, `TRIPWIRE_SMTP_PORT` (25), `TRIPWIRE_SMTP_FROM`, `TRIPWIRE_ALERT_EMAIL_TO` (comma-separated), optional `TRIPWIRE_SMTP_USER`, `TRIPWIRE_SMTP_PASSWORD`, `TRIPWIRE_SMTP_STARTTLS=1` |

Each delivery is retried with exponential backoff (`TRIPWIRE_ALERT_RETRIES`, default 3
attempts; `TRIPWIRE_ALERT_BACKOFF` seconds, default 1.0) and never raises: the caller records
what happened.
"""

from __future__ import annotations

import json
import os
import smtplib
import time
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

NOTIFIERS = ("slack", "webhook", "email")
TIMEOUT = 10


@dataclass(frozen=True)
class Delivery:
    """What happened to one message."""

    notifier: str
    ok: bool
    attempts: int
    error: str | None = None


def deliver(notifier: str, subject: str, message: str, payload: dict[str, Any]) -> Delivery:
    """Send one message with retries; return how it went (never raises)."""
    attempts = max(1, int(os.environ.get("TRIPWIRE_ALERT_RETRIES", "3")))
    backoff = float(os.environ.get("TRIPWIRE_ALERT_BACKOFF", "1.0"))
    error = None
    for attempt in range(1, attempts + 1):
        try:
            _SEND[notifier](subject, message, payload)
            return Delivery(notifier, True, attempt)
        except _NotConfigured as exc:
            return Delivery(notifier, False, attempt, str(exc))  # retrying cannot help
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                time.sleep(backoff * 2 ** (attempt - 1))
    return Delivery(notifier, False, attempts, error)


class _NotConfigured(Exception):
    pass


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise _NotConfigured(f"{name} is not set")
    return value


def _post(url: str, body: dict[str, Any], token: str | None = None) -> None:
    data = json.dumps(body, default=str).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "tripwire"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        if resp.status >= 300:
            raise RuntimeError(f"HTTP {resp.status}")


def _slack(subject: str, message: str, payload: dict[str, Any]) -> None:
    _post(_env("TRIPWIRE_SLACK_WEBHOOK"), {"text": f"*{subject}*\n{message}"})


def _webhook(subject: str, message: str, payload: dict[str, Any]) -> None:
    _post(_env("TRIPWIRE_WEBHOOK_URL"), {"subject": subject, "message": message, **payload},
          os.environ.get("TRIPWIRE_WEBHOOK_TOKEN"))


def _email(subject: str, message: str, payload: dict[str, Any]) -> None:
    host = _env("TRIPWIRE_SMTP_HOST")
    to = [a.strip() for a in _env("TRIPWIRE_ALERT_EMAIL_TO").split(",") if a.strip()]
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, _env("TRIPWIRE_SMTP_FROM"), ", ".join(to)
    msg.set_content(message)
    with smtplib.SMTP(host, int(os.environ.get("TRIPWIRE_SMTP_PORT", "25")), timeout=TIMEOUT) as smtp:
        if os.environ.get("TRIPWIRE_SMTP_STARTTLS") == "1":
            smtp.starttls()
        user = os.environ.get("TRIPWIRE_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("TRIPWIRE_SMTP_PASSWORD", ""))
        smtp.send_message(msg)


_SEND = {"slack": _slack, "webhook": _webhook, "email": _email}
