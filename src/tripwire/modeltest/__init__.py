"""Behavioural tests of a model: minimum-functionality, invariance and directional cases from a YAML suite.

Model-agnostic: the model is any callable `predict(rows) -> outputs` or an object with
`predict`/`predict_proba`; cases come from listed inputs, templates and seeded samples of
real rows. The run layer (`tripwire.run.modeltests`) turns the outcomes into one Report.
"""

from tripwire.modeltest.model import ModelCall, load_model, predict_batches
from tripwire.modeltest.runner import CaseFailure, TestOutcome, run_suite
from tripwire.modeltest.suite import Suite, TestSpec

__all__ = ["CaseFailure", "ModelCall", "Suite", "TestOutcome", "TestSpec", "load_model", "predict_batches",
           "run_suite"]
