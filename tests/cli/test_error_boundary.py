"""The CLI's one error boundary: any failure is one line on stderr and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tripwire.cli import main as cli_main
from tripwire.errors import InputError


def _run_raising(monkeypatch, capsys, exc: BaseException) -> tuple[int, str]:
    def boom(*args, **kwargs):
        raise exc

    monkeypatch.setattr(cli_main, "build_app", lambda *modules: boom)
    with pytest.raises(SystemExit) as info:
        cli_main.main(["profile", "x.csv"])
    return info.value.code, capsys.readouterr().err


def _panic() -> BaseException:
    """Return a pyo3 PanicException, the class a Rust panic in Polars raises."""
    from polars.exceptions import PanicException

    return PanicException("called `Option::unwrap()` on a `None` value")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InputError("bad row", path="a.csv", line=3), "tripwire: error: a.csv:3: bad row\n"),
        (ValueError("boom\nsecond line"), "internal error: ValueError: boom second line"),
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (MemoryError(), "out of memory"),
    ],
)
def test_any_exception_is_one_line_and_exit_2(monkeypatch, capsys, exc, expected):
    code, err = _run_raising(monkeypatch, capsys, exc)
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_rust_panic_is_one_line_and_exit_2(monkeypatch, capsys):
    panic = _panic()
    assert not isinstance(panic, Exception)
    code, err = _run_raising(monkeypatch, capsys, panic)
    assert code == 2
    assert err.startswith("tripwire: error: internal error: PanicException")
    assert err.count("\n") == 1


def test_a_huge_message_is_cut(monkeypatch, capsys):
    code, err = _run_raising(monkeypatch, capsys, ValueError("x" * 100_000))
    assert code == 2 and len(err) < 1000


def test_ctrl_c_exits_130_quietly(monkeypatch, capsys):
    code, err = _run_raising(monkeypatch, capsys, KeyboardInterrupt())
    assert code == 130
    assert err == ""


def test_system_exit_passes_through(monkeypatch, capsys):
    code, err = _run_raising(monkeypatch, capsys, SystemExit(1))
    assert code == 1
    assert err == ""


def test_debug_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setenv("TRIPWIRE_DEBUG", "1")
    with pytest.raises(ValueError):
        _run_raising(monkeypatch, capsys, ValueError("boom"))


def test_real_process_turns_a_panic_into_exit_2(tmp_path: Path):
    # end to end, in a fresh interpreter: the exit code a shell script sees
    script = (
        "import sys; from tripwire.cli import main as m\n"
        "def boom(*a, **k):\n"
        "    from polars.exceptions import PanicException\n"
        "    raise PanicException('index out of bounds')\n"
        "m.build_app = lambda *modules: boom\n"
        "m.main(['profile', 'x.csv'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("tripwire: error: internal error: PanicException")
    assert "Traceback" not in done.stderr


def test_an_output_that_cannot_be_written_names_the_path(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    proc = subprocess.run([sys.executable, "-m", "tripwire", "scan", str(data), "--format", "json",
                           "-o", str(blocked / "report.json")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and "internal error" not in line and "file-not-folder" in line
