"""A recording as a session, all beats at once: what the runner would record, as tables.

What the live analysis would have shown after every beat is computed for the whole file with
the offline functions the live analyzer is built to equal (:mod:`biofeedback.signal.live`:
:func:`causal_flags`, :func:`windowed_time_domain` over each beat's trailing window,
:func:`windowed_coherence` at the beats that cross each tick), scored by the same feedback
policy (:mod:`.feedback`) and with the same gap rule (:func:`gap_before`). The tables are the
ones a :class:`~.runner.SessionRunner` would write replaying the file, to the last digit (a
fresh import replays byte for byte), in a fraction of the time;
:mod:`biofeedback.app.importing` writes them into a session folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..signal import causal_flags, tick_ends, windowed_coherence, windowed_time_domain
from ..signal.windows import gap_before, lost_before_s
from .feedback import achievement, score_levels
from .plan import SessionSettings, build_pacer
from .protocols import Protocol
from .summary import session_summary


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


@dataclass(frozen=True)
class SessionTables:
    """A whole session as the runner records it: columns of ``beats.csv``, ``events.csv``
    and ``metrics.csv``, and the summary for ``session.json``."""

    beats: list[np.ndarray]
    events: list[np.ndarray]
    metrics: list[np.ndarray]
    summary: dict[str, Any]
    n_beats: int
    duration_s: float


def live_columns(t_s: np.ndarray, rr_ms: np.ndarray, settings: SessionSettings) -> LiveColumns:
    """The live analyzer's output for every beat of a recording, vectorised."""
    live = settings.live
    flagged = causal_flags(rr_ms, live.artifact_filter)
    rmssd = windowed_time_domain(t_s, rr_ms, t_s, live.rmssd_window_s, clean=~flagged).rmssd_ms
    ends = tick_ends(t_s, live.coherence.window_s, live.coherence.step_s)
    wc = windowed_coherence(t_s, rr_ms, t_s[ends], clean=~flagged, params=live.coherence)
    tick_level = score_levels(wc.ratio, settings.level_thresholds()).astype(int)
    tick_achievement = achievement(tick_level)
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


def session_tables(t: np.ndarray, rr: np.ndarray, settings: SessionSettings,
                   protocol: Protocol) -> SessionTables:
    """The tables of beats (times ``t`` in s, ``rr`` in ms) recorded as one unpaced step."""
    if any(step.paced for step in protocol.steps) or len(protocol.steps) != 1:
        raise ValueError("an import is one step without a pacer")
    cols = live_columns(t, rr, settings)
    hr = 60000.0 / rr
    empty = np.full(t.size, np.nan)
    step = protocol.steps[0]
    gap = np.flatnonzero(gap_before(t, rr))
    events = [np.concatenate(([step.start_s], t[gap] - rr[gap] / 1000.0)),
              np.array(["step"] + ["gap"] * gap.size),
              np.concatenate(([step.name], np.char.mod("%.3f", lost_before_s(t, rr)[gap])))]
    # Empty before the first value; whole numbers, as the runner writes them.
    level = np.where(cols.level < 0, "", cols.level.astype(str))
    metrics = [t, hr, cols.rmssd_ms, cols.coherence, level, cols.peak_hz, cols.achievement,
               empty, np.full(t.size, step.name)]
    score = int(cols.achievement[-1]) if t.size else 0
    summary = session_summary(t, rr, ~cols.flagged, cols.ticks, score, protocol,
                              build_pacer(settings, protocol))
    return SessionTables([t, rr, hr, empty, cols.flagged, t], events, metrics, summary,
                         int(t.size), float(t[-1]) if t.size else 0.0)
