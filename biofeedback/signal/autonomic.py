"""Autonomic indices as Kubios HRV reports them: Baevsky's stress index, PNS and SNS indices.

* Stress index (Baevsky & Chernikova, *Heart rate variability analysis: physiological
  foundations and main methods*, Cardiometry 10:66-76, 2017), as Kubios reports it — the square
  root of Baevsky's index: ``SI = sqrt(AMo / (2 · Mo · MxDMn))`` with the RR histogram in 50 ms
  bins, ``AMo`` the share (%) of intervals in the highest bin, ``Mo`` the median RR (s) and
  ``MxDMn`` the range of RR (s) (Tarvainen et al., Kubios HRV user's guide 3.x).
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

#: Histogram bin of the stress index, ms.
SI_BIN_MS = 50.0


def stress_index(rr_ms: np.ndarray, bin_ms: float = SI_BIN_MS) -> float:
    """Kubios's stress index (square root of Baevsky's SI); NaN for fewer than 2 beats or
    intervals all equal."""
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 2 or np.ptp(rr) == 0:
        return np.nan
    edges = bin_ms * np.arange(np.floor(rr.min() / bin_ms), np.floor(rr.max() / bin_ms) + 2)
    counts, _ = np.histogram(rr, edges)
    amo_pct = 100.0 * counts.max() / rr.size
    mo_s = float(np.median(rr)) / 1000.0
    mxdmn_s = float(np.ptp(rr)) / 1000.0
    return float(np.sqrt(amo_pct / (2.0 * mo_s * mxdmn_s)))


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
