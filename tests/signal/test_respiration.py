"""Breathing from a chest accelerometer: rate, and whether it follows the pacer."""

from __future__ import annotations

import numpy as np
import pytest

from biofeedback.signal.respiration import BreathingTracker, estimate_breathing


def chest(rate_bpm, seconds=60.0, fs=25.0, lag_s=0.0, seed=0, noise_mg=4.0):
    """A strap on a breathing chest: gravity on a tilted axis, a few mG of breathing
    motion along one direction, and sensor noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, seconds, 1 / fs)
    breath = np.sin(2 * np.pi * rate_bpm / 60 * (t - lag_s))
    acc = np.column_stack([25 * breath, -985 + 10 * breath, 140 - 6 * breath])
    return t, acc + rng.normal(0, noise_mg, acc.shape)


def pacer(rate_bpm, t):
    return t, 0.5 - 0.5 * np.cos(2 * np.pi * rate_bpm / 60 * t)


@pytest.mark.parametrize("rate", [4.5, 6.0, 7.5, 12.0])
def test_rate_is_found_within_a_tenth_of_a_breath(rate):
    t, acc = chest(rate, seed=int(rate * 10))
    est = estimate_breathing(t, acc)
    assert est.rate_bpm == pytest.approx(rate, abs=0.1)
    assert est.follow is None


def test_following_the_pacer_with_a_lag_scores_high_and_ignoring_it_low():
    t, acc = chest(6.0, lag_s=1.5)  # breathes with the pacer, 1.5 s behind
    assert estimate_breathing(t, acc, pacer(6.0, t)).follow > 0.9
    t, acc = chest(9.0)  # breathes at its own rate
    assert estimate_breathing(t, acc, pacer(6.0, t)).follow < 0.5


def test_tracker_estimates_every_five_seconds_over_the_last_minute():
    t, acc = chest(5.5, seconds=120)
    tracker = BreathingTracker()
    due = []
    for start in range(0, len(t), 36):  # frames as a Polar H10 sends them at 25 Hz
        block = slice(start, start + 36)
        if tracker.add(t[block], acc[block]):
            due.append(t[block][-1])
            first, last = tracker.span_s
            assert last - first <= 61
            assert tracker.estimate().rate_bpm == pytest.approx(5.5, abs=0.15)
    assert due[0] == pytest.approx(30, abs=2)
    assert np.diff(due) == pytest.approx(5, abs=1.5)
