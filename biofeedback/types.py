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


@dataclass(frozen=True)
class BeatTable:
    """Beats as columns, one row per beat: what a session folder's ``beats.csv`` holds, what
    an RR file gives and what a replay plays back.

    ``t_s``: beat times (s since the recording began); ``rr_ms``: the interval ending at each
    beat; ``hr_bpm``: the heart rate the strap reported (``60000 / rr_ms`` for a file);
    ``contact``: 1.0 / 0.0, NaN when the strap does not say; ``artifact``: flagged by the live
    filter while recording; ``arrival_s``: when the beat's notification arrived.
    A column is also reachable by its ``beats.csv`` name: ``table["rr_ms"]``.
    """

    t_s: np.ndarray
    rr_ms: np.ndarray
    hr_bpm: np.ndarray
    contact: np.ndarray
    artifact: np.ndarray
    arrival_s: np.ndarray

    COLUMNS = ("t_s", "rr_ms", "hr_bpm", "contact", "artifact", "arrival_s")

    @classmethod
    def from_rr(cls, t_s: np.ndarray, rr_ms: np.ndarray) -> BeatTable:
        """Beats known only by their times and intervals (an RR file): heart rate from the
        interval, contact unknown, nothing flagged, arrival at the beat."""
        t = np.asarray(t_s, dtype=float)
        rr = np.asarray(rr_ms, dtype=float)
        return cls(t, rr, 60000.0 / rr, np.full(rr.size, np.nan), np.zeros(rr.size, bool), t)

    @classmethod
    def from_columns(cls, columns: dict[str, np.ndarray]) -> BeatTable:
        """From ``beats.csv``'s columns as floats (``artifact`` 1.0 is flagged)."""
        return cls(*(np.asarray(columns[c], dtype=float) for c in cls.COLUMNS[:4]),
                   np.asarray(columns["artifact"]) == 1.0, np.asarray(columns["arrival_s"],
                                                                      dtype=float))

    def select(self, keep: np.ndarray) -> BeatTable:
        """The rows ``keep`` (a boolean mask or indices) selects."""
        return BeatTable(*(getattr(self, c)[keep] for c in self.COLUMNS))

    def __len__(self) -> int:
        return int(self.t_s.size)

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self.COLUMNS:
            raise KeyError(column)
        return getattr(self, column)
