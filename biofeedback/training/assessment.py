"""Resonance-frequency assessment of a recorded session (stepped or sliding).

The measures are in :mod:`biofeedback.signal.resonance`; this module cuts a session into
the stretches each rate was paced, feeds them the pacer's phase, ranks the rates and says
how far the recommendation can be trusted. A live assessment is the same analysis run on
the session just recorded, so live and offline always agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..signal.artifacts import correct_beats, detect_artifacts
from ..signal.resonance import (
    RateMeasures,
    breath_amplitudes,
    heart_rate_grid,
    rank_rates,
    rate_measures,
    sliding_resonance,
)
from ..signal.respiration import estimate_breathing
from ..storage.session import SessionRecord, read_samples
from ..types import Samples
from .pacer import Pacer
from .protocols import ASSESSMENTS, Protocol
from .session import SessionSettings, recorded_plan

#: Beyond this share of corrected beats a recommendation is called unreliable.
MAX_ARTIFACTS_PCT = 5.0
SLIDING_SETTLE_S = 60.0


@dataclass
class Assessment:
    """The outcome. ``rates``: one row per stepped rate (Shaffer & Meehan criteria and
    ``score``), or per sliding breath (``rate_bpm``, ``amplitude_bpm``, ``smoothed_bpm``)."""

    kind: str
    recommended_bpm: float
    reliable: bool
    reasons: list[str]
    artifacts_pct: float
    rates: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pacer_samples(pacer: Pacer, t0: float, t1: float,
                   fs_hz: float = 4.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(t0, t1, 1.0 / fs_hz)
    return t, pacer.phases(t), pacer.volumes(t)


def _measured_spans(protocol: Protocol, settings: SessionSettings,
                    end_s: float) -> list[tuple[float, float]]:
    """Each step's stretch that is measured: its first ``settle_s`` left out."""
    return [(start + settings.settle_s, end) for _, start, end in protocol.spans(end_s)]


def assess_stepped(t_s: np.ndarray, rr_ms: np.ndarray, pacer: Pacer, protocol: Protocol,
                   settings: SessionSettings) -> tuple[list[RateMeasures], np.ndarray]:
    """The criteria of each step (its first ``settle_s`` left out) and their scores."""
    measures = []
    for start, end in _measured_spans(protocol, settings, float(t_s[-1])):
        keep = (t_s >= start) & (t_s <= end)
        if np.count_nonzero(keep) < 30:
            continue
        grid = _pacer_samples(pacer, start, end)
        measures.append(rate_measures(pacer.rate_at(start + 1.0), t_s[keep], rr_ms[keep],
                                      *grid))
    return measures, rank_rates(measures)


