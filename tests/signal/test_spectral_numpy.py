"""The Welch and AR spectra in NumPy equal scipy.signal's to the last bit (issue 13: the
spectrum of an import or a summary no longer imports scipy.signal), on the real recordings."""

from __future__ import annotations

import numpy as np
import pytest
from realdata import load
from scipy import signal as sps

from biofeedback.signal.spectral import SpectralParams, ar_psd, burg_ar, resample_rr, welch_psd

RECORDINGS = ("nsrdb_1h/series_1_rr_ms.txt", "nsrdb_1h/series_4_rr_ms.txt",
              "meditation/M1_rr.csv", "meditation/Y2_pre_rr.csv",
              "polar_h10/slow_breathing_10min_ibi.csv", "long_term/mitdb100_rr_from_atr.csv")


def _resampled(relative: str) -> np.ndarray:
    rec = load(relative)
    return resample_rr(rec.t_s, rec.rr_ms, 4.0)[1]


@pytest.mark.parametrize("relative", RECORDINGS)
@pytest.mark.parametrize("seconds", [90.0, 299.0, 300.0, 301.0, 1234.5, None])
def test_welch_equals_scipy_bit_for_bit(relative: str, seconds: float | None) -> None:
    x = _resampled(relative)
    if seconds is not None:
        x = x[: int(seconds * 4)]
    p = SpectralParams()
    f, psd = welch_psd(x, p.fs_hz, p.segment_s, p.overlap, p.points_per_hz)
    y = x - x.mean()
    nperseg = min(1200, y.size)
    f_ref, psd_ref = sps.welch(y, fs=4.0, window="hann", nperseg=nperseg,
                               noverlap=int(round(nperseg * 0.5)), nfft=max(nperseg, 1200),
                               detrend=False, scaling="density")
    np.testing.assert_array_equal(f, f_ref)
    np.testing.assert_array_equal(psd, psd_ref)


@pytest.mark.parametrize("relative", RECORDINGS)
@pytest.mark.parametrize("order", [4, 16])
def test_ar_spectrum_equals_freqz_bit_for_bit(relative: str, order: int) -> None:
    x = _resampled(relative)[:2400]
    f, psd = ar_psd(x, 4.0, order=order)
    a, var = burg_ar(x - x.mean(), order)
    _, h = sps.freqz(1.0, a, worN=f, fs=4.0)
    ref = 2.0 * var / 4.0 * np.abs(h) ** 2
    ref[0] /= 2.0
    np.testing.assert_array_equal(psd, ref)
