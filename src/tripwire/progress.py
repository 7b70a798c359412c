"""Progress on the screen for long work, handed to the stages as a plain callback.

Statistics never import a screen library: `profile()` and the run layer call
`progress(rows_done, rows_total_or_None)`; the faces (CLI, demo, notebooks) pass in a
`ProgressBar`, which appears only once the work has run for a moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: (rows done so far, total rows if known)
ProgressCallback = Callable[[int, "int | None"], None]

#: show a bar only when the work takes longer than this many seconds
SHOW_AFTER_SECONDS = 1.5


class ProgressBar:
    """A Rich progress bar on stderr that appears only when the work takes a while."""

    def __init__(self, label: str, verb: str = "profiling") -> None:
        self.label, self.verb = label, verb
        self.start = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            if time.monotonic() - self.start < SHOW_AFTER_SECONDS:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn(f"{self.verb} {{task.description}}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("rows"), TimeElapsedColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        """Remove the bar from the screen."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def progress_for(progress: bool | ProgressCallback | None, label: str,
                 verb: str = "profiling") -> ProgressCallback | None:
    """Return the callback to use: a bar for True, the caller's callable as is, else None."""
    if progress is True:
        return ProgressBar(label, verb)
    if callable(progress):
        return progress
    return None


def close(progress: ProgressCallback | None) -> None:
    """Close a progress callback that has something on screen."""
    closer = getattr(progress, "close", None)
    if callable(closer):
        closer()