def assess_sliding(t_s: np.ndarray, rr_ms: np.ndarray,
                   pacer: Pacer) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Rate and peak-to-trough amplitude of every breath after the first minute; the rate
    where the smoothed amplitude peaks."""
    keep = t_s >= SLIDING_SETTLE_S
    t, hr = heart_rate_grid(t_s[keep], rr_ms[keep])
    breath = np.floor(pacer.phases(t)).astype(int)
    amplitude = breath_amplitudes(hr, breath)
    starts = np.flatnonzero(np.diff(breath, prepend=breath[0] - 1))[1:-1]
    rate = np.array([pacer.rate_at(t[i]) for i in starts])
    best, smooth = sliding_resonance(rate, amplitude)
    return best, rate, amplitude, smooth


def assess(t_s: np.ndarray, rr_ms: np.ndarray, settings: SessionSettings,
           protocol: Protocol, pacer: Pacer) -> Assessment:
    """Assess a session's beats; artifacts are corrected first (Lipponen & Tarvainen)."""
    artifacts_pct = 100.0 * np.count_nonzero(detect_artifacts(rr_ms)) / max(len(rr_ms), 1)
    t, rr = correct_beats(t_s, rr_ms)
    reasons = []
    if artifacts_pct > MAX_ARTIFACTS_PCT:
        reasons.append(f"{artifacts_pct:.1f} % of beats were artifacts (more than "
                       f"{MAX_ARTIFACTS_PCT:g} %)")
    if protocol.name == "sliding":
        best, rate, amplitude, smooth = assess_sliding(t, rr, pacer)
        rows = [{"rate_bpm": r, "amplitude_bpm": a, "smoothed_bpm": s}
                for r, a, s in zip(rate, amplitude, smooth, strict=True)]
        i = int(np.argmax(smooth))
        if i < len(smooth) * 0.05 or i > len(smooth) * 0.95:
            reasons.append("the largest oscillations are at the end of the range: the "
                           "resonance may lie outside it")
        return Assessment("sliding", round(best, 2), not reasons, reasons, artifacts_pct, rows)

    measures, scores = assess_stepped(t, rr, pacer, protocol, settings)
    if not measures:
        return Assessment("stepped", float("nan"), False, ["no step had enough beats"],
                          artifacts_pct)
    order = np.argsort(scores)[::-1]
    best = measures[order[0]]
    by_amplitude = max(measures, key=lambda m: m.amplitude_bpm)
    if abs(by_amplitude.rate_bpm - best.rate_bpm) > 0.5:
        reasons.append(f"the criteria disagree: largest heart-rate swings at "
                       f"{by_amplitude.rate_bpm:g}/min, best overall at {best.rate_bpm:g}/min")
    if len(order) > 1 and scores[order[0]] - scores[order[1]] < 0.25 and abs(
            measures[order[1]].rate_bpm - best.rate_bpm) > 0.5:
        reasons.append(f"{best.rate_bpm:g} and {measures[order[1]].rate_bpm:g}/min score "
                       "alike")
    rows = [{**asdict(m), "score": float(s)} for m, s in zip(measures, scores, strict=True)]
    return Assessment("stepped", best.rate_bpm, not reasons, reasons, artifacts_pct, rows)


def breathing_adherence(acc: Samples, pacer: Pacer, spans: list[tuple[float, float]]
                        ) -> list[dict[str, float | None]]:
    """Per span, the breathing rate from the chest accelerometer and its phase locking to
    the pacer (0..1): did the person breathe as paced?"""
    out = []
    for start, end in spans:
        keep = (acc.t_s >= start) & (acc.t_s <= end)
        if np.count_nonzero(keep) < 2 or np.ptp(acc.t_s[keep]) < 30:
            out.append({"breathing_bpm": None, "follow": None})
            continue
        t, _, volume = _pacer_samples(pacer, start, end)
        est = estimate_breathing(acc.t_s[keep], acc.values[keep], (t, volume))
        out.append({"breathing_bpm": est.rate_bpm, "follow": est.follow})
    return out


def assess_record(record: SessionRecord) -> Assessment:
    """Assess a recorded session folder (its protocol must be ``stepped`` or ``sliding``);
    with a Polar H10's accelerometer, each stepped rate also says how well it was followed."""
    settings, protocol, pacer = recorded_plan(record.meta, record.events)
    if protocol.name not in ASSESSMENTS:
        raise ValueError(f"{record.folder.name} is not a resonance assessment (its protocol "
                         f"is {protocol.name}); record one with `biofeedback rf --source ...`")
    result = assess(record.beats["t_s"], record.beats["rr_ms"], settings, protocol, pacer)
    acc = read_samples(record.folder, "acc")
    if acc is not None and result.kind == "stepped" and result.rates:
        spans = _measured_spans(protocol, settings, float(record.beats["t_s"][-1]))
        by_rate = dict(zip([s.name for s in protocol.steps],
                           breathing_adherence(acc, pacer, spans), strict=True))
        for row in result.rates:
            row.update(by_rate.get(f"{row['rate_bpm']:g}/min", {}))
    return result
