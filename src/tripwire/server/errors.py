"""The server's errors and the HTTP status of each, decided by the exception's type."""

from __future__ import annotations

from tripwire.errors import InputError, MissingExtraError, TripwireError, UsageError


class NotFound(UsageError):
    """The dataset, batch or page asked for does not exist (HTTP 404)."""


class IngestFailed(TripwireError):
    """An ingest the worker process could not finish; carries the status decided there."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def status_of(exc: TripwireError) -> int:
    """Return the HTTP status for a tripwire error: 404 missing, 422 bad input, 400 bad usage."""
    if isinstance(exc, IngestFailed):
        return exc.status
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, MissingExtraError):
        return 503
    return 400
