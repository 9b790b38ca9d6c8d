"""The HRV summary of a recording and its per-window metrics (the ``analyze`` command's values).

Pipeline: Lipponen-Tarvainen artifact correction (optional), then time domain over all beats,
geometric indices, spectrum (Welch by default, and an AR spectrum), nonlinear and autonomic
indices (Kubios HRV's metric set), coherence over every 64 s window, 5 s apart, and the data
quality (artifact shares per type, a grade; :mod:`biofeedback.signal.quality`), which decides
what is withheld.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .autonomic import AutonomicNorms, pns_sns, stress_index
from .coherence import CoherenceParams, windowed_coherence
from .edits import LabelOverrides, Reviewed, review_beats
from .geometric import tinn, triangular_index
from .nonlinear import nonlinear
from .quality import (
    ALTERNATION_LIMIT,
    ARTIFACT_TYPES,
    MIN_BAND_DURATION_S,
    artifact_shares,
    grade,
    quality_reason,
    windowed_artifacts_pct,
    windowed_lag1_autocorrelation,
)
from .spectral import SpectralParams, ar_spectrum, band_metrics, spectrum
from .timedomain import (
    heart_rate_stats,
    segment_stats,
    successive_stats,
    time_domain,
    windowed_time_domain,
)
from .windows import tick_ends, window_bounds

_BANDS = ("vlf", "lf", "hf")
#: Keys of one spectrum's metrics (Welch as is; the AR spectrum's with the prefix ``ar_``).
BAND_KEYS = (*(f"{b}_ms2" for b in _BANDS), "total_power_ms2", *(f"{b}_log" for b in _BANDS),
             *(f"{b}_pct" for b in _BANDS), "lf_nu", "hf_nu", "lf_hf",
             *(f"{b}_peak_hz" for b in _BANDS))
SPECTRAL_KEYS = ("vlf_ms2", "lf_ms2", "hf_ms2", "total_power_ms2", "lf_hf", "lf_nu", "hf_nu",
                 "lf_peak_hz", "hf_peak_hz")
TIME_KEYS = ("mean_rr_ms", "sdnn_ms", "rmssd_ms", "sdsd_ms", "nn50", "pnn50_pct", "mean_hr_bpm",
             "sd_hr_bpm", "min_hr_bpm", "max_hr_bpm", "sdann_ms", "sdnn_index_ms")
GEOMETRIC_KEYS = ("tri_index", "tinn_ms")
NONLINEAR_KEYS = ("sd1_ms", "sd2_ms", "sd2_sd1", "apen", "sampen", "dfa_alpha1", "dfa_alpha2")
AUTONOMIC_KEYS = ("pns_index", "sns_index", "stress_index")
QUALITY_KEYS = ("artifacts_pct", *(f"artifacts_{a}_pct" for a in ARTIFACT_TYPES),
                "corrected_beats", "edits_applied", "quality_grade", "quality_reason")
#: The flat keys of :func:`summarize` (it adds ``artifacts``: a count per artifact type).
#: The first columns are the original set, in their original order.
SUMMARY_COLUMNS = ("n_beats", "duration_s", "mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct",
                   "mean_hr_bpm", *SPECTRAL_KEYS, "coherence_ratio", "coherence_peak_hz",
                   "coherence_windows", "artifacts_pct",
                   *(k for k in TIME_KEYS if k not in ("mean_rr_ms", "sdnn_ms", "rmssd_ms",
                                                        "pnn50_pct", "mean_hr_bpm")),
                   *GEOMETRIC_KEYS,
                   *(k for k in BAND_KEYS if k not in SPECTRAL_KEYS),
                   *(f"ar_{k}" for k in BAND_KEYS), *NONLINEAR_KEYS, *AUTONOMIC_KEYS,
                   *QUALITY_KEYS[1:])
#: Metrics withheld from a recording graded ``time_domain`` (all but the time domain).
_BEYOND_TIME_DOMAIN = (*GEOMETRIC_KEYS, *BAND_KEYS, *(f"ar_{k}" for k in BAND_KEYS),
                       *NONLINEAR_KEYS, *AUTONOMIC_KEYS, "coherence_ratio", "coherence_peak_hz")
WINDOW_COLUMNS = ("t_end_s", "n_beats", "mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct",
                  "mean_hr_bpm", "coherence_ratio", "coherence_peak_hz", "artifacts_pct",
                  "quality_grade")
#: Below this many beats the spectrum is not estimated.
MIN_SPECTRAL_BEATS = 16


@dataclass(frozen=True)
class AnalysisParams:
    """Every choice that changes a number; stored beside every result."""

    artifact_correction: bool = True
    spectral: SpectralParams = field(default_factory=SpectralParams)
    coherence: CoherenceParams = field(default_factory=CoherenceParams)
    #: Population norms for the PNS and SNS indices (none built in: they are NaN without).
    autonomic_norms: AutonomicNorms | None = None
    #: ApEn and SampEn (a session's own summary, which shows neither, leaves them out: on a
    #: day of beats they take seconds).
    entropies: bool = True
    #: The metrics beyond the time domain and the Welch bands (geometric, AR, nonlinear and
    #: autonomic). A session's own summary shows none of them; False leaves them NaN.
    extended: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _recording_start(t_s: np.ndarray, rr_ms: np.ndarray) -> float:
    """The moment the first interval began: windows are counted from here."""
    return float(t_s[0] - rr_ms[0] / 1000.0)


def _band_withheld(key: str, duration_s: float) -> bool:
    """Is spectral ``key`` undefined for a stretch of ``duration_s`` (too short for its band)?"""
    name = key.removeprefix("ar_")
    if name.startswith(("total_power", "vlf")) or name.endswith("_pct"):
        return duration_s < MIN_BAND_DURATION_S["vlf"]
    if name.startswith(("lf", "hf")):
        return duration_s < max(MIN_BAND_DURATION_S["lf"], MIN_BAND_DURATION_S["hf"])
    return False


def _spectral_set(t: np.ndarray, rr: np.ndarray, p: SpectralParams,
                  with_ar: bool = True) -> dict[str, float]:
    """Welch (or Lomb) and AR band metrics, those the duration cannot support as NaN."""
    nan = float("nan")
    ar_keys = tuple(f"ar_{k}" for k in BAND_KEYS)
    if rr.size < MIN_SPECTRAL_BEATS:
        return dict.fromkeys((*BAND_KEYS, *ar_keys), nan)
    f_hz, psd = spectrum(t, rr, p)
    out = band_metrics(f_hz, psd, p.bands_hz)
    if with_ar:
        f_ar, psd_ar = ar_spectrum(t, rr, p)
        out.update(band_metrics(f_ar, psd_ar, p.bands_hz, prefix="ar_"))
    else:
        out.update(dict.fromkeys(ar_keys, nan))
    duration = float(t[-1] - t[0])
    return {k: (nan if _band_withheld(k, duration) else v) for k, v in out.items()}


def hrv_metrics(t_s: np.ndarray, rr_ms: np.ndarray,
                spectral: SpectralParams | None = None,
                autonomic_norms: AutonomicNorms | None = None,
                entropies: bool = True, extended: bool = True) -> dict[str, float]:
    """Kubios's metric set of one stretch of beats (already corrected or not), flat:
    time domain, geometric, Welch and AR spectra, nonlinear and autonomic indices
    (``extended=False``: the time domain and the Welch bands, the others NaN)."""
    t = np.asarray(t_s, dtype=float)
    rr = np.asarray(rr_ms, dtype=float)
    td = time_domain(rr, t_s=t)
    out: dict[str, float] = {
        "mean_rr_ms": td.mean_rr_ms, "sdnn_ms": td.sdnn_ms, "rmssd_ms": td.rmssd_ms,
        **successive_stats(t, rr), "pnn50_pct": td.pnn50_pct, **heart_rate_stats(rr),
        **segment_stats(t, rr, _recording_start(t, rr) if rr.size else 0.0),
    }
    nan = float("nan")
    out.update(tri_index=triangular_index(rr) if rr.size and extended else nan,
               tinn_ms=tinn(rr) if rr.size and extended else nan)
    out.update(_spectral_set(t, rr, spectral or SpectralParams(), with_ar=extended))
    if not extended:
        return {**out, **dict.fromkeys((*NONLINEAR_KEYS, *AUTONOMIC_KEYS), nan)}
    nl = nonlinear(rr, with_entropies=entropies)
    out.update({k: getattr(nl, k) for k in NONLINEAR_KEYS})
    si = stress_index(rr, t)
    pns, sns = pns_sns(td.mean_rr_ms, td.rmssd_ms, nl.sd1_ms, nl.sd2_ms, si, autonomic_norms)
    out.update(pns_index=pns, sns_index=sns, stress_index=si)
    return out


def _usable(reviewed: Reviewed, t_s: np.ndarray, rr_ms: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and the beats to analyse; when noise stretches leave fewer than two beats, the
    recorded ones stand in (every value is then withheld: nearly all beats are artifacts)."""
    if reviewed.rr_ms.size >= 2:
        return reviewed.labels, reviewed.t_s, reviewed.rr_ms
    return reviewed.labels, t_s, rr_ms


