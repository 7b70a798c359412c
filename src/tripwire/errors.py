"""Errors a user sees as one line: what went wrong, where, and what to do."""

from __future__ import annotations


class TripwireError(Exception):
    """Base of every error tripwire raises on purpose (the CLI prints it as one line, exit 2)."""


class InputError(TripwireError):
    """Input that cannot be read: names the file, 1-based line/column, and what to do."""

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.path:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if isinstance(self.column, int):
                    where += f":{self.column}"
            if isinstance(self.column, str):
                where += f" (column {self.column!r})"
            where += ": "
        elif isinstance(self.column, str):
            where = f"column {self.column!r}: "
        text = where + self.problem
        if self.hint:
            text += f"; {self.hint}"
        return text


class MissingExtraError(TripwireError):
    """An optional dependency is not installed; names the extra to install."""

    def __init__(self, extra: str, package: str, purpose: str) -> None:
        self.extra = extra
        self.package = package
        super().__init__(
            f"{purpose} needs the package {package!r}: install it with "
            f"pip install 'tripwire[{extra}]'"
        )


class UsageError(TripwireError):
    """The command or function was called with arguments that cannot work together."""
