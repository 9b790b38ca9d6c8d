"""Data quality of a recording or a window: artifact shares per type and a grade.

Grades follow common practice for artifact shares in HRV (Task Force 1996; Lipponen &
Tarvainen 2019; Kubios user's guide: up to a few % of corrected beats are harmless for the
time domain, spectra and nonlinear indices suffer sooner):

==================  =================  =====================================================
grade               artifacts          what is reported
==================  =================  =====================================================
``clean``           < 2 %              everything, as is
``corrected``       2-5 %              everything, after correction
``time_domain``     5-10 %             time domain only; spectra and nonlinear withheld
``not_interpretable`` > 10 %, or too    nothing: every metric withheld (NaN / null)
                    short
==================  =================  =====================================================

A stretch is too short with fewer than :data:`MIN_BEATS` beats or under :data:`MIN_DURATION_S`.
A recording whose RR intervals alternate long-short (lag-1 autocorrelation below
:data:`ALTERNATION_LIMIT`: bigeminy, where every other beat is premature and the detector,
seeing a regular pattern, may flag few beats) is not interpretable either: its RMSSD measures
the ectopy, not vagal tone. On the clean recordings of ``../shared/data`` the lag-1
autocorrelation is 0.16 to 0.93; on the Polar H10 bigeminy recording it is -0.49.
Spectral bands need a minimum duration besides (Task Force 1996: about ten cycles of the band's
slowest frequency): HF 1 min, LF 2 min, VLF (and total power) 5 min.
"""

from __future__ import annotations

import numpy as np

from .windows import window_bounds

#: Artifact types, as :func:`biofeedback.signal.artifacts.detect_artifacts` labels them.
ARTIFACT_TYPES = ("ectopic", "missed", "extra", "long", "short")
GRADES = ("clean", "corrected", "time_domain", "not_interpretable")
#: Upper bounds (%, exclusive) of the first three grades.
GRADE_LIMITS_PCT = (2.0, 5.0, 10.0)
MIN_BEATS = 30
#: Lag-1 autocorrelation of RR below which the rhythm alternates (bigeminy).
ALTERNATION_LIMIT = -0.3
MIN_DURATION_S = 60.0
#: Shortest stretch (s) for each band's power (Task Force 1996).
MIN_BAND_DURATION_S = {"hf": 60.0, "lf": 120.0, "vlf": 300.0}


def grade(artifacts_pct: np.ndarray | float, n_beats: np.ndarray | int,
          duration_s: np.ndarray | float) -> np.ndarray:
    """Grade name(s) for artifact shares (%), beat counts and durations (s)."""
    pct = np.asarray(artifacts_pct, dtype=float)
    idx = np.searchsorted(np.asarray(GRADE_LIMITS_PCT), pct, side="right")
    short = (np.asarray(n_beats) < MIN_BEATS) | (np.asarray(duration_s, dtype=float)
                                                  < MIN_DURATION_S)
    idx = np.where(short | ~np.isfinite(pct), len(GRADES) - 1, idx)
    return np.asarray(GRADES)[idx]


def artifact_shares(labels: np.ndarray) -> dict[str, float]:
    """Share (%) of beats per artifact type, keys ``artifacts_<type>_pct``."""
    n = max(labels.size, 1)
    return {f"artifacts_{name}_pct": 100.0 * float(np.sum(labels == name)) / n
            for name in ARTIFACT_TYPES}


def windowed_artifacts_pct(t_s: np.ndarray, flagged: np.ndarray, t_end_s: np.ndarray,
                           window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Share (%) of flagged beats and beat count in each window ``(t_end - window_s, t_end]``,
    by prefix sums."""
    lo, hi = window_bounds(t_s, t_end_s, window_s)
    cum = np.concatenate(([0], np.cumsum(np.asarray(flagged, dtype=int))))
    n = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 0, 100.0 * (cum[hi] - cum[lo]) / np.maximum(n, 1), np.nan)
    return pct, n


def lag1_autocorrelation(rr_ms: np.ndarray) -> float:
    """Lag-1 autocorrelation of RR intervals (NaN for fewer than 3 or all equal)."""
    x = np.asarray(rr_ms, dtype=float)
    if x.size < 3:
        return np.nan
    x = x - x.mean()
    denom = float(np.dot(x, x))
    return float(np.dot(x[1:], x[:-1]) / denom) if denom > 0 else np.nan


def quality_reason(artifacts_pct: float, n_beats: int, duration_s: float,
                   rr_ms: np.ndarray) -> str:
    """Why a recording is not interpretable ("" when it is)."""
    if n_beats < MIN_BEATS or duration_s < MIN_DURATION_S:
        return f"too short ({n_beats} beats, {duration_s:.0f} s)"
    if artifacts_pct > GRADE_LIMITS_PCT[-1]:
        return f"{artifacts_pct:.1f} % artifacts"
    if lag1_autocorrelation(rr_ms) < ALTERNATION_LIMIT:
        return "alternating long-short rhythm (bigeminy?)"
    return ""


def windowed_lag1_autocorrelation(rr_ms: np.ndarray, lo: np.ndarray,
                                  hi: np.ndarray) -> np.ndarray:
    """:func:`lag1_autocorrelation` of the beats ``lo..hi-1`` of every window, by prefix sums
    (``Σ(x_i - m)(x_i+1 - m)`` expanded around each window's mean ``m``)."""
    x = np.asarray(rr_ms, dtype=float)
    x = x - x.mean()  # centred for precision over long recordings

    def prefix(v: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(v)))

    p1, p2, pxy = prefix(x), prefix(x * x), prefix(x[1:] * x[:-1])
    n = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (p1[hi] - p1[lo]) / n
        var_sum = (p2[hi] - p2[lo]) - n * mean**2
        # products x_i x_i+1 for i in lo..hi-2 (indices clipped for empty windows at the end)
        first = np.minimum(lo, pxy.size - 1)
        last = np.clip(hi - 1, first, pxy.size - 1)
        s_xy = pxy[last] - pxy[first]
        s_a = p1[last] - p1[first]  # Σ x_i, i = lo..hi-2
        s_b = (p1[hi] - p1[np.minimum(lo + 1, hi)])  # Σ x_i+1, i = lo..hi-2
        cov = s_xy - mean * (s_a + s_b) + (n - 1) * mean**2
        out = np.where(n >= 3, cov / var_sum, np.nan)
    return out
