"""Replay of a recording as a source: a session folder or any RR file the readers accept,
read by the application (:mod:`biofeedback.app.replay`) and handed over as a beat table.

Beats come out with their original times, at the speed of the session clock. A session folder
also replays its device events (connections, battery); the user's commands in it (pacer rate
changes, markers) are offered as :attr:`ReplaySource.commands` for the runner to re-apply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Beat, BeatTable, DeviceEvent
from .source import SessionClock, Source

DEVICE_EVENTS = ("connected", "disconnected", "reconnecting", "battery", "info")
COMMAND_EVENTS = ("pacer_rate", "marker")



class ReplaySource(Source):
    """Plays back ``beats`` (and the device events among ``events``) of the recording at
    ``path``, read by the caller: this module reads no files.

    ``meta``: the recording's ``session.json`` content (empty for an RR file); ``speed``: the
    speed a ``PATH@SPEED`` spec asked for; ``note``: what the file reader left out, to tell
    the user.
    """

    def __init__(self, path: Path, beats: BeatTable,
                 events: list[tuple[float, str, str]] | None = None,
                 meta: dict[str, Any] | None = None, speed: float | None = None,
                 note: str | None = None) -> None:
        self.path = path
        self.beats = beats
        events = events or []
        self.events = [e for e in events if e[1] in DEVICE_EVENTS]
        self.commands = [e for e in events if e[1] in COMMAND_EVENTS]
        self.meta = meta if meta is not None else {"source": f"file:{path.name}"}
        self.speed = speed
        self.note = note
        self._closed = False

    def describe(self) -> dict[str, Any]:
        device = self.meta.get("device", {})
        t = self.beats.t_s
        return {"kind": "replay", "name": f"Replay of {self.path.name}",
                "address": str(self.path), "original_device": device,
                "duration_s": float(t[-1]) if len(t) else 0.0}

    async def close(self) -> None:
        self._closed = True

    async def stream(self, clock: SessionClock) -> AsyncIterator[Beat | DeviceEvent]:
        b = self.beats
        contact = [None if np.isnan(c) else bool(c) for c in b.contact.tolist()]
        items: list[tuple[float, int, Beat | DeviceEvent]] = [
            (t, 0, DeviceEvent(t, kind, value)) for t, kind, value in self.events]
        items += [(float(t), 1, Beat(float(t), float(rr), float(hr), c, float(arr)))
                  for t, rr, hr, c, arr in zip(b.t_s.tolist(), b.rr_ms.tolist(),
                                               b.hr_bpm.tolist(), contact,
                                               b.arrival_s.tolist(), strict=True)]
        items.sort(key=lambda item: (item[0], item[1]))
        for t, _, item in items:
            await clock.sleep_until(t)
            if self._closed:
                return
            yield item
