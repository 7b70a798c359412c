"""What a dataset name may be: short, printable, and usable as one path segment of a URL."""

from __future__ import annotations

import unicodedata

from tripwire.errors import InputError

MAX_NAME = 200
#: characters that reorder or hide text on screen (bidirectional controls)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def check_dataset_name(name: object) -> str:
    """Return the name if it can be stored; else raise an InputError saying what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("a dataset name must be non-empty text", hint="e.g. --dataset orders")
    if len(name) > MAX_NAME:
        raise InputError(f"the dataset name is {len(name):,} characters long (at most {MAX_NAME})",
                         hint="use a short name such as orders or eu/orders")
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI), None)
    if bad is not None:
        raise InputError(f"the dataset name holds the control character U+{ord(bad):04X}",
                         hint="use printable characters only")
    if name in (".", "..") or name != name.strip():
        raise InputError(f"the dataset name {name!r} cannot be used in a URL",
                         hint="drop the surrounding spaces, and do not use '.' or '..'")
    return name
