"""Join keys of two sources: coverage, duplicates, cardinality, format mismatches, fuzzy matches.

A checks-level stage that reads only through `tripwire.io` and works on the distinct keys of
each side with their row counts, so a 10-million-row side costs one group-by.
"""

from tripwire.joins.analysis import JoinAnalysis, analyse
from tripwire.joins.check import JoinCheck, check_counts, check_sources, side_counts
from tripwire.joins.findings import join_findings
from tripwire.joins.keys import KeyPairs, key_counts, parse_on, read_keys

__all__ = ["JoinAnalysis", "JoinCheck", "KeyPairs", "analyse", "check_counts", "check_sources", "join_findings", "key_counts", "parse_on", "read_keys", "side_counts"]
