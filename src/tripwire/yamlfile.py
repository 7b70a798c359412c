"""Read the YAML files users write (contracts, alert rules, drift settings) with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tripwire.errors import InputError


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error names the source and the 1-based line."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML ({getattr(exc, 'problem', None) or exc})", path=source,
                         line=mark.line + 1 if mark else None) from None


def read_yaml(path: str | Path, what: str = "file") -> Any:
    """Read a YAML file; a missing file or bad syntax is one line naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {what} ({exc.__class__.__name__})", path=str(path)) from None
    return parse_yaml(text, str(path))
