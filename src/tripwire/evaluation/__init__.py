"""Model evaluation from a table of predictions: metrics with intervals, baselines, slices, fairness.

Model-agnostic: everything here reads arrays of labels, predictions and probabilities (or a
callable, for latency), never a model's internals. The run layer (`tripwire.run.evaluation`)
reads the data once and composes these into one Report.
"""

from tripwire.evaluation.bootstrap import Bootstrap
from tripwire.evaluation.classification import classification_metrics
from tripwire.evaluation.ranking import ranking_metrics
from tripwire.evaluation.regression import regression_metrics

__all__ = ["Bootstrap", "classification_metrics", "ranking_metrics", "regression_metrics"]
