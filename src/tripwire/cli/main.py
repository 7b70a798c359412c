"""The `tripwire` command: Typer app, command registration, and one-line errors (exit 2)."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from tripwire._version import __version__

#: command name -> the module under tripwire.cli.commands whose `register(app)` adds it; `main`
#: imports only the module of the command it runs (the others' imports are a fixed cost)
COMMANDS = {"profile": "profile", "show": "profile", "scan": "scan", "check": "check",
            "infer": "check", "drift": "drift", "log": "history", "history": "history",
            "lineage": "history", "reference": "history", "serve": "serve", "demo": "demo"}
#: command modules under tripwire.cli.commands; each has `register(app)`
COMMAND_MODULES = ("profile", "scan", "check", "drift", "history", "serve", "demo")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tripwire {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Visibility on the quality of ML data: profile, check, scan, drift, alert."""


def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """Return the Typer app with the commands of the given modules registered."""
    cli = typer.Typer(
        name="tripwire",
        help="Visibility on the quality of ML data: profile, check, scan, drift, alert.\n\n"
        "Start with `tripwire demo`, then `tripwire profile DATA`.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    cli.callback()(_root)
    for name in modules:
        importlib.import_module(f"tripwire.cli.commands.{name}").register(cli)
    return cli


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the full app, built on first use (tests and embedding code use it)
        full = build_app()
        globals()["app"] = full
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; tripwire's own errors become one line on stderr and exit code 2."""
    from tripwire.errors import TripwireError

    args = sys.argv[1:] if argv is None else list(argv)
    module = COMMANDS.get(args[0]) if args else None
    try:
        cli = build_app((module,)) if module else build_app()
        cli(args=args, prog_name="tripwire")
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
