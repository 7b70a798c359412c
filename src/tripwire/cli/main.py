"""The `tripwire` command: Typer app, command registration, and one-line errors (exit 2)."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import threading

import typer

from tripwire._version import __version__

#: command name -> the module under tripwire.cli.commands whose `register(app)` adds it; `main`
#: imports only the module of the command it runs (the others' imports are a fixed cost)
COMMANDS = {"profile": "profile", "show": "profile", "scan": "scan", "check": "check",
            "infer": "check", "drift": "drift", "log": "history", "history": "history",
            "lineage": "history", "reference": "history", "serve": "serve", "demo": "demo",
            "evaluate": "evaluate", "join-check": "joins", "fix": "fix", "test-model": "test_model",
            "explain": "explain", "annotators": "annotators", "pseudonymise": "privacy", "k-anonymity": "privacy",
            "synthetic-check": "privacy", "log-labels": "serving", "compare-models": "serving"}
#: command modules under tripwire.cli.commands; each has `register(app)`
COMMAND_MODULES = ("profile", "scan", "check", "drift", "evaluate", "test_model", "explain", "annotators", "serving",
                   "history", "serve", "demo", "joins", "fix", "privacy")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tripwire {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, metavar="",
                                 help="Print the version and exit."),
) -> None:
    """Visibility on the quality of ML data: profile, check, scan, drift, alert."""


def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """Return the Typer app with the commands of the given modules registered."""
    from tripwire.cli.common import Group  # -h/--help shown as a flag, like every command's

    cli = typer.Typer(
        name="tripwire",
        cls=Group,
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
    """Run the CLI; any failure becomes one line on stderr and exit code 2.

    That covers tripwire's own errors, bugs, and what derives from BaseException only: a
    Rust panic in Polars (``pyo3_runtime.PanicException``). TRIPWIRE_DEBUG=1 re-raises
    instead, to show the traceback. Ctrl-C exits 130 quietly; SystemExit (typer's own exits
    and usage errors) passes through.
    """
    from tripwire.errors import TripwireError

    args = sys.argv[1:] if argv is None else list(argv)
    module = COMMANDS.get(args[0]) if args else None
    try:
        cli = build_app((module,)) if module else build_app()
        cli(args=args, prog_name="tripwire")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BaseException as exc:  # the one boundary: never a traceback
        if os.environ.get("TRIPWIRE_DEBUG") == "1":
            raise
        _fail(describe_failure(exc, TripwireError))


def entry() -> None:
    """Run the CLI as a process (console script, ``python -m tripwire``): `main`, then leave fast.

    After the command is done, the interpreter's teardown of pyarrow, Polars, Typer and Rich
    modules takes 0.1–0.3 s, a sixth of a `tripwire profile` run. The process runs what a
    normal exit must (atexit handlers: temporary folders, log handlers, worker pools), flushes
    its streams and ends with the command's exit code. It leaves the normal way while any
    thread other than an idle-able pool worker is alive, since a hard exit would cut it off.
    """
    if sys.argv[1:2] != ["serve"]:
        # Arrow's default pool (mimalloc) maps and unmaps pages all through a short process: the
        # C allocator takes 0.5–0.8 s less CPU for `tripwire profile` of 1M rows (bench/RESULTS.md);
        # a long-running server keeps the default, built against fragmentation. The user's choice wins.
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        main()
        code: int = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    if not _threads_pending():
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe (`| head`) must not turn into an error
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _exit_code(exc: SystemExit) -> int:
    """Return the process status `exc` stands for, printing a text code as Python does."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    sys.stderr.write(f"{exc.code}\n")
    return 1


def _threads_pending() -> bool:
    """Return whether a thread other than the main thread, daemons and pool workers is alive."""
    return any(not (t is threading.main_thread() or t.daemon or t.name.startswith("ThreadPoolExecutor"))
               for t in threading.enumerate())


def describe_failure(exc: BaseException, expected: type[BaseException]) -> str:
    """Return the one line shown for `exc`: its message if expected, else an internal error."""
    if isinstance(exc, expected):
        return _one_line(str(exc), limit=4000)
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        # a file the command could not open or write (an -o in a missing or read-only folder)
        return f"{exc.filename}: {exc.strerror.lower()}; check the path and its folder's permissions"
    if isinstance(exc, MemoryError):
        return "out of memory; profile fewer rows at a time or a smaller sample (--sample-rows)"
    if isinstance(exc, RecursionError):
        return ("input nested too deeply to handle (RecursionError); "
                "please report it; TRIPWIRE_DEBUG=1 shows the traceback")
    return (f"internal error: {exc.__class__.__name__}: {_one_line(str(exc))} "
            "(please report it; TRIPWIRE_DEBUG=1 shows the traceback)")


def _one_line(text: str, limit: int = 500) -> str:
    # a panic or an Arrow error carries several lines and may quote a huge value
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"tripwire: error: {message}\n")
    sys.exit(code)


if __name__ == "__main__":
    entry()
