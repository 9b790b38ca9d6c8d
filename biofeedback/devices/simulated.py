"""A simulated chest strap with a physiological heart, not a sine.

The heart rate is ``hr + rsa(t) + mayer(t) + drift(t)``, turned into beats by integral pulse
frequency modulation (a beat whenever the integral of HR/60 crosses a whole number):

* **RSA** is the breath (target lung volume, from the pacer; spontaneous breathing at about
  13/min when no pacer is shown) passed through a damped resonator tuned to ``rf``
  breaths/min: the baroreflex loop that makes HRV biofeedback work (Vaschillo et al. 2002;
  Lehrer & Gevirtz 2014). The band-pass form has its largest gain, and zero phase lag between
  breath and heart rate, exactly at ``rf``; ``rsa`` is the peak-to-peak swing there.
* **Mayer waves**: ~0.1 Hz blood-pressure oscillation, with a wandering phase.
* **Drift**: slow Ornstein-Uhlenbeck wander of the baseline.
* **Beat noise**, then RR quantised to the 1/1024 s the Heart Rate Service uses.
* Optional **ectopic** (premature with compensatory pause) and **missed** beats, and
  **dropouts** (the strap disconnects for a few seconds).

Seedable; runs at any clock speed.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import SourceError
from ..types import Beat, DeviceEvent
from .hrs import RR_UNIT_MS
from .source import BreathingTarget, SessionClock, Source, parse_options

STEP_S = 0.05


@dataclass(frozen=True)
class SimParams:
    hr: float = 65.0  # resting heart rate, bpm
    rf: float = 5.5  # resonance breathing rate, breaths/min
    rsa: float = 18.0  # peak-to-peak HR swing when breathing at rf, bpm
    damping: float = 0.2  # resonator damping ratio: smaller is a sharper resonance
    breath: float = 13.0  # spontaneous breathing rate without a pacer, breaths/min
    mayer: float = 1.5  # Mayer-wave amplitude, bpm
    drift: float = 2.0  # SD of the baseline wander, bpm
    noise: float = 6.0  # SD of beat-to-beat jitter, ms
    ectopic: float = 0.0  # premature beats per minute
    missed: float = 0.0  # missed beats per minute
    dropouts: float = 0.0  # disconnections per hour
    dropout_s: float = 8.0  # length of a disconnection, s
    seed: int = 0
    battery: int = 87  # %


def sim_params(options: str) -> SimParams:
    """Parse ``hr=65,rf=5.5,seed=1`` (the part of a ``sim:`` spec after the colon)."""
    types = {k: type(v) for k, v in asdict(SimParams()).items()}
    p = SimParams(**parse_options(options, types))
    if not 30 <= p.hr <= 200:
        raise SourceError("sim: hr must be within 30-200 bpm")
    if not 3 <= p.rf <= 10:
        raise SourceError("sim: rf must be within 3-10 breaths/min")
    return p


class _Heart:
    """The model's state, advanced in steps of STEP_S."""

    def __init__(self, p: SimParams, breathing: BreathingTarget | None) -> None:
        self.p = p
        self.breathing = breathing
        self.rng = np.random.default_rng(p.seed)
        self.t = 0.0
        self.y = 0.0  # resonator output: HR deviation, bpm
        self.dy = 0.0
        self.x_prev = 0.0
        self.spont_phase = self.rng.random()
        self.mayer_phase = self.rng.random() * 2 * math.pi
        self.drift = 0.0
        self.beat_phase = self.rng.random()

    def _breath(self) -> float:
        target = self.breathing(self.t) if self.breathing else None
        if target is not None:
            return target - 0.5
        self.spont_phase += STEP_S * self.p.breath / 60.0 * (1 + 0.1 * self.rng.standard_normal())
        return -0.5 * math.cos(2 * math.pi * self.spont_phase)

    def step(self) -> tuple[float, float] | None:
        """Advance one step; return ``(beat time, HR)`` when a beat falls inside it."""
        p = self.p
        x = self._breath()
        dx = (x - self.x_prev) / STEP_S
        self.x_prev = x
        w = 2 * math.pi * p.rf / 60.0
        ddy = 2 * p.damping * w * p.rsa * dx - 2 * p.damping * w * self.dy - w * w * self.y
        self.dy += ddy * STEP_S
        self.y += self.dy * STEP_S
        self.mayer_phase += 2 * math.pi * 0.1 * STEP_S + 0.02 * self.rng.standard_normal()
        self.drift += (-self.drift / 60.0 * STEP_S
                       + p.drift * math.sqrt(2 * STEP_S / 60.0) * self.rng.standard_normal())
        hr = p.hr + self.y + p.mayer * math.sin(self.mayer_phase) + self.drift
        hr = min(max(hr, 30.0), 200.0)
        advance = hr / 60.0 * STEP_S
        t0 = self.t
        self.t += STEP_S
        if self.beat_phase + advance < 1.0:
            self.beat_phase += advance
            return None
        frac = (1.0 - self.beat_phase) / advance
        self.beat_phase = self.beat_phase + advance - 1.0
        return t0 + frac * STEP_S, hr


