"""`tripwire serve`: the dashboard over the history store."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from tripwire.cli.common import err_console, escape

EXAMPLES = """Examples:\n\n
  tripwire serve                      # http://127.0.0.1:8765, the default store\n\n
  TRIPWIRE_TOKEN=$(openssl rand -hex 24) tripwire serve --host 0.0.0.0 --store postgresql://...
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
) -> None:
    """Serve the dashboard: datasets, trends, batches, reports, alerts, lineage, and a JSON API."""
    from tripwire.extras import require
    from tripwire.server.security import is_loopback, require_token_off_loopback

    token = os.environ.get("TRIPWIRE_TOKEN") or None
    require_token_off_loopback(host, token)
    require("fastapi", "The dashboard")
    uvicorn = require("uvicorn", "The dashboard")
    from tripwire.server.app import create_app

    app = create_app(store, token=token, config_dir=config, secure_cookie=not is_loopback(host))
    err_console.print(f"tripwire dashboard on http://{escape(host)}:{port} "
                      f"({'token required' if token else 'local only, no token'}); Ctrl-C stops it")
    uvicorn.run(app, host=host, port=port, log_level="warning")
