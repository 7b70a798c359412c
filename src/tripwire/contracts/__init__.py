"""Contracts: written assumptions about data, inferred or hand-edited, checked on every batch."""

from tripwire.contracts.expr import RuleSyntaxError, compile_rule
from tripwire.contracts.model import Bounds, ColumnSpec, Contract, DatasetSpec, Freshness, Rule

__all__ = ["Bounds", "ColumnSpec", "Contract", "DatasetSpec", "Freshness", "Rule", "RuleSyntaxError",
           "compile_rule"]
