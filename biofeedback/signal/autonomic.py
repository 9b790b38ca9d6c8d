"""Autonomic indices as Kubios HRV reports them: Baevsky's stress index, PNS and SNS indices.

* Stress index (Baevsky & Chernikova, *Heart rate variability analysis: physiological
  foundations and main methods*, Cardiometry 10:66-76, 2017), as Kubios reports it — the square
  root of Baevsky's index: ``SI = sqrt(AMo / (2 · Mo · MxDMn))``, ``AMo`` the share (%) of
  intervals in the highest 50 ms bin, ``Mo`` the median RR (s), ``MxDMn`` the range of RR (s)
  (Kubios HRV user's guide 3.x). Kubios computes it after removing the very-low-frequency trend
  by smoothness priors (Tarvainen, Ranta-aho & Karjalainen, IEEE TBME 49:172-175, 2002) so that
  slow drifts of heart rate do not widen MxDMn and flatten AMo. The form that reproduces Kubios
  HRV 3.1.0 on NSRDB hours 1-5 within 4.3 % (tests/signal/test_kubios_parity.py,
  docs/kubios_parity.md): the trend is estimated with λ = 500 on the RR series resampled at
  4 Hz (the λ whose -3 dB cut-off, 0.035 Hz, is the one Kubios displays for λ = 500), read at
  the beats by linear interpolation and subtracted, the trend's mean added back; the 50 ms bins
  are centred on whole multiples of 50 ms. AMo with 50 ms bins moves by several percent with
  the bin placement (bins with edges on multiples of 50 ms give up to -5.8 % on the same hours),
  so the reproduction is as good as that placement, which Kubios does not document.
* PNS index: the mean of the z-scores of mean RR, RMSSD and Poincaré SD1 (as % of mean RR)
  against normal resting values; SNS index: of mean HR, stress index and SD2 (%)
  (Kubios, "HRV in evaluating ANS function", kubios.com). Kubios does not publish the
  population norms it uses, so none are built in: with :class:`AutonomicNorms` given (e.g.
  from a study's own reference group) the indices are computed, without them they are NaN
  rather than numbers against made-up norms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometric import centred_histogram
from .spectral import resample_rr, smoothness_priors_detrend

#: Histogram bin of the stress index, ms.
SI_BIN_MS = 50.0
#: Smoothness-priors λ of the trend removed before the stress index, on the 4 Hz series.
SI_DETREND_LAMBDA = 500.0
#: Rate (Hz) of the resampled series the trend is estimated on.
SI_DETREND_FS_HZ = 4.0


def without_vlf_trend(t_s: np.ndarray, rr_ms: np.ndarray, lam: float = SI_DETREND_LAMBDA,
                      fs_hz: float = SI_DETREND_FS_HZ) -> np.ndarray:
    """RR (ms) less its smoothness-priors trend, the trend's mean added back.

    The trend is estimated on the RR series resampled at ``fs_hz`` (natural cubic spline, as
    for the spectra) and read at the beat times by linear interpolation.
    """
    t = np.asarray(t_s, dtype=float)
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 3 or t[-1] - t[0] < 2.0 / fs_hz:
        return rr.copy()
    grid_t, grid_rr = resample_rr(t, rr, fs_hz)
    trend = grid_rr - smoothness_priors_detrend(grid_rr, lam)
    return rr - np.interp(t, grid_t, trend) + trend.mean()


def baevsky_index(rr_ms: np.ndarray, bin_ms: float = SI_BIN_MS) -> float:
    """``sqrt(AMo / (2 · Mo · MxDMn))`` of the series as given, bins of ``bin_ms`` centred on
    whole multiples of ``bin_ms``; NaN for fewer than 2 beats or intervals all equal."""
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 2 or np.ptp(rr) == 0:
        return np.nan
    counts, _ = centred_histogram(rr, bin_ms)
    amo_pct = 100.0 * counts.max() / rr.size
    mo_s = float(np.median(rr)) / 1000.0
    mxdmn_s = float(np.ptp(rr)) / 1000.0
    return float(np.sqrt(amo_pct / (2.0 * mo_s * mxdmn_s)))


def stress_index(rr_ms: np.ndarray, t_s: np.ndarray | None = None,
                 bin_ms: float = SI_BIN_MS,
                 detrend_lambda: float | None = SI_DETREND_LAMBDA) -> float:
    """Kubios's stress index: :func:`baevsky_index` of the RR series without its VLF trend
    (:func:`without_vlf_trend`; beat times ``t_s`` default to the running sum of the RR).
    ``detrend_lambda=None`` gives Baevsky's index of the series as it is."""
    rr = np.asarray(rr_ms, dtype=float)
    if detrend_lambda is None or rr.size < 3 or np.ptp(rr) == 0:
        return baevsky_index(rr, bin_ms)
    t = np.cumsum(rr) / 1000.0 if t_s is None else np.asarray(t_s, dtype=float)
    return baevsky_index(without_vlf_trend(t, rr, detrend_lambda), bin_ms)


@dataclass(frozen=True)
class AutonomicNorms:
    """Normal resting values ``(mean, SD)`` the PNS and SNS indices are z-scored against."""

    mean_rr_ms: tuple[float, float]
    rmssd_ms: tuple[float, float]
    sd1_pct: tuple[float, float]
    mean_hr_bpm: tuple[float, float]
    stress_index: tuple[float, float]
    sd2_pct: tuple[float, float]


def _z(value: float, norm: tuple[float, float]) -> float:
    return (value - norm[0]) / norm[1]


def pns_sns(
    mean_rr_ms: float, rmssd_ms: float, sd1_ms: float, sd2_ms: float, si: float,
    norms: AutonomicNorms | None = None,
) -> tuple[float, float]:
    """``(PNS index, SNS index)``: means of z-scores against ``norms`` (NaN without)."""
    if norms is None:
        return float("nan"), float("nan")
    n = norms
    sd1_pct = 100.0 * sd1_ms / mean_rr_ms
    sd2_pct = 100.0 * sd2_ms / mean_rr_ms
    pns = (_z(mean_rr_ms, n.mean_rr_ms) + _z(rmssd_ms, n.rmssd_ms) + _z(sd1_pct, n.sd1_pct)) / 3
    sns = (_z(60000.0 / mean_rr_ms, n.mean_hr_bpm) + _z(si, n.stress_index)
           + _z(sd2_pct, n.sd2_pct)) / 3
    return float(pns), float(sns)
