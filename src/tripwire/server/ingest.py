"""Ingest a profile computed elsewhere (a pipeline step, a Spark job): the run layer's `ingest`
plan — the dataset's contract, the profile-based detectors (drift included) against the stored
reference, the history judgements, the store, the alert rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tripwire.store import Store


def ingest_profile(store: Store, dataset: str, body: Any, config: Path | None) -> dict[str, Any]:
    """Store one posted batch; return its id, summary and alert deliveries."""
    from tripwire.run import ingest

    return ingest(store, dataset, body, config)
