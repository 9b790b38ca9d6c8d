"""Small value types shared by devices, training, storage and the UI."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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

    ``kind``: ``connected``, ``disconnected``, ``reconnecting`` (value: attempt),
    ``battery`` (value in %), ``info`` (a text), ``malformed`` (a notification that could
    not be decoded, skipped; value: why), ``gap`` (value: seconds without beats).
    """

    t_s: float
    kind: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Samples:
    """A block of raw sensor samples (Polar H10 ECG or accelerometer).

    ``kind``: ``ecg`` (values in µV, shape (n,)) or ``acc`` (values in mG, shape (n, 3):
    x, y, z); ``t_s``: each sample's time in s on the session clock, shape (n,).
    """

    kind: str
    t_s: np.ndarray
    values: np.ndarray
