"""Breathing from a chest-worn accelerometer (Polar H10): rate, phase, pacer following.

A chest strap tilts a little with each breath, so the slow part of its acceleration follows
lung volume. The method follows the accelerometer-derived respiration literature
(Bates et al., "Respiratory rate and flow waveform estimation from tri-axial accelerometer
data", BSN 2010; Hernandez et al. 2015): resample to a uniform grid, low-pass below 0.7 Hz
(42 breaths/min), and project the three axes onto their first principal component, the
direction the chest moves in. Which way is "in" cannot be known from acceleration alone;
phase is therefore reported relative to the principal direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lazy_scipy import signal as sps

#: Band in which breathing is searched, Hz (3 to 30 breaths/min).
BREATHING_BAND_HZ = (0.05, 0.5)


@dataclass(frozen=True, slots=True)
class BreathingEstimate:
    """``rate_bpm``: breaths/min; ``phase_rad``: phase of the last sample (0 at the peak of
    the principal direction); ``follow``: |correlation| with the pacer's target volume
    (None without a pacer), 1 for a person breathing exactly with it."""

    rate_bpm: float
    phase_rad: float
    follow: float | None


def breathing_signal(t_s: np.ndarray, acc_mg: np.ndarray,
                     fs_hz: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """The breathing waveform ``(t_s, resp)`` on a uniform ``fs_hz`` grid.

    ``t_s``: sample times (s), increasing, shape (n,); ``acc_mg``: shape (n, 3).
    ``resp`` has zero mean and the units of the input (mG).
    """
    t = np.arange(t_s[0], t_s[-1], 1.0 / fs_hz)
    grid = np.column_stack([np.interp(t, t_s, acc_mg[:, k]) for k in range(3)])
    sos = sps.butter(4, 0.7, btype="low", fs=fs_hz, output="sos")
    smooth = sps.sosfiltfilt(sos, grid - grid.mean(axis=0), axis=0)
    _, _, vt = np.linalg.svd(smooth, full_matrices=False)
    return t, smooth @ vt[0]


def breathing_rate_bpm(resp: np.ndarray, fs_hz: float) -> float:
    """Breaths/min: the highest peak of the periodogram in :data:`BREATHING_BAND_HZ`,
    refined by a parabola through its three bins."""
    nfft = max(4096, 1 << int(np.ceil(np.log2(len(resp)))))
    f, p = sps.periodogram(resp, fs=fs_hz, window="hann", nfft=nfft, detrend="linear")
    band = np.flatnonzero((f >= BREATHING_BAND_HZ[0]) & (f <= BREATHING_BAND_HZ[1]))
    i = band[np.argmax(p[band])]
    shift = 0.0
    if 0 < i < len(p) - 1:
        a, b, c = np.log(p[i - 1:i + 2] + 1e-30)
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom else 0.0
    return float((f[i] + shift * (f[1] - f[0])) * 60.0)


def estimate_breathing(t_s: np.ndarray, acc_mg: np.ndarray,
                       target: tuple[np.ndarray, np.ndarray] | None = None,
                       fs_hz: float = 10.0) -> BreathingEstimate:
    """Rate, phase and pacer following over the samples given (use ≥ 30 s).

    ``target``: the pacer's target volume as ``(t_s, volume)`` at any sampling covering the
    same time (``None``: no pacer).
    """
    t, resp = breathing_signal(t_s, acc_mg, fs_hz)
    rate = breathing_rate_bpm(resp, fs_hz)
    f0 = rate / 60.0
    sos = sps.butter(2, [max(f0 * 0.6, 0.02), f0 * 1.5], btype="band", fs=fs_hz, output="sos")
    narrow = sps.sosfiltfilt(sos, resp)
    phase = float(np.angle(sps.hilbert(narrow)[-1]))
    follow = None
    if target is not None:
        volume = np.interp(t, *target)
        if np.std(volume) > 0:
            follow = phase_locking(narrow, sps.sosfiltfilt(sos, volume - volume.mean()))
    return BreathingEstimate(rate, phase, follow)


def phase_locking(x: np.ndarray, y: np.ndarray) -> float:
    """Phase-locking value of two narrow-band signals, 0..1: the length of the mean unit
    vector of their phase difference (Lachaux et al., Hum Brain Mapp 1999). A steady lag
    scores 1, whatever its size; the first and last tenth are left out (edge effects)."""
    dphi = np.angle(sps.hilbert(x)) - np.angle(sps.hilbert(y))
    cut = len(dphi) // 10
    return float(np.abs(np.mean(np.exp(1j * dphi[cut:len(dphi) - cut]))))


class BreathingTracker:
    """Keeps the last ``window_s`` of accelerometer samples and says when a new estimate
    is due (every ``every_s`` once ``min_s`` are there). The live counterpart of
    :func:`estimate_breathing`."""

    def __init__(self, window_s: float = 60.0, every_s: float = 5.0, min_s: float = 30.0):
        self.window_s, self.every_s, self.min_s = window_s, every_s, min_s
        self._t: list[np.ndarray] = []
        self._acc: list[np.ndarray] = []
        self._next_s: float | None = None

    def add(self, t_s: np.ndarray, acc_mg: np.ndarray) -> bool:
        """Add a block (times in s, shape (n,); mG, shape (n, 3)); True when an estimate
        is due."""
        self._t.append(t_s)
        self._acc.append(acc_mg)
        end = float(t_s[-1])
        while len(self._t) > 1 and self._t[1][0] <= end - self.window_s:
            self._t.pop(0)
            self._acc.pop(0)
        if self._next_s is None:
            self._next_s = float(self._t[0][0]) + self.min_s
        if end < self._next_s:
            return False
        self._next_s = end + self.every_s
        return True

    @property
    def span_s(self) -> tuple[float, float]:
        """First and last sample time held."""
        return float(self._t[0][0]), float(self._t[-1][-1])

    def estimate(self, target: tuple[np.ndarray, np.ndarray] | None = None) -> BreathingEstimate:
        return estimate_breathing(np.concatenate(self._t), np.concatenate(self._acc), target)
