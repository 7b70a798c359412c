"""Mergeable statistics: each has an empty state, an update from arrays, merge, and JSON."""
