"""ECG beside beat times: the lag that puts the beats on the ECG's R peaks.

A strap's RR intervals give beat times on their own clock (the first interval starts at 0);
its ECG stream has another start. The lag is found by cross-correlation of the beat train with
the rectified ECG: the shift at which the beat times fall on the largest deflections (the QRS
complexes) on average. A straightforward matched alignment (cf. Pan & Tompkins 1985 for QRS
energy); the beats' own intervals make the pattern unique (bigeminy more so).
"""

from __future__ import annotations

import numpy as np

#: Beats used for the search (evenly spread): enough for a sharp peak, cheap on a day.
MAX_BEATS = 2000


def ecg_lag_s(ecg_t_s: np.ndarray, ecg: np.ndarray, beat_t_s: np.ndarray,
              max_lag_s: float = 3.0) -> float:
    """The shift ``lag`` (s, within ``±max_lag_s``) for which ``beat_t_s + lag`` on the ECG's
    clock falls on the QRS complexes; searched at the ECG's sampling step."""
    t = np.asarray(ecg_t_s, dtype=float)
    x = np.abs(np.asarray(ecg, dtype=float) - np.median(ecg))
    beats = np.asarray(beat_t_s, dtype=float)
    if beats.size > MAX_BEATS:
        beats = beats[np.linspace(0, beats.size - 1, MAX_BEATS).astype(int)]
    step = float(np.median(np.diff(t))) if t.size > 1 else 0.01
    lags = np.arange(-max_lag_s, max_lag_s + step / 2, step)
    where = beats[None, :] + lags[:, None]
    inside = (where >= t[0]) & (where <= t[-1])
    energy = np.interp(where, t, x) * inside
    score = energy.sum(axis=1) / np.maximum(inside.sum(axis=1), 1)
    return float(lags[np.argmax(score)])
