"""The history store: batches, profiles, reports, lineage and alert deliveries over time."""

from tripwire.store.store import Store, default_url

__all__ = ["Store", "default_url", "resolve_reference"]


def resolve_reference(spec: object) -> object | None:
    """Return the stored reference profile for `store:NAME` (else None: not a store reference)."""
    if isinstance(spec, str) and spec.startswith("store:"):
        return Store().reference(spec[len("store:"):])
    return None
