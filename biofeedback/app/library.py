"""Library jobs that join the session folders, the library and the training measures:
a client's progress, the assessment of a recorded session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..storage.folder import read_samples, read_session
from ..storage.library import Library
from ..training.assessment import Assessment, assess_session
from ..training.outcomes import client_progress, session_progress


def library_progress(library: Library, name: str) -> dict[str, Any] | None:
    """:func:`~biofeedback.training.outcomes.client_progress` of a client's sessions in the
    library (None: no sessions)."""
    rows = library.sessions(name)
    if not rows:
        return None
    return client_progress([session_progress(read_session(r["folder"]).meta) for r in rows])


def assess_folder(folder: str | Path) -> Assessment:
    """The resonance assessment of a recorded session folder, with its accelerometer stream
    when one was recorded. RecordingError when the folder cannot be read, ValueError when
    it is not an assessment. The session's beat review (``edits.csv``) is applied."""
    from ..storage.edits import read_overrides

    record = read_session(folder)
    return assess_session(record.folder.name, record.meta, record.events, record.beats,
                          read_samples(record.folder, "acc"), read_overrides(record.folder))
