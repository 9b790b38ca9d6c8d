"""Importing an RR file as a session, all beats at once.

What the live analysis would have shown after every beat is computed for the whole file with
the offline functions the live analyzer is built to equal (:mod:`biofeedback.signal.live`:
:func:`causal_flags`, :func:`windowed_time_domain` over each beat's trailing window,
:func:`windowed_coherence` at the beats that cross each tick), and the session folder is
written a table at a time. The folder is the one a :class:`~.session.SessionRunner` would
write replaying the file (values equal to 1e-9), in a fraction of the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol as TypingProtocol

import numpy as np

from ..signal import causal_flags, tick_ends, windowed_coherence, windowed_time_domain
from ..signal.coherence import coherence_level
from ..signal.windows import GAP_TOLERANCE_MS
from .protocols import Protocol
from .session import Recorder, SessionResult, SessionSettings, build_pacer, session_summary


class BulkRecorder(Recorder, TypingProtocol):
    """A recorder that also takes whole tables (a
    :class:`~biofeedback.storage.writer.SessionWriter`)."""

    def rows(self, name: str, columns: list[np.ndarray]) -> None: ...


@dataclass(frozen=True)
class LiveColumns:
    """Per beat: the live filter's verdict and what the display showed after that beat."""

    flagged: np.ndarray
    rmssd_ms: np.ndarray
    coherence: np.ndarray  # latest 5-s ratio (NaN before the first)
    peak_hz: np.ndarray
    level: np.ndarray  # -1 before the first coherence value, or where it is NaN
    achievement: np.ndarray
    ticks: np.ndarray  # rows (t_s, ratio, peak_hz, level) of the 5-s values


def live_columns(t_s: np.ndarray, rr_ms: np.ndarray, settings: SessionSettings) -> LiveColumns:
    """The live analyzer's output for every beat of a recording, vectorised."""
    live = settings.live
    flagged = causal_flags(rr_ms, live.artifact_filter)
    rmssd = windowed_time_domain(t_s, rr_ms, t_s, live.rmssd_window_s, clean=~flagged).rmssd_ms
    ends = tick_ends(t_s, live.coherence.window_s, live.coherence.step_s)
    wc = windowed_coherence(t_s, rr_ms, t_s[ends], clean=~flagged, params=live.coherence)
    tick_level = coherence_level(wc.ratio, 0, {0: settings.level_thresholds()}).astype(int)
    tick_achievement = np.cumsum(np.maximum(tick_level, 0))
    # Each beat shows the latest tick at or before it.
    marks = np.full(t_s.size, -1)
    marks[ends] = np.arange(ends.size)
    latest = np.maximum.accumulate(marks) if t_s.size else marks
    shown = latest >= 0

    def at_beats(values: np.ndarray, before: float) -> np.ndarray:
        return np.where(shown, values[np.maximum(latest, 0)] if values.size else before, before)

    ticks = np.column_stack((t_s[ends], wc.ratio, wc.peak_hz, tick_level))
    return LiveColumns(flagged, rmssd, at_beats(wc.ratio, np.nan), at_beats(wc.peak_hz, np.nan),
                       at_beats(tick_level, -1).astype(int),
                       at_beats(tick_achievement, 0).astype(int), ticks)


def import_beats(t: np.ndarray, rr: np.ndarray, settings: SessionSettings, protocol: Protocol,
                 writer: BulkRecorder) -> SessionResult:
    """Write beats (times ``t`` in s, ``rr`` in ms) into an open session ``writer`` (its
    ``beats``, ``events`` and ``metrics``) as one unpaced step, close it, and return the
    result."""
    if any(step.paced for step in protocol.steps) or len(protocol.steps) != 1:
        raise ValueError("an import is one step without a pacer")
    cols = live_columns(t, rr, settings)
    hr = 60000.0 / rr
    empty = np.full(t.size, np.nan)
    step = protocol.steps[0]
    writer.rows("beats", [t, rr, hr, empty, cols.flagged, t])
    lost_s = np.diff(t) - rr[1:] / 1000.0
    gap = np.flatnonzero(lost_s * 1000.0 > GAP_TOLERANCE_MS) + 1
    writer.rows("events", [
        np.concatenate(([step.start_s], t[gap] - rr[gap] / 1000.0)),
        np.array(["step"] + ["gap"] * gap.size),
        np.concatenate(([step.name], np.char.mod("%.3f", lost_s[gap - 1]))),
    ])
    level = np.where(cols.level < 0, np.nan, cols.level)  # empty before the first value
    writer.rows("metrics", [t, hr, cols.rmssd_ms, cols.coherence, level, cols.peak_hz,
                            cols.achievement, empty, np.full(t.size, step.name)])
    achievement = int(cols.achievement[-1]) if t.size else 0
    summary = session_summary(t, rr, ~cols.flagged, cols.ticks, achievement, protocol,
                              build_pacer(settings, protocol))
    duration_s = float(t[-1]) if t.size else 0.0
    writer.close("completed", summary=summary, duration_s=duration_s)
    return SessionResult("completed", int(t.size), summary)
