"""The pytest plugin (entry point `pytest11`): tripwire's assertions as fixtures, failures as readable diffs.

Fixtures `tripwire_clean` and `tripwire_behaviour` hand a test `assert_clean` and
`assert_behaviour`. When one of them fails, the test's report shows the findings' diff and
the line of the test that asserted, not a traceback through tripwire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tripwire.testing import TripwireAssertion, assert_behaviour, assert_clean


@pytest.fixture
def tripwire_clean() -> Callable[..., Any]:
    """Return `assert_clean(data, contract=..., reference=...)`."""
    return assert_clean


@pytest.fixture
def tripwire_behaviour() -> Callable[..., Any]:
    """Return `assert_behaviour(suite, model, data=None)`."""
    return assert_behaviour


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    excinfo = call.excinfo
    if report.failed and excinfo is not None and isinstance(excinfo.value, TripwireAssertion):
        where = _test_line(item, excinfo)
        report.longrepr = f"{where}\n{excinfo.value}" if where else str(excinfo.value)
    return report


def _test_line(item: pytest.Item, excinfo: Any) -> str:
    """Return 'path:line: code' of the test's own frame that raised (not tripwire's frames)."""
    path = str(getattr(item, "path", ""))
    for entry in reversed(excinfo.traceback):
        if str(entry.path) == path:
            source = entry.statement
            return f"{entry.path}:{entry.lineno + 1}: {str(source).strip()}"
    return ""
