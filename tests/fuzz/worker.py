"""The fuzz worker: read one CLI argv (JSON) per line, run it in-process, answer one JSON line.

Run by `tests.fuzz.harness`; a native crash kills this process, not the harness. The
exception that reaches the CLI's boundary is recorded (through `describe_failure`), so an
unexpected exception is told from a TripwireError even though both print one line.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import traceback


def main() -> None:
    import pyarrow as pa

    from tripwire.cli import main as cli
    from tripwire.errors import TripwireError

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    seen: list[BaseException] = []
    describe = cli.describe_failure

    def recording(exc: BaseException, expected: type[BaseException]) -> str:
        seen.append(exc)
        return describe(exc, expected)

    cli.describe_failure = recording
    replies = sys.stdout
    for line in sys.stdin:
        argv = json.loads(line)
        seen.clear()
        err, out = io.StringIO(), io.StringIO()
        started = time.process_time()
        code: int | None = 0
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                cli.main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        cpu = time.process_time() - started
        message = err.getvalue().strip()
        trace = ""
        if seen and not isinstance(seen[0], TripwireError):
            outcome = "uncaught"
            trace = "".join(traceback.format_exception(seen[0]))[-4000:]
        elif code in (0, 1):
            outcome = "result"
        elif code == 2 and _one_error_line(message):
            outcome = "clean"
        else:
            outcome = "uncaught"
        lines = [ln for ln in message.splitlines() if ln.startswith("tripwire: error:")]
        replies.write(json.dumps({"outcome": outcome, "exit": code, "cpu": round(cpu, 3),
                                  "message": (lines[-1] if lines else message)[:600],
                                  "traceback": trace}) + "\n")
        replies.flush()


def _one_error_line(stderr: str) -> bool:
    # notes about how the input was read may come first; the error itself is one line, last
    lines = stderr.splitlines()
    errors = [ln for ln in lines if ln.startswith("tripwire: error:")]
    return "Traceback" not in stderr and len(errors) == 1 and lines[-1] == errors[0]


if __name__ == "__main__":
    main()
