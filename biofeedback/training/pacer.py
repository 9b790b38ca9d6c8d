"""The breathing pacer: breathing phase and target lung volume as functions of time.

The pacer's state is a list of segments, each a constant rate starting at a time and a phase
(in breaths). A rate change starts a new segment at the current phase, so the phase, and the
shape on screen, never jump. Protocol schedules are built the same way:

* fixed: one rate;
* stepped: 6.5, 6.0, 5.5, 5.0, 4.5 breaths/min, a few minutes each (Lehrer et al. 2000/2013;
  Shaffer & Meehan 2020), changing at a breath boundary;
* sliding: 6.75 → 4.25 breaths/min over 15 min, a new rate at every breath (Fisher & Lehrer
  2022).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MIN_RATE_BPM = 3.0
MAX_RATE_BPM = 10.0


@dataclass(frozen=True)
class BreathShape:
    """How one breath is divided: inhale share of the moving time, and holds in seconds."""

    inhale_ratio: float = 0.4  # inhale : exhale of 4 : 6
    hold_in_s: float = 0.0
    hold_out_s: float = 0.0


@dataclass(frozen=True)
class Segment:
    """From ``t_s`` on, breathe at ``rate_bpm``, having completed ``phase`` breaths at ``t_s``."""

    t_s: float
    phase: float
    rate_bpm: float


@dataclass(frozen=True)
class PacerState:
    """What the display shows at one moment."""

    rate_bpm: float
    phase: float  # breaths since the start (the fraction is the position within the breath)
    volume: float  # target lung volume, 0 (empty) .. 1 (full)
    stage: str  # "inhale", "hold", "exhale", "rest"
    stage_left_s: float  # seconds until the stage changes


def check_rate(rate_bpm: float) -> float:
    if not MIN_RATE_BPM <= rate_bpm <= MAX_RATE_BPM:
        raise ValueError(
            f"breathing rate {rate_bpm:g}/min is outside {MIN_RATE_BPM:g}-{MAX_RATE_BPM:g}")
    return rate_bpm


@dataclass(frozen=True)
class PacerSchedule:
    """Breathing target over time, immutable: the segments and the breath shape."""

    segments: tuple[Segment, ...]
    shape: BreathShape = field(default_factory=BreathShape)

    def _segment(self, t_s: float) -> Segment:
        return self.segments[int(self._segment_index(np.asarray(t_s)))]

    def rate_at(self, t_s: float) -> float:
        return self._segment(t_s).rate_bpm

    def phase_at(self, t_s: float) -> float:
        """Breaths completed at ``t_s`` (continuous across every rate change)."""
        s = self._segment(t_s)
        return s.phase + (t_s - s.t_s) * s.rate_bpm / 60.0

    def with_rate(self, t_s: float, rate_bpm: float) -> PacerSchedule:
        """This schedule changed to ``rate_bpm`` from ``t_s`` on, keeping the phase; later
        scheduled changes go."""
        check_rate(rate_bpm)
        kept = tuple(s for s in self.segments if s.t_s < t_s)
        return PacerSchedule(kept + (Segment(t_s, self.phase_at(t_s), rate_bpm),), self.shape)

    def state(self, t_s: float) -> PacerState:
        rate = self.rate_at(t_s)
        phase = self.phase_at(t_s)
        period = 60.0 / rate
        hold_in = min(self.shape.hold_in_s, 0.25 * period)
        hold_out = min(self.shape.hold_out_s, 0.25 * period)
        moving = period - hold_in - hold_out
        inhale = self.shape.inhale_ratio * moving
        exhale = moving - inhale
        u = (phase % 1.0) * period  # seconds into this breath
        if u < inhale:
            return PacerState(rate, phase, 0.5 - 0.5 * math.cos(math.pi * u / inhale),
                              "inhale", inhale - u)
        u -= inhale
        if u < hold_in:
            return PacerState(rate, phase, 1.0, "hold", hold_in - u)
        u -= hold_in
        if u < exhale:
            return PacerState(rate, phase, 0.5 + 0.5 * math.cos(math.pi * u / exhale),
                              "exhale", exhale - u)
        u -= exhale
        return PacerState(rate, phase, 0.0, "rest", hold_out - u)

    def volume(self, t_s: float) -> float:
        """Target lung volume, 0..1: what a person following the pacer breathes."""
        return self.state(t_s).volume

    def phases(self, t_s: np.ndarray) -> np.ndarray:
        """:meth:`phase_at` for an array of times."""
        t = np.asarray(t_s, dtype=float)
        i = self._segment_index(t)
        seg_t, seg_phase, seg_rate = (np.array([getattr(s, k) for s in self.segments])
                                      for k in ("t_s", "phase", "rate_bpm"))
        return seg_phase[i] + (t - seg_t[i]) * seg_rate[i] / 60.0

    def volumes(self, t_s: np.ndarray) -> np.ndarray:
        """:meth:`volume` for an array of times (the same breath shape, vectorised)."""
        t = np.asarray(t_s, dtype=float)
        rate = np.array([s.rate_bpm for s in self.segments])[self._segment_index(t)]
        period = 60.0 / rate
        hold_in = np.minimum(self.shape.hold_in_s, 0.25 * period)
        hold_out = np.minimum(self.shape.hold_out_s, 0.25 * period)
        moving = period - hold_in - hold_out
        inhale = self.shape.inhale_ratio * moving
        exhale = moving - inhale
        u = (self.phases(t) % 1.0) * period
        v = u - inhale - hold_in  # seconds into the exhale
        return np.select(
            [u < inhale, u < inhale + hold_in, v < exhale],
            [0.5 - 0.5 * np.cos(np.pi * u / inhale), 1.0,
             0.5 + 0.5 * np.cos(np.pi * v / exhale)], 0.0)

    def _segment_index(self, t: np.ndarray) -> np.ndarray:
        starts = np.array([s.t_s for s in self.segments])
        return np.maximum(np.searchsorted(starts, t, side="right") - 1, 0)


class Pacer:
    """The live pacer: a :class:`PacerSchedule` that a rate change replaces as a whole, so a
    reader on another thread holding the previous schedule keeps a consistent one. Build with
    :meth:`fixed`, :meth:`stepped` or :meth:`sliding`."""

    def __init__(self, segments: list[Segment], shape: BreathShape | None = None) -> None:
        self.schedule = PacerSchedule(tuple(segments), shape or BreathShape())

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.schedule.segments

    @property
    def shape(self) -> BreathShape:
        return self.schedule.shape

    @classmethod
    def fixed(cls, rate_bpm: float, shape: BreathShape | None = None, t_s: float = 0.0) -> Pacer:
        return cls([Segment(t_s, 0.0, check_rate(rate_bpm))], shape or BreathShape())

    @classmethod
    def stepped(
        cls,
        rates_bpm: tuple[float, ...] = (6.5, 6.0, 5.5, 5.0, 4.5),
        step_s: float = 150.0,
        shape: BreathShape | None = None,
        t_s: float = 0.0,
    ) -> Pacer:
        """Each rate for ``step_s``, rounded up to whole breaths: changes fall between breaths."""
        segments, t, phase = [], t_s, 0.0
        for rate in rates_bpm:
            segments.append(Segment(t, phase, check_rate(rate)))
            breaths = math.ceil(step_s * rate / 60.0)
            t += breaths * 60.0 / rate
            phase += breaths
        return cls(segments, shape or BreathShape())

    @classmethod
    def sliding(
        cls,
        start_bpm: float = 6.75,
        end_bpm: float = 4.25,
        duration_s: float = 900.0,
        shape: BreathShape | None = None,
        t_s: float = 0.0,
    ) -> Pacer:
        """A new rate at every breath, linear in time from ``start_bpm`` to ``end_bpm``."""
        check_rate(start_bpm)
        check_rate(end_bpm)
        segments, t, phase = [], t_s, 0.0
        while t - t_s < duration_s:
            rate = start_bpm + (end_bpm - start_bpm) * (t - t_s) / duration_s
            segments.append(Segment(t, phase, rate))
            t += 60.0 / rate
            phase += 1.0
        segments.append(Segment(t, phase, end_bpm))
        return cls(segments, shape or BreathShape())

    def set_rate(self, t_s: float, rate_bpm: float) -> None:
        """Change the rate from ``t_s`` on (:meth:`PacerSchedule.with_rate`)."""
        self.schedule = self.schedule.with_rate(t_s, rate_bpm)

    def rate_at(self, t_s: float) -> float:
        return self.schedule.rate_at(t_s)

    def phase_at(self, t_s: float) -> float:
        return self.schedule.phase_at(t_s)

    def state(self, t_s: float) -> PacerState:
        return self.schedule.state(t_s)

    def volume(self, t_s: float) -> float:
        return self.schedule.volume(t_s)

    def phases(self, t_s: np.ndarray) -> np.ndarray:
        return self.schedule.phases(t_s)

    def volumes(self, t_s: np.ndarray) -> np.ndarray:
        return self.schedule.volumes(t_s)