class SimulatedStrap(Source):
    """The ``sim:`` source: beats from :class:`_Heart`, delivered on the session clock.

    ``breathing``: the pacer's target lung volume at a session time (None: no pacer), given
    when the strap is built; without it the simulated person breathes spontaneously."""

    def __init__(self, params: SimParams | None = None,
                 breathing: BreathingTarget | None = None) -> None:
        self.params = params or SimParams()
        self.breathing = breathing
        self._closed = False

    def describe(self) -> dict[str, Any]:
        return {"name": "Simulated strap", "address": "sim", "model": "simulated",
                "battery_pct": self.params.battery, "parameters": asdict(self.params)}

    async def close(self) -> None:
        self._closed = True

    async def stream(self, clock: SessionClock) -> AsyncIterator[Beat | DeviceEvent]:
        p = self.params
        heart = _Heart(p, self.breathing)
        rng = np.random.default_rng(p.seed + 1)
        yield DeviceEvent(0.0, "connected", "Simulated strap")
        yield DeviceEvent(0.0, "battery", str(p.battery))
        t_strap = 0.0  # beat time as a strap reconstructs it, from quantised RR
        last_true = None  # the first beat only starts the first interval
        carry = 0.0  # time a missed or premature beat moves into the next interval, ms
        down = False
        down_until = 0.0
        while not self._closed:
            hit = heart.step()
            if hit is None:
                continue
            t_true, hr = hit
            if last_true is None:
                last_true = t_strap = t_true
                continue
            rr = (t_true - last_true) * 1000.0 + p.noise * rng.standard_normal()
            last_true = t_true
            if not down and self._happens(rng, rr, p.dropouts / 60.0):
                down, down_until = True, t_true + p.dropout_s
                await clock.sleep_until(t_true)
                yield DeviceEvent(t_true, "disconnected", "signal lost")
            if down:
                if t_true < down_until:
                    continue
                down, carry = False, 0.0
                t_strap = t_true - rr / 1000.0
                await clock.sleep_until(t_true)
                yield DeviceEvent(t_true, "connected", "Simulated strap")
            rr, carry = rr + carry, 0.0
            if self._happens(rng, rr, p.missed):
                carry = rr
                continue
            if self._happens(rng, rr, p.ectopic):
                carry = rng.uniform(0.25, 0.4) * rr
                rr -= carry
            quantised = round(rr / RR_UNIT_MS) * RR_UNIT_MS
            t_strap += quantised / 1000.0
            await clock.sleep_until(t_strap)
            if self._closed:
                return
            yield Beat(t_strap, quantised, float(round(hr)), True, clock.now())

    @staticmethod
    def _happens(rng: np.random.Generator, rr_ms: float, per_min: float) -> bool:
        """Whether an event with ``per_min`` occurrences a minute falls in this interval."""
        return per_min > 0 and rng.random() < per_min * rr_ms / 60000.0
