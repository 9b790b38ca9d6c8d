"""Resonance-frequency measures: how strongly heart rate swings at one breathing rate.

Pure functions on arrays. Sources:

* Lehrer, Vaschillo & Vaschillo 2000 (Appl Psychophysiol Biofeedback 25:177) and Lehrer et
  al. 2013: breathe 2 min at each of 6.5, 6.0, 5.5, 5.0, 4.5 breaths/min; the resonance rate
  gives the largest heart-rate oscillations.
* Shaffer & Meehan 2020 (Front Neurosci 14:570400), the criteria used to pick it: heart rate
  and breathing in phase (0°), the largest peak-to-trough heart-rate amplitude, the highest
  LF power and LF peak power, and a single clean LF peak.
* Fisher & Lehrer 2022 (Appl Psychophysiol Biofeedback 47:?), the sliding protocol: the rate
  with the largest smoothed peak-to-trough amplitude while the rate slides down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .coherence import CoherenceParams, coherence
from .lazy_scipy import signal as sps
from .spectral import BANDS_HZ
from .splines import NaturalCubicSpline

GRID_HZ = 4.0


@dataclass(frozen=True)
class RateMeasures:
    """What one breathing rate did to the heart (Shaffer & Meehan 2020 criteria).

    ``amplitude_bpm``: mean peak-to-trough heart rate within each breath; ``lf_ms2``: power
    0.04-0.15 Hz; ``lf_peak_ms2``: power within ±0.015 Hz of the LF peak; ``coherence``: peak
    power over the rest; ``phase_deg``: heart rate's lag behind the breath at the breathing
    frequency (0: heart rate peaks with full lungs, positive: later); ``lf_peaks``: local
    maxima in LF above a fifth of the highest.
    """

    rate_bpm: float
    n_breaths: int
    amplitude_bpm: float
    lf_ms2: float
    lf_peak_ms2: float
    coherence: float
    peak_hz: float
    phase_deg: float
    lf_peaks: int


def heart_rate_grid(t_s: np.ndarray, rr_ms: np.ndarray,
                    fs_hz: float = GRID_HZ) -> tuple[np.ndarray, np.ndarray]:
    """Instantaneous heart rate (bpm) on a uniform grid, by a cubic spline through the beats."""
    t = np.arange(t_s[0], t_s[-1], 1.0 / fs_hz)
    spline = NaturalCubicSpline(t_s, 60000.0 / rr_ms)
    return t, spline(t)


def breath_amplitudes(grid_hr: np.ndarray, breath_index: np.ndarray) -> np.ndarray:
    """Peak-to-trough heart rate of each whole breath.

    ``grid_hr``: heart rate on a uniform grid; ``breath_index``: the breath (integer part of
    the pacer phase) each grid sample belongs to, non-decreasing. Breaths not wholly covered
    (the first and last) are left out.
    """
    starts = np.flatnonzero(np.diff(breath_index, prepend=breath_index[0] - 1))
    highs = np.maximum.reduceat(grid_hr, starts)
    lows = np.minimum.reduceat(grid_hr, starts)
    return (highs - lows)[1:-1]


def hr_breath_phase_deg(grid_hr: np.ndarray, phase: np.ndarray, volume: np.ndarray) -> float:
    """Heart rate's phase lag behind the breathing target at the breathing frequency, degrees
    in (-180, 180]: the angle between the two signals' components at the pacer's phase."""
    carrier = np.exp(-2j * np.pi * phase)
    hr = np.sum((grid_hr - grid_hr.mean()) * carrier)
    vol = np.sum((volume - volume.mean()) * carrier)
    return float(np.degrees(np.angle(vol / hr))) if abs(hr) > 0 else float("nan")


def count_lf_peaks(f_hz: np.ndarray, psd: np.ndarray, floor: float = 0.2) -> int:
    """Local maxima of the spectrum in LF that reach ``floor`` times its LF maximum."""
    lo, hi = BANDS_HZ["lf"]
    band = (f_hz >= lo) & (f_hz <= hi)
    peaks, _ = sps.find_peaks(psd[band], height=floor * psd[band].max())
    return int(len(peaks))


def rate_measures(rate_bpm: float, t_s: np.ndarray, rr_ms: np.ndarray,
                  phase_fn_t: np.ndarray, phase: np.ndarray,
                  volume: np.ndarray) -> RateMeasures:
    """All criteria for one rate's stretch of beats.

    ``t_s``, ``rr_ms``: the beats (corrected); ``phase_fn_t``, ``phase``, ``volume``: the
    pacer's phase (breaths) and target volume sampled at times ``phase_fn_t``.
    """
    t, hr = heart_rate_grid(t_s, rr_ms)
    ph = np.interp(t, phase_fn_t, phase)
    vol = np.interp(t, phase_fn_t, volume)
    amplitudes = breath_amplitudes(hr, np.floor(ph).astype(int))
    window_s = float(t_s[-1] - t_s[0])
    params = CoherenceParams(window_s=window_s, nfft=max(512, 1 << int(np.ceil(
        np.log2(window_s * CoherenceParams().fs_hz * 4)))))
    c = coherence(t_s, rr_ms, params=params)
    lo, hi = BANDS_HZ["lf"]
    df = c.f_hz[1] - c.f_hz[0]
    band = (c.f_hz >= lo) & (c.f_hz < hi)
    lf = float(c.psd_ms2_hz[band].sum() * df)
    lf_peak_hz = float(c.f_hz[band][np.argmax(c.psd_ms2_hz[band])])
    near = band & (np.abs(c.f_hz - lf_peak_hz) <= params.peak_half_width_hz)
    return RateMeasures(
        rate_bpm=rate_bpm, n_breaths=int(len(amplitudes)),
        amplitude_bpm=float(np.mean(amplitudes)) if len(amplitudes) else float("nan"),
        lf_ms2=lf, lf_peak_ms2=float(c.psd_ms2_hz[near].sum() * df),
        coherence=float(c.ratio), peak_hz=float(c.peak_hz),
        phase_deg=hr_breath_phase_deg(hr, ph, vol),
        lf_peaks=count_lf_peaks(c.f_hz, c.psd_ms2_hz))


def rank_rates(measures: list[RateMeasures]) -> np.ndarray:
    """A score per rate, higher is better: the mean of its ranks (0 worst .. n-1 best) on
    amplitude, LF power, LF peak power and phase closeness to 0°, with a penalty of half a
    rank for each LF peak beyond the first (Shaffer & Meehan 2020, criteria 1-5)."""
    if not measures:
        return np.empty(0)
    table = np.array([[m.amplitude_bpm, m.lf_ms2, m.lf_peak_ms2, -abs(m.phase_deg)]
                      for m in measures])
    table = np.nan_to_num(table, nan=-np.inf)
    ranks = table.argsort(axis=0).argsort(axis=0).astype(float)
    extra_peaks = np.array([max(m.lf_peaks - 1, 0) for m in measures], dtype=float)
    return ranks.mean(axis=1) - 0.5 * extra_peaks


def sliding_resonance(rate_per_breath: np.ndarray, amplitude_per_breath: np.ndarray,
                      smooth_breaths: int = 9) -> tuple[float, np.ndarray]:
    """The rate where the smoothed peak-to-trough amplitude is largest (Fisher & Lehrer
    2022), and the smoothed amplitudes. A centred moving average over ``smooth_breaths``."""
    k = min(smooth_breaths, len(amplitude_per_breath))
    kernel = np.ones(k) / k
    padded = np.pad(amplitude_per_breath, k // 2, mode="edge")
    smooth = np.convolve(padded, kernel, mode="valid")[:len(amplitude_per_breath)]
    return float(rate_per_breath[int(np.argmax(smooth))]), smooth
