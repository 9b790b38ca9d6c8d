"""What a session and a course of sessions achieved: per-step figures and client progress.

* :func:`step_summaries`: each protocol step's RMSSD, heart rate, coherence, time in each
  level and the heart-rate oscillation's frequency against the pacer's. For the chronic-stress
  protocol (``standard``: baseline → paced → recovery) the baseline is the client's resting
  value for the day (Lehrer & Gevirtz 2014; Laborde et al. 2017 on resting vagal tone).
* :func:`client_progress`: one row per session and one per ISO week: resting RMSSD,
  training coherence, minutes practised, stress before and after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np

from ..signal.quality import grade
from ..signal.timedomain import time_domain
from .feedback import LEVEL_NAMES
from .pacer import Pacer
from .protocols import Protocol


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def step_summaries(t_s: np.ndarray, rr_ms: np.ndarray, clean: np.ndarray,
                   coherence: np.ndarray, protocol: Protocol,
                   pacer: Pacer) -> dict[str, dict[str, Any]]:
    """Figures per protocol step.

    ``coherence``: rows ``(t_s, ratio, peak_hz, level)`` of the 5-s coherence values.
    Steps of the same name (none in our protocols) would be merged.
    """
    out: dict[str, dict[str, Any]] = {}
    if len(t_s) < 2:
        return out
    coh = np.asarray(coherence, dtype=float).reshape(-1, 4)
    for step, start, end in protocol.spans(float(t_s[-1])):
        beats = (t_s >= start) & (t_s < end) if end > start else np.zeros_like(t_s, bool)
        if np.count_nonzero(beats) < 2:
            continue
        td = time_domain(rr_ms[beats], clean[beats], t_s[beats])
        windows = coh[(coh[:, 0] >= start) & (coh[:, 0] < end) & (coh[:, 3] >= 0)]
        minutes = (min(end, float(t_s[-1])) - start) / 60.0
        # The step's data quality: beats the live filter did not pass (signal.quality).
        artifacts_pct = 100.0 * float(np.mean(~np.asarray(clean[beats], bool)))
        quality = str(grade(artifacts_pct, int(np.count_nonzero(beats)), minutes * 60.0))
        usable = quality != "not_interpretable"
        row: dict[str, Any] = {"minutes": minutes,
                               "rmssd_ms": _finite(td.rmssd_ms) if usable else None,
                               "mean_hr_bpm": _finite(td.mean_hr_bpm) if usable else None,
                               "artifacts_pct": artifacts_pct,
                               "quality_grade": quality,
                               "coherence": _finite(windows[:, 1].mean()) if len(windows)
                               else None,
                               "hr_peak_bpm": _finite(np.median(windows[:, 2]) * 60.0)
                               if len(windows) else None,
                               "pacer_bpm": pacer.rate_at((start + end) / 2) if step.paced
                               else None}
        for i, name in enumerate(LEVEL_NAMES):
            row[f"time_{name}_pct"] = (float(np.mean(windows[:, 3] == i) * 100)
                                       if len(windows) else None)
        out[step.name] = row
    return out


def training_outcome(steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The chronic-stress protocol's headline figures, from :func:`step_summaries`."""
    base, paced = steps.get("baseline", {}), steps.get("paced", steps.get("practice", {}))
    return {"baseline_rmssd_ms": base.get("rmssd_ms"),
            "training_rmssd_ms": paced.get("rmssd_ms"),
            "recovery_rmssd_ms": steps.get("recovery", {}).get("rmssd_ms"),
            "training_coherence": paced.get("coherence"),
            "training_minutes": paced.get("minutes"),
            "hr_peak_bpm": paced.get("hr_peak_bpm"),
            "pacer_bpm": paced.get("pacer_bpm")}


@dataclass(frozen=True)
class SessionProgress:
    """One session of a client, as progress tracking needs it."""

    session_id: str
    start_time: str
    protocol: str
    minutes: float
    resting_rmssd_ms: float | None  # the baseline step's RMSSD (standard protocol)
    coherence: float | None  # mean coherence while paced
    pre_rating: int | None
    post_rating: int | None

    @property
    def rating_change(self) -> int | None:
        if self.pre_rating is None or self.post_rating is None:
            return None
        return self.post_rating - self.pre_rating


def session_progress(meta: dict[str, Any]) -> SessionProgress:
    """A session's progress row from its ``session.json``."""
    summary = meta.get("summary") or {}
    outcome = summary.get("outcome") or {}
    return SessionProgress(
        session_id=meta.get("session_id", ""), start_time=meta.get("start_time", ""),
        protocol=(meta.get("protocol") or {}).get("name", ""),
        minutes=float(meta.get("duration_s") or 0.0) / 60.0,
        resting_rmssd_ms=outcome.get("baseline_rmssd_ms"),
        coherence=outcome.get("training_coherence", summary.get("coherence_ratio")),
        pre_rating=meta.get("pre_rating"), post_rating=meta.get("post_rating"))


def client_progress(sessions: list[SessionProgress]) -> dict[str, Any]:
    """Per-session rows, per-week totals and the trend of resting RMSSD across sessions
    (least-squares slope, ms per session; positive = rising vagal tone)."""
    rows = sorted(sessions, key=lambda s: s.start_time)
    weeks: dict[str, dict[str, Any]] = defaultdict(lambda: {"minutes": 0.0, "sessions": 0})
    for s in rows:
        year, week, _ = datetime.fromisoformat(s.start_time).isocalendar()
        w = weeks[f"{year}-W{week:02d}"]
        w["minutes"] += s.minutes
        w["sessions"] += 1
    resting = [(i, s.resting_rmssd_ms) for i, s in enumerate(rows)
               if s.resting_rmssd_ms is not None]
    slope = None
    if len(resting) >= 2:
        x, y = np.array(resting, dtype=float).T
        slope = float(np.polyfit(x, y, 1)[0])
    changes = [s.rating_change for s in rows if s.rating_change is not None]
    return {"sessions": [{**asdict(s), "rating_change": s.rating_change} for s in rows],
            "weeks": [{"week": k, **v} for k, v in sorted(weeks.items())],
            "resting_rmssd_slope_ms_per_session": slope,
            "mean_rating_change": float(np.mean(changes)) if changes else None,
            "total_minutes": float(sum(s.minutes for s in rows))}