def summarize(
    t_s: np.ndarray, rr_ms: np.ndarray, params: AnalysisParams | None = None,
    overrides: LabelOverrides | None = None,
) -> dict[str, Any]:
    """The HRV summary of one recording, with the keys of ``analyze --json`` (DESIGN.md).

    ``t_s``: beat times (s); ``rr_ms``: RR intervals (ms), one per beat; ``overrides``: a
    person's beat labels (:mod:`.edits`). Metrics the data quality cannot support are NaN
    (see :mod:`biofeedback.signal.quality`): the grade says why.
    """
    p = params or AnalysisParams()
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    reviewed = review_beats(t_s, rr_ms, p.artifact_correction, overrides)
    labels, t, rr = _usable(reviewed, t_s, rr_ms)
    counts = {name: int(np.sum(labels == name)) for name in (*ARTIFACT_TYPES, "noise")}

    nan = float("nan")
    metrics = hrv_metrics(t, rr, p.spectral, p.autonomic_norms, p.entropies, p.extended)

    start = _recording_start(t, rr)
    c = p.coherence
    ends = t[tick_ends(t, c.window_s, c.step_s, start)]
    wc = windowed_coherence(t, rr, ends, params=c)
    has = np.isfinite(wc.ratio)
    duration = float(t_s[-1] - _recording_start(t_s, rr_ms))
    artifacts_pct = 100.0 * float(np.mean(labels != "")) if labels.size else 0.0
    reason = quality_reason(artifacts_pct, rr_ms.size, duration, rr_ms)
    quality = "not_interpretable" if reason else str(grade(artifacts_pct, rr_ms.size, duration))
    out: dict[str, Any] = {
        "n_beats": int(rr_ms.size),
        "duration_s": duration,
        **metrics,
        "coherence_ratio": float(np.mean(wc.ratio[has])) if has.any() else nan,
        "coherence_peak_hz": float(np.nanmedian(wc.peak_hz[has])) if has.any() else nan,
        "coherence_windows": int(has.sum()),
        "artifacts_pct": artifacts_pct,
        **artifact_shares(labels),
        "corrected_beats": int(np.sum(labels != "")) if p.artifact_correction else 0,
        "edits_applied": reviewed.edits_applied,
        "quality_grade": quality,
        "quality_reason": reason,
        "artifacts": counts,
    }
    if quality in ("time_domain", "not_interpretable"):
        withheld = _BEYOND_TIME_DOMAIN if quality == "time_domain" else (
            *TIME_KEYS, *_BEYOND_TIME_DOMAIN)
        out.update(dict.fromkeys(withheld, nan))
    return out


