"""A session or a replay as the window runs it: commands in, immutable snapshots out.

A :class:`LiveSession` lives on the worker thread's event loop (``ui/bridge.py`` owns that
thread). Everything it hands out is a frozen value (``Started``, ``SessionUpdate``,
``SessionTick`` of :mod:`biofeedback.training.snapshots`, ``DeviceEvent``, ``PacerSchedule``),
so the window never reads an object the worker thread is changing.
"""

from __future__ import annotations

from pathlib import Path

from ..devices.source import PlaybackClock, SessionClock
from ..training.pacer import PacerSchedule
from ..training.runner import Observer, SessionRunner, replay_runner
from ..training.snapshots import SessionResult, SessionTick, Started
from .launch import SessionPlan, open_session
from .replay import open_replay


class LiveSession:
    """One running session or replay. Call its methods on the worker thread only."""

    def __init__(self, runner: SessionRunner, device: dict, folder: Path | None,
                 replay: bool) -> None:
        self._runner = runner
        clock = runner.clock
        self.folder = folder
        self.started = Started(runner.settings, runner.protocol, runner.pacer.schedule, device,
                               folder, replay, clock.speed, getattr(clock, "paused", False))

    def subscribe(self, observer: Observer) -> None:
        """``observer`` receives each SessionUpdate and DeviceEvent, on the worker thread."""
        self._runner.subscribe(observer)

    async def run(self) -> SessionResult:
        return await self._runner.run()

    def tick(self) -> SessionTick:
        return self._runner.tick()

    def stop(self) -> None:
        self._runner.stop()

    def marker(self, note: str) -> None:
        self._runner.marker(note)

    def set_rate(self, rate_bpm: float) -> PacerSchedule:
        """Change the pacer's rate now; returns the new schedule."""
        self._runner.set_rate(rate_bpm)
        return self._runner.pacer.schedule


async def open_live(plan: SessionPlan, root: Path) -> LiveSession:
    """Open the source and the session folder (the errors of
    :func:`~biofeedback.app.launch.open_session`)."""
    opened = await open_session(plan, root)
    return LiveSession(opened.runner, opened.source.describe(), opened.writer.folder,
                       replay=False)


def replay_session(path: str, clock: PlaybackClock | SessionClock) -> LiveSession:
    """A recording played back as it ran (RecordingError when it cannot be read)."""
    source = open_replay(path)
    return LiveSession(replay_runner(source, None, clock), source.describe(), None,
                       replay=True)

