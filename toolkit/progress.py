"""What the long stages say while they run, and how a terminal shows it.

A stage reports either a plain line (printed by `-v`) or a `Step`: how far it got out of how
much. On a terminal the CLI draws the steps as rich progress bars on stderr; elsewhere only the
`-v` lines appear, exactly as before. rich is imported only when a display is really shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    """`done` of `total` units of a long stage; `text` is its `-v` line, "" for none."""

    stage: str  # apply | probe | rpc
    done: int
    total: int
    text: str = ""


Progress = Callable[[str | Step], None]

STAGE_LABELS = {"apply": "applying migrations", "probe": "probing tables", "rpc": "calling functions"}


def quiet(_event: str | Step) -> None:
    """A Progress that says nothing."""


class TerminalProgress:
    """rich's progress display on stderr: one bar per stage, gone when the run ends.

    Lines logged while it is shown are printed above the bars, never through stdout.
    """

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=console, transient=True,
                              redirect_stdout=False, redirect_stderr=True)
        self._tasks: dict[str, tuple[Any, int]] = {}  # stage -> (task id, total)

    def step(self, step: Step) -> None:
        total = max(step.total, 1)
        if step.stage not in self._tasks:
            for earlier, earlier_total in self._tasks.values():  # a new stage means the last one ended
                self._bars.update(earlier, completed=earlier_total)
            label = STAGE_LABELS.get(step.stage, step.stage)
            self._tasks[step.stage] = (self._bars.add_task(label, total=total), total)
        task, _ = self._tasks[step.stage]
        self._tasks[step.stage] = (task, total)
        self._bars.update(task, completed=step.done, total=total)

    def log(self, line: str) -> None:
        self._bars.console.print(line, markup=False, highlight=False, soft_wrap=True)

    @contextmanager
    def shown(self) -> Iterator[TerminalProgress]:
        self._bars.start()
        try:
            yield self
        finally:
            self._bars.stop()


def terminal_progress() -> TerminalProgress | None:
    """A display when stderr is an interactive terminal, else None (CI logs, pipes, TERM=dumb)."""
    import sys

    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal or console.is_dumb_terminal:
        return None
    return TerminalProgress(console)
