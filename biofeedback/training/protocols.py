"""Session protocols: named sequences of steps, each with or without the pacer.

* ``free``: paced practice for the whole session;
* ``standard``: baseline without pacer (3 min) → paced breathing → recovery without pacer
  (3 min), the chronic-stress training shape of issue 6 (Lehrer & Gevirtz 2014);
* ``stepped``: resonance-frequency assessment, one step per rate (default 6.5 → 4.5 by 0.5,
  each 2 min plus 30 s to settle; Lehrer et al. 2000/2013, Shaffer & Meehan 2020);
* ``sliding``: resonance-frequency assessment, 6.75 → 4.25 breaths/min over 15 min, a new rate
  every breath (Fisher & Lehrer 2022).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .pacer import BreathShape, Pacer

BASELINE_S = 180.0
RECOVERY_S = 180.0


@dataclass(frozen=True)
class Step:
    name: str
    start_s: float
    paced: bool


@dataclass(frozen=True)
class Protocol:
    name: str
    steps: tuple[Step, ...]

    def step_at(self, t_s: float) -> Step:
        current = self.steps[0]
        for step in self.steps:
            if step.start_s <= t_s:
                current = step
        return current

    def paced(self, t_s: np.ndarray) -> np.ndarray:
        """Whether the pacer shows at each of ``t_s`` (:meth:`step_at` for an array)."""
        starts = np.array([s.start_s for s in self.steps])
        i = np.maximum(np.searchsorted(starts, t_s, side="right") - 1, 0)
        return np.array([s.paced for s in self.steps])[i]

    def spans(self, end_s: float) -> list[tuple[Step, float, float]]:
        """Each step with its start and end (s); the last ends at ``end_s``."""
        ends = [s.start_s for s in self.steps[1:]] + [end_s]
        return [(s, s.start_s, e) for s, e in zip(self.steps, ends, strict=True)]

    @classmethod
    def from_dict(cls, d: dict) -> Protocol:
        return cls(d["name"], tuple(Step(**s) for s in d["steps"]))

    def to_dict(self) -> dict:
        return {"name": self.name,
                "steps": [{"name": s.name, "start_s": s.start_s, "paced": s.paced}
                          for s in self.steps]}


PROTOCOL_NAMES = ("free", "standard", "stepped", "sliding")
ASSESSMENTS = ("stepped", "sliding")
STEPPED_RATES = (6.5, 6.0, 5.5, 5.0, 4.5)
STEP_S = 150.0  # 2 min measured after 30 s of settling
SETTLE_S = 30.0
SLIDING = (6.75, 4.25, 900.0)  # from, to (breaths/min), over (s)


def assessment_pacer(name: str, rates_bpm: tuple[float, ...] = STEPPED_RATES,
                     step_s: float = STEP_S, shape: BreathShape | None = None) -> Pacer:
    """The pacer of a resonance-frequency assessment."""
    if name == "stepped":
        return Pacer.stepped(rates_bpm, step_s, shape)
    start, end, duration = SLIDING
    return Pacer.sliding(start, end, duration, shape)


def assessment_length_s(name: str, rates_bpm: tuple[float, ...] = STEPPED_RATES,
                        step_s: float = STEP_S) -> float:
    """How long an assessment runs: whole breaths at every rate."""
    if name == "sliding":
        return assessment_pacer(name).segments[-1].t_s
    return sum(math.ceil(step_s * r / 60.0) * 60.0 / r for r in rates_bpm)


def make_protocol(name: str, duration_s: float, rates_bpm: tuple[float, ...] = STEPPED_RATES,
                  step_s: float = STEP_S) -> Protocol:
    """The protocol ``name`` fitted to a session of ``duration_s`` (assessments have their
    own length: :func:`assessment_length_s`)."""
    if name == "free":
        return Protocol("free", (Step("practice", 0.0, True),))
    if name == "standard":
        if duration_s < BASELINE_S + RECOVERY_S + 60.0:
            raise ValueError(f"the standard protocol needs at least "
                             f"{(BASELINE_S + RECOVERY_S + 60) / 60:.0f} min")
        return Protocol("standard", (Step("baseline", 0.0, False),
                                     Step("paced", BASELINE_S, True),
                                     Step("recovery", duration_s - RECOVERY_S, False)))
    if name == "stepped":
        segments = assessment_pacer(name, rates_bpm, step_s).segments
        return Protocol(name, tuple(Step(f"{s.rate_bpm:g}/min", s.t_s, True) for s in segments))
    if name == "sliding":
        return Protocol(name, (Step("sliding", 0.0, True),))
    raise ValueError(f"unknown protocol {name!r} (use {', '.join(PROTOCOL_NAMES)})")


def unpaced_protocol() -> Protocol:
    """No pacer at all: imported recordings and free-running replays of RR files."""
    return Protocol("unpaced", (Step("unpaced", 0.0, False),))


def breathing_target(protocol: Protocol, pacer: Pacer) -> Callable[[float], float | None]:
    """Target lung volume (0..1) at a session time, None while the step shows no pacer: what
    the person is asked to breathe (the simulated strap breathes along with it). Rate changes
    made on ``pacer`` later are followed."""
    return lambda t_s: pacer.volume(t_s) if protocol.step_at(t_s).paced else None
