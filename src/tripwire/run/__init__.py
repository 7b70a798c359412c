"""The run layer: every command opens one context, builds one plan and executes it.

`open_context` profiles the data once and resolves the reference once; `execute` runs the
detectors and contract checks on the profiles, then one shared row pass for everything
that needs rows, builds the one Report, and hands it to the plan's sinks (store, alerts).
See docs/architecture.md for the picture and how to add a detector, a check or a command.
"""

from tripwire.run.commands import Logged, check, check_profile, drift, ingest, log, profile, scan
from tripwire.run.context import PassLog, RunContext, dataset_info, open_context, resolve_reference
from tripwire.run.plan import Plan, execute
from tripwire.run.rowpass import RowRequest, locate_rows, row_pass


def __getattr__(name: str) -> object:
    # evaluate pulls in the evaluation stage; commands that do not evaluate do not pay for it
    if name == "evaluate":
        from tripwire.run.evaluation import evaluate

        return evaluate
    raise AttributeError(f"module 'tripwire.run' has no attribute {name!r}")


__all__ = [
    "Logged",
    "PassLog",
    "Plan",
    "RowRequest",
    "RunContext",
    "check",
    "check_profile",
    "dataset_info",
    "drift",
    "evaluate",
    "execute",
    "ingest",
    "locate_rows",
    "log",
    "open_context",
    "profile",
    "resolve_reference",
    "row_pass",
    "scan",
]
