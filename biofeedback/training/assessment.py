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

from ..signal.edits import LabelOverrides, review_beats
from ..signal.resonance import (
    RateMeasures,
    breath_amplitudes,
    heart_rate_grid,
    rank_rates,
    rate_measures,
    sliding_resonance,
)
from ..signal.respiration import estimate_breathing
from ..types import BeatTable, Samples
from .pacer import Pacer
from .plan import SessionSettings, recorded_plan
from .protocols import ASSESSMENTS, Protocol

#: Beyond this share of corrected beats a recommendation is called unreliable.
MAX_ARTIFACTS_PCT = 5.0
SLIDING_SETTLE_S = 60.0
#: Stepped rates whose score is within this of the best one's tie with it: one rank on one
#: of the four criteria of :func:`~biofeedback.signal.resonance.rank_rates`.
TIE_SCORE = 0.25
#: Tied rates further apart than this (breaths/min) leave the resonance undecided.
ADJACENT_BPM = 0.5
#: A sliding assessment whose smoothed swing at either end of the range reaches this share
#: of its peak has not shown where the swings fall off on that side.
SLIDING_EDGE_SHARE = 0.9
#: How many rates a follow-up assessment tests, their spacing when the first did not show
#: one (breaths/min), and the range it may reach (slower than 3/min is not practicable,
#: Lehrer & Gevirtz 2014; faster than 10/min is ordinary breathing).
NEXT_RATES = 3
NEXT_STEP_BPM = 0.5
RATE_LIMITS_BPM = (3.0, 10.0)


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
    #: "slowest" or "fastest" when the best rate (or, stepped, the rate of the largest
    #: heart-rate swings) is at that edge of the tested range.
    edge: str | None = None
    #: Rates that score within :data:`TIE_SCORE` of the best (the best included), when any do.
    ties: list[float] = field(default_factory=list)
    #: What a follow-up assessment should test, fastest first, when this one did not settle.
    next_rates_bpm: list[float] = field(default_factory=list)
    #: Beats whose label a person set in the session's beat review (edits.csv).
    edits_applied: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def verdict_lines(self, command: bool = True) -> list[str]:
        """The recommendation in words (the CLI and the window): the rate, whether it is at
        the edge of the tested range, the rates tied with it, why it is not reliable and
        what to test next (with the ``rf`` command that tests them when ``command``)."""
        edge = ""
        if self.kind == "sliding" and self.edge:
            edge = f" (at the {self.edge} end of the slide: at the edge of the tested range)"
        elif self.edge:
            tested = [r["rate_bpm"] for r in self.rates]
            at_edge = self.recommended_bpm == (min if self.edge == "slowest" else max)(tested)
            edge = (f" ({'' if at_edge else 'the largest swings were at '}the {self.edge} "
                    "rate tested: at the edge of the tested range)")
        lines = [f"recommended: {self.recommended_bpm:g} breaths/min{edge}"
                 + ("" if self.reliable else ", not reliable")]
        if self.ties:
            lines.append("tie: " + ", ".join(f"{r:g}" for r in self.ties)
                         + " breaths/min score within a small margin of each other")
        lines += [f"  because {reason}" for reason in ([] if self.reliable else self.reasons)]
        if self.next_rates_bpm:
            rates = ",".join(f"{r:g}" for r in self.next_rates_bpm)
            lines.append(f"test next: {rates.replace(',', ', ')} breaths/min"
                         + (f" (biofeedback rf --source SPEC --rates {rates})" if command
                            else ""))
        return lines


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


@dataclass(frozen=True)
class Verdict:
    """How far a ranking settles the resonance rate: the best row, whether it sits at an edge
    of the tested range, the rates tied with it, what to test next and why not reliable."""

    best: int
    edge: str | None
    ties: list[float]
    next_rates_bpm: list[float]
    reasons: list[str]


def rates_beyond(rate_bpm: float, edge: str) -> list[float]:
    """The edge rate and the next ones beyond it, :data:`NEXT_STEP_BPM` apart, fastest first
    (the order a stepped assessment runs them), within :data:`RATE_LIMITS_BPM`."""
    sign = -1.0 if edge == "slowest" else 1.0
    rates = rate_bpm + sign * NEXT_STEP_BPM * np.arange(NEXT_RATES)
    lo, hi = RATE_LIMITS_BPM
    return sorted((round(float(r), 2) for r in rates if lo <= r <= hi), reverse=True)


