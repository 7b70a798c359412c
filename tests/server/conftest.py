"""A store with real batches, and a live dashboard on 127.0.0.1 for browser tests."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tests.conftest import skip_or_fail
from tests.realdata import flights

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="session")
def store_url(tmp_path_factory):
    """Return a SQLite store holding a week of flights days, one with an injected type break."""
    from tripwire.run import log
    from tripwire.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'history.db'}"
    st = Store(url)
    jan = flights()[flights().month == 1]
    t0 = datetime(2013, 1, 1, 23, tzinfo=UTC)
    for day in range(1, 8):
        batch = jan[jan.day == day].reset_index(drop=True)
        batch["time_hour"] = pd.to_datetime(batch["time_hour"], utc=True)  # a real time column: the charts' x axis
        if day == 6:
            batch["dep_delay"] = batch["dep_delay"].astype(object)
            batch.loc[[3, 4], "dep_delay"] = "<script>window.__pwned=1</script>"
        done = log(batch, "nyc <flights>", store=st, logged_at=t0 + timedelta(days=day - 1), model="delay@1",
                   reference="store:nyc <flights>" if day > 1 else None)
        if day == 1:
            st.set_reference("nyc <flights>", done.batch_id)
    return url


@pytest.fixture(scope="session")
def live_server(store_url):
    """Run the dashboard with a token on a free loopback port; yield its base URL."""
    from tripwire.server.app import create_app

    with serve(create_app(store_url, token=TOKEN)) as url:
        yield url


@contextmanager
def serve(app):
    """Run an ASGI app on a free loopback port in a thread; yield its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium_page(profile_dir):
    """Open Debian's headless Chromium (skip, or fail under CI, without it); yield a new page."""
    from tests.html.test_browser import ARGS, chromium_path

    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("needs the playwright package (pip install 'tripwire[dev]')")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile_dir), executable_path=path, args=ARGS,
                                                       viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    """Return a Chromium page shared by a module's browser tests."""
    with chromium_page(tmp_path_factory.mktemp("chromium")) as page:
        yield page
