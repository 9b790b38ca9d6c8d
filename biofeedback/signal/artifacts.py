"""Artifacts in RR series: offline detection and correction, and a causal filter for live use.

Offline: Lipponen JA, Tarvainen MP, *A robust algorithm for heart rate variability time series
artefact correction using novel beat classification*, J Med Eng Technol 43(3):173-181, 2019.

* ``dRR[n] = RR[n] - RR[n-1]``, scaled by ``Th1 = 5.2 * QD(|dRR|)`` over 91 beats
  (QD, quartile deviation, ``(Q3 - Q1) / 2``);
* ``mRR[n] = RR[n] - median11(RR)[n]`` (negative values doubled), scaled by
  ``Th2 = 5.2 * QD(|mRR|)`` over 91 beats;
* *ectopic*: a large ``dRR`` flanked on both sides by large ones of the other sign
  (the NPN / PNP pattern), bounded by the lines with ``c1 = 0.13, c2 = 0.17``;
* *long* / *short*: a large ``dRR`` followed by the opposite jump (or ``|mRR| > 3 Th2``);
  a long one that halves to the local median is *missed*, a short one that adds up with the
  next to the local median is *extra*;
* (our addition) both intervals around a premature beat are labelled *ectopic*.

Correction: extra beats are merged with the next interval, missed beats split in two,
ectopic, long and short intervals replaced by a cubic spline through the normal beats.

Live: :func:`causal_flags` judges each beat only by the beats before it, and flags rather than
rewrites, so what the user sees is never silently changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lazy_scipy import interpolate, ndimage
from .windows import beat_times

ALPHA = 5.2
QD_BEATS = 91
MEDIAN_BEATS = 11
C1, C2 = 0.13, 0.17

LABELS = ("ectopic", "missed", "extra", "long", "short")
_INTERPOLATED = ("ectopic", "long", "short")


def _quartile_deviation(x: np.ndarray, size: int) -> np.ndarray:
    """Centred rolling ``(Q3 - Q1) / 2`` over ``size`` samples (edges repeat the end values)."""
    q1 = ndimage.percentile_filter(x, 25, size=size, mode="nearest")
    q3 = ndimage.percentile_filter(x, 75, size=size, mode="nearest")
    return (q3 - q1) / 2.0


def _shift(x: np.ndarray, k: int, fill: float = 0.0) -> np.ndarray:
    """``y[n] = x[n + k]``, padded with ``fill`` where ``n + k`` falls outside."""
    y = np.full_like(x, fill)
    if k > 0:
        y[:-k] = x[k:]
    elif k < 0:
        y[-k:] = x[:k]
    else:
        y[:] = x
    return y


def detect_artifacts(rr_ms: np.ndarray) -> np.ndarray:
    """Label each beat: "" for normal, else one of ``ectopic, missed, extra, long, short``.

    ``rr_ms``: RR intervals in ms, one per beat. Returns an array of ``str`` of the same length.
    """
    rr = np.asarray(rr_ms, dtype=float)
    labels = np.full(rr.shape, "", dtype="<U7")
    if rr.size < 4:
        return labels
    tiny = np.finfo(float).eps
    drr = np.diff(rr, prepend=rr[0])
    th1 = np.maximum(ALPHA * _quartile_deviation(np.abs(drr), QD_BEATS), tiny)
    drrs = drr / th1

    med = ndimage.median_filter(rr, size=MEDIAN_BEATS, mode="nearest")
    mrr = rr - med
    mrr = np.where(mrr < 0, 2.0 * mrr, mrr)
    th2 = np.maximum(ALPHA * _quartile_deviation(np.abs(mrr), QD_BEATS), tiny)
    mrrs = mrr / th2

    prev, nxt, nxt2 = _shift(drrs, -1), _shift(drrs, 1), _shift(drrs, 2)
    positive = drrs > 0
    # S12: the neighbour least like an ectopic partner; S22: the stronger of the next two jumps.
    s12 = np.where(positive, np.maximum(prev, nxt), np.minimum(prev, nxt))
    s22 = np.where(drrs >= 0, np.minimum(nxt, nxt2), np.maximum(nxt, nxt2))

    centre_p = (drrs > 1) & (s12 < -C1 * drrs - C2)  # a long interval between short ones
    centre_n = (drrs < -1) & (s12 > -C1 * drrs + C2)  # a short interval between long ones
    # The interval returning to normal after a detected one mirrors it: it is not a new event
    # (in a sequential scan, the beat after a detection is skipped).
    after_p = _shift(centre_p.astype(float), -1) > 0
    after_n = _shift(centre_n.astype(float), -1) > 0
    centre_p &= ~after_n
    centre_n &= ~after_p
    ectopic = centre_p | centre_n
    big = np.abs(mrrs) > 3
    long_ = ((drrs > 1) & (s22 < -1)) | (big & (rr > med))
    short = ((drrs < -1) & (s22 > 1)) | (big & (rr < med))
    missed = long_ & (np.abs(rr / 2.0 - med) < th2)
    extra = short & (np.abs(rr + _shift(rr, 1, np.nan) - med) < th2)

    labels[short] = "short"
    labels[long_] = "long"
    labels[ectopic] = "ectopic"
    labels[extra] = "extra"
    labels[missed] = "missed"

    # A premature beat disturbs two intervals, the short one and the pause after it; label
    # both (an addition to the paper's rules, which mark one of them). The partner of a short
    # ectopic interval is the next one, of a long one the previous; a short interval that adds
    # up with the next to two median beats is a premature beat with its compensatory pause.
    # The pause is never a missed beat, so it is not split.
    paired = short & ~extra & (np.abs(rr + _shift(rr, 1, np.nan) - 2.0 * med) < th2)
    starts_pair = centre_n | paired
    partner = (_shift(starts_pair.astype(float), -1) > 0) | (
        _shift(centre_p.astype(float), 1) > 0)
    labels[paired] = "ectopic"
    labels[partner & (labels != "extra")] = "ectopic"
    return labels


def _correct_once(
    t_s: np.ndarray, rr_ms: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one round of corrections for ``labels``; beat times follow the corrected RR."""
    # Time between beats beyond their RR (gaps, and the recording's start) travels with the beat.
    slack = np.diff(t_s, prepend=0.0) - rr_ms / 1000.0

    # 1. Extra beats: merge each with the interval after it.
    merged = np.zeros(rr_ms.size, bool)
    merged[1:] = labels[:-1] == "extra"
    starts = np.flatnonzero(~merged)
    rr = np.add.reduceat(rr_ms, starts)
    slack = np.add.reduceat(slack, starts)
    lab = np.where(labels[starts] == "extra", "", labels[starts])
    t = np.cumsum(rr / 1000.0 + slack)

    # 2. Ectopic, long and short: a cubic spline through the normal beats.
    bad = np.isin(lab, _INTERPOLATED)
    good = lab == ""
    if bad.any() and good.sum() >= 4:
        spline = interpolate.CubicSpline(t[good], rr[good], bc_type="natural")
        rr = rr.copy()
        # Clipped to the normal beats' range: across long runs of bad beats, and beyond the
        # first or last normal beat, a spline can swing far out (even below zero).
        rr[bad] = np.clip(spline(t[bad]), rr[good].min(), rr[good].max())

    # 3. Missed beats: split in two.
    k = np.where(lab == "missed", 2, 1)
    rr = np.repeat(rr / k, k)
    first = np.cumsum(k) - k
    slack_split = np.zeros(rr.size)
    slack_split[first] = slack
    return np.cumsum(rr / 1000.0 + slack_split), rr