def rates_spanning(rates_bpm: list[float]) -> list[float]:
    """Every :data:`NEXT_STEP_BPM` from the fastest to the slowest of ``rates_bpm``, fastest
    first: the stretch to test again when rates far apart score alike."""
    hi, lo = max(rates_bpm), min(rates_bpm)
    n = int(round((hi - lo) / NEXT_STEP_BPM)) + 1
    return [round(float(r), 2) for r in np.linspace(hi, lo, n)]


def _edge_reason(rate_bpm: float, edge: str) -> str:
    side = "below" if edge == "slowest" else "above"
    return (f"{rate_bpm:g}/min is the {edge} rate tested: the best rate is at the edge of the "
            f"tested range and the resonance may lie {side} it")


def _edge_of(rate_bpm: float, rates_bpm: np.ndarray) -> str | None:
    """"slowest" or "fastest" when ``rate_bpm`` is that end of the rates tested."""
    if np.unique(rates_bpm).size < 2 or rate_bpm not in (rates_bpm.min(), rates_bpm.max()):
        return None
    return "slowest" if rate_bpm == rates_bpm.min() else "fastest"


def stepped_verdict(measures: list[RateMeasures], scores: np.ndarray) -> Verdict:
    """Pick the best stepped rate (ties on score broken by the larger heart-rate swing) and
    say whether it can be trusted: not when it, or the rate of the largest heart-rate swing
    (Lehrer et al. 2000's own criterion), is the fastest or slowest rate tested (the swings
    may grow further beyond it); nor when rates more than :data:`ADJACENT_BPM` apart tie
    with it or the largest swing is elsewhere (Shaffer & Meehan 2020 pick by several
    criteria; when they point apart the assessment is repeated)."""
    rates = np.array([m.rate_bpm for m in measures])
    amplitude = np.nan_to_num([m.amplitude_bpm for m in measures], nan=-np.inf)
    best = int(np.lexsort((amplitude, scores))[-1])
    rate = float(rates[best])
    by_amplitude = float(rates[int(np.argmax(amplitude))])
    tied = sorted({float(r) for r in rates[scores >= scores[best] - TIE_SCORE]}, reverse=True)
    reasons = []
    edge, edge_bpm = _edge_of(rate, rates), rate
    if edge:
        reasons.append(_edge_reason(rate, edge))
    elif edge := _edge_of(by_amplitude, rates):
        edge_bpm = by_amplitude
        reasons.append(f"the largest heart-rate swings were at {by_amplitude:g}/min, the "
                       f"{edge} rate tested: at the edge of the tested range, the resonance "
                       f"may lie {'below' if edge == 'slowest' else 'above'} it")
    elif abs(by_amplitude - rate) > ADJACENT_BPM:
        reasons.append(f"the criteria disagree: largest heart-rate swings at "
                       f"{by_amplitude:g}/min, best overall at {rate:g}/min")
    if max(tied) - min(tied) > ADJACENT_BPM:
        reasons.append(", ".join(f"{r:g}" for r in tied) + "/min score alike (a tie)")
    if edge:
        next_rates = rates_beyond(edge_bpm, edge)
    elif reasons:
        next_rates = rates_spanning([*tied, by_amplitude])
    else:
        next_rates = []
    return Verdict(best, edge, tied if len(tied) > 1 else [], next_rates, reasons)


