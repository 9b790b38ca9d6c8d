"""Replaying a recording: read it (:mod:`~biofeedback.storage.recordings`), hand its beat
table to a :class:`~biofeedback.devices.replay.ReplaySource`, then a runner plays it
(:func:`~biofeedback.training.runner.replay_runner`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RecordingError, SourceError
from ..storage.recordings import load_recording

if TYPE_CHECKING:
    from ..devices.replay import ReplaySource

#: The fastest replay a ``PATH@SPEED`` spec asks for.
MAX_SPEED = 10000.0


def split_speed(spec: str) -> tuple[str, float | None]:
    """``PATH@SPEED`` into the path and the speed (None without ``@SPEED``). A path that
    exists as written is taken whole, ``@`` and all."""
    path_text, at, speed_text = spec.rpartition("@")
    if not at or Path(spec).exists():
        return spec, None
    try:
        speed = float(speed_text)
    except ValueError:
        raise SourceError(f"replay speed {speed_text!r} is not a number "
                          "(replay:PATH@SPEED, e.g. @10)") from None
    if not 0 < speed <= MAX_SPEED:
        raise SourceError(f"replay speed must be above 0 and at most {MAX_SPEED:g}")
    return path_text, speed


def open_replay(spec: str) -> ReplaySource:
    """The source replaying ``PATH`` or ``PATH@SPEED`` (a session folder or an RR file);
    SourceError with a one-line reason when it cannot be read."""
    from ..devices.replay import ReplaySource

    path_text, speed = split_speed(spec)
    try:
        rec = load_recording(path_text, min_beats=0)
    except RecordingError as exc:
        raise SourceError(str(exc)) from None
    meta = rec.meta if rec.session is not None else None
    return ReplaySource(rec.path, rec.beats, rec.events, meta, speed, rec.note)
