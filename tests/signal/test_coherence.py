import numpy as np
import pytest
from realdata import load
from scipy.interpolate import CubicSpline

from biofeedback.signal import (
    CoherenceParams,
    coherence,
    tick_ends,
    windowed_coherence,
)


def reference_coherence(t, rr, end):
    """McCraty & Zayas 2014 by hand for one window, with NumPy's FFT."""
    p = CoherenceParams()
    n = p.n_samples
    first = end - (n - 1) / p.fs_hz
    lo = max(np.searchsorted(t, first, side="right") - 1, 0)
    hi = np.searchsorted(t, end, side="right")
    x = CubicSpline(t[lo:hi], rr[lo:hi], bc_type="natural")(first + np.arange(n) / p.fs_hz)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    power = np.abs(np.fft.rfft((x - x.mean()) * w, p.nfft)) ** 2
    f = np.fft.rfftfreq(p.nfft, 1 / p.fs_hz)
    peaks = [i for i in range(1, f.size - 1)
             if power[i] > power[i - 1] and power[i] >= power[i + 1] and 0.04 <= f[i] <= 0.26]
    k = max(peaks, key=lambda i: power[i])
    peak = power[np.abs(f - f[k]) <= 0.015 + 1e-12].sum()
    total = power[(f >= 0.0033) & (f <= 0.4)].sum()
    return peak / (total - peak), f[k]


def test_batched_equals_a_per_window_loop_on_a_day_of_beats():
    rec = load("long_term/ltdb14149_rr_from_atr.csv")
    t, rr = rec.t_s, rec.rr_ms
    ends = t[tick_ends(t, 64.0, 5.0)]
    batch = windowed_coherence(t, rr, ends)
    assert ends.size > 16000 and np.isfinite(batch.ratio).all()
    for i in np.random.default_rng(1).choice(ends.size, 60, replace=False):
        one = coherence(t, rr, t_end_s=ends[i])
        ratio, peak_hz = reference_coherence(t, rr, ends[i])
        assert batch.ratio[i] == pytest.approx(one.ratio, rel=1e-9)
        assert batch.ratio[i] == pytest.approx(ratio, rel=1e-9)
        assert batch.peak_hz[i] == peak_hz


def test_flagged_beats_are_interpolated_over_in_both_paths():
    rec = load("polar_hrm/noisy_rri.hrm")
    clean = np.random.default_rng(2).random(rec.rr_ms.size) > 0.05
    ends = rec.t_s[tick_ends(rec.t_s, 64.0, 5.0)]
    batch = windowed_coherence(rec.t_s, rec.rr_ms, ends, clean=clean)
    loop = [coherence(rec.t_s, rec.rr_ms, e, clean=clean).ratio for e in ends]
    np.testing.assert_allclose(batch.ratio, loop, rtol=1e-9)


def test_slow_breathing_is_coherent_and_rest_is_not():
    slow = load("polar_h10/slow_breathing_10min_ibi.csv")
    rest = load("polar_hrm/rest_rri.txt")
    s = windowed_coherence(slow.t_s, slow.rr_ms, slow.t_s[tick_ends(slow.t_s, 64, 5)])
    r = windowed_coherence(rest.t_s, rest.rr_ms, rest.t_s[tick_ends(rest.t_s, 64, 5)])
    assert np.median(s.ratio) > 1.5 > 0.5 > np.median(r.ratio)
    assert np.median(s.peak_hz) == pytest.approx(0.065, abs=0.01)


def test_a_window_without_enough_beats_is_nan():
    t = np.array([1.0, 2.0, 3.0])
    assert np.isnan(coherence(t, np.full(3, 1000.0)).ratio)
