"""Detectors: registered units that each find one family of issues from profiles (and rows)."""

from tripwire.detectors.registry import (
    DETECTORS,
    NEEDS,
    Detector,
    ScanContext,
    load_detectors,
    register,
    run_detectors,
)
from tripwire.detectors.rows import locate_rows

__all__ = [
    "DETECTORS",
    "NEEDS",
    "Detector",
    "ScanContext",
    "load_detectors",
    "locate_rows",
    "register",
    "run_detectors",
]
