"""Kubios's stress index: Baevsky's index of the RR series without its very-low-frequency trend
(docs/kubios_parity.md; the agreement with Kubios 3.1.0 is in test_kubios_parity.py)."""

from __future__ import annotations

import numpy as np
import pytest
from realdata import load

from biofeedback.signal.autonomic import baevsky_index, stress_index, without_vlf_trend


def _beats(rr_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.cumsum(rr_ms) / 1000.0, rr_ms


def _breathing(seed: int, minutes: float = 20.0, drift_ms: float = 0.0) -> np.ndarray:
    """RR with a 0.25 Hz respiratory oscillation, noise and, optionally, a slow drift
    (one 10-minute cycle): the drift is what Kubios's detrending is there to ignore."""
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 / 0.85)
    t = np.arange(n) * 0.85
    rr = (850 + 40 * np.sin(2 * np.pi * 0.25 * t) + rng.normal(0, 8, n)
          + drift_ms * np.sin(2 * np.pi * t / 600.0))
    return np.round(rr)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_slow_drift_does_not_lower_the_index(seed):
    """A drift of heart rate widens max-min and flattens the histogram: Baevsky's index of
    the raw series falls by more than a third, Kubios's (detrended) stays within 15 %."""
    steady = _breathing(seed)
    drifting = _breathing(seed, drift_ms=120.0)
    assert baevsky_index(drifting) < 0.67 * baevsky_index(steady)
    assert stress_index(drifting) == pytest.approx(stress_index(steady), rel=0.15)


@pytest.mark.parametrize("seed", [4, 5])
def test_the_trend_goes_and_the_breathing_stays(seed):
    rr = _breathing(seed, drift_ms=120.0)
    t, _ = _beats(rr)
    kept = without_vlf_trend(t, rr)
    # the trend's mean is the resampled series' mean: RR weighted by its own duration
    assert kept.mean() == pytest.approx(np.sum(rr**2) / np.sum(rr), abs=2.0)
    drift = 120.0 * np.sin(2 * np.pi * (np.arange(rr.size) * 0.85) / 600.0)
    # the 10-minute cycle is gone (its share of the variance), the 0.25 Hz one is not
    assert np.corrcoef(kept - kept.mean(), drift)[0, 1] ** 2 < 0.02
    assert np.ptp(kept) < np.ptp(rr) - 150
    breathing = np.sin(2 * np.pi * 0.25 * np.arange(rr.size) * 0.85)
    assert np.corrcoef(kept, breathing)[0, 1] > 0.8


@pytest.mark.parametrize("name", ["nsrdb_1h/series_6_rr_ms.txt", "nsrdb_1h/series_7_rr_ms.txt",
                                  "polar_hrm/rest_rri.txt"])
def test_beat_times_default_to_the_running_sum(name):
    rec = load(name)
    rr = rec.rr_ms
    assert stress_index(rr, np.cumsum(rr) / 1000.0) == stress_index(rr)
    si = stress_index(rec.rr_ms, rec.t_s)
    assert np.isfinite(si) and 2.0 < si < 40.0


def test_too_short_or_flat_series_give_nan_not_a_number():
    assert np.isnan(stress_index(np.array([800.0])))
    assert np.isnan(stress_index(np.full(50, 800.0)))
    assert np.isfinite(stress_index(np.array([800.0, 900.0])))
