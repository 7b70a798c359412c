"""Drift: how a batch's composition moved from a reference, per feature, jointly, in text,
in labels and predictions, and over time (docs/drift.md).

The detectors register themselves (features, multivariate, text, targets); `tripwire.drift`
is a run-layer command (`tripwire.run.drift`) that runs them alone.
"""
