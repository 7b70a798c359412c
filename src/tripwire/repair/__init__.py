"""Repairs that findings propose, applied to a frame with an audit of every changed cell.

Above the detectors (it reads what their findings carry), below the run layer (which reads
the data, checks the report belongs to it, writes the output and re-scans it).
"""

from tripwire.repair.apply import AUDIT_SCHEMA, Applied, Repaired, apply_rules
from tripwire.repair.mapping import dumps, load, save
from tripwire.repair.rules import RULE_CODES, Rule, Skipped, rules_from_report, select

__all__ = ["AUDIT_SCHEMA", "RULE_CODES", "Applied", "Repaired", "Rule", "Skipped", "apply_rules", "dumps", "load",
           "rules_from_report", "save", "select"]
