"""The live beat filter: each beat judged only by the beats before it, with the thresholds of
the offline detection (:mod:`.artifacts`). It flags rather than rewrites, so what the user sees
is never silently changed; computed for a whole recording at once, it gives what a live user
saw beat by beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .artifacts import K_RESOLUTION, REL, REL_LEVEL, SUM_TOLERANCE, Z_LEVEL, Z
from .resolution import LATTICE_SHARE, lattice_fits
from .rolling import rolling_median, rolling_percentile


@dataclass(frozen=True)
class CausalFilterParams:
    """The live beat filter: each beat judged against the beats before it only."""

    min_rr_ms: float = 300.0  # 200 bpm
    max_rr_ms: float = 2000.0  # 30 bpm
    reference_beats: int = 5  # median of the previous beats the new one is compared with
    spread_beats: int = 41  # previous successive differences whose median |dRR| is the scale
    alpha: float = Z  # scales a beat must depart by
    floor_ms: float = 20.0  # the threshold never drops below this
    warmup_fraction: float = 0.2  # until `history` beats, a beat must depart this much
    relative: float = REL  # ... and at least this fraction of the reference
    relative_level: float = REL_LEVEL  # a departure from the reference alone must go this far
    resolution_ms: float | None = None  # the RR clock step; None: estimated from the history
    #: "jump" (issue 11); "quartile", the filter sessions recorded before it ran (median of
    #: the previous beats +- alpha quartile deviations), kept so that they replay exactly.
    method: str = "jump"

    @property
    def history(self) -> int:
        """Beats before the newest that decide its flag."""
        return self.reference_beats + self.spread_beats

    @classmethod
    def from_dict(cls, d: dict) -> CausalFilterParams:
        """Parameters stored in a session; one that names no method ran the "quartile" one."""
        return cls(**{"method": "quartile", **d})


def _trailing(x: np.ndarray, size: int) -> np.ndarray:
    """Windows of the ``size`` values before each element (the first value repeated before
    the start): row ``n`` holds ``x[n - size .. n - 1]``."""
    padded = np.concatenate((np.full(size, x[0]), x))
    return sliding_window_view(padded, size)[:-1]


def _trailing_median(x: np.ndarray, size: int) -> np.ndarray:
    """Per element, ``np.median`` of :func:`_trailing`'s window, as a rolling median over
    ranks (:func:`.rolling.rolling_rank`) where ``size`` is odd: the window ending at the
    element before."""
    if size % 2 == 0:
        return np.median(_trailing(x, size), axis=1)
    ending_here = rolling_median(x, size, origin=(size - 1) // 2)
    return np.concatenate((x[:1], ending_here[:-1]))


def _causal_resolution(rr: np.ndarray, history: int, fixed: float | None) -> np.ndarray:
    """Per beat, :func:`.resolution.resolution_ms` of the ``history`` beats before it
    (trailing sums)."""
    # history < the live buffer, so that the beat before the newest is judged alike too.
    if fixed is not None:
        return np.full(rr.shape, float(fixed))
    steps, fits = lattice_fits(rr)
    counts = np.cumsum(np.vstack((np.zeros((1, steps.size)), fits)), axis=0)
    n = np.arange(rr.size)
    lo = np.maximum(n - history, 0)
    seen = np.maximum(n - lo, 1)[:, None]
    share = (counts[n] - counts[lo]) / seen
    return np.where(share >= LATTICE_SHARE, steps, 0.0).max(axis=1)


def causal_flags(
    rr_ms: np.ndarray, params: CausalFilterParams | None = None, first_index: int = 0
) -> np.ndarray:
    """True per beat that the live filter flags (not clean). Causal: beat n uses beats < n.

    With ``ref`` the median of the previous ``reference_beats``, ``scale`` the median
    ``|dRR|`` of the previous ``spread_beats`` and ``q`` the resolution of the previous
    ``spread_beats`` (:func:`.resolution.resolution_ms`), the threshold is
    ``max(alpha * scale, relative * ref, 4 q, floor_ms)``. A beat is flagged when it lies
    outside ``[min_rr_ms, max_rr_ms]``; when it departs from both the previous beat and ``ref``
    by more than the threshold in the same direction (a premature beat, its pause, a missed
    beat, the first half of an extra one); when it is the second half of a split interval
    (still short after such a drop, and adding up with it to about ``ref``); or when it
    departs from ``ref`` alone by more than ``relative_level`` of it and ``10 scale``.
    During the first ``history`` beats of a recording the threshold is at least
    ``warmup_fraction`` of the reference.
    ``first_index`` is the number of the first beat given, so that the live filter, which
    passes only the last ``history + 1`` beats, reaches the same verdicts.
    """
    p = params or CausalFilterParams()
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size == 0:
        return np.zeros(0, bool)
    if p.method == "quartile":
        return _quartile_flags(rr, p, first_index)
    if p.method != "jump":
        raise ValueError(f"unknown causal filter method {p.method!r}")
    reference = _trailing_median(rr, p.reference_beats)
    drr = np.abs(np.diff(rr, prepend=rr[0]))
    q = _causal_resolution(rr, p.spread_beats, p.resolution_ms)
    scale = np.maximum(_trailing_median(drr, p.spread_beats), q)
    base = np.maximum.reduce([
        p.relative * reference, np.full(rr.shape, K_RESOLUTION) * q,
        np.full(rr.shape, p.floor_ms)])
    warm = first_index + np.arange(rr.size) < p.history
    base = np.where(warm, np.maximum(base, p.warmup_fraction * reference), base)
    threshold = np.maximum(p.alpha * scale, base)
    step = rr - np.concatenate(([rr[0]], rr[:-1]))
    dev = rr - reference
    jump = (np.abs(step) > threshold) & (np.abs(dev) > threshold) & (step * dev > 0)
    # The second half of a split interval: short, after a drop, and adding up with it to
    # about one reference interval.
    jump[1:] |= (jump[:-1] & (step[:-1] < 0) & (dev[1:] < -base[1:]) & (
        np.abs(rr[:-1] + rr[1:] - reference[:-1]) < SUM_TOLERANCE * reference[:-1]))
    level = np.abs(dev) > np.maximum(threshold, np.maximum(
        p.relative_level * reference, Z_LEVEL * scale))
    return (rr < p.min_rr_ms) | (rr > p.max_rr_ms) | jump | level


def _quartile_flags(rr: np.ndarray, p: CausalFilterParams, first_index: int) -> np.ndarray:
    """The live filter before issue 11, for sessions recorded with it: a beat deviating from
    the median of the previous ``reference_beats`` by more than ``alpha`` quartile deviations
    of the previous ``spread_beats`` deviations (at least ``floor_ms``; during the first
    ``history`` beats at least ``warmup_fraction`` of the reference), or outside the range."""
    reference = _trailing_median(rr, p.reference_beats)
    dev = rr - reference
    w = p.spread_beats
    shifted = np.concatenate(([dev[0]], dev[:-1]))
    origin = (w - 1) // 2
    q1 = rolling_percentile(shifted, 25, w, origin)
    q3 = rolling_percentile(shifted, 75, w, origin)
    threshold = np.maximum(p.alpha * (q3 - q1) / 2.0, p.floor_ms)
    warm = first_index + np.arange(rr.size) < p.history
    threshold = np.where(warm, np.maximum(threshold, p.warmup_fraction * reference), threshold)
    return (rr < p.min_rr_ms) | (rr > p.max_rr_ms) | (np.abs(dev) > threshold)
