"""The session runner: Source → LiveAnalyzer → recorder → observers, and nothing more.

One direction only. The runner takes beats and device events from a source, has the
:class:`~biofeedback.signal.live.LiveAnalyzer` analyse each beat (its causal filter, RMSSD,
coherence and the gap rule), scores the feedback (:mod:`.feedback`), writes beats, events and
metrics through the recorder, and hands an immutable :class:`~.snapshots.SessionUpdate` to
each observer (the CLI's live line, the window's bridge, an LSL outlet). Commands come in as
method calls: :meth:`SessionRunner.stop`, :meth:`~SessionRunner.marker`,
:meth:`~SessionRunner.set_rate`.

Everything written to ``metrics.csv`` is a function of the beats and of the pacer's schedule,
so replaying a recording through a runner reproduces its metrics exactly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from typing import Protocol as TypingProtocol

import numpy as np

from ..devices.replay import ReplaySource
from ..devices.source import SessionClock, Source
from ..signal import LiveAnalyzer, LiveMetrics
from ..signal.respiration import BreathingTracker
from ..types import Beat, DeviceEvent, Samples
from .feedback import achievement_points, score_levels
from .pacer import Pacer
from .plan import SessionSettings, breathing_targets, build_pacer, recorded_plan
from .protocols import Protocol, Step, make_protocol
from .snapshots import SessionResult, SessionTick, SessionUpdate
from .summary import session_summary


class Recorder(TypingProtocol):
    """What the runner writes to (a :class:`~biofeedback.storage.writer.SessionWriter`)."""

    def beat(self, beat: Beat, artifact: bool) -> None: ...
    def event(self, t_s: float, kind: str, value: Any = "") -> None: ...
    def metrics(self, row: dict[str, Any]) -> None: ...
    def samples(self, block: Samples) -> None: ...
    def close(self, end_status: str, **updates: Any) -> None: ...


Observer = Callable[[SessionUpdate | DeviceEvent], None]

#: How long after its duration (session s) a session ends when its source has gone silent.
END_GRACE_S = 1.0


class SessionRunner:
    """Runs one session. Create, :meth:`subscribe`, then ``await run()``."""

    def __init__(
        self,
        source: Source,
        settings: SessionSettings,
        recorder: Recorder | None = None,
        clock: SessionClock | None = None,
        pacer: Pacer | None = None,
        protocol: Protocol | None = None,
    ) -> None:
        self.source = source
        self.settings = settings
        self.recorder = recorder
        self.clock = clock or SessionClock()
        self.protocol = protocol or make_protocol(settings.protocol, settings.duration_s or 0.0,
                                                  settings.rates_bpm, settings.step_s)
        self.pacer = pacer or build_pacer(settings, self.protocol)
        self.analyzer = LiveAnalyzer(settings.live)
        self._observers: list[Observer] = []
        self._stop = asyncio.Event()
        self._step = ""
        self._level = -1
        self._achievement = 0
        # What the summary is built from: every beat, its verdict, the 5-s coherence rows.
        self._t: list[float] = []
        self._rr: list[float] = []
        self._clean: list[bool] = []
        self._coherence: list[tuple[float, float, float, int]] = []  # t, ratio, peak, level
        self._breathing_bpm: list[float] = []
        self._breathing = BreathingTracker()
        self._error: str | None = None
        self._heard = time.monotonic()  # when the source last delivered something
        self._ended = False  # the session ran its course (duration, or the source's end)

    # -- commands ------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def stop(self) -> None:
        self._stop.set()

    def marker(self, note: str = "") -> None:
        self._event(self.clock.now(), "marker", note)

    def set_rate(self, rate_bpm: float, t_s: float | None = None) -> None:
        t = self.clock.now() if t_s is None else t_s
        self.pacer.set_rate(t, rate_bpm)
        self._event(t, "pacer_rate", f"{rate_bpm:g}")

    def breathing_target(self, t_s: float) -> float | None:
        """Target lung volume at ``t_s``, or None when this step shows no pacer."""
        return self.pacer.volume(t_s) if self.protocol.step_at(t_s).paced else None

    def breathing_targets(self, t_s: np.ndarray) -> np.ndarray:
        """:meth:`breathing_target` for an array of times, NaN where no pacer shows."""
        return breathing_targets(self.pacer, self.protocol, t_s)

    def tick(self) -> SessionTick:
        """The session now: clock, step and what the pacer shows (read between beats)."""
        t = self.clock.now()
        step = self.protocol.step_at(t)
        return SessionTick(t, step.name, self.pacer.state(t) if step.paced else None)

    # -- one beat: source → analyzer → recorder → observers ------------------------------
    def _on_beat(self, beat: Beat) -> None:
        step = self._enter_step(beat.t_s)
        m = self.analyzer.add_beat(beat.t_s, beat.rr_ms, beat.contact)
        if m.gap_s:
            self._event(beat.t_s - beat.rr_ms / 1000.0, "gap", f"{m.gap_s:.3f}")
        update = self._score(beat, m, step)
        self._record_beat(update)
        self._publish(update)

    def _enter_step(self, t_s: float) -> Step:
        """The protocol step at ``t_s``; entering one records it (and its pacer rate)."""
        step = self.protocol.step_at(t_s)
        if step.name != self._step:
            self._step = step.name
            self._event(step.start_s, "step", step.name)
            if step.paced:
                self._event(step.start_s, "pacer_rate", f"{self.pacer.rate_at(step.start_s):g}")
        return step

    def _score(self, beat: Beat, m: LiveMetrics, step: Step) -> SessionUpdate:
        """The feedback after this beat: a new level and points at each 5-s coherence value."""
        if m.coherence_updated:
            self._level = int(score_levels(m.coherence_ratio, self.settings.level_thresholds()))
            self._achievement += int(achievement_points(self._level))
            self._coherence.append((beat.t_s, m.coherence_ratio, m.coherence_peak_hz,
                                    self._level))
        self._t.append(beat.t_s)
        self._rr.append(beat.rr_ms)
        self._clean.append(not m.flagged)
        return SessionUpdate(beat, m, self._level, self._achievement, step.name,
                             self.pacer.state(beat.t_s) if step.paced else None,
                             self.analyzer.last_coherence if m.coherence_updated else None,
                             self.clock.now())

    def _record_beat(self, u: SessionUpdate) -> None:
        m = u.metrics

        def write(r: Recorder) -> None:
            r.beat(u.beat, m.flagged)
            r.metrics({"t_s": u.beat.t_s, "hr_bpm": m.hr_bpm, "rmssd_ms": m.rmssd_ms,
                       "coherence": m.coherence_ratio, "level": u.level,
                       "peak_hz": m.coherence_peak_hz, "achievement": u.achievement,
                       "pacer_bpm": u.pacer.rate_bpm if u.pacer else None, "step": u.step})
        self._write(write)

    def _publish(self, item: SessionUpdate | DeviceEvent) -> None:
        for observer in self._observers:
            observer(item)

    def _event(self, t_s: float, kind: str, value: Any = "") -> None:
        self._write(lambda r: r.event(t_s, kind, value))
        self._publish(DeviceEvent(t_s, kind, str(value)))

    def _write(self, job: Callable[[Recorder], Any]) -> None:
        """Hand ``job`` the recorder; a failed write stops the session with its reason."""
        if self.recorder is not None and self._error is None:
            try:
                job(self.recorder)
            except Exception as exc:  # SessionWriteError
                self._fail(str(exc))

    def _fail(self, message: str) -> None:
        self._error = message
        self._stop.set()

    def _on_samples(self, block: Samples) -> None:
        self._write(lambda r: r.samples(block))
        if block.kind == "acc" and self._breathing.add(block.t_s, block.values):
            self._estimate_breathing()

    def _estimate_breathing(self) -> None:
        """Breathing rate from the chest accelerometer, and how well it follows the pacer;
        recorded as a ``breathing`` event (``rate_bpm=5.98 follow=0.93``)."""
        t0, t1 = self._breathing.span_s
        grid = np.arange(t0, t1, 0.25)
        volume = self.breathing_targets(grid)
        paced = not np.isnan(volume).any()
        est = self._breathing.estimate((grid, volume) if paced else None)
        self._breathing_bpm.append(est.rate_bpm)
        follow = "" if est.follow is None else f" follow={est.follow:.2f}"
        self._event(t1, "breathing", f"rate_bpm={est.rate_bpm:.2f}{follow}")

    # -- the loop ------------------------------------------------------------------------
    async def _consume(self) -> None:
        async for item in self.source.stream(self.clock):
            self._heard = time.monotonic()
            if self._stop.is_set():
                return
            duration = self.settings.duration_s
            t_s = float(item.t_s[0]) if isinstance(item, Samples) else item.t_s
            if duration is not None and t_s > duration:
                self._ended = True
                return
            if isinstance(item, Beat):
                self._on_beat(item)
            elif isinstance(item, Samples):
                self._on_samples(item)
            else:
                self._event(item.t_s, item.kind, item.value)
        self._ended = not self._stop.is_set()  # the source ran out

    async def _silent_past(self, duration_s: float) -> None:
        """Return once the clock is past the duration and the source has said nothing for
        a second of wall time (a source that lags behind a fast clock is still heard out)."""
        await self.clock.sleep_until(duration_s + END_GRACE_S)
        while time.monotonic() - self._heard < 1.0:
            await asyncio.sleep(0.2)

    async def run(self) -> SessionResult:
        """Run until the duration passes, the source ends or :meth:`stop` is called."""
        consume = asyncio.create_task(self._consume())
        stopped = asyncio.create_task(self._stop.wait())
        # A silent source (a strap gone for good) must not keep the session open: it ends
        # shortly after its duration even when no beat arrives to say so.
        duration = self.settings.duration_s
        timer = asyncio.create_task(self._silent_past(duration) if duration is not None
                                    else asyncio.Event().wait())
        tasks = (consume, stopped, timer)
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        self._ended = self._ended or timer in done
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if consume in done and consume.exception() is not None:
            exc = consume.exception()
            self._error = self._error or f"{type(exc).__name__}: {exc}"
        await self.source.close()
        status = "completed" if self._ended and not self._error else "stopped"
        summary = self.summary()
        if self.recorder is not None:
            try:
                self.recorder.close(status, summary=summary,
                                    duration_s=self._t[-1] if self._t else 0.0,
                                    **({"error": self._error} if self._error else {}))
            except Exception as exc:  # SessionWriteError
                self._error = self._error or str(exc)
        return SessionResult(status, len(self._t), summary, self._error)

    def summary(self) -> dict[str, Any]:
        """The session's HRV summary and time in each coherence level."""
        return session_summary(np.array(self._t), np.array(self._rr), np.array(self._clean),
                               np.array(self._coherence), self._achievement, self.protocol,
                               self.pacer, self._breathing_bpm)


def replay_runner(source: ReplaySource, recorder: Recorder | None = None,
                  clock: SessionClock | None = None,
                  changes: dict[str, Any] | None = None) -> SessionRunner:
    """A runner that plays ``source`` as it was recorded: the session's own settings,
    protocol and pacer-rate changes (or, for a plain RR file, no pacer), until its end.

    ``changes``: settings to study differently (``challenge``, ``thresholds``, and ``live``:
    a dict of :class:`~biofeedback.signal.LiveParams` fields), the rest as recorded.
    """
    settings, protocol, pacer = recorded_plan(source.meta, source.commands)
    changes = dict(changes or {})
    live = replace(settings.live, **changes.pop("live", {}))
    settings = replace(settings, duration_s=None, live=live, **changes)
    return SessionRunner(source, settings, recorder, clock, pacer=pacer, protocol=protocol)
