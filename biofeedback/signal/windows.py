"""Beat times, gaps and analysis windows over irregular beat times.

Conventions used across :mod:`biofeedback.signal`:

* ``rr_ms[i]`` is the interval that *ends* at beat ``i``; ``t_s[i]`` is the time of beat ``i``
  in seconds since the start of the recording, so without gaps ``t_s = cumsum(rr_ms) / 1000``.
* A window of length ``L`` ending at ``t_end`` holds the beats with ``t_end - L < t <= t_end``.
* Windows of a recording end at beats: the first beat at or after each tick
  ``t_start + L + k * step``. The live analyzer fires at exactly the same beats, which is what
  makes live and offline values identical.
"""

from __future__ import annotations

import numpy as np

#: A beat whose time since the previous beat exceeds its RR interval by more than this is
#: preceded by a gap (lost data: a disconnect, an unannotated stretch of a Holter record).
GAP_TOLERANCE_MS = 300.0


def beat_times(rr_ms: np.ndarray, t_start_s: float = 0.0) -> np.ndarray:
    """Beat times in s from RR intervals in ms, for a recording without gaps."""
    return t_start_s + np.cumsum(np.asarray(rr_ms, dtype=float)) / 1000.0


def lost_before_s(t_s: np.ndarray, rr_ms: np.ndarray) -> np.ndarray:
    """Seconds between each beat and the previous one not covered by the beat's own RR
    interval (0 without lost data; the first beat has no predecessor and gets 0)."""
    t_s = np.asarray(t_s, dtype=float)
    lost = np.zeros(t_s.shape)
    lost[1:] = np.diff(t_s) - np.asarray(rr_ms, dtype=float)[1:] / 1000.0
    return lost


def gap_before(
    t_s: np.ndarray, rr_ms: np.ndarray, tolerance_ms: float = GAP_TOLERANCE_MS
) -> np.ndarray:
    """Boolean per beat: True where data were lost between this beat and the previous one,
    more than ``tolerance_ms`` of :func:`lost_before_s`. The one gap rule: the live analyzer
    (:class:`~biofeedback.signal.live.LiveAnalyzer`), the windowed metrics and the bulk
    import all call it. The first beat is never marked.
    """
    return lost_before_s(t_s, rr_ms) * 1000.0 > tolerance_ms


def valid_differences(
    t_s: np.ndarray, rr_ms: np.ndarray, clean: np.ndarray | None = None
) -> np.ndarray:
    """Boolean of length N-1: may ``rr_ms[i+1] - rr_ms[i]`` enter a successive-difference metric?

    A difference is excluded when either beat is flagged (``clean`` False) or when it spans a
    gap: the two intervals were not neighbours in the heart.
    """
    ok = ~gap_before(t_s, rr_ms)[1:]
    if clean is not None:
        clean = np.asarray(clean, dtype=bool)
        ok &= clean[1:] & clean[:-1]
    return ok


def tick_ends(
    t_s: np.ndarray, window_s: float, step_s: float, t_start_s: float = 0.0
) -> np.ndarray:
    """Indices of the beats that end the windows of a recording.

    Tick ``k`` falls at ``t_start_s + window_s + k * step_s``; its window ends at the first beat
    at or after it. Ticks inside a gap collapse onto the beat after the gap. The live analyzer
    applies the same rule beat by beat with :func:`tick_index`.
    """
    t_s = np.asarray(t_s, dtype=float)
    k = tick_index(t_s, window_s, step_s, t_start_s)
    previous = np.concatenate(([-1.0], k[:-1]))
    return np.flatnonzero((k >= 0) & (k > previous))


def tick_index(
    t_s: np.ndarray | float, window_s: float, step_s: float, t_start_s: float = 0.0
) -> np.ndarray:
    """The number of the last tick at or before each time (-1 before the first tick)."""
    k = np.floor((np.asarray(t_s, dtype=float) - t_start_s - window_s) / step_s)
    return np.maximum(k, -1.0)


def window_bounds(
    t_s: np.ndarray, t_end_s: np.ndarray, window_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index bounds ``lo, hi`` (hi exclusive) of the beats in ``(t_end - window_s, t_end]``."""
    t_s = np.asarray(t_s, dtype=float)
    t_end_s = np.asarray(t_end_s, dtype=float)
    lo = np.searchsorted(t_s, t_end_s - window_s, side="right")
    hi = np.searchsorted(t_s, t_end_s, side="right")
    return lo, hi