def correct_beats(
    t_s: np.ndarray, rr_ms: np.ndarray, max_passes: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Detect and correct artifacts, keeping gaps; returns corrected ``(t_s, rr_ms)``."""
    t = np.asarray(t_s, dtype=float)
    rr = np.asarray(rr_ms, dtype=float)
    for _ in range(max_passes):
        labels = detect_artifacts(rr)
        if not labels.any():
            break
        t, rr = _correct_once(t, rr, labels)
    return t, rr


def correct_artifacts(rr_ms: np.ndarray, max_passes: int = 2) -> np.ndarray:
    """RR intervals (ms) with artifacts corrected after Lipponen & Tarvainen 2019.

    The length changes where beats are merged (extra) or split (missed).
    """
    rr = np.asarray(rr_ms, dtype=float)
    return correct_beats(beat_times(rr), rr, max_passes)[1]


@dataclass(frozen=True)
class CausalFilterParams:
    """The live beat filter: each beat judged against the beats before it only."""

    min_rr_ms: float = 300.0  # 200 bpm
    max_rr_ms: float = 2000.0  # 30 bpm
    reference_beats: int = 5  # median of the previous beats the new one is compared with
    spread_beats: int = 41  # previous beats whose deviations set the threshold
    alpha: float = ALPHA
    floor_ms: float = 20.0  # the threshold never drops below this
    warmup_fraction: float = 0.2  # until `history` beats, a beat must depart this much

    @property
    def history(self) -> int:
        """Beats before the newest that decide its flag."""
        return self.reference_beats + self.spread_beats


def causal_flags(
    rr_ms: np.ndarray, params: CausalFilterParams | None = None, first_index: int = 0
) -> np.ndarray:
    """True per beat that the live filter flags (not clean). Causal: beat n uses beats < n.

    A beat is flagged when it lies outside ``[min_rr_ms, max_rr_ms]`` or deviates from the
    median of the previous ``reference_beats`` by more than ``alpha`` quartile deviations of
    the previous ``spread_beats`` deviations (at least ``floor_ms``). During the first
    ``history`` beats of a recording, while the spread is not yet known, the threshold is at
    least ``warmup_fraction`` of the reference instead. ``first_index`` is the number of the
    first beat given, so that the live filter, which passes only the last ``history + 1``
    beats, reaches the same verdicts.
    """
    p = params or CausalFilterParams()
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size == 0:
        return np.zeros(0, bool)
    r = p.reference_beats
    padded = np.concatenate((np.full(r, rr[0]), rr))
    reference = np.median(np.lib.stride_tricks.sliding_window_view(padded, r)[:-1], axis=1)
    dev = rr - reference
    # Trailing quartile deviation of the *previous* spread_beats deviations.
    w = p.spread_beats
    shifted = np.concatenate(([dev[0]], dev[:-1]))
    origin = (w - 1) // 2
    q1 = ndimage.percentile_filter(shifted, 25, size=w, mode="nearest", origin=origin)
    q3 = ndimage.percentile_filter(shifted, 75, size=w, mode="nearest", origin=origin)
    threshold = np.maximum(p.alpha * (q3 - q1) / 2.0, p.floor_ms)
    warm = first_index + np.arange(rr.size) < p.history
    threshold = np.where(warm, np.maximum(threshold, p.warmup_fraction * reference), threshold)
    return (rr < p.min_rr_ms) | (rr > p.max_rr_ms) | (np.abs(dev) > threshold)
