"""Detectors of problems in the label column (family "labels", needs --label)."""