def windowed_metrics(
    t_s: np.ndarray,
    rr_ms: np.ndarray,
    window_s: float,
    step_s: float,
    params: AnalysisParams | None = None,
    overrides: LabelOverrides | None = None,
) -> dict[str, np.ndarray]:
    """Time-domain metrics over windows of ``window_s`` every ``step_s``, with the coherence of
    the 64 s window ending at the same beat. One array per column, one value per window."""
    p = params or AnalysisParams()
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    labels, t, rr = _usable(review_beats(t_s, rr_ms, p.artifact_correction, overrides),
                            t_s, rr_ms)
    ends = t[tick_ends(t, window_s, step_s, _recording_start(t, rr))]
    td = windowed_time_domain(t, rr, ends, window_s)
    wc = windowed_coherence(t, rr, ends, params=p.coherence)
    flagged = labels != ""
    pct, n_raw = windowed_artifacts_pct(t_s, flagged, ends, window_s)
    grades = grade(pct, n_raw, np.full(ends.size, float(window_s)))
    lo, hi = window_bounds(t_s, ends, window_s)
    alternating = windowed_lag1_autocorrelation(rr_ms, lo, hi) < ALTERNATION_LIMIT
    grades = np.where(alternating, "not_interpretable", grades)
    bad = grades == "not_interpretable"
    spectral_bad = bad | (grades == "time_domain")
    cols = {
        "t_end_s": ends,
        "n_beats": td.n_beats,
        "mean_rr_ms": td.mean_rr_ms,
        "sdnn_ms": td.sdnn_ms,
        "rmssd_ms": td.rmssd_ms,
        "pnn50_pct": td.pnn50_pct,
        "mean_hr_bpm": td.mean_hr_bpm,
        "coherence_ratio": wc.ratio,
        "coherence_peak_hz": wc.peak_hz,
    }
    for key in ("mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct", "mean_hr_bpm"):
        cols[key] = np.where(bad, np.nan, cols[key])
    for key in ("coherence_ratio", "coherence_peak_hz"):
        cols[key] = np.where(spectral_bad, np.nan, cols[key])
    return {**cols, "artifacts_pct": pct, "quality_grade": grades}
