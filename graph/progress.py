"""The one progress protocol of the code base: long jobs report, the CLI draws.

A job (an ingest check, a write, the synthetic generator, an analysis run) takes a
``progress: Progress = QUIET`` argument and tells it how far it is; it never prints itself.
The commands pass an implementation that draws (rich progress bars, timestamped lines);
tests, benchmarks and the API pass nothing and get :data:`QUIET`.

Examples
--------
>>> QUIET.update("check d1", 2048)
>>> QUIET.note("export: 12 current deliveries")
>>> QUIET.finish("check d1")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

__all__ = ["QUIET", "NoteProgress", "Progress", "QuietProgress"]


class Progress(Protocol):
    """Where a long job reports how far it is. Implementations must be thread-safe: the
    ingest checks one delivery in a worker thread while the main thread writes another."""

    def update(self, step: str, done: int, total: int | None = None) -> None:
        """``done`` units of ``step`` are finished, of ``total`` (``None``: not known yet).
        The first update of a step starts it."""

    def note(self, message: str) -> None:
        """One line on what a job has just done (the analysis run's log lines)."""

    def finish(self, step: str) -> None:
        """``step`` is over (done or failed); its display may go."""


class QuietProgress:
    """A :class:`Progress` that shows nothing."""

    def update(self, step: str, done: int, total: int | None = None) -> None:
        """Ignore the update."""

    def note(self, message: str) -> None:
        """Ignore the line."""

    def finish(self, step: str) -> None:
        """Ignore the end."""


class NoteProgress(QuietProgress):
    """A :class:`Progress` that hands each note to ``on_note`` (print it, log it, test it)
    and ignores counts.

    Examples
    --------
    >>> NoteProgress(print).note("export: 12 current deliveries")
    export: 12 current deliveries
    """

    def __init__(self, on_note: Callable[[str], None]) -> None:
        self._on_note = on_note

    def note(self, message: str) -> None:
        """Pass the line on."""
        self._on_note(message)


#: The default of every ``progress`` argument.
QUIET: Final[Progress] = QuietProgress()
