"""Artifacts in RR series: offline detection and correction, and a causal filter for live use.

Offline detection follows the beat classes of Lipponen JA, Tarvainen MP, *A robust algorithm
for heart rate variability time series artefact correction using novel beat classification*,
J Med Eng Technol 43(3):173-181, 2019 (ectopic, missed, extra, long, short), with thresholds
made to hold on real recordings (issue 11):

* the recording's **time resolution** ``q`` (1/1024 s straps, 1 ms files, 1/128 s Holter
  annotations, ...) is estimated from the RR values themselves (:func:`resolution_ms`); no
  threshold falls below ``K_RESOLUTION * q``, so RR jitter of one or two clock ticks is never
  an artifact (the paper's quartile-deviation thresholds collapse on 1/128 s data);
* every threshold is at least ``REL`` (13 %) of the **local reference** ``ref``, the median
  of the ``NEIGHBOURS`` (3) beats on each side of a beat, the beat itself left out, which
  follows slow oscillations (resonance breathing, meditation) and is not moved by the
  artifact it judges; departures from the neighbours are also measured in local **scales**,
  the median ``|dRR|`` over ``SCALE_BEATS`` (91) beats (the paper's ``Th1`` with the median in
  place of the quartile deviation), so a rhythm that swings a lot is judged by its own swings;
* *ectopic* (premature): a beat ``REL`` below ``ref`` and below both neighbours by
  ``Z_NOTCH`` (3.5) scales, fewer the deeper it lies (down to ``Z_PAUSED`` = 2 at twice
  ``REL``, or when a compensatory pause follows), and by at least ``REL / 2`` of ``ref`` (a
  dip over several beats is a slow swing); the pause after it is labelled too when it lies
  ``0.75 REL`` above ``ref``. With or without a compensatory pause: an atrial premature beat
  resets the sinus node, so its next interval is often about normal;
* *ectopic* (late): a beat above both neighbours by ``Z`` (5) scales and ``2 REL`` of ``ref``
  (a single long beat of a sigh or vagal surge is physiology, not an artifact: NSRDB has many),
  or by ``Z`` scales right after a short interval (a pause that the rhythm ran into; both
  intervals labelled);
* *extra*: a short interval that adds up with the next to ``ref`` within ``SUM_TOLERANCE``,
  or comes much nearer to it together than apart; the next interval is merged into it;
* *missed*: a long interval (not a pause) within ``2 SUM_TOLERANCE`` of two ``ref``;
* *long* / *short*: any other interval departing from ``ref`` by ``REL_LEVEL`` (45 %) of it
  and ``Z_LEVEL`` (10) scales.

Correction: extra beats are merged with the next interval, missed beats split in two,
ectopic, long and short intervals replaced by a cubic spline through the normal beats; a
premature beat and its pause, alone between normal beats, keep their sum (only the premature
beat moves).

Live: :func:`.causal.causal_flags` judges each beat only by the beats before it, with the
same thresholds.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .resolution import resolution_ms
from .rolling import rolling_median
from .splines import NaturalCubicSpline
from .windows import beat_times

#: Beats on each side of a beat whose median is its reference (the beat itself left out).
NEIGHBOURS = 3
#: Beats over which the scale of successive differences is the median of ``|dRR|``, capped
#: at this fraction of the reference (the most variable clean recording, M4, reaches 6 %).
SCALE_BEATS = 91
SCALE_CAP = 0.08
#: Beats either side on which a beat's label depends: the scale's half window, the
#: reference's neighbours, and the three places by which labels look at their neighbours
#: (an extra beat's second half, a premature beat's pause, a late beat's partner).
REACH = SCALE_BEATS // 2 + NEIGHBOURS + 3
#: A departure counts when it exceeds ``max(Z * scale, REL * ref, K_RESOLUTION * q)``
#: (``floor = max(REL * ref, K_RESOLUTION * q)``).
Z = 5.0
REL = 0.13
#: A beat below its reference by ``REL`` need only depart from both neighbours by this many
#: scales to be premature, and fewer when a compensatory pause follows it.
Z_NOTCH = 3.5
Z_PAUSED = 2.0
#: A late beat must stand above both neighbours by this many reference floors: the single
#: long beat of a sigh or a vagal surge (NSRDB) is physiology, not an artifact.
PEAK_FLOOR = 2.0
#: No threshold below this many clock steps: two rounded beat times make each RR uncertain
#: by a step, each successive difference by two.
K_RESOLUTION = 4.0
#: An interval that departs from its reference alone (no notch or peak) must go this far.
Z_LEVEL = 10.0
REL_LEVEL = 0.45
#: An extra beat's two intervals add up to one reference interval, a missed beat's interval
#: to two, each within this fraction of the reference.
SUM_TOLERANCE = 0.25
LABELS = ("ectopic", "missed", "extra", "long", "short")
_INTERPOLATED = ("ectopic", "long", "short")


def _shift(x: np.ndarray, k: int, fill: float = np.nan) -> np.ndarray:
    """``y[n] = x[n + k]``, padded with ``fill`` where ``n + k`` falls outside."""
    y = np.full(x.shape, fill, dtype=float)
    if k > 0:
        y[:-k] = x[k:]
    elif k < 0:
        y[-k:] = x[:k]
    else:
        y[:] = x
    return y


def _reference(rr: np.ndarray) -> np.ndarray:
    """Median of the ``NEIGHBOURS`` beats on each side, the beat itself left out."""
    padded = np.pad(rr, NEIGHBOURS, mode="edge")
    windows = sliding_window_view(padded, 2 * NEIGHBOURS + 1)
    return np.median(np.delete(windows, NEIGHBOURS, axis=1), axis=1)


def detect_artifacts(rr_ms: np.ndarray, resolution: float | None = None) -> np.ndarray:
    """Label each beat: "" for normal, else one of ``ectopic, missed, extra, long, short``.

    ``rr_ms``: RR intervals in ms, one per beat; ``resolution``: their time resolution in ms
    (estimated by :func:`resolution_ms` when not given). Returns an array of ``str`` of the
    same length. An ``extra`` label covers its interval and the next (merged on correction).
    """
    rr = np.asarray(rr_ms, dtype=float)
    labels = np.full(rr.shape, "", dtype="<U7")
    if rr.size < 4:
        return labels
    q = resolution_ms(rr) if resolution is None else float(resolution)
    ref = _reference(rr)
    drr = np.diff(rr, prepend=rr[0])
    scale = np.maximum(rolling_median(np.abs(drr), SCALE_BEATS), q)
    # In bigeminy every difference is an ectopic one: the scale must not grow with them.
    scale = np.minimum(scale, SCALE_CAP * ref)
    floor = np.maximum(REL * ref, K_RESOLUTION * q)
    threshold = np.maximum(Z * scale, floor)
    prev, nxt = _shift(rr, -1), _shift(rr, 1)

    with np.errstate(invalid="ignore"):
        short_ = ref - rr > floor
        long_ = rr - ref > floor
        # An extra beat splits one interval in two: the pieces add up to about one
        # reference interval, or at least come much nearer to it together than apart.
        merged = np.abs(rr + nxt - ref)
        extra = short_ & ((merged < SUM_TOLERANCE * ref) | (
            (merged < 2.0 * SUM_TOLERANCE * ref)
            & (merged < np.fmin(ref - rr, np.abs(nxt - ref)))))
        extra &= ~(_shift(extra.astype(float), -1, 0.0) > 0)  # the second half of the pair
        second_half = _shift(extra.astype(float), -1, 0.0) > 0
        # Below the reference and below both neighbours: a premature beat, whether its pause
        # follows (a rise of twice the prematurity) or not. Above the reference and both
        # neighbours by more than the threshold: a late beat between two short intervals.
        # A compensatory pause (the next interval above the reference) is evidence too.
        # The deeper below the reference, the fewer scales it must stand below its
        # neighbours: Z_NOTCH down to 1.25 REL, down to Z_PAUSED at 2 REL.
        depth = np.clip(((ref - rr) / (REL * ref) - 1.25) / 0.75, 0.0, 1.0)
        z_notch = Z_NOTCH - (Z_NOTCH - Z_PAUSED) * depth
        z_notch = np.where(nxt - ref > floor / 2.0, Z_PAUSED, z_notch)
        # A dip of several beats is a slow swing, not a premature beat: it must also stand
        # below both neighbours by half the reference floor.
        notch = short_ & ~second_half & (np.fmin(prev - rr, nxt - rr) > np.maximum(
            z_notch * scale, floor / 2.0))
        above = rr - np.fmax(prev, nxt)
        peak = long_ & (above > np.maximum(threshold, PEAK_FLOOR * floor))
        # A long interval right after a short one is the pause of a premature beat, however
        # the rhythm ran into it: both are labelled.
        late = long_ & (_shift(short_.astype(float), -1, 0.0) > 0) & (above > threshold)
        peak |= late | (_shift(late.astype(float), 1, 0.0) > 0)
        pause = (_shift(notch.astype(float), -1, 0.0) > 0) & (rr - ref > 0.75 * floor)
        missed = long_ & ~pause & (np.abs(rr / ref - 2.0) < 2.0 * SUM_TOLERANCE)
        level = np.abs(rr - ref) > np.maximum.reduce(
            [Z_LEVEL * scale, REL_LEVEL * ref, np.full(rr.shape, K_RESOLUTION * q)])

    labels[level & short_] = "short"
    labels[level & long_] = "long"
    labels[notch | peak | pause] = "ectopic"
    labels[extra] = "extra"
    labels[missed] = "missed"
    # The interval after an extra beat is merged into it: it carries no label of its own.
    labels[1:][labels[:-1] == "extra"] = ""
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
        spline = NaturalCubicSpline(t[good], rr[good])
        recorded = rr
        rr = rr.copy()
        lo, hi = rr[good].min(), rr[good].max()
        # Clipped to the normal beats' range: across long runs of bad beats, and beyond the
        # first or last normal beat, a spline can swing far out (even below zero).
        rr[bad] = np.clip(spline(t[bad]), lo, hi)
        # A premature beat with its pause, alone between normal beats: the beat after the
        # pause is a sinus beat on time, so the pair keeps its sum and only the premature
        # beat moves (to the spline); the pause keeps its share of the real variability.
        pair = np.zeros(rr.size, bool)
        pair[1:-2] = (bad[1:-2] & bad[2:-1] & ~bad[:-3] & ~bad[3:]
                      & (lab[1:-2] == "ectopic") & (recorded[1:-2] < recorded[2:-1]))
        second = np.flatnonzero(pair) + 1
        rest = recorded[second - 1] + recorded[second] - rr[second - 1]
        keep = (rest >= lo) & (rest <= hi)
        rr[second[keep]] = rest[keep]

    # 3. Missed beats: split in two.
    k = np.where(lab == "missed", 2, 1)
    rr = np.repeat(rr / k, k)
    first = np.cumsum(k) - k
    slack_split = np.zeros(rr.size)
    slack_split[first] = slack
    return np.cumsum(rr / 1000.0 + slack_split), rr


def correct_beats(
    t_s: np.ndarray, rr_ms: np.ndarray, max_passes: int = 2, resolution: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Detect and correct artifacts, keeping gaps; returns corrected ``(t_s, rr_ms)``.

    The time resolution is estimated once, from the recorded intervals (corrected ones no
    longer lie on the recording's clock).
    """
    rr = np.asarray(rr_ms, dtype=float)
    q = resolution_ms(rr) if resolution is None else float(resolution)
    return correct_labelled(t_s, rr, detect_artifacts(rr, q), max_passes, q)


def correct_labelled(
    t_s: np.ndarray, rr_ms: np.ndarray, labels: np.ndarray, max_passes: int = 2,
    resolution: float | None = None, pinned: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`correct_beats` given the first pass's ``labels`` (``detect_artifacts(rr_ms,
    resolution)``), for callers that need them too: the recording is judged once.
    ``pinned``: beats whose label a person chose, which later passes leave as they are."""
    t = np.asarray(t_s, dtype=float)
    rr = np.asarray(rr_ms, dtype=float)
    q = resolution_ms(rr) if resolution is None else float(resolution)
    pinned = np.zeros(rr.size, bool) if pinned is None else pinned
    touched = np.zeros(rr.size, bool)  # beats a pass labelled, or merged or split
    for n in range(max_passes):  # passes over the whole series, not over beats
        if n:
            labels = np.where(pinned, "", detect_near(rr, q, touched))
        labelled = labels != ""
        if not labelled.any():  # (a string array's own any() is slow)
            break
        touched = carry_through_correction(labelled, labels)
        pinned = carry_through_correction(pinned, labels)
        t, rr = _correct_once(t, rr, labels)
    return t, rr


def carry_through_correction(flags: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-beat ``flags`` after one correction round of ``labels``: an extra beat merged with
    the next interval holds what either held, a missed beat's halves both hold its flag
    (the index changes of :func:`_correct_once`)."""
    merged = np.zeros(labels.size, bool)
    merged[1:] = labels[:-1] == "extra"
    starts = np.flatnonzero(~merged)
    held = np.logical_or.reduceat(flags, starts) if starts.size else flags[:0]
    return np.repeat(held, np.where(labels[starts] == "missed", 2, 1))


