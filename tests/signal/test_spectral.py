import numpy as np
import pytest
from realdata import load
from scipy.interpolate import CubicSpline

from biofeedback.signal import SpectralParams, frequency_domain, smoothness_priors_detrend


def straightforward_welch(t_s, rr_ms, fs=4.0, seg_s=300.0):
    """Welch by hand: spline to 4 Hz, the recording's mean off (not each segment's), Hann
    segments at 50 %, averaged periodograms, bands integrated by the trapezoid rule over
    lo <= f <= hi (Kubios's conventions)."""
    grid = t_s[0] + np.arange(int((t_s[-1] - t_s[0]) * fs) + 1) / fs
    x = CubicSpline(t_s, rr_ms, bc_type="natural")(grid)
    x = x - x.mean()
    n = min(int(seg_s * fs), x.size)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)  # periodic Hann
    step = n // 2
    segs = [x[i : i + n] for i in range(0, x.size - n + 1, step)]
    p = np.mean([np.abs(np.fft.rfft(s * w, 1200)) ** 2 for s in segs], axis=0)
    p *= 2.0 / (fs * np.sum(w**2))
    p[0] /= 2
    p[-1] /= 2
    f = np.fft.rfftfreq(1200, 1 / fs)
    def band(lo, hi):
        m = (f >= lo - 1e-12) & (f <= hi + 1e-12)  # 45/300 is not exactly 0.15
        return np.trapezoid(p[m], f[m])

    return band(0, 0.04), band(0.04, 0.15), band(0.15, 0.4)


@pytest.mark.parametrize("relative", ["polar_hrm/rest_rri.txt", "meditation/C1_med_rr.csv",
                                      "polar_h10/slow_breathing_10min_ibi.csv"])
def test_band_powers_match_a_straightforward_computation(relative):
    rec = load(relative)
    fd = frequency_domain(rec.t_s, rec.rr_ms)
    vlf, lf, hf = straightforward_welch(rec.t_s, rec.rr_ms)
    assert fd.vlf_ms2 == pytest.approx(vlf, rel=1e-9)
    assert fd.lf_ms2 == pytest.approx(lf, rel=1e-9)
    assert fd.hf_ms2 == pytest.approx(hf, rel=1e-9)
    assert fd.lf_nu + fd.hf_nu == pytest.approx(100.0)


def test_peaks_land_where_the_breathing_was():
    slow = load("polar_h10/slow_breathing_10min_ibi.csv")  # data README: peak near 0.062 Hz
    assert frequency_domain(slow.t_s, slow.rr_ms).lf_peak_hz == pytest.approx(0.062, abs=0.005)
    paced = load("meditation/M2_rr.csv")  # metronome at 0.25 Hz, HF peak near 0.24 Hz
    assert frequency_domain(paced.t_s, paced.rr_ms).hf_peak_hz == pytest.approx(0.24, abs=0.015)


@pytest.mark.parametrize("method", ["welch", "lomb"])
def test_a_sinusoid_integrates_to_half_its_squared_amplitude(method):
    t = np.cumsum(np.full(600, 1.0))
    rr = 1000 + 40 * np.sin(2 * np.pi * 0.1 * t)
    fd = frequency_domain(t, rr, SpectralParams(method=method))
    assert fd.lf_ms2 == pytest.approx(40**2 / 2, rel=0.02)
    assert fd.hf_ms2 < 0.01 * fd.lf_ms2


def test_lomb_scargle_agrees_with_welch_on_real_beats():
    rec = load("polar_hrm/rest_rri.txt")
    welch = frequency_domain(rec.t_s, rec.rr_ms)
    lomb = frequency_domain(rec.t_s, rec.rr_ms, SpectralParams(method="lomb"))
    assert lomb.hf_ms2 == pytest.approx(welch.hf_ms2, rel=0.25)
    assert lomb.lf_ms2 == pytest.approx(welch.lf_ms2, rel=0.25)


def test_smoothness_priors_remove_the_trend_and_keep_the_rhythm():
    t = np.arange(0, 600, 0.25)
    rhythm = 30 * np.sin(2 * np.pi * 0.1 * t)
    trend = 200 * (t / 600) ** 2 - 80 * t / 600
    out = smoothness_priors_detrend(rhythm + trend, 500)
    inner = slice(200, -200)
    assert np.std(out[inner] - rhythm[inner]) < 0.1 * np.std(rhythm)


def test_unknown_method_is_a_clear_error():
    rec = load("polar_hrm/rest_rri.txt")
    with pytest.raises(ValueError, match="unknown spectral method"):
        frequency_domain(rec.t_s, rec.rr_ms, SpectralParams(method="ar"))
