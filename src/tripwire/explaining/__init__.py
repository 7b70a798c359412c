"""Explanations without the model's internals: permutation importance and feature ablation.

Everything here calls the user's `predict(rows)` (and, for ablation, `fit(train_rows) ->
predict`) and scores the outputs with a metric; intervals come from a paired row bootstrap
(permutation) or the paired differences across the same K folds (ablation). The run layer
(`tripwire.run.explanations`) reads the data and builds the Report.
"""

from tripwire.explaining.ablation import AblationResult, Variant, ablate, variants
from tripwire.explaining.metrics import METRICS, Metric, get_metric
from tripwire.explaining.permutation import Importance, permutation_importance
from tripwire.explaining.predict import explain_call

__all__ = ["METRICS", "AblationResult", "Importance", "Metric", "Variant", "ablate", "explain_call", "get_metric",
           "permutation_importance", "variants"]
