"""The session runner: source → causal artifact filter → LiveAnalyzer → recorder → subscribers.

One direction only. The runner consumes beats and device events from a source, analyses each
beat, writes beats, events and metrics through the recorder, and hands every update to its
subscribers (the CLI's live line, the GUI, an LSL outlet). Commands come in as method calls:
:meth:`SessionRunner.stop`, :meth:`~SessionRunner.marker`, :meth:`~SessionRunner.set_rate`.

Everything written to ``metrics.csv`` is a function of the beats and of the pacer's schedule,
so replaying a recording through a runner reproduces its metrics exactly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from typing import Protocol as TypingProtocol

import numpy as np

from ..devices.replay import ReplaySource
from ..devices.source import SessionClock, Source
from ..signal import AnalysisParams, LiveAnalyzer, LiveMetrics, LiveParams, summarize
from ..signal.coherence import CHALLENGE_THRESHOLDS, LEVEL_NAMES, Coherence, coherence_level
from ..signal.respiration import BreathingTracker
from ..signal.windows import GAP_TOLERANCE_MS
from ..types import Beat, DeviceEvent, Samples
from .outcomes import step_summaries, training_outcome
from .pacer import BreathShape, Pacer, PacerState
from .protocols import (
    ASSESSMENTS,
    SETTLE_S,
    STEP_S,
    STEPPED_RATES,
    Protocol,
    assessment_pacer,
    make_protocol,
    unpaced_protocol,
)


class Recorder(TypingProtocol):
    """What the runner writes to (a :class:`~biofeedback.storage.writer.SessionWriter`)."""

    def beat(self, beat: Beat, artifact: bool) -> None: ...
    def event(self, t_s: float, kind: str, value: Any = "") -> None: ...
    def metrics(self, row: dict[str, Any]) -> None: ...
    def samples(self, block: Samples) -> None: ...
    def close(self, end_status: str, **updates: Any) -> None: ...


@dataclass(frozen=True)
class SessionSettings:
    """Everything that shapes a session; stored in ``session.json``."""

    duration_s: float | None = 600.0  # None: until the source ends or stop()
    protocol: str = "free"
    rate_bpm: float = 6.0
    inhale_ratio: float = 0.4
    challenge: int = 1
    live: LiveParams = field(default_factory=LiveParams)
    rates_bpm: tuple[float, ...] = STEPPED_RATES  # of a stepped assessment
    step_s: float = STEP_S  # each stepped rate's length, settling included
    settle_s: float = SETTLE_S  # the start of each step the assessment leaves out
    thresholds: tuple[float, float] | None = None  # own low/medium and medium/high limits

    def level_thresholds(self) -> tuple[float, float]:
        """The coherence ratios where medium and high begin."""
        return self.thresholds or CHALLENGE_THRESHOLDS[self.challenge]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SessionUpdate:
    """What subscribers receive after each beat."""

    beat: Beat
    metrics: LiveMetrics
    level: int  # coherence level: -1 none yet, 0 low, 1 medium, 2 high
    achievement: int
    step: str
    pacer: PacerState | None  # None while the protocol step has no pacer
    coherence: Coherence | None = None  # the window just computed, on coherence_updated


@dataclass
class SessionResult:
    end_status: str  # "completed" or "stopped"
    n_beats: int
    summary: dict[str, Any]
    error: str | None = None


Subscriber = Callable[[SessionUpdate | DeviceEvent], None]


def breathing_targets(pacer: Pacer, protocol: Protocol, t_s: np.ndarray) -> np.ndarray:
    """Target lung volume (0..1) at each of ``t_s``, NaN where the protocol shows no pacer."""
    t = np.asarray(t_s, dtype=float)
    return np.where(protocol.paced(t), pacer.volumes(t), np.nan)


def build_pacer(settings: SessionSettings, protocol: Protocol) -> Pacer:
    """The pacer of a session: it starts at the first paced step (an assessment's paces
    its schedule of rates)."""
    shape = BreathShape(settings.inhale_ratio)
    if protocol.name in ASSESSMENTS:
        return assessment_pacer(protocol.name, settings.rates_bpm, settings.step_s, shape)
    start = next((s.start_s for s in protocol.steps if s.paced), 0.0)
    return Pacer.fixed(settings.rate_bpm, shape, t_s=start)


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
        self._subscribers: list[Subscriber] = []
        self._stop = asyncio.Event()
        self._step = ""
        self._level = -1
        self._achievement = 0
        self._coherence: list[tuple[float, float, float, int]] = []  # t, ratio, peak, level
        self._clean: list[bool] = []
        self._t: list[float] = []
        self._rr: list[float] = []
        self._last_beat: Beat | None = None
        self._error: str | None = None
        self._breathing = BreathingTracker()
        self._heard = time.monotonic()  # when the source last delivered something
        self._ended = False  # the session ran its course (duration, or the source's end)
        self._breathing_bpm: list[float] = []

    # -- commands ------------------------------------------------------------------------
    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def stop(self) -> None:
        self._stop.set()

    def marker(self, note: str = "") -> None:
        self._record_event(self.clock.now(), "marker", note)

    def set_rate(self, rate_bpm: float, t_s: float | None = None) -> None:
        t = self.clock.now() if t_s is None else t_s
        self.pacer.set_rate(t, rate_bpm)
        self._record_event(t, "pacer_rate", f"{rate_bpm:g}")

    def breathing_target(self, t_s: float) -> float | None:
        """Target lung volume at ``t_s``, or None when this step shows no pacer."""
        return self.pacer.volume(t_s) if self.protocol.step_at(t_s).paced else None

    def breathing_targets(self, t_s: np.ndarray) -> np.ndarray:
        """:meth:`breathing_target` for an array of times, NaN where no pacer shows."""
        return breathing_targets(self.pacer, self.protocol, t_s)

    # -- the loop ------------------------------------------------------------------------
    def _record_event(self, t_s: float, kind: str, value: Any = "") -> None:
        if self.recorder is not None and self._error is None:
            try:
                self.recorder.event(t_s, kind, value)
            except Exception as exc:  # SessionWriteError
                self._fail(str(exc))
        for s in self._subscribers:
            s(DeviceEvent(t_s, kind, str(value)))

    def _fail(self, message: str) -> None:
        self._error = message
        self._stop.set()

    def _on_beat(self, beat: Beat) -> None:
        step = self.protocol.step_at(beat.t_s)
        if step.name != self._step:
            self._step = step.name
            self._record_event(step.start_s, "step", step.name)
            if step.paced:
                self._record_event(step.start_s, "pacer_rate",
                                   f"{self.pacer.rate_at(step.start_s):g}")
        previous = self._last_beat
        if previous is not None:
            lost_s = beat.t_s - previous.t_s - beat.rr_ms / 1000.0
            if lost_s * 1000.0 > GAP_TOLERANCE_MS:
                self._record_event(beat.t_s - beat.rr_ms / 1000.0, "gap", f"{lost_s:.3f}")
        self._last_beat = beat

        m = self.analyzer.add_beat(beat.t_s, beat.rr_ms, beat.contact)
        if m.coherence_updated:
            self._level = int(coherence_level(m.coherence_ratio, 0,
                                              {0: self.settings.level_thresholds()}))
            self._achievement += max(self._level, 0)
            self._coherence.append((beat.t_s, m.coherence_ratio, m.coherence_peak_hz,
                                    self._level))
        self._clean.append(not m.flagged)
        self._t.append(beat.t_s)
        self._rr.append(beat.rr_ms)
        pacer = self.pacer.state(beat.t_s) if step.paced else None
        if self.recorder is not None and self._error is None:
            try:
                self.recorder.beat(beat, m.flagged)
                self.recorder.metrics({
                    "t_s": beat.t_s, "hr_bpm": m.hr_bpm, "rmssd_ms": m.rmssd_ms,
                    "coherence": m.coherence_ratio, "level": self._level,
                    "peak_hz": m.coherence_peak_hz, "achievement": self._achievement,
                    "pacer_bpm": pacer.rate_bpm if pacer else None, "step": step.name,
                })
            except Exception as exc:  # SessionWriteError
                self._fail(str(exc))
        update = SessionUpdate(beat, m, self._level, self._achievement, step.name, pacer,
                               self.analyzer.last_coherence if m.coherence_updated else None)
        for s in self._subscribers:
            s(update)

    def _on_samples(self, block: Samples) -> None:
        if self.recorder is not None and self._error is None:
            try:
                self.recorder.samples(block)
            except Exception as exc:  # SessionWriteError
                self._fail(str(exc))
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
        self._record_event(t1, "breathing", f"rate_bpm={est.rate_bpm:.2f}{follow}")

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
                self._record_event(item.t_s, item.kind, item.value)
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


def session_summary(t_s: np.ndarray, rr_ms: np.ndarray, clean: np.ndarray,
                    coherence: np.ndarray, achievement: int, protocol: Protocol, pacer: Pacer,
                    breathing_bpm: list[float] | None = None) -> dict[str, Any]:
    """A session's HRV summary and time in each coherence level, from its beats (``clean``:
    passed the live filter) and its 5-s coherence rows ``(t_s, ratio, peak_hz, level)``."""
    out: dict[str, Any] = {"n_beats": len(t_s)}
    if len(t_s) >= 2:
        s = summarize(t_s, rr_ms, AnalysisParams(entropies=False))  # it shows no entropy
        out.update({k: s[k] for k in ("mean_hr_bpm", "rmssd_ms", "sdnn_ms", "lf_ms2",
                                      "hf_ms2", "coherence_ratio", "coherence_peak_hz",
                                      "artifacts_pct", "artifacts_ectopic_pct",
                                      "artifacts_missed_pct", "artifacts_extra_pct",
                                      "artifacts_long_pct", "artifacts_short_pct",
                                      "corrected_beats", "quality_grade", "quality_reason")})
    levels = np.asarray(coherence, dtype=float).reshape(-1, 4)[:, 3]
    scored = levels[levels >= 0]
    for i, name in enumerate(LEVEL_NAMES):
        out[f"time_{name}_pct"] = float(np.mean(scored == i) * 100) if scored.size else None
    out["achievement"] = achievement
    steps = step_summaries(t_s, rr_ms, clean, coherence, protocol, pacer)
    if len(steps) > 1:
        out["steps"] = steps
        out["outcome"] = training_outcome(steps)
    if breathing_bpm:
        out["breathing_bpm"] = float(np.median(breathing_bpm))
    return out


def recorded_plan(meta: dict[str, Any], events: list[tuple[float, str, str]]
                  ) -> tuple[SessionSettings, Protocol, Pacer]:
    """A recorded session's settings, protocol and pacer as it ran: the scheduled pacer
    plus every rate change someone made (a plain RR file has no pacer)."""
    settings = settings_from_dict(meta["settings"]) if "settings" in meta else SessionSettings(
        protocol="unpaced")
    protocol = Protocol.from_dict(meta["protocol"]) if "protocol" in meta else unpaced_protocol()
    pacer = build_pacer(settings, protocol)
    for t, kind, value in events:
        # Steps log their scheduled rate too; only a change from the schedule is re-applied.
        if kind == "pacer_rate" and abs(pacer.rate_at(t) - float(value)) > 1e-9:
            pacer.set_rate(t, float(value))
    return settings, protocol, pacer


def replay_runner(source: ReplaySource, recorder: Recorder | None = None,
                  clock: SessionClock | None = None,
                  changes: dict[str, Any] | None = None) -> SessionRunner:
    """A runner that plays ``source`` as it was recorded: the session's own settings,
    protocol and pacer-rate changes (or, for a plain RR file, no pacer), until its end.

    ``changes``: settings to study differently (``challenge``, ``thresholds``, and ``live``:
    a dict of :class:`LiveParams` fields), the rest as recorded.
    """
    settings, protocol, pacer = recorded_plan(source.meta, source.commands)
    changes = dict(changes or {})
    live = replace(settings.live, **changes.pop("live", {}))
    settings = replace(settings, duration_s=None, live=live, **changes)
    return SessionRunner(source, settings, recorder, clock, pacer=pacer, protocol=protocol)


def settings_from_dict(d: dict[str, Any]) -> SessionSettings:
    """Rebuild settings from ``session.json`` (JSON turned tuples into lists)."""
    from ..signal import CausalFilterParams, CoherenceParams

    live = dict(d.get("live") or {})
    coh = {k: tuple(v) if isinstance(v, list) else v
           for k, v in (live.pop("coherence", None) or {}).items()}
    filt = live.pop("artifact_filter", None) or {}
    known = {k: tuple(v) if isinstance(v, list) else v
             for k, v in d.items() if k in SessionSettings.__dataclass_fields__}
    known["live"] = LiveParams(coherence=CoherenceParams(**coh),
                               artifact_filter=CausalFilterParams.from_dict(filt), **live)
    return SessionSettings(**known)
