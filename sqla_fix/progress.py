"""Progress of a long run: a rich progress bar on a terminal, for runs over a few hundred files.

The engine reports stages (`stage(label, total)`) and steps (`advance()`); with no progress object (piped
output, CI, a library caller) it reports nothing and the output is the same.
"""

from __future__ import annotations

# Below this many files a run is over before a bar would be worth its line.
THRESHOLD = 300


class TerminalProgress:
    def __init__(self) -> None:
        self._bar = None
        self._task = None

    def stage(self, label: str, total: int) -> None:
        if total < THRESHOLD:
            self._close()
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._bar.start()
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(label, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, steps)

    def close(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = self._task = None
