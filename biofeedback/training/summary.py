"""A session's summary: its HRV figures, time in each coherence level, steps and outcome."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..signal import AnalysisParams, summarize
from .feedback import LEVEL_NAMES
from .outcomes import step_summaries, training_outcome
from .pacer import Pacer
from .protocols import Protocol


def session_summary(t_s: np.ndarray, rr_ms: np.ndarray, clean: np.ndarray,
                    coherence: np.ndarray, achievement: int, protocol: Protocol, pacer: Pacer,
                    breathing_bpm: list[float] | None = None) -> dict[str, Any]:
    """A session's HRV summary and time in each coherence level, from its beats (``clean``:
    passed the live filter) and its 5-s coherence rows ``(t_s, ratio, peak_hz, level)``."""
    out: dict[str, Any] = {"n_beats": len(t_s)}
    if len(t_s) >= 2:
        s = summarize(t_s, rr_ms, AnalysisParams(extended=False))  # it shows no more
        out.update({k: s[k] for k in ("mean_hr_bpm", "rmssd_ms", "sdnn_ms", "lf_ms2",
                                      "hf_ms2", "coherence_ratio", "coherence_peak_hz",
                                      "artifacts_pct", "artifacts_ectopic_pct",
                                      "artifacts_missed_pct", "artifacts_extra_pct",
                                      "artifacts_long_pct", "artifacts_short_pct",
                                      "corrected_beats", "quality_grade", "quality_reason")})
    levels = np.asarray(coherence, dtype=float).reshape(-1, 4)[:, 3]
    scored = levels[levels >= 0]
    for i, name in enumerate(LEVEL_NAMES):
        out[f"time_{name}_pct"] = float(np.mean(scored == i) * 100) if scored.size else None
    out["achievement"] = achievement
    steps = step_summaries(t_s, rr_ms, clean, coherence, protocol, pacer)
    if len(steps) > 1:
        out["steps"] = steps
        out["outcome"] = training_outcome(steps)
    if breathing_bpm:
        out["breathing_bpm"] = float(np.median(breathing_bpm))
    return out
