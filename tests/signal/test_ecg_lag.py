"""The lag that puts beat times on an ECG's R peaks (import of a strap's ECG export)."""

from __future__ import annotations

import numpy as np
import pytest

from biofeedback.signal.ecg import ecg_lag_s


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("lag_s", [-1.27, 0.0, 0.84, 2.5])
def test_known_lag_found_within_a_sample(seed, lag_s):
    rng = np.random.default_rng(seed)
    rr_s = rng.normal(0.85, 0.08, 400)
    rr_s[::2] *= rng.choice([1.0, 0.6], size=rr_s[::2].size)  # some premature beats
    beats = np.cumsum(rr_s)
    fs = 130.0
    t = np.arange(beats[0] + lag_s - 5, beats[-1] + lag_s + 5, 1 / fs)
    ecg = rng.normal(0, 0.05, t.size)
    # a QRS-like spike (8 ms wide) at each beat, on the ECG's clock
    for k in np.searchsorted(t, beats + lag_s):
        ecg[max(k - 1, 0):k + 2] += np.array([0.3, 1.0, 0.3])[:len(ecg[max(k - 1, 0):k + 2])]
    found = ecg_lag_s(t, ecg, beats)
    assert found == pytest.approx(lag_s, abs=1.5 / fs)
