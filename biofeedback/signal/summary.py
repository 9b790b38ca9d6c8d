"""The HRV summary of a recording and its per-window metrics (the ``analyze`` command's values).

Pipeline: Lipponen-Tarvainen artifact correction (optional), then time domain over all beats,
spectrum (Welch by default), and coherence over every 64 s window, 5 s apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .artifacts import correct_beats, detect_artifacts
from .coherence import CoherenceParams, windowed_coherence
from .spectral import SpectralParams, frequency_domain
from .timedomain import time_domain, windowed_time_domain
from .windows import tick_ends

#: The columns of :func:`windowed_metrics`, in order.
SPECTRAL_KEYS = ("vlf_ms2", "lf_ms2", "hf_ms2", "total_power_ms2", "lf_hf", "lf_nu", "hf_nu",
                 "lf_peak_hz", "hf_peak_hz")
#: The flat keys of :func:`summarize` (it adds ``artifacts``: a count per artifact type).
SUMMARY_COLUMNS = ("n_beats", "duration_s", "mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct",
                   "mean_hr_bpm", *SPECTRAL_KEYS, "coherence_ratio", "coherence_peak_hz",
                   "coherence_windows", "artifacts_pct")
WINDOW_COLUMNS = ("t_end_s", "n_beats", "mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct",
                  "mean_hr_bpm", "coherence_ratio", "coherence_peak_hz")
#: Below this many beats the spectrum is not estimated.
MIN_SPECTRAL_BEATS = 16


@dataclass(frozen=True)
class AnalysisParams:
    """Every choice that changes a number; stored beside every result."""

    artifact_correction: bool = True
    spectral: SpectralParams = field(default_factory=SpectralParams)
    coherence: CoherenceParams = field(default_factory=CoherenceParams)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _recording_start(t_s: np.ndarray, rr_ms: np.ndarray) -> float:
    """The moment the first interval began: windows are counted from here."""
    return float(t_s[0] - rr_ms[0] / 1000.0)


def summarize(
    t_s: np.ndarray, rr_ms: np.ndarray, params: AnalysisParams | None = None
) -> dict[str, Any]:
    """The HRV summary of one recording, with the keys of ``analyze --json`` (DESIGN.md).

    ``t_s``: beat times (s); ``rr_ms``: RR intervals (ms), one per beat.
    """
    p = params or AnalysisParams()
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    labels = detect_artifacts(rr_ms)
    counts = {name: int(np.sum(labels == name)) for name in ("ectopic", "missed", "extra",
                                                              "long", "short")}
    t, rr = correct_beats(t_s, rr_ms) if p.artifact_correction else (t_s, rr_ms)
    td = time_domain(rr, t_s=t)

    nan = float("nan")
    spectral = dict.fromkeys(SPECTRAL_KEYS, nan)
    if rr.size >= MIN_SPECTRAL_BEATS:
        fd = frequency_domain(t, rr, p.spectral)
        spectral = {
            "vlf_ms2": fd.vlf_ms2, "lf_ms2": fd.lf_ms2, "hf_ms2": fd.hf_ms2,
            "total_power_ms2": fd.total_ms2, "lf_hf": fd.lf_hf, "lf_nu": fd.lf_nu,
            "hf_nu": fd.hf_nu, "lf_peak_hz": fd.lf_peak_hz, "hf_peak_hz": fd.hf_peak_hz,
        }

    start = _recording_start(t, rr)
    c = p.coherence
    ends = t[tick_ends(t, c.window_s, c.step_s, start)]
    wc = windowed_coherence(t, rr, ends, params=c)
    has = np.isfinite(wc.ratio)
    return {
        "n_beats": int(rr_ms.size),
        "duration_s": float(t_s[-1] - _recording_start(t_s, rr_ms)),
        "mean_rr_ms": td.mean_rr_ms,
        "sdnn_ms": td.sdnn_ms,
        "rmssd_ms": td.rmssd_ms,
        "pnn50_pct": td.pnn50_pct,
        "mean_hr_bpm": td.mean_hr_bpm,
        **spectral,
        "coherence_ratio": float(np.mean(wc.ratio[has])) if has.any() else nan,
        "coherence_peak_hz": float(np.nanmedian(wc.peak_hz[has])) if has.any() else nan,
        "coherence_windows": int(has.sum()),
        "artifacts_pct": 100.0 * float(np.mean(labels != "")) if labels.size else 0.0,
        "artifacts": counts,
    }


def windowed_metrics(
    t_s: np.ndarray,
    rr_ms: np.ndarray,
    window_s: float,
    step_s: float,
    params: AnalysisParams | None = None,
) -> dict[str, np.ndarray]:
    """Time-domain metrics over windows of ``window_s`` every ``step_s``, with the coherence of
    the 64 s window ending at the same beat. One array per column, one value per window."""
    p = params or AnalysisParams()
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    t, rr = correct_beats(t_s, rr_ms) if p.artifact_correction else (t_s, rr_ms)
    ends = t[tick_ends(t, window_s, step_s, _recording_start(t, rr))]
    td = windowed_time_domain(t, rr, ends, window_s)
    wc = windowed_coherence(t, rr, ends, params=p.coherence)
    return {
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
