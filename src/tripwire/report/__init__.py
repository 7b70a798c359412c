"""The result model shared by every command: Finding, Report, and the issue-code catalogue."""

from tripwire.report.codes import CODES, CodeInfo, code_info
from tripwire.report.finding import MAX_ROWS, SEVERITIES, Finding, Severity
from tripwire.report.report import CheckResult, DatasetInfo, Report, ReportError, RunInfo

__all__ = [
    "CODES",
    "MAX_ROWS",
    "SEVERITIES",
    "CheckResult",
    "CodeInfo",
    "DatasetInfo",
    "Finding",
    "Report",
    "ReportError",
    "RunInfo",
    "Severity",
    "code_info",
]
