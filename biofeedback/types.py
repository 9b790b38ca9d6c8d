"""Small value types shared by devices, training, storage and the UI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat as a source delivers it.

    ``t_s``: beat time in s since the session started, reconstructed from the RR intervals;
    ``rr_ms``: the interval ending at this beat; ``hr_bpm``: the heart rate the strap reported
    (or ``60000 / rr_ms``); ``contact``: skin contact, ``None`` when the strap does not say;
    ``arrival_s``: when the notification carrying it arrived, on the session clock.
    """

    t_s: float
    rr_ms: float
    hr_bpm: float
    contact: bool | None
    arrival_s: float


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """Something a source reports besides beats.

    ``kind``: ``connected``, ``disconnected``, ``reconnecting``, ``battery`` (value in %),
    ``info`` (a text), ``gap`` (value: seconds without beats).
    """

    t_s: float
    kind: str
    value: str = ""
