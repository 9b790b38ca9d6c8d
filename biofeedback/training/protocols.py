"""Session protocols: named sequences of steps, each with or without the pacer.

* ``free``: paced practice for the whole session;
* ``standard``: baseline without pacer (3 min) → paced breathing → recovery without pacer
  (3 min), the chronic-stress training shape of issue 6 (Lehrer & Gevirtz 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

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

    @classmethod
    def from_dict(cls, d: dict) -> Protocol:
        return cls(d["name"], tuple(Step(**s) for s in d["steps"]))

    def to_dict(self) -> dict:
        return {"name": self.name,
                "steps": [{"name": s.name, "start_s": s.start_s, "paced": s.paced}
                          for s in self.steps]}


PROTOCOL_NAMES = ("free", "standard")


def make_protocol(name: str, duration_s: float) -> Protocol:
    """The protocol ``name`` fitted to a session of ``duration_s``."""
    if name == "free":
        return Protocol("free", (Step("practice", 0.0, True),))
    if name == "standard":
        if duration_s < BASELINE_S + RECOVERY_S + 60.0:
            raise ValueError(f"the standard protocol needs at least "
                             f"{(BASELINE_S + RECOVERY_S + 60) / 60:.0f} min")
        return Protocol("standard", (Step("baseline", 0.0, False),
                                     Step("paced", BASELINE_S, True),
                                     Step("recovery", duration_s - RECOVERY_S, False)))
    raise ValueError(f"unknown protocol {name!r} (use {' or '.join(PROTOCOL_NAMES)})")


def unpaced_protocol() -> Protocol:
    """No pacer at all: imported recordings and free-running replays of RR files."""
    return Protocol("unpaced", (Step("unpaced", 0.0, False),))
