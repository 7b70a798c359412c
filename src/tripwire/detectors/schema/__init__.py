"""Detectors of problems in the shape and types of the data (family "schema")."""
