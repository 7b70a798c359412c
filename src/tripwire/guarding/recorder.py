"""Decision records written off the request path: a bounded queue and one writer thread.

A prediction only ever pays for `put_nowait`: when the queue is full (the store slow or
down) the record is dropped and counted, never waited for. The writer takes what is queued
(up to `batch` records, or what arrived within `linger` seconds) and writes it in one
transaction; a failed write is counted with its reason and the records are dropped, so a
store that stays down costs memory bounded by the queue. The store is opened by the writer
too, so an unreachable store never slows the guard's construction.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: records kept waiting at most (a record is one batch's decision and its predictions)
QUEUE_SIZE = 1_000
#: records per write
WRITE_BATCH = 200
#: seconds the writer waits for more records before writing what it has
LINGER = 0.2
#: seconds between attempts to open a store that could not be opened
REOPEN_AFTER = 5.0


@dataclass
class RecorderStats:
    """What became of the records: written, dropped (queue full), lost in failed writes."""

    written: int = 0
    dropped: int = 0
    failed: int = 0
    last_error: str | None = None
    errors: list[str] = field(default_factory=list)


class Recorder:
    """Write (decision, predictions) records to the history store from a background thread."""

    def __init__(self, open_store: Callable[[], Any], write: Callable[[Any, list[dict], list[dict]], None],
                 size: int = QUEUE_SIZE) -> None:
        """Start the writer; `open_store()` returns the store, `write(store, decisions, predictions)` writes."""
        self.open_store, self.write = open_store, write
        self.queue: queue.Queue[tuple[dict, list[dict]] | None] = queue.Queue(maxsize=size)
        self.stats = RecorderStats()
        self._lock = threading.Lock()
        self._store: Any = None
        self._opened_at = 0.0
        self._thread = threading.Thread(target=self._run, name="tripwire-guard-recorder", daemon=True)
        self._thread.start()

    def put(self, decision: dict, predictions: list[dict]) -> bool:
        """Queue one batch's records without waiting; return False (and count it) when full."""
        try:
            self.queue.put_nowait((decision, predictions))
            return True
        except queue.Full:
            with self._lock:
                self.stats.dropped += 1
            return False

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued record is written or lost; return False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued (for at most `timeout` seconds), then stop the writer.

        Records still queued after the timeout are counted as dropped.
        """
        self.flush(timeout)
        try:
            self.queue.put(None, timeout=1.0)
            self._thread.join(1.0)
        except queue.Full:
            pass
        if self._thread.is_alive():
            with self._lock:
                self.stats.dropped += self.queue.qsize()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                self.queue.task_done()
                return
            items = [item]
            deadline = time.monotonic() + LINGER
            stop = False
            while len(items) < WRITE_BATCH:
                try:
                    more = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                items.append(more)
            self._write(items)
            for _ in range(len(items) + stop):
                self.queue.task_done()
            if stop:
                return

    def _write(self, items: list[tuple[dict, list[dict]]]) -> None:
        try:
            store = self._open()
            self.write(store, [d for d, _ in items], [p for _, ps in items for p in ps])
        except Exception as exc:  # the store being down must never reach a prediction
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
            with self._lock:
                self.stats.failed += len(items)
                self.stats.last_error = reason
                if reason not in self.stats.errors:
                    self.stats.errors = [*self.stats.errors[-9:], reason]
            return
        with self._lock:
            self.stats.written += len(items)

    def _open(self) -> Any:
        if self._store is not None:
            return self._store
        now = time.monotonic()
        if self._opened_at and now - self._opened_at < REOPEN_AFTER:
            raise ConnectionError(f"the store could not be opened; retrying every {REOPEN_AFTER:g} s "
                                  f"({self.stats.last_error})")
        self._opened_at = now
        self._store = self.open_store()
        return self._store
