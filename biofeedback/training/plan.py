"""The plan of a session: its settings, its protocol's pacer, and a recorded session's plan.

Everything here is decided before a beat arrives (or read back from ``session.json``): what
the runner will do, not how it runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..signal import LiveParams
from .feedback import CHALLENGE_THRESHOLDS
from .pacer import BreathShape, Pacer, PacerSchedule
from .protocols import (
    ASSESSMENTS,
    SETTLE_S,
    STEP_S,
    STEPPED_RATES,
    Protocol,
    assessment_pacer,
    unpaced_protocol,
)


@dataclass(frozen=True)
class SessionSettings:
    """Everything that shapes a session; stored in ``session.json``."""

    duration_s: float | None = 600.0  # None: until the source ends or stop()
    protocol: str = "free"
    rate_bpm: float = 6.0
    inhale_ratio: float = 0.4
    challenge: int = 1
    live: LiveParams = field(default_factory=LiveParams)
    rates_bpm: tuple[float, ...] = STEPPED_RATES  # of a stepped assessment
    step_s: float = STEP_S  # each stepped rate's length, settling included
    settle_s: float = SETTLE_S  # the start of each step the assessment leaves out
    thresholds: tuple[float, float] | None = None  # own low/medium and medium/high limits

    def level_thresholds(self) -> tuple[float, float]:
        """The coherence ratios where medium and high begin."""
        return self.thresholds or CHALLENGE_THRESHOLDS[self.challenge]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def breathing_targets(pacer: Pacer | PacerSchedule, protocol: Protocol,
                      t_s: np.ndarray) -> np.ndarray:
    """Target lung volume (0..1) at each of ``t_s``, NaN where the protocol shows no pacer."""
    t = np.asarray(t_s, dtype=float)
    return np.where(protocol.paced(t), pacer.volumes(t), np.nan)


def build_pacer(settings: SessionSettings, protocol: Protocol) -> Pacer:
    """The pacer of a session: it starts at the first paced step (an assessment's paces
    its schedule of rates)."""
    shape = BreathShape(settings.inhale_ratio)
    if protocol.name in ASSESSMENTS:
        return assessment_pacer(protocol.name, settings.rates_bpm, settings.step_s, shape)
    start = next((s.start_s for s in protocol.steps if s.paced), 0.0)
    return Pacer.fixed(settings.rate_bpm, shape, t_s=start)


def recorded_plan(meta: dict[str, Any], events: list[tuple[float, str, str]]
                  ) -> tuple[SessionSettings, Protocol, Pacer]:
    """A recorded session's settings, protocol and pacer as it ran: the scheduled pacer
    plus every rate change someone made (a plain RR file has no pacer)."""
    settings = settings_from_dict(meta["settings"]) if "settings" in meta else SessionSettings(
        protocol="unpaced")
    protocol = Protocol.from_dict(meta["protocol"]) if "protocol" in meta else unpaced_protocol()
    pacer = build_pacer(settings, protocol)
    for t, kind, value in events:
        # Steps log their scheduled rate too; only a change from the schedule is re-applied.
        if kind == "pacer_rate" and abs(pacer.rate_at(t) - float(value)) > 1e-9:
            pacer.set_rate(t, float(value))
    return settings, protocol, pacer


def settings_from_dict(d: dict[str, Any]) -> SessionSettings:
    """Rebuild settings from ``session.json`` (JSON turned tuples into lists)."""
    from ..signal import CausalFilterParams, CoherenceParams

    live = dict(d.get("live") or {})
    coh = {k: tuple(v) if isinstance(v, list) else v
           for k, v in (live.pop("coherence", None) or {}).items()}
    filt = live.pop("artifact_filter", None) or {}
    known = {k: tuple(v) if isinstance(v, list) else v
             for k, v in d.items() if k in SessionSettings.__dataclass_fields__}
    known["live"] = LiveParams(coherence=CoherenceParams(**coh),
                               artifact_filter=CausalFilterParams.from_dict(filt), **live)
    return SessionSettings(**known)
