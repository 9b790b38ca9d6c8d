"""The one loader for anything that holds beats: a session folder or a foreign RR file.

:func:`load_recording` is where "session folder or RR file?" is decided, for ``analyze``,
``replay``, reports, batch analysis and the research API alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordingError
from ..signal.edits import LabelOverrides
from ..types import BeatTable
from .folder import SessionRecord, is_session_folder, read_session
from .rrfiles import read_rr


@dataclass(frozen=True)
class Recording:
    """Beats read from a session folder or an RR file.

    ``format``: ``session`` or the RR file's layout; ``events`` and ``meta``: the session's
    (empty for a file); ``note``: one line saying what the file reader left out, or None;
    ``beat_labels``: a file's annotation symbols, when it has them; ``session``: the folder
    read back (None for a file); ``edits``: the session's beat review (``edits.csv``), or None.
    """

    path: Path
    format: str
    beats: BeatTable
    events: list[tuple[float, str, str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    beat_labels: np.ndarray | None = None
    session: SessionRecord | None = None
    edits: LabelOverrides | None = None


def load_recording(path: str | Path, units: str = "auto", column: str | None = None,
                   labels: bool = True, min_beats: int = 2) -> Recording:
    """Beats of a session folder (as recorded, with its beat review ``edits``) or of an RR
    file (see :mod:`.rrfiles`); ``labels=False``: without the file's beat labels (faster); a
    folder with fewer than ``min_beats`` beats is refused (RecordingError)."""
    path = Path(path)
    if is_session_folder(path):
        rec = read_session(path)
        if len(rec.beats) < min_beats:
            raise RecordingError(f"{path}: the session holds fewer than two beats")
        from .edits import read_overrides

        return Recording(path, "session", rec.beats, rec.events, rec.meta, session=rec,
                         edits=read_overrides(path))
    rr = read_rr(path, units=units, column=column, labels=labels)
    return Recording(path, rr.format, BeatTable.from_rr(rr.t_s, rr.rr_ms), note=rr.note,
                     beat_labels=rr.beat_labels)
