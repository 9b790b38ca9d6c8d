"""LiveAnalyzer: per-beat state for the live display, on top of the pure functions.

Each beat is judged by the causal artifact filter, then

* RMSSD over the last 60 s of clean beats is recomputed at every beat;
* coherence over the last 64 s is recomputed at the beats that cross each 5 s tick.

Every value is the pure function applied to the same window, so a recording analysed offline
(:func:`~biofeedback.signal.timedomain.windowed_time_domain`,
:func:`~biofeedback.signal.coherence.windowed_coherence` with
:func:`~biofeedback.signal.causal.causal_flags`) gives exactly what a live user saw.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .causal import CausalFilterParams, causal_flags
from .coherence import Coherence, CoherenceParams, coherence
from .timedomain import time_domain
from .windows import gap_before, lost_before_s, tick_index

#: Beats older than the longest window plus this are dropped from the live buffers.
HISTORY_MARGIN_S = 30.0


@dataclass(frozen=True)
class LiveParams:
    """Windows of the live metrics (DESIGN.md): RMSSD 60 s, coherence 64 s every 5 s."""

    rmssd_window_s: float = 60.0
    coherence: CoherenceParams = field(default_factory=CoherenceParams)
    artifact_filter: CausalFilterParams = field(default_factory=CausalFilterParams)
    #: A beat review's verdicts ``(t_s, flagged)`` by beat time, over the filter's
    #: (:func:`biofeedback.signal.edits.live_verdicts`; replay "what if" only).
    edits: tuple[tuple[float, bool], ...] = ()


@dataclass(frozen=True)
class LiveMetrics:
    """What the analyzer knows after one beat. ``coherence`` is the latest 5 s value."""

    t_s: float
    rr_ms: float
    hr_bpm: float
    flagged: bool
    rmssd_ms: float
    coherence_ratio: float
    coherence_peak_hz: float
    coherence_updated: bool  # True on the beats where coherence was recomputed
    gap_s: float = 0.0  # data lost just before this beat (s) when a gap preceded it, else 0


class LiveAnalyzer:
    """Feed beats in order with :meth:`add_beat`; read metrics from what it returns."""

    def __init__(self, params: LiveParams | None = None, t_start_s: float = 0.0) -> None:
        self.params = params or LiveParams()
        self.t_start_s = t_start_s
        self._t: deque[float] = deque()
        self._rr: deque[float] = deque()
        self._clean: deque[bool] = deque()
        self._recent_rr: deque[float] = deque(maxlen=self.params.artifact_filter.history + 1)
        self._n_beats = 0
        self._tick = -1.0
        self._coherence: Coherence | None = None
        self._verdicts = dict(self.params.edits)

    @property
    def n_beats(self) -> int:
        return self._n_beats

    @property
    def last_coherence(self) -> Coherence | None:
        """The latest coherence result, with its spectrum (for the display)."""
        return self._coherence

    def add_beat(self, t_s: float, rr_ms: float, contact: bool | None = None) -> LiveMetrics:
        """Take one beat (time in s since the start, RR in ms); return the metrics after it."""
        p = self.params
        self._recent_rr.append(rr_ms)
        first = self._n_beats + 1 - len(self._recent_rr)
        flagged = bool(causal_flags(np.fromiter(self._recent_rr, float), p.artifact_filter,
                                    first_index=first)[-1])
        flagged |= contact is False
        flagged = self._verdicts.get(t_s, flagged)
        gap_s = self._gap_s(t_s, rr_ms)
        self._n_beats += 1
        self._t.append(t_s)
        self._rr.append(rr_ms)
        self._clean.append(not flagged)
        horizon = t_s - max(p.rmssd_window_s, p.coherence.window_s) - HISTORY_MARGIN_S
        while self._t[0] < horizon:
            self._t.popleft()
            self._rr.popleft()
            self._clean.popleft()

        t = np.fromiter(self._t, float)
        rr = np.fromiter(self._rr, float)
        clean = np.fromiter(self._clean, bool)
        lo = np.searchsorted(t, t_s - p.rmssd_window_s, side="right")
        rmssd = time_domain(rr[lo:], clean[lo:], t[lo:]).rmssd_ms

        tick = float(tick_index(t_s, p.coherence.window_s, p.coherence.step_s, self.t_start_s))
        updated = tick >= 0 and tick > self._tick
        if updated:
            self._tick = tick
            self._coherence = coherence(t, rr, t_end_s=t_s, clean=clean, params=p.coherence)
        c = self._coherence
        return LiveMetrics(
            t_s=t_s,
            rr_ms=rr_ms,
            hr_bpm=60000.0 / rr_ms,
            flagged=flagged,
            rmssd_ms=rmssd,
            coherence_ratio=c.ratio if c else np.nan,
            coherence_peak_hz=c.peak_hz if c else np.nan,
            coherence_updated=updated,
            gap_s=gap_s,
        )

    def _gap_s(self, t_s: float, rr_ms: float) -> float:
        """Seconds lost between the previous beat and this one, when :func:`gap_before`
        says a gap preceded it (0.0 otherwise, and for the first beat)."""
        if not self._t:
            return 0.0
        t = np.array([self._t[-1], t_s])
        rr = np.array([self._rr[-1], rr_ms])
        return float(lost_before_s(t, rr)[-1]) if gap_before(t, rr)[-1] else 0.0
