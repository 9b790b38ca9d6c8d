"""Importing an RR file as a session: the runner's output for the whole file at once
(:func:`biofeedback.training.importing.session_tables`), written into a session folder a
table at a time."""

from __future__ import annotations

from typing import Protocol as TypingProtocol

import numpy as np

from ..training.importing import session_tables
from ..training.plan import SessionSettings
from ..training.protocols import Protocol
from ..training.runner import Recorder
from ..training.snapshots import SessionResult


class BulkRecorder(Recorder, TypingProtocol):
    """A recorder that also takes whole tables (a
    :class:`~biofeedback.storage.writer.SessionWriter`)."""

    def tables(self, tables: dict[str, list[np.ndarray]]) -> None: ...


def import_beats(t: np.ndarray, rr: np.ndarray, settings: SessionSettings, protocol: Protocol,
                 writer: BulkRecorder) -> SessionResult:
    """Write beats (times ``t`` in s, ``rr`` in ms) into an open session ``writer`` (its
    ``beats``, ``events`` and ``metrics``) as one unpaced step, close it, and return the
    result."""
    tables = session_tables(t, rr, settings, protocol)
    writer.tables({"beats": tables.beats, "events": tables.events, "metrics": tables.metrics})
    writer.close("completed", summary=tables.summary, duration_s=tables.duration_s)
    return SessionResult("completed", tables.n_beats, tables.summary)
