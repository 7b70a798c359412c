"""Every command the CLI offers is routed to the module that registers it (lazy imports)."""

from __future__ import annotations

import importlib

import typer

from tripwire.cli.main import COMMAND_MODULES, COMMANDS


def test_every_registered_command_is_routed_to_its_module():
    for module in COMMAND_MODULES:
        app = typer.Typer()
        importlib.import_module(f"tripwire.cli.commands.{module}").register(app)
        for info in app.registered_commands:
            assert COMMANDS.get(info.name) == module, f"add {info.name!r}: {module!r} to COMMANDS in cli/main.py"
