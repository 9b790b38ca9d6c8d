"""Library work off the window's thread: a function run in a thread, its answer by Qt signal.

Sharing, importing and the caseload read and write files (and a passphrase's key derivation
takes a good part of a second), so the window hands them to a thread and keeps drawing; the
answer comes back as a queued signal on the window's thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..storage.bundle import BundleError
from ..storage.library import LibraryError
from ..storage.rrfiles import RecordingError

#: What a job may fail with, reported as a one-line message (anything else is a bug).
EXPECTED = (BundleError, LibraryError, RecordingError, OSError)


class Job(QObject):
    """Run ``fn`` in a thread; ``done(result)`` or ``failed(message)`` on the GUI thread."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Job:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._fn()
        except EXPECTED as exc:
            self._emit(self.failed, str(exc))
            return
        self._emit(self.done, result)

    @staticmethod
    def _emit(signal, value: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile: no one to tell
            signal.emit(value)


def run_job(fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_failed: Callable[[str], None], parent: QObject) -> Job:
    """Start a :class:`Job` owned by ``parent`` (kept alive by it until the answer)."""
    job = Job(fn, parent)
    job.done.connect(on_done)
    job.failed.connect(on_failed)
    return job.start()
