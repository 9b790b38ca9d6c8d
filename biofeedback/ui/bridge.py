"""The one place where Qt meets asyncio: sessions run on an event loop in a worker thread.

Sessions, sources and bleak are asyncio and know nothing of Qt (DESIGN.md, "Rules").
:class:`SessionBridge` owns a thread running an asyncio loop; commands from the window go
in with ``call_soon_threadsafe``, and what the session reports comes out as Qt signals
carrying immutable snapshots (:mod:`biofeedback.training.snapshots`), which Qt queues to the
GUI thread. The GUI thread therefore never waits on Bluetooth or disk, and never reads an
object the worker thread changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..app.launch import PlanError, SessionPlan, finish_session
from ..app.library import assess_folder, library_progress
from ..app.live_session import LiveSession, open_live, replay_session
from ..app.replay import split_speed
from ..devices.source import PlaybackClock, SourceError
from ..errors import SessionWriteError
from ..storage.library import Library, LibraryError
from ..storage.rrfiles import RecordingError
from ..training.assessment import Assessment
from ..training.protocols import ASSESSMENTS
from ..training.snapshots import SessionResult, SessionUpdate, Started

__all__ = ["Assessed", "Finished", "SessionBridge", "Started"]

#: What can go wrong starting a session, each with a one-line message.
START_ERRORS = (SourceError, PlanError, LibraryError, SessionWriteError, RecordingError)
#: How often the worker sends the clock, step and pacer between beats (s): 25 per second,
#: enough for the pacer to move smoothly.
TICK_S = 0.04


@dataclass(frozen=True)
class Assessed:
    folder: Path
    client: str | None
    assessment: Assessment


@dataclass(frozen=True)
class Finished:
    result: SessionResult
    folder: Path | None


class SessionBridge(QObject):
    """Starts, steers and stops sessions on a worker-thread event loop."""

    update = Signal(object)  # SessionUpdate
    device_event = Signal(object)  # DeviceEvent
    started = Signal(object)  # Started
    ticked = Signal(object)  # SessionTick, every TICK_S while a session runs
    pacer_changed = Signal(object)  # PacerSchedule, after a rate change
    finished = Signal(object)  # Finished
    failed = Signal(str)  # a one-line reason
    scanned = Signal(object)  # list[StrapInfo]
    assessed = Signal(object)  # Assessed: a finished resonance assessment
    progressed = Signal(object)  # (client name, progress dict or None)
    clients_listed = Signal(object)  # list[str]: the library's client names
    sessions_listed = Signal(object)  # list[dict]: the library's sessions, client names added

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self._live: LiveSession | None = None  # touched on the worker thread only
        self.clock: PlaybackClock | None = None
        self._task: Future | None = None
        self._stop_requested = False
        self._replaying: tuple[str, float] | None = None  # path and speed of the replay
        self._seeking = False
        self._jobs: list[Future] = []  # library jobs: waited for before the thread stops
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sessions",
                                        daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def stopping(self) -> bool:
        """A stop was asked for and the session is still finishing."""
        return self.running and self._stop_requested

    # -- starting -------------------------------------------------------------------------
    def start_session(self, plan: SessionPlan) -> None:
        self._stop_requested = False
        self._task = asyncio.run_coroutine_threadsafe(self._session(plan), self._loop)

    def start_replay(self, path: str, speed: float = 1.0, start_s: float = 0.0) -> None:
        self._task = asyncio.run_coroutine_threadsafe(self._replay(path, speed, start_s),
                                                      self._loop)

    def scan(self, timeout_s: float = 5.0) -> None:
        asyncio.run_coroutine_threadsafe(self._scan(timeout_s), self._loop)

    async def _session(self, plan: SessionPlan) -> None:
        try:
            live = await open_live(plan, self.root)
        except START_ERRORS as exc:
            self.failed.emit(str(exc))
            return
        self.clock = None
        folder = live.folder
        result = await self._run(live)
        if result.error is None and folder.is_dir():
            try:
                finish_session(self.root, folder)
            except (LibraryError, OSError) as exc:
                result.error = f"the session is saved but not indexed: {exc}"
        self.finished.emit(Finished(result, folder))
        if plan.protocol in ASSESSMENTS and result.end_status == "completed":
            self.assessed.emit(Assessed(folder, plan.client,
                                        assess_folder(folder)))

    async def _replay(self, path: str, speed: float, start_s: float,
                      paused: bool = False) -> None:
        try:
            path, spec_speed = split_speed(path)  # PATH@SPEED wins over the window's speed
            speed = spec_speed or speed
            clock = PlaybackClock(speed, start_s)
            if paused:
                clock.pause()
            live = replay_session(path, clock)
        except START_ERRORS as exc:
            self.failed.emit(str(exc))
            return
        self._replaying = (path, speed)
        self.clock = clock
        result = await self._run(live)
        if not self._seeking:
            self.finished.emit(Finished(result, None))

    async def _run(self, live: LiveSession) -> SessionResult:
        live.subscribe(self._forward)
        self._live = live
        self.started.emit(live.started)
        ticking = asyncio.create_task(self._tick(live))
        try:
            return await live.run()
        finally:
            ticking.cancel()
            self.ticked.emit(live.tick())  # where the session stopped
            self._live = None

    async def _tick(self, live: LiveSession) -> None:
        while True:
            self.ticked.emit(live.tick())
            await asyncio.sleep(TICK_S)

    def _forward(self, item: Any) -> None:
        (self.update if isinstance(item, SessionUpdate) else self.device_event).emit(item)

    async def _scan(self, timeout_s: float) -> None:
        try:
            from ..devices import scan  # bleak is imported only when someone scans

            self.scanned.emit(await scan(timeout_s))
        except SourceError as exc:
            self.failed.emit(str(exc))
        except (ImportError, RuntimeError, OSError) as exc:  # a scan must always answer
            self.failed.emit(f"Bluetooth scan failed: {exc}")

    # -- steering (called from the GUI thread) ------------------------------------------
    def _call(self, fn: Any, *args: Any) -> None:
        self._loop.call_soon_threadsafe(fn, *args)

    def _with_session(self, command: Callable[[LiveSession], Any]) -> None:
        """Run ``command`` on the worker thread with the session running then, if any."""
        def run() -> None:
            if self._live is not None:
                command(self._live)
        self._call(run)

    def stop(self) -> None:
        if self.running:
            self._stop_requested = True
        self._with_session(LiveSession.stop)

    def marker(self, note: str) -> None:
        self._with_session(lambda live: live.marker(note))

    def set_rate(self, rate_bpm: float) -> None:
        self._with_session(lambda live: self.pacer_changed.emit(live.set_rate(rate_bpm)))

    def pause(self, paused: bool) -> None:
        if self.clock is not None:
            self._call(self.clock.pause if paused else self.clock.resume)

    def set_speed(self, speed: float) -> None:
        if self.clock is not None:
            self._call(self.clock.set_speed, speed)

    def seek(self, t_s: float) -> None:
        """Replay from ``t_s``: forward by letting the clock jump, back by starting over
        (the analysis runs only forward) and catching up at once. The worker thread reads
        its clock to tell which."""
        if self.running:
            self._call(self._seek_running, t_s)
        elif self._replaying is not None:
            self._task = asyncio.run_coroutine_threadsafe(self._restart(t_s), self._loop)

    def _seek_running(self, t_s: float) -> None:
        clock = self.clock
        if clock is not None and self._live is not None and t_s >= clock.now():
            clock.seek(t_s)
        elif self._replaying is not None:
            self._task = asyncio.run_coroutine_threadsafe(self._restart(t_s), self._loop)

    async def _restart(self, t_s: float) -> None:
        assert self._replaying is not None
        path, _ = self._replaying
        speed = self.clock.speed if self.clock else 1.0
        paused = self.clock.paused if self.clock else False
        self._seeking = True
        previous = self._live
        if previous is not None:
            previous.stop()
            while self._live is previous:
                await asyncio.sleep(0.01)
        self._seeking = False
        await self._replay(path, speed, t_s, paused)

    def _library_job(self, job: Callable[[Library], Any], failure: str) -> None:
        """Run ``job`` on the library in the worker thread (it reads and writes files);
        a failure is reported as ``failure: reason``."""
        async def run() -> None:
            try:
                with Library(self.root) as library:
                    job(library)
            except (LibraryError, RecordingError, OSError) as exc:
                self.failed.emit(f"{failure}: {exc}")
        self._jobs = [j for j in self._jobs if not j.done()]
        self._jobs.append(asyncio.run_coroutine_threadsafe(run(), self._loop))

    def list_clients(self) -> None:
        self._library_job(lambda lib: self.clients_listed.emit(
            [c["name"] for c in lib.clients()]), "could not read the clients")

    def list_sessions(self) -> None:
        def job(lib: Library) -> None:
            names = {c["id"]: c["name"] for c in lib.clients()}
            self.sessions_listed.emit([row | {"client_name": names.get(row["client_id"])}
                                       for row in reversed(lib.sessions())])
        self._library_job(job, "could not read the sessions")

    def load_progress(self, client: str) -> None:
        self._library_job(lambda lib: self.progressed.emit((client, library_progress(lib, client))),
                          f"could not read the progress of {client}")

    def save_resonance(self, client: str, rate_bpm: float) -> None:
        self._library_job(lambda lib: lib.update_client(client, resonance_bpm=rate_bpm),
                          "could not save the resonance rate")

    def rate_session(self, folder: Path, **ratings: Any) -> None:
        """Store post-session ratings and notes."""
        self._library_job(lambda lib: lib.annotate_session(folder, **ratings),
                          "could not save the rating")

    def wait(self, timeout_s: float = 10.0) -> None:
        """Block until the running session has ended (used when closing the window)."""
        if self._task is not None:
            with contextlib.suppress(Exception):  # already reported through `finished`
                self._task.result(timeout_s)

    def shutdown(self) -> None:
        """Stop the session, let pending library jobs (a rating) finish, end the thread."""
        self.stop()
        self.wait()
        for job in self._jobs:
            with contextlib.suppress(Exception):  # already reported through `failed`
                job.result(10.0)
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)
