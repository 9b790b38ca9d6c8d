"""Sliding-window rank statistics and the Hann taper against scipy.ndimage / scipy.signal."""

import time

import numpy as np
import pytest
from realdata import DATA, load
from scipy import ndimage
from scipy.signal import get_window

from biofeedback.signal.artifacts import SCALE_BEATS
from biofeedback.signal.rolling import rolling_median, rolling_percentile
from biofeedback.signal.tapers import hann_periodic

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings missing: {DATA}")

FILES = ("polar_hrm/rest_rri.txt", "meditation/C2_med_rr.csv", "nsrdb_1h/series_2_rr_ms.txt",
         "long_term/mitdb100_rr_from_atr.csv")
LONG = "long_term/ltdb14149_rr_from_atr.csv"


@pytest.mark.parametrize("relative", FILES)
@pytest.mark.parametrize("size", (5, 41, SCALE_BEATS, 90))
def test_rolling_median_equals_ndimage(relative, size):
    x = np.abs(np.diff(load(relative).rr_ms))
    assert np.array_equal(rolling_median(x, size),
                          ndimage.median_filter(x, size, mode="nearest"))


@pytest.mark.parametrize("relative", FILES)
@pytest.mark.parametrize("percentile", (25, 75, 10, 50))
def test_rolling_percentile_equals_ndimage_with_its_origin(relative, percentile):
    rr = load(relative).rr_ms
    x = rr - np.median(rr)
    for size in (41, 7, 6):
        for origin in sorted({-(size // 2), -1, 0, 1, (size - 1) // 2}):
            expected = ndimage.percentile_filter(x, percentile, size=size, mode="nearest",
                                                 origin=origin)
            assert np.array_equal(rolling_percentile(x, percentile, size, origin), expected)


def test_series_shorter_than_the_window():
    x = np.array([3.0, 1.0, 2.0])
    assert np.array_equal(rolling_median(x, 91), ndimage.median_filter(x, 91, mode="nearest"))
    assert rolling_median(np.zeros(0), 5).size == 0
    with pytest.raises(ValueError):
        rolling_percentile(x, 25, 5, origin=3)


def test_a_day_of_beats_is_not_much_slower_than_ndimage():
    x = np.abs(np.diff(load(LONG).rr_ms))

    def best(f):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = f()
            times.append(time.perf_counter() - t0)
        return min(times), out

    mine, ours = best(lambda: rolling_median(x, SCALE_BEATS))
    theirs, ref = best(lambda: ndimage.median_filter(x, SCALE_BEATS, mode="nearest"))
    assert np.array_equal(ours, ref)
    # ndimage keeps a running order (C); a whole-array partition costs more, but far less
    # than importing scipy.ndimage (about 0.4 s).
    assert mine < max(10.0 * theirs, 0.15)


@pytest.mark.parametrize("n", (1, 2, 7, 128, 256, 511))
def test_hann_is_scipys_periodic_hann(n):
    assert np.array_equal(hann_periodic(n), get_window("hann", n))


def test_hann_is_the_periodic_formula():
    n = 128
    periodic = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    np.testing.assert_allclose(hann_periodic(n), periodic, rtol=0, atol=1e-15)
