"""One entry point for anything that holds beats: a session folder or a foreign RR file."""

from __future__ import annotations

from pathlib import Path

from .rrfiles import RRRecording, read_rr
from .session import is_session_folder, read_session


def load_recording(path: str | Path, units: str = "auto", column: str | None = None,
                   labels: bool = True) -> RRRecording:
    """Beats of a session folder (as recorded, with its beat review ``edits``) or of an RR
    file (see :mod:`.rrfiles`); ``labels=False``: without the file's beat labels (faster)."""
    path = Path(path)
    if is_session_folder(path):
        rec = read_session(path)
        from .rrfiles import RecordingError

        if rec.beats["t_s"].size < 2:
            raise RecordingError(f"{path}: the session holds fewer than two beats")
        from .edits import read_overrides

        return RRRecording(str(path), "session", rec.beats["t_s"], rec.beats["rr_ms"],
                           edits=read_overrides(path))
    return read_rr(path, units=units, column=column, labels=labels)
