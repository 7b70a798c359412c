"""Detectors: registered units that each find one family of issues from profiles (and rows)."""

from tripwire.detectors.registry import (
    DETECTORS,
    NEEDS,
    Detector,
    ScanContext,
    load_detectors,
    register,
    run_detectors,
    select_detectors,
    start_detectors,
)

__all__ = [
    "DETECTORS",
    "NEEDS",
    "Detector",
    "ScanContext",
    "load_detectors",
    "register",
    "run_detectors",
    "select_detectors",
    "start_detectors",
]
