"""Replay of a recording as a source: a session folder or any RR file the readers accept.

Beats come out with their original times, at the speed of the session clock. A session folder
also replays its device events (connections, battery); the user's commands in it (pacer rate
changes, markers) are offered as :attr:`ReplaySource.commands` for the runner to re-apply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from ..storage.rrfiles import RecordingError, RRRecording, read_rr
from ..storage.session import is_session_folder, read_session
from ..types import Beat, DeviceEvent
from .source import SessionClock, Source, SourceError

DEVICE_EVENTS = ("connected", "disconnected", "reconnecting", "battery", "info")
COMMAND_EVENTS = ("pacer_rate", "marker")


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


class ReplaySource(Source):
    def __init__(self, path: Path, beats: dict[str, np.ndarray],
                 events: list[tuple[float, str, str]], meta: dict[str, Any],
                 speed: float | None = None) -> None:
        self.path = path
        self.beats = beats
        self.events = [e for e in events if e[1] in DEVICE_EVENTS]
        self.commands = [e for e in events if e[1] in COMMAND_EVENTS]
        self.meta = meta
        self.speed = speed  # from a ``PATH@SPEED`` spec, if given
        self.note: str | None = None  # what the file reader left out, to tell the user
        self._closed = False

    @classmethod
    def open(cls, spec: str) -> ReplaySource:
        """``PATH`` or ``PATH@SPEED``: a session folder or an RR file."""
        path_text, speed = split_speed(spec)
        path = Path(path_text)
        try:
            if is_session_folder(path):
                rec = read_session(path)
                return cls(path, rec.beats, rec.events, rec.meta, speed)
            return cls.from_rr(read_rr(path), speed)
        except RecordingError as exc:
            raise SourceError(str(exc)) from None

    @classmethod
    def from_rr(cls, rec: RRRecording, speed: float | None = None) -> ReplaySource:
        """Beats of an RR file: HR from RR, contact unknown, arrival at the beat."""
        beats = {"t_s": rec.t_s, "rr_ms": rec.rr_ms, "hr_bpm": 60000.0 / rec.rr_ms,
                 "contact": np.full(rec.rr_ms.size, np.nan), "arrival_s": rec.t_s}
        path = Path(rec.path)
        source = cls(path, beats, [], {"source": f"file:{path.name}"}, speed)
        source.note = rec.note
        return source

    def describe(self) -> dict[str, Any]:
        device = self.meta.get("device", {})
        t = self.beats["t_s"]
        return {"kind": "replay", "name": f"Replay of {self.path.name}",
                "address": str(self.path), "original_device": device,
                "duration_s": float(t[-1]) if len(t) else 0.0}

    async def close(self) -> None:
        self._closed = True

    async def stream(self, clock: SessionClock) -> AsyncIterator[Beat | DeviceEvent]:
        b = self.beats
        contact = [None if np.isnan(c) else bool(c) for c in b["contact"]]
        items: list[tuple[float, int, Beat | DeviceEvent]] = [
            (t, 0, DeviceEvent(t, kind, value)) for t, kind, value in self.events]
        items += [(float(t), 1, Beat(float(t), float(rr), float(hr), c, float(arr)))
                  for t, rr, hr, c, arr in zip(b["t_s"], b["rr_ms"], b["hr_bpm"], contact,
                                               b["arrival_s"], strict=True)]
        items.sort(key=lambda item: (item[0], item[1]))
        for t, _, item in items:
            await clock.sleep_until(t)
            if self._closed:
                return
            yield item
