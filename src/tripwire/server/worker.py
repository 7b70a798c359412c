"""Run each ingest in a worker process, from the raw body to the alerts it sends.

Parsing, validation, the scans, the store write and alert delivery (with its retries) all
happen there, at a lower CPU priority: the server's own process only moves bytes and renders
pages, so neither a big ingest (its Python work would hold the GIL in a thread) nor a slow
alert receiver delays a page read, and a native crash on a hostile body ends a worker, not
the server. Errors come back as (status, message) pairs, the status decided by type here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from tripwire.errors import TripwireError, UsageError
from tripwire.server.errors import IngestFailed, status_of

#: ingest worker processes (each holds one ingest at a time)
WORKERS = 2
#: memory one worker may allocate (MB; $TRIPWIRE_INGEST_MEMORY_MB): an ingest that needs more
#: fails as a 422 instead of taking the machine's memory
MEMORY_MB = 3072
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_stores: dict[str, Any] = {}
_log = logging.getLogger("tripwire.server")


def worker_count() -> int:
    """Return the number of ingest processes ($TRIPWIRE_INGEST_WORKERS, default WORKERS)."""
    raw = os.environ.get("TRIPWIRE_INGEST_WORKERS", "")
    if not raw:
        return WORKERS
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"TRIPWIRE_INGEST_WORKERS={raw!r}: give a whole number of processes, at least 1")
    return int(raw)


def pool() -> ProcessPoolExecutor:
    """Return the shared pool of ingest processes, started on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=worker_count(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_lower_priority)
        return _pool


def _drop_pool(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


async def ingest(store_url: str, dataset: str, raw: bytes, config: Path | None) -> dict[str, Any]:
    """Ingest one posted body in a worker process; raise IngestFailed with the status to answer."""
    import asyncio

    settings = {k: v for k, v in os.environ.items() if k.startswith("TRIPWIRE_")}
    executor = pool()
    try:
        outcome = await asyncio.get_running_loop().run_in_executor(
            executor, _ingest, store_url, dataset, raw, config, settings)
    except BrokenProcessPool:
        _drop_pool(executor)
        raise IngestFailed(422, "this body stopped the ingest worker; nothing was stored") from None
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "bug":
        _log.error("ingest of %r failed:\n%s", dataset, value)
        raise IngestFailed(500, "internal error; see the server log")
    raise IngestFailed(int(kind), value)


def _ingest(store_url: str, dataset: str, raw: bytes, config: Path | None,
            settings: dict[str, str]) -> tuple[str, Any]:
    """Parse, check and ingest one body (in the worker); return ("ok", result) or (status, message)."""
    from tripwire.server.ingest import ingest_profile
    from tripwire.server.limits import loads_bounded
    from tripwire.server.validate import load_ingest
    from tripwire.store import Store

    # the server's TRIPWIRE_* settings as of this request (alert addresses, retries)
    for key in [k for k in os.environ if k.startswith("TRIPWIRE_") and k not in settings]:
        del os.environ[key]
    os.environ.update(settings)
    try:
        body = loads_bounded(raw)
        load_ingest(body)  # every field checked before anything is stored
        store = _stores.get(store_url) or _stores.setdefault(store_url, Store(store_url))
        return "ok", ingest_profile(store, dataset, body, config)
    except TripwireError as exc:
        return str(status_of(exc)), str(exc)
    except Exception:
        return "bug", traceback.format_exc()


def _lower_priority() -> None:
    """Start a worker: below the server's CPU priority, within a memory bound, and gone when
    the server is gone."""
    try:
        os.nice(10)
    except OSError:
        pass
    try:
        import resource

        limit = int(os.environ.get("TRIPWIRE_INGEST_MEMORY_MB", MEMORY_MB)) * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))  # heap and anonymous mappings (Linux)
    except (ImportError, ValueError, OSError):
        pass
    parent = os.getppid()

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)  # the server died without shutting the pool down: do not linger as an orphan

    threading.Thread(target=watch, daemon=True, name="tripwire-parent-watch").start()
