"""`tripwire serve`: the dashboard over the history store."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import typer

from tripwire.cli.common import err_console, escape
from tripwire.errors import UsageError

EXAMPLES = """Examples:\n\n
  tripwire serve                      # http://127.0.0.1:8765, the default store\n\n
  TRIPWIRE_TOKEN=$(openssl rand -hex 24) tripwire serve --host 0.0.0.0 --allow-host tripwire.example.com
"""


def register(app: typer.Typer) -> None:
    """Add the serve command."""
    app.command("serve", epilog=EXAMPLES)(serve_command)


def serve_command(
    store: str | None = typer.Option(None, "--store", help="Store URL (default: $TRIPWIRE_STORE, else ./.tripwire/history.db)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; off loopback TRIPWIRE_TOKEN is required."),
    port: int = typer.Option(8765, "--port", help="Port."),
    config: Path | None = typer.Option(None, "--config",
                                       help="Folder with NAME.contract.yaml and alerts.yaml applied to ingested profiles."),
    allow_host: list[str] = typer.Option([], "--allow-host",
                                         help="Another Host name the dashboard answers to (repeatable); "
                                              "loopback names and the bound address always work."),
) -> None:
    """Serve the dashboard: datasets, trends, batches, reports, alerts, lineage, and a JSON API."""
    from tripwire.extras import require
    from tripwire.server.security import is_loopback, require_token_off_loopback

    token = os.environ.get("TRIPWIRE_TOKEN") or None
    require_token_off_loopback(host, token)
    require("fastapi", "The dashboard")
    uvicorn = require("uvicorn", "The dashboard")
    from tripwire.server.app import create_app

    sock = listen(host, port)  # before any "listening" line: a busy port is one error line
    app = create_app(store, token=token, config_dir=config, secure_cookie=not is_loopback(host), host=host,
                     allow_hosts=allow_host)
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"tripwire dashboard on http://{escape(shown)}:{sock.getsockname()[1]} "
                      f"({'token required' if token else 'local only, no token'}); Ctrl-C stops it")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_keep_alive=5))
    server.run(sockets=[sock])


def listen(host: str, port: int) -> socket.socket:
    """Bind and listen on host:port, or raise a one-line UsageError (port in use, bad address)."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}: {exc.strerror}; pass --host 127.0.0.1") from None
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(info[4])
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is already in use (another tripwire serve?); "
                             f"stop it or pick another with --port") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock
