"""Time-domain HRV: mean RR, SDNN, RMSSD, pNN50, mean HR.

Definitions after the Task Force of the European Society of Cardiology and the North American
Society of Pacing and Electrophysiology (1996), *Heart rate variability: standards of
measurement, physiological interpretation and clinical use*, Circulation 93:1043-1065:

* SDNN: sample standard deviation (``ddof=1``) of the clean RR intervals, ms.
* RMSSD: root mean square of the successive differences, ms.
* pNN50: share of successive differences larger than 50 ms, in % of the differences counted
  (N-1 for N beats without artifacts).
* mean HR: mean of the instantaneous heart rate ``60000 / rr_ms`` over the clean beats, bpm.

Successive differences that span a gap or touch a flagged beat are left out
(:func:`biofeedback.signal.windows.valid_differences`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .windows import beat_times, valid_differences, window_bounds


@dataclass(frozen=True)
class TimeDomain:
    """Time-domain HRV of one stretch of beats. Values are NaN when too few beats."""

    n_beats: int
    mean_rr_ms: float
    sdnn_ms: float
    rmssd_ms: float
    pnn50_pct: float
    mean_hr_bpm: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class WindowedTimeDomain:
    """Time-domain HRV of many windows; every array has one value per window."""

    t_end_s: np.ndarray
    n_beats: np.ndarray
    mean_rr_ms: np.ndarray
    sdnn_ms: np.ndarray
    rmssd_ms: np.ndarray
    pnn50_pct: np.ndarray
    mean_hr_bpm: np.ndarray


def time_domain(
    rr_ms: np.ndarray, clean: np.ndarray | None = None, t_s: np.ndarray | None = None
) -> TimeDomain:
    """Time-domain HRV of ``rr_ms`` (ms), using only beats where ``clean`` is True.

    ``t_s`` (beat times, s) lets gaps be recognised; without it the beats are taken as
    contiguous.
    """
    rr_ms = np.asarray(rr_ms, dtype=float)
    if t_s is None:
        t_s = beat_times(rr_ms)
    keep = np.ones(rr_ms.shape, bool) if clean is None else np.asarray(clean, bool)
    rr = rr_ms[keep]
    diffs = np.diff(rr_ms)[valid_differences(t_s, rr_ms, keep)]
    n = rr.size
    return TimeDomain(
        n_beats=int(n),
        mean_rr_ms=float(rr.mean()) if n else np.nan,
        sdnn_ms=float(rr.std(ddof=1)) if n > 1 else np.nan,
        rmssd_ms=float(np.sqrt(np.mean(diffs**2))) if diffs.size else np.nan,
        pnn50_pct=float(100.0 * np.mean(np.abs(diffs) > 50.0)) if diffs.size else np.nan,
        mean_hr_bpm=float(np.mean(60000.0 / rr)) if n else np.nan,
    )


def _prefix(x: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading zero: ``sum(x[a:b]) == p[b] - p[a]``."""
    return np.concatenate(([0.0], np.cumsum(x, dtype=float)))


def windowed_time_domain(
    t_s: np.ndarray,
    rr_ms: np.ndarray,
    t_end_s: np.ndarray,
    window_s: float,
    clean: np.ndarray | None = None,
) -> WindowedTimeDomain:
    """:func:`time_domain` of every window ``(t_end - window_s, t_end]``, in one vectorised pass.

    Prefix sums over the whole recording turn each window's sums into two lookups, so the cost
    is O(beats + windows) whatever the overlap.
    """
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    t_end_s = np.asarray(t_end_s, dtype=float)
    keep = np.ones(rr_ms.shape, bool) if clean is None else np.asarray(clean, bool)
    lo, hi = window_bounds(t_s, t_end_s, window_s)

    # Centre on the recording's mean so the sums of squares keep their precision over a day.
    centre = rr_ms[keep].mean() if keep.any() else 0.0
    x = np.where(keep, rr_ms - centre, 0.0)
    n = _prefix(keep)[hi] - _prefix(keep)[lo]
    s1 = _prefix(x)[hi] - _prefix(x)[lo]
    s2 = _prefix(x**2)[hi] - _prefix(x**2)[lo]
    hr = _prefix(np.where(keep, 60000.0 / rr_ms, 0.0))
    hr_sum = hr[hi] - hr[lo]

    # Difference i joins beats i and i+1; a window holding beats lo..hi-1 holds
    # differences lo..hi-2.
    ok = valid_differences(t_s, rr_ms, keep)
    d = np.where(ok, np.diff(rr_ms), 0.0)
    d_hi = np.maximum(hi - 1, lo)
    nd = _prefix(ok)[d_hi] - _prefix(ok)[lo]
    d2 = _prefix(d**2)[d_hi] - _prefix(d**2)[lo]
    n50 = _prefix(np.abs(d) > 50.0)[d_hi] - _prefix(np.abs(d) > 50.0)[lo]

    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rr = np.where(n > 0, centre + s1 / n, np.nan)
        var = np.where(n > 1, (s2 - s1**2 / n) / (n - 1), np.nan)
        return WindowedTimeDomain(
            t_end_s=t_end_s,
            n_beats=n.astype(int),
            mean_rr_ms=mean_rr,
            sdnn_ms=np.sqrt(np.maximum(var, 0.0)),
            rmssd_ms=np.where(nd > 0, np.sqrt(d2 / nd), np.nan),
            pnn50_pct=np.where(nd > 0, 100.0 * n50 / nd, np.nan),
            mean_hr_bpm=np.where(n > 0, hr_sum / n, np.nan),
        )


