"""The `tripwire` command: Typer app, command registration, and one-line errors (exit 2)."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from tripwire._version import __version__

app = typer.Typer(
    name="tripwire",
    help="Visibility on the quality of ML data: profile, check, scan, drift, alert.\n\n"
    "Start with `tripwire demo`, then `tripwire profile DATA`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: command modules under tripwire.cli.commands; each has `register(app)`
COMMAND_MODULES = ("profile", "scan", "check", "drift", "evaluate", "history", "serve", "demo")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tripwire {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Visibility on the quality of ML data: profile, check, scan, drift, alert."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"tripwire.cli.commands.{_name}").register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; tripwire's own errors become one line on stderr and exit code 2."""
    from tripwire.errors import TripwireError

    try:
        app(args=argv, prog_name="tripwire")
    except TripwireError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", code=130)
    except MemoryError:
        _fail("out of memory; profile fewer rows at a time or a smaller sample (--sample-rows)")
    except Exception as exc:  # never a traceback for the user; TRIPWIRE_DEBUG=1 shows it
        if os.environ.get("TRIPWIRE_DEBUG") == "1":
            raise
        _fail(f"internal error: {exc.__class__.__name__}: {exc} "
              "(please report it; TRIPWIRE_DEBUG=1 shows the traceback)")


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"tripwire: error: {message}\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
