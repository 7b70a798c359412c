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
    from tripwire.run.plan import Plan, execute
    from tripwire.run.rowpass import RowRequest, locate_rows, row_pass
    from tripwire.run.serving import compare_models, log_labels

_WHERE = {
    "Logged": "commands", "check": "commands", "check_profile": "commands", "drift": "commands",
    "ingest": "commands", "log": "commands", "scan": "commands",
    "PassLog": "context", "RunContext": "context", "dataset_info": "context", "open_context": "context",
    "profile": "context", "resolve_reference": "context",
    "evaluate": "evaluation",
    "Plan": "plan", "execute": "plan",
    "RowRequest": "rowpass", "locate_rows": "rowpass", "row_pass": "rowpass",
    "compare_models": "serving", "log_labels": "serving",
}

__all__ = [
    "Logged",
    "PassLog",
    "Plan",
    "RowRequest",
    "RunContext",
    "check",
    "check_profile",
    "compare_models",
    "dataset_info",
    "drift",
    "evaluate",
    "execute",
    "ingest",
    "locate_rows",
    "log",
    "log_labels",
    "open_context",
    "profile",
    "resolve_reference",
    "row_pass",
    "scan",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tripwire.run' has no attribute {name!r}")
    value = getattr(import_module(f"tripwire.run.{module}"), name)
    globals()[name] = value
    return value
