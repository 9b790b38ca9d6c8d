"""What the window shows, gathered from the session's updates (the "model" of model/view).

The model only keeps the immutable snapshots the session sends (:mod:`biofeedback.training.
snapshots`: the start, an update per beat, a tick between beats, a new pacer schedule after a
rate change); it derives nothing beyond simple bookkeeping (recent history, counts, shares),
so every number on screen is one the session or the analyzer produced. Views read it when it
says :attr:`LiveModel.changed`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..signal.coherence import Coherence
from ..training.pacer import PacerSchedule, PacerState
from ..training.plan import breathing_targets
from ..training.protocols import Protocol
from ..training.snapshots import SessionTick, SessionUpdate, Started
from ..types import DeviceEvent

HR_WINDOW_S = 120.0
QUALITY_BEATS = 60


@dataclass
class DeviceStatus:
    name: str = "no strap"
    state: str = "idle"  # idle, connected, reconnecting, disconnected
    battery_pct: int | None = None
    contact: bool | None = None
    quality: float | None = None  # share of clean beats among the last 60


@dataclass
class Feedback:
    coherence: float | None = None
    level: int = -1
    achievement: int = 0
    level_counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    rmssd_ms: float | None = None
    hr_bpm: float | None = None

    @property
    def level_shares(self) -> list[float]:
        total = sum(self.level_counts)
        return [c / total if total else 0.0 for c in self.level_counts]


class LiveModel(QObject):
    """The state of the session on screen."""

    changed = Signal()
    banner_changed = Signal(str)  # "" hides the banner

    def __init__(self) -> None:
        super().__init__()
        self.session: Started | None = None  # the running session's start
        self.schedule: PacerSchedule | None = None  # its pacer, the last one sent
        self.protocol: Protocol | None = None  # the running or the last session's
        self.reset()

    def reset(self) -> None:
        self.device = DeviceStatus()
        self.feedback = Feedback()
        self.t_s = 0.0
        self.clock_s = 0.0  # the session clock, as the last update or tick said
        self.step = ""
        self.pacer: PacerState | None = None  # what the pacer shows now
        self.hr: deque[tuple[float, float]] = deque()
        self.coherence_trend: list[tuple[float, float, int]] = []
        self.rmssd_trend: list[tuple[float, float]] = []
        self.spectrum: Coherence | None = None
        self.markers: list[tuple[float, str]] = []
        self.beat_s: float | None = None  # wall time the last beat reached the model
        self._clean: deque[bool] = deque(maxlen=QUALITY_BEATS)
        self.banner = ""

    # -- fed by the bridge --------------------------------------------------------------
    def attach(self, started: Started) -> None:
        self.reset()
        self.session, self.schedule, self.protocol = started, started.pacer, started.protocol
        device = started.device
        self.device.name = device.get("name") or device.get("kind", "strap")
        self.device.battery_pct = device.get("battery_pct")
        self.device.state = "connected"
        self.changed.emit()

    def detach(self) -> None:
        """The session has ended: no pacer, no current level; its trends stay on screen."""
        if self.session is None:
            return
        self.session = None
        self.t_s = max(self.t_s, self.clock_s)
        self.pacer = None
        self.feedback.level, self.feedback.coherence = -1, None
        self.device.state = "idle"
        self.step = ""
        self.changed.emit()

    def on_tick(self, tick: SessionTick) -> None:
        """The clock, step and pacer between beats (no redraw asked: views poll them)."""
        if self.session is None:
            self.clock_s = max(self.clock_s, tick.clock_s)  # the final tick of an ended session
            return
        self.clock_s, self.step, self.pacer = tick.clock_s, tick.step, tick.pacer

    def on_pacer(self, schedule: PacerSchedule) -> None:
        """A rate change: the pacer's new schedule."""
        if self.session is not None:
            self.schedule = schedule

    def on_update(self, u: SessionUpdate) -> None:
        m = u.metrics
        self.t_s = m.t_s
        self.step = u.step
        if u.clock_s == u.clock_s:  # not NaN
            self.clock_s = u.clock_s
        self.hr.append((m.t_s, m.hr_bpm))
        while self.hr and self.hr[0][0] < m.t_s - HR_WINDOW_S:
            self.hr.popleft()
        self._clean.append(not m.flagged)
        self.device.quality = float(np.mean(self._clean))
        self.device.contact = u.beat.contact
        f = self.feedback
        f.hr_bpm = m.hr_bpm
        if m.rmssd_ms == m.rmssd_ms:  # not NaN
            f.rmssd_ms = m.rmssd_ms
            self.rmssd_trend.append((m.t_s, m.rmssd_ms))
        if m.coherence_updated and u.level >= 0:
            f.coherence, f.level = m.coherence_ratio, u.level
            f.level_counts[u.level] += 1
            self.coherence_trend.append((m.t_s, m.coherence_ratio, u.level))
        f.achievement = u.achievement
        if u.coherence is not None:
            self.spectrum = u.coherence
        self.changed.emit()

    def on_event(self, e: DeviceEvent) -> None:
        d = self.device
        if e.kind == "battery":
            d.battery_pct = int(float(e.value))
        elif e.kind == "disconnected":
            d.state = "disconnected"
            self._set_banner("Strap signal lost — the session goes on; reconnecting…")
        elif e.kind == "reconnecting":
            d.state = "reconnecting"
            self._set_banner(f"Strap signal lost — reconnecting… (attempt {e.value})")
        elif e.kind == "connected":
            d.state = "connected"
            self._set_banner("")
        elif e.kind == "marker":
            self.markers.append((e.t_s, e.value))
        self.changed.emit()

    def _set_banner(self, text: str) -> None:
        self.banner = text
        self.banner_changed.emit(text)

    # -- read by the views --------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether a session (or replay) is running now."""
        return self.session is not None

    def now_s(self) -> float:
        """Session time now; after the end, where the session stopped."""
        return self.clock_s if self.session is not None else max(self.t_s, self.clock_s)

    def pacer_state(self) -> PacerState | None:
        """What the pacer shows now (None: no pacer in this step or no session)."""
        return self.pacer if self.session is not None else None

    def hr_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.hr:
            return np.empty(0), np.empty(0)
        data = np.array(self.hr)
        return data[:, 0], data[:, 1]

    def pacer_trace(self, t_s: np.ndarray) -> np.ndarray | None:
        """The pacer's target volume (0..1) at ``t_s``, NaN where no pacer was shown."""
        if self.schedule is None or self.protocol is None or len(t_s) == 0:
            return None
        return breathing_targets(self.schedule, self.protocol, t_s)
