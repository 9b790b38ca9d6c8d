"""One-line user errors: bad input or a failing environment, never a bug.

Every error here carries its whole message in ``str()``, a single line. The command line
prints it as ``biofeedback COMMAND: error: ...`` and exits with status 2 (see ``cli.py``); the
window shows it in a message box. A bug is any other exception, and keeps its traceback.
This module imports nothing, so that the command line can catch these cheaply.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input or environment, said in one line (the base of every error below)."""


class SourceError(UserError):
    """A source of beats that cannot be opened or has failed."""


class RecordingError(UserError):
    """A file or folder that cannot be read as a recording."""


class SessionWriteError(UserError):
    """A recording that could not be written; what was written before stays readable."""


class LibraryError(UserError):
    """The library (SQLite index) cannot answer: unknown client or session, locked, damaged."""


class ExportError(UserError):
    """An export that cannot be written."""


class OutputError(UserError):
    """An output table that cannot be written."""


class PlanError(UserError, ValueError):
    """A session plan that cannot run."""
