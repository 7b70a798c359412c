"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import skip_or_fail


def _postgres_url() -> str:
    url = os.environ.get("TRIPWIRE_TEST_POSTGRES")
    if not url:
        skip_or_fail("needs PostgreSQL (scripts/test starts one and sets TRIPWIRE_TEST_POSTGRES)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Return the URL of an empty store of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.db'}"
        return
    import sqlalchemy as sa

    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:
        skip_or_fail(f"needs a running PostgreSQL at TRIPWIRE_TEST_POSTGRES ({exc.orig})")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
