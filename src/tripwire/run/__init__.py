"""The run layer: every command opens one context, builds one plan and executes it.

`open_context` profiles the data once and resolves the reference once; `execute` runs the
detectors and contract checks on the profiles, then one shared row pass for everything
that needs rows, builds the one Report, and hands it to the plan's sinks (store, alerts).
See docs/architecture.md for the picture and docs/extending.md for how to add a detector,
a check or a command. Names load lazily: `tripwire profile` should not pay for contracts,
detectors, the store or the evaluation stage.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tripwire.run.annotation import annotators
    from tripwire.run.commands import Logged, check, check_profile, drift, ingest, log, scan
    from tripwire.run.context import (
        PassLog,
        RunContext,
        dataset_info,
        open_context,
        profile,
        resolve_reference,
    )
    from tripwire.run.evaluation import evaluate
    from tripwire.run.explanations import explain
    from tripwire.run.images import profile_images, scan_images
    from tripwire.run.joins import join_check
    from tripwire.run.modeltests import test_model
    from tripwire.run.plan import Plan, execute
    from tripwire.run.privacy import k_anonymity, pseudonymise, synthetic_check
    from tripwire.run.repairs import fix
    from tripwire.run.rowpass import RowRequest, locate_rows, row_pass
    from tripwire.run.serving import compare_models, log_labels

_WHERE = {
    "annotators": "annotation",
    "Logged": "commands", "check": "commands", "check_profile": "commands", "drift": "commands",
    "ingest": "commands", "log": "commands", "scan": "commands",
    "PassLog": "context", "RunContext": "context", "dataset_info": "context", "open_context": "context",
    "profile": "context", "resolve_reference": "context",
    "evaluate": "evaluation", "explain": "explanations", "test_model": "modeltests",
    "fix": "repairs", "join_check": "joins",
    "profile_images": "images", "scan_images": "images",
    "Plan": "plan", "execute": "plan",
    "k_anonymity": "privacy", "pseudonymise": "privacy", "synthetic_check": "privacy",
    "RowRequest": "rowpass", "locate_rows": "rowpass", "row_pass": "rowpass",
    "compare_models": "serving", "log_labels": "serving",
}

__all__ = [
    "Logged",
    "PassLog",
    "Plan",
    "RowRequest",
    "RunContext",
    "annotators",
    "check",
    "check_profile",
    "compare_models",
    "dataset_info",
    "drift",
    "evaluate",
    "execute",
    "explain",
    "fix",
    "ingest",
    "join_check",
    "k_anonymity",
    "locate_rows",
    "log",
    "log_labels",
    "open_context",
    "profile",
    "profile_images",
    "pseudonymise",
    "resolve_reference",
    "row_pass",
    "scan",
    "scan_images",
    "synthetic_check",
    "test_model",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tripwire.run' has no attribute {name!r}")
    value = getattr(import_module(f"tripwire.run.{module}"), name)
    globals()[name] = value
    return value
