"""The batched coherence finds each sample's spline piece by counting knots (issue 13: no
search of every sample among all beats): the same pieces as that search, ties included, and
the same values to the last bit, on the real recordings and on beats that fall on samples."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from realdata import load

from biofeedback.signal import CoherenceParams, tick_ends
from biofeedback.signal.splines import natural_second_derivatives

coherence_module = importlib.import_module("biofeedback.signal.coherence")

RECORDINGS = ("long_term/mitdb100_rr_from_atr.csv", "nsrdb_1h/series_2_rr_ms.txt",
              "meditation/C1_med_rr.csv", "polar_h10/slow_breathing_10min_ibi.csv")


def searched_pieces(t, lo, hi, offsets, s):
    """The definition: the last beat at or before each sample, clipped to the window."""
    j = np.searchsorted(t, s, side="right") - 1
    j = np.clip(j, lo[:, None], (hi - 2)[:, None])
    return offsets[:, None] + (j - lo[:, None])


def by_formula(x, y, second, piece, s):
    """The natural spline's formula, evaluated point by point (no per-piece factors)."""
    x0, x1, m0, m1 = x[piece], x[piece + 1], second[piece], second[piece + 1]
    h = x1 - x0
    a, b = x1 - s, s - x0
    return (m0 * (a * a * a) + m1 * (b * b * b)) / (6.0 * h) + (y[piece] / h - m0 * h / 6.0) * a + (
        y[piece + 1] / h - m1 * h / 6.0) * b


def check(t, rr, ends):
    p = CoherenceParams()
    lo, hi, ok = coherence_module._knot_range(t, ends, p)
    lo, hi, ends = lo[ok], hi[ok], ends[ok]
    assert ends.size > 0
    m = hi - lo
    offsets = np.cumsum(m) - m
    knot = np.arange(m.sum()) - np.repeat(offsets - lo, m)
    x, y = t[knot], rr[knot]
    s = ends[:, None] + p.sample_offsets_s()[None, :]
    pieces = coherence_module._sample_pieces(x, ends, offsets, m, p)
    np.testing.assert_array_equal(pieces, searched_pieces(t, lo, hi, offsets, s))
    second = natural_second_derivatives(x, y, m)
    np.testing.assert_array_equal(
        coherence_module._resample_windows(t, rr, ends, lo, hi, p),
        by_formula(x, y, second, pieces, s))


@pytest.mark.parametrize("relative", RECORDINGS)
def test_pieces_and_samples_equal_the_search_on_real_recordings(relative):
    rec = load(relative)
    t, rr = rec.t_s, rec.rr_ms
    check(t, rr, t[tick_ends(t, 64.0, 5.0)])
    rng = np.random.default_rng(len(relative))
    check(t, rr, np.sort(rng.uniform(t[0] + 64.0, t[-1], 200)))  # ends between beats


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_beats_on_sample_times_count_as_a_comparison_would(seed):
    """Beat times on the 1/128 s grid and window ends on beats plus whole half-seconds:
    many beats fall exactly on a sample, where 'at or before' decides the piece."""
    rng = np.random.default_rng(seed)
    rr = np.round(rng.normal(800.0, 60.0, 3000) / 7.8125) * 7.8125
    t = np.cumsum(rr) / 1000.0
    ends = np.sort(rng.choice(t[100:], 400, replace=False) + rng.integers(0, 20, 400) * 0.5)
    ends = ends[ends <= t[-1]]
    p = CoherenceParams()
    s = ends[:, None] + p.sample_offsets_s()[None, :]
    assert np.isin(t, s).sum() > 100  # the ties this test is about do occur
    check(t, rr, ends)


@pytest.mark.parametrize("relative", RECORDINGS)
def test_numpy_fft_gives_scipy_fft_spectra_to_the_last_bit(relative):
    """The coherence spectra use numpy.fft (scipy.fft's import pulls in scipy.special):
    both are pocketfft, and this checks they agree bit for bit on real windows."""
    from scipy import fft as scipy_fft

    rec = load(relative)
    t, rr = rec.t_s, rec.rr_ms
    p = CoherenceParams()
    ends = t[tick_ends(t, 64.0, 5.0)]
    lo, hi, ok = coherence_module._knot_range(t, ends, p)
    samples = coherence_module._resample_windows(t, rr, ends[ok], lo[ok], hi[ok], p)
    f_hz, psd = coherence_module.coherence_spectra(samples, p)
    w = coherence_module.hann_periodic(p.n_samples)
    spec = scipy_fft.rfft((samples - samples.mean(axis=-1, keepdims=True)) * w, n=p.nfft,
                          axis=-1)
    expected = (spec.real**2 + spec.imag**2) * (2.0 / (p.fs_hz * np.sum(w**2)))
    expected[..., [0, -1]] /= 2.0
    np.testing.assert_array_equal(psd, expected)
    np.testing.assert_array_equal(f_hz, scipy_fft.rfftfreq(p.nfft, 1.0 / p.fs_hz))


def scored_over_whole_rows(f_hz, psd, p):
    """The score's definition over whole spectra (local maxima anywhere, masked to the
    band; cumulative power over every bin)."""
    df = f_hz[1] - f_hz[0]
    inner = psd[:, 1:-1]
    is_peak = (inner > psd[:, :-2]) & (inner >= psd[:, 2:])
    is_peak &= (f_hz[1:-1] >= p.peak_band_hz[0]) & (f_hz[1:-1] <= p.peak_band_hz[1])
    has_peak = is_peak.any(axis=1)
    peak_hz = f_hz[1 + np.argmax(np.where(is_peak, inner, -np.inf), axis=1)]
    cum = np.concatenate((np.zeros((psd.shape[0], 1)), np.cumsum(psd, axis=1)), axis=1)
    eps = 1e-9 * df
    a = np.searchsorted(f_hz, peak_hz - p.peak_half_width_hz - eps, side="left")
    b = np.searchsorted(f_hz, peak_hz + p.peak_half_width_hz + eps, side="right")
    rows = np.arange(psd.shape[0])
    peak = (cum[rows, b] - cum[rows, a]) * df
    band = np.flatnonzero((f_hz >= p.total_band_hz[0]) & (f_hz <= p.total_band_hz[1]))
    total = (cum[:, band[-1] + 1] - cum[:, band[0]]) * df  # the running sum, as in the code
    # ... which is the band's power: its sum, to rounding.
    np.testing.assert_allclose(total, psd[:, band].sum(axis=1) * df, rtol=1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(has_peak, peak / (total - peak), 0.0)
    return ratio, np.where(has_peak, peak_hz, np.nan), np.where(has_peak, peak, 0.0), total


@pytest.mark.parametrize("relative", RECORDINGS)
def test_scores_from_the_band_columns_equal_the_whole_row_definition(relative):
    rec = load(relative)
    t, rr = rec.t_s, rec.rr_ms
    p = CoherenceParams()
    ends = t[tick_ends(t, 64.0, 5.0)]
    lo, hi, ok = coherence_module._knot_range(t, ends, p)
    samples = coherence_module._resample_windows(t, rr, ends[ok], lo[ok], hi[ok], p)
    f_hz, psd = coherence_module.coherence_spectra(samples, p)
    psd[::7, :] = psd[::7, ::-1]  # spectra falling through the band: no local maximum there
    got = coherence_module.score_spectra(f_hz, psd, p)
    for g, want in zip(got, scored_over_whole_rows(f_hz, psd, p), strict=True):
        np.testing.assert_array_equal(g, want)
