"""Mask personal values: examples in findings, top values, row samples and stored profiles.

Masking is one-way and keeps only the shape a reader needs (an e-mail's domain ending, the
last two digits of a number), never enough to recover the value.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "•••• (masked)"
_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
#: evidence keys that hold data values (examples, listed values, pairs); counts stay visible
VALUE_KEYS = ("examples", "values", "top", "top_values", "variants", "pairs", "new_values",
              "missing_values", "example", "value", "min", "max", "tokens", "new_tokens",
              "fading_tokens", "groups", "sample", "samples", "rows_sample", "clusters")


def mask_value(value: Any, kind: str = "") -> str:
    """Return a masked form of one value: its shape, a first letter or last two digits kept."""
    text = str(value)[:64]
    if kind == "email" and "@" in text:
        local, _, domain = text.partition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local[:1]}•••@•••.{tld}" if tld else f"{local[:1]}•••@•••"
    chars = list(text)
    spots = [m.start() for m in _ALNUM.finditer(text)]
    if not spots:
        return MASK
    digits = sum(c.isdigit() for c in chars)
    keep = set(spots[-2:]) if digits * 2 >= len(spots) else {spots[0]}
    if len(spots) <= 3:
        keep = set()
    return "".join(c if i in keep or i not in set(spots) else "•" for i, c in enumerate(chars))


def mask_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Return the evidence with every data value under a value key replaced by the mask."""
    return {k: _masked(v) if k in VALUE_KEYS else v for k, v in evidence.items()}


def _masked(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {MASK + f" #{i + 1}": v if isinstance(v, (int, float)) else _masked(v)
                for i, v in enumerate(value.values())}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return MASK
    return MASK if value is not None else None