def heart_rate_stats(rr_ms: np.ndarray) -> dict[str, float]:
    """Kubios's heart-rate figures: mean HR from the mean RR (``60000 / mean RR``), the SD of
    the beat-by-beat HR ``60000 / RR`` (``ddof=1``), and min / max HR of single beats
    (Kubios's "min/max HR as average of 1 beat"), bpm."""
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size == 0:
        return dict.fromkeys(("mean_hr_bpm", "sd_hr_bpm", "min_hr_bpm", "max_hr_bpm"), np.nan)
    hr = 60000.0 / rr
    return {
        "mean_hr_bpm": float(60000.0 / rr.mean()),
        "sd_hr_bpm": float(hr.std(ddof=1)) if rr.size > 1 else np.nan,
        "min_hr_bpm": float(hr.min()),
        "max_hr_bpm": float(hr.max()),
    }


def successive_stats(t_s: np.ndarray, rr_ms: np.ndarray) -> dict[str, float]:
    """SDSD (ms, ``ddof=1``) and NN50 (count of ``|ΔRR| > 50 ms``) over the successive
    differences that do not span a gap (Task Force 1996)."""
    rr = np.asarray(rr_ms, dtype=float)
    d = np.diff(rr)[valid_differences(t_s, rr)]
    return {
        "sdsd_ms": float(d.std(ddof=1)) if d.size > 1 else np.nan,
        "nn50": int(np.sum(np.abs(d) > 50.0)),
    }


def segment_stats(
    t_s: np.ndarray, rr_ms: np.ndarray, t_start_s: float = 0.0, segment_s: float = 300.0
) -> dict[str, float]:
    """SDANN and SDNN index (ms) over consecutive ``segment_s`` segments from ``t_start_s``
    (Task Force 1996: 5-minute segments): the SD of the segments' mean RR and the mean of their
    SDNNs. Only segments at least half full count (a stub at the end would weigh as much as a
    whole segment). NaN with fewer than two such segments."""
    t = np.asarray(t_s, dtype=float)
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 2:
        return {"sdann_ms": np.nan, "sdnn_index_ms": np.nan}
    seg = np.floor((t - t_start_s) / segment_s).astype(int)
    seg -= seg.min()
    n = np.bincount(seg).astype(float)
    s1 = np.bincount(seg, rr)
    centre = rr.mean()
    s2 = np.bincount(seg, (rr - centre) ** 2)
    s1c = s1 - n * centre
    covered = np.bincount(seg, rr) / 1000.0
    full = (covered >= 0.5 * segment_s) & (n > 1)
    if full.sum() < 2:
        return {"sdann_ms": np.nan, "sdnn_index_ms": np.nan}
    with np.errstate(invalid="ignore", divide="ignore"):
        means = s1[full] / n[full]
        sds = np.sqrt(np.maximum((s2[full] - s1c[full] ** 2 / n[full]) / (n[full] - 1), 0.0))
    return {"sdann_ms": float(means.std(ddof=1)), "sdnn_index_ms": float(sds.mean())}
