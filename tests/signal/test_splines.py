"""The natural cubic spline of biofeedback.signal.splines against SciPy's CubicSpline."""

import numpy as np
import pytest
from realdata import DATA, load
from scipy.interpolate import CubicSpline

from biofeedback.signal.splines import NaturalCubicSpline

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings missing: {DATA}")

FILES = ("polar_hrm/rest_rri.txt", "polar_h10/slow_breathing_10min_ibi.csv",
         "meditation/C1_med_rr.csv", "meditation/M4_rr.csv", "nsrdb_1h/series_1_rr_ms.txt",
         "long_term/mitdb100_rr_from_atr.csv")


def assert_matches(x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> None:
    expected = CubicSpline(x, y, bc_type="natural")(x_new)
    got = NaturalCubicSpline(x, y)(x_new)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(y).max())


@pytest.mark.parametrize("relative", FILES)
def test_equals_scipy_on_real_rr_inside_and_beyond_the_knots(relative):
    rec = load(relative)
    t_s, rr_ms = rec.t_s, rec.rr_ms
    grid = np.arange(t_s[0] - 3.0, t_s[-1] + 3.0, 0.25)
    assert_matches(t_s, rr_ms, grid)
    assert_matches(t_s, rr_ms, t_s)  # at the knots themselves


@pytest.mark.parametrize("seed", range(4))
def test_short_stretches_of_real_rr(seed):
    rec = load(FILES[seed])
    rng = np.random.default_rng(seed)
    for n in (2, 3, 4, 5):
        start = int(rng.integers(0, rec.rr_ms.size - n))
        x, y = rec.t_s[start:start + n], rec.rr_ms[start:start + n]
        assert_matches(x, y, np.linspace(x[0] - 2.0, x[-1] + 2.0, 57))


def test_two_knots_give_the_straight_line_extended():
    spline = NaturalCubicSpline(np.array([1.0, 3.0]), np.array([800.0, 900.0]))
    np.testing.assert_allclose(spline(np.array([0.0, 2.0, 5.0])), [750.0, 850.0, 1000.0])


def test_scalar_evaluation_and_bad_knots():
    spline = NaturalCubicSpline(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]))
    assert np.ndim(spline(0.5)) == 0
    with pytest.raises(ValueError):
        NaturalCubicSpline(np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError):
        NaturalCubicSpline(np.array([0.0]), np.array([1.0]))


@pytest.mark.parametrize("relative", FILES[:3])
def test_equal_to_rounding_so_recorded_sessions_replay(relative):
    """Cyclic reduction (not LAPACK) solves the spline's system: the values may differ from
    SciPy's in the last places only (a recorded session's figures, written to far fewer
    digits, replay unchanged: tests/training/test_replay_recordings.py)."""
    rec = load(relative)
    grid = np.arange(rec.t_s[0] - 1.0, rec.t_s[-1] + 1.0, 0.5)
    expected = CubicSpline(rec.t_s, rec.rr_ms, bc_type="natural")(grid)
    np.testing.assert_allclose(NaturalCubicSpline(rec.t_s, rec.rr_ms)(grid), expected,
                               rtol=1e-13, atol=0)
