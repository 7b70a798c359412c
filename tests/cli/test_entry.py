"""The process entry point leaves without interpreter teardown, losing nothing on the way out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(args: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True,
                          timeout=180, **kw)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "d.csv"
    rows = [f"{i},{'x' if i % 2 else 'y'},{i * 1.5}" for i in range(1, 2_001)]
    path.write_text("id,kind,value\n" + "\n".join(rows) + "\n" + "\n".join(rows[:300]) + "\n")  # 300 repeated rows
    return path


def test_exit_codes_and_piped_output_survive(data: Path, tmp_path: Path) -> None:
    ok = _run(["profile", str(data)])
    assert ok.returncode == 0 and "value" in ok.stdout
    scanned = _run(["scan", str(data), "--format", "json"])
    report = json.loads(scanned.stdout)  # the whole document reached the pipe
    assert scanned.returncode == 0 and "data.duplicates" in {f["code"] for f in report["findings"]}
    contract = tmp_path / "c.yaml"
    contract.write_text("columns:\n  value:\n    max: 100\n")
    failed = _run(["check", str(data), "--contract", str(contract)])  # a broken contract: exit 1
    assert failed.returncode == 1 and "value" in failed.stdout, failed.stderr
    bad = _run(["profile", str(tmp_path / "missing.csv")])
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "missing.csv" in bad.stderr


def test_atexit_handlers_still_run(data: Path, tmp_path: Path) -> None:
    marker = tmp_path / "atexit-ran"
    script = ("import atexit, sys\n"
              f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
              f"sys.argv = ['tripwire', 'profile', {str(data)!r}, '-q']\n"
              "from tripwire.cli.main import entry\nentry()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "ran"


def test_a_working_thread_is_waited_for(data: Path, tmp_path: Path) -> None:
    # a hard exit would cut a non-daemon thread off mid-write: the entry point leaves normally then
    marker = tmp_path / "thread-done"
    script = ("import sys, threading, time\n"
              f"def work():\n    time.sleep(0.5)\n    open({str(marker)!r}, 'w').write('done')\n"
              "threading.Thread(target=work, name='writer').start()\n"
              f"sys.argv = ['tripwire', 'profile', {str(data)!r}, '-q']\n"
              "from tripwire.cli.main import entry\nentry()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "done"


@pytest.mark.parametrize(("preset", "expected"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_a_command_uses_the_c_allocator_unless_the_user_chose(data: Path, tmp_path: Path, preset, expected) -> None:
    import os

    marker = tmp_path / "pool"
    script = ("import atexit, sys\n"
              "def pool():\n    import pyarrow as pa\n"
              f"    open({str(marker)!r}, 'w').write(pa.default_memory_pool().backend_name)\n"
              "atexit.register(pool)\n"
              f"sys.argv = ['tripwire', 'profile', {str(data)!r}, '-q']\n"
              "from tripwire.cli.main import entry\nentry()\n")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if preset:
        env["ARROW_DEFAULT_MEMORY_POOL"] = preset
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == expected
