"""Time keyed pseudonyms: HMAC-SHA256 of 10M ids in Polars (polars-hash) against Python's hmac loop.

Run: `PYTHONPATH=src python bench/pseudonymise_bench.py [rows]`. The Python baseline runs on
200,000 ids and is scaled linearly (a loop per value is linear); the results are checked
equal on those ids first.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import time

import numpy as np
import polars as pl

from tripwire.errors import UsageError
from tripwire.privacy.pseudonyms import pseudonymise_frame

KEY = b"bench-key-0123456789abcdef"


def main() -> None:
    """Print seconds for both ways and their ratio."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    rng = np.random.default_rng(0)
    ids = pl.DataFrame({"id": rng.integers(10**9, 10**12, rows), "email": pl.int_range(rows, eager=True).cast(pl.String) + "@example.com"})
    probe = ids.head(200_000)
    t = time.perf_counter()
    loop = [hmac.new(KEY, str(v).encode(), hashlib.sha256).hexdigest()[:16] for v in probe["id"].to_list()]
    base = (time.perf_counter() - t) * rows / probe.height
    assert loop == pseudonymise_frame(probe, ["id"], KEY)["id"].to_list()
    out = {}
    refused = {}
    for label, kwargs in (("hex", {}), ("keep-format", {"keep_format": True})):
        t = time.perf_counter()
        try:
            pseudonymise_frame(ids, ["id"], KEY, **kwargs)
        except UsageError as exc:  # random 12-digit ids clash in 12 digits: refused after the whole work
            refused[label] = str(exc)
        out[label] = time.perf_counter() - t
    t = time.perf_counter()
    pseudonymise_frame(ids, ["id", "email"], KEY)
    both = time.perf_counter() - t
    print(f"rows {rows:,}; load {os.getloadavg()[0]:.1f}")
    print(f"python hmac loop (scaled from 200,000): {base:.1f} s")
    print(f"polars-hash, hex: {out['hex']:.2f} s ({base / out['hex']:.1f}x faster)")
    print(f"polars-hash, keep-format: {out['keep-format']:.2f} s"
          + (f" (refused: {refused['keep-format']})" if "keep-format" in refused else ""))
    print(f"polars-hash, two columns (id, email): {both:.2f} s")


if __name__ == "__main__":
    main()
