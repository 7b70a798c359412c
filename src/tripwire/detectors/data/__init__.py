"""Detectors of problems in the values themselves (family "data")."""