def sliding_verdict(rate_bpm: np.ndarray, smoothed_bpm: np.ndarray) -> Verdict:
    """The breath where the smoothed swing peaks, and whether the swings fell off on both
    sides of it: when either end of the range still reaches :data:`SLIDING_EDGE_SHARE` of
    the peak, the resonance may lie beyond that end."""
    best = int(np.argmax(smoothed_bpm))
    near_peak = smoothed_bpm >= SLIDING_EDGE_SHARE * smoothed_bpm[best]
    slow_end = int(np.argmin(rate_bpm[[0, -1]])) * (len(rate_bpm) - 1)
    fast_end = len(rate_bpm) - 1 - slow_end
    if near_peak[slow_end] and near_peak[fast_end]:
        return Verdict(best, None, [], [], ["the heart-rate swings are alike over the whole "
                                            "range: no resonance stands out"])
    edge = "slowest" if near_peak[slow_end] else "fastest" if near_peak[fast_end] else None
    if edge is None:
        return Verdict(best, None, [], [], [])
    end_bpm = float(rate_bpm[slow_end if edge == "slowest" else fast_end])
    side = "below" if edge == "slowest" else "above"
    reason = (f"the swings are still near their largest at {end_bpm:.2f}/min, the {edge} "
              f"rate of the slide: the best rate is at the edge of the tested range and the "
              f"resonance may lie {side} it")
    start = round(float(rate_bpm[best]) / NEXT_STEP_BPM) * NEXT_STEP_BPM
    return Verdict(best, edge, [], rates_beyond(start, edge), [reason])


def assess(t_s: np.ndarray, rr_ms: np.ndarray, settings: SessionSettings,
           protocol: Protocol, pacer: Pacer,
           overrides: LabelOverrides | None = None) -> Assessment:
    """Assess a session's beats; artifacts are corrected first (Lipponen & Tarvainen), with
    a person's beat labels (``overrides``, the beat review) where given."""
    reviewed = review_beats(t_s, rr_ms, True, overrides)
    artifacts_pct = 100.0 * np.count_nonzero(reviewed.labels) / max(len(rr_ms), 1)
    t, rr = reviewed.t_s, reviewed.rr_ms
    edits = reviewed.edits_applied
    reasons = []
    if artifacts_pct > MAX_ARTIFACTS_PCT:
        reasons.append(f"{artifacts_pct:.1f} % of beats were artifacts (more than "
                       f"{MAX_ARTIFACTS_PCT:g} %)")
    if protocol.name == "sliding":
        best, rate, amplitude, smooth = assess_sliding(t, rr, pacer)
        rows = [{"rate_bpm": r, "amplitude_bpm": a, "smoothed_bpm": s}
                for r, a, s in zip(rate, amplitude, smooth, strict=True)]
        v = sliding_verdict(rate, smooth)
        reasons += v.reasons
        return Assessment("sliding", round(best, 2), not reasons, reasons, artifacts_pct, rows,
                          v.edge, v.ties, v.next_rates_bpm, edits)

    measures, scores = assess_stepped(t, rr, pacer, protocol, settings)
    if not measures:
        return Assessment("stepped", float("nan"), False, ["no step had enough beats"],
                          artifacts_pct, edits_applied=edits)
    v = stepped_verdict(measures, scores)
    reasons += v.reasons
    rows = [{**asdict(m), "score": float(s)} for m, s in zip(measures, scores, strict=True)]
    return Assessment("stepped", measures[v.best].rate_bpm, not reasons, reasons,
                      artifacts_pct, rows, v.edge, v.ties, v.next_rates_bpm, edits)


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


def assess_session(name: str, meta: dict[str, Any], events: list[tuple[float, str, str]],
                   beats: BeatTable, acc: Samples | None = None,
                   overrides: LabelOverrides | None = None) -> Assessment:
    """Assess a recorded session (``name``: what to call it in an error) from its
    ``session.json`` content, events and beats (its protocol must be ``stepped`` or
    ``sliding``), with its beat review's ``overrides`` if any; with a Polar H10's
    accelerometer stream ``acc``, each stepped rate also says how well it was followed."""
    settings, protocol, pacer = recorded_plan(meta, events)
    if protocol.name not in ASSESSMENTS:
        raise ValueError(f"{name} is not a resonance assessment (its protocol "
                         f"is {protocol.name}); record one with `biofeedback rf --source ...`")
    result = assess(beats.t_s, beats.rr_ms, settings, protocol, pacer, overrides)
    if acc is not None and result.kind == "stepped" and result.rates:
        spans = _measured_spans(protocol, settings, float(beats.t_s[-1]))
        by_rate = dict(zip([s.name for s in protocol.steps],
                           breathing_adherence(acc, pacer, spans), strict=True))
        for row in result.rates:
            row.update(by_rate.get(f"{row['rate_bpm']:g}/min", {}))
    return result