def _within(mask: np.ndarray, reach: int) -> np.ndarray:
    """Elements within ``reach`` places of a True element of ``mask``."""
    counts = np.concatenate(([0], np.cumsum(mask)))
    i = np.arange(mask.size)
    return counts[np.minimum(i + reach + 1, mask.size)] > counts[np.maximum(i - reach, 0)]


def detect_near(rr_ms: np.ndarray, resolution: float, near: np.ndarray) -> np.ndarray:
    """:func:`detect_artifacts` for the beats within ``REACH`` of a ``near`` beat, "" for the
    others; equal to judging the whole series where the others' labels are known to be "".

    After a correction pass only the beats around what it changed can be judged anew: a
    label depends on the ``REACH`` beats either side. The stretches around ``near`` beats,
    with ``REACH`` more either side so that every judged beat sees its whole neighbourhood,
    are judged as one series: only their unjudged margins meet at the joins.
    """
    judged = _within(near, REACH)
    stretch = np.flatnonzero(_within(near, 2 * REACH))
    if stretch.size > rr_ms.size // 2:  # most of it: judging the whole is simpler and faster
        return np.where(judged, detect_artifacts(rr_ms, resolution), "")
    labels = np.full(rr_ms.shape, "", dtype="<U7")
    found = detect_artifacts(rr_ms[stretch], resolution)
    keep = judged[stretch]
    labels[stretch[keep]] = found[keep]
    return labels


def correct_artifacts(rr_ms: np.ndarray, max_passes: int = 2) -> np.ndarray:
    """RR intervals (ms) with artifacts corrected (see the module docstring).

    The length changes where beats are merged (extra) or split (missed).
    """
    rr = np.asarray(rr_ms, dtype=float)
    return correct_beats(beat_times(rr), rr, max_passes)[1]
