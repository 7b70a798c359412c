"""Find a dataset or a batch, or say it does not exist (a 404, told apart by its type)."""

from __future__ import annotations

import sqlalchemy as sa

from tripwire.errors import UsageError
from tripwire.store import Store
from tripwire.store import schema as t


class NotFound(UsageError):
    """The dataset, batch or page asked for does not exist (HTTP 404)."""


def require_dataset(store: Store, name: str) -> None:
    """Raise NotFound unless the store holds this dataset."""
    with store.engine.connect() as conn:
        if conn.execute(sa.select(t.datasets.c.id).where(t.datasets.c.name == name)).scalar() is None:
            raise NotFound(f"no dataset {name!r} in the store")


def require_batch(store: Store, batch_id: int) -> str:
    """Return the name of the batch's dataset; raise NotFound when there is no such batch."""
    q = (sa.select(t.datasets.c.name).join(t.batches, t.batches.c.dataset_id == t.datasets.c.id)
         .where(t.batches.c.id == batch_id))
    with store.engine.connect() as conn:
        name = conn.execute(q).scalar()
    if name is None:
        raise NotFound(f"no batch {batch_id} in the store")
    return name
