"""Banded systems by cyclic reduction (biofeedback.signal.banded) against LAPACK through
SciPy, on the systems the analysis solves for real recordings: cubic splines through their
beats and the smoothness-priors trend of their 4 Hz series."""

import numpy as np
import pytest
from realdata import DATA, load
from scipy import linalg

from biofeedback.signal.banded import solve_symmetric_pentadiagonal, solve_tridiagonal
from biofeedback.signal.spectral import resample_rr, smoothness_priors_detrend
from biofeedback.signal.splines import natural_second_derivatives

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings missing: {DATA}")

FILES = ("polar_hrm/rest_rri.txt", "meditation/M4_rr.csv", "nsrdb_1h/series_5_rr_ms.txt",
         "long_term/mitdb100_rr_from_atr.csv")


def spline_system(t_s: np.ndarray, rr_ms: np.ndarray):
    """de Boor's system for the first derivatives of the natural spline through the beats."""
    dx = np.diff(t_s)
    slope = np.diff(rr_ms) / dx
    diag = np.concatenate(([2 * dx[0]], 2 * (dx[:-1] + dx[1:]), [2 * dx[-1]]))
    upper = np.concatenate((dx[:1], dx[:-1]))
    lower = np.concatenate((dx[1:], dx[-1:]))
    rhs = np.concatenate(([3 * (rr_ms[1] - rr_ms[0])],
                          3 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:]),
                          [3 * (rr_ms[-1] - rr_ms[-2])]))
    return lower, diag, upper, rhs


def lapack_tridiagonal(lower, diag, upper, rhs):
    banded = np.zeros((3, diag.size))
    banded[0, 1:], banded[1], banded[2, :-1] = upper, diag, lower
    return linalg.solve_banded((1, 1), banded, rhs)


@pytest.mark.parametrize("relative", FILES)
def test_spline_systems_of_real_recordings_agree_with_lapack(relative):
    rec = load(relative)
    system = spline_system(rec.t_s, rec.rr_ms)
    want = lapack_tridiagonal(*system)
    np.testing.assert_allclose(solve_tridiagonal(*system), want, rtol=1e-12,
                               atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("relative", FILES)
@pytest.mark.parametrize("lam", [10.0, 500.0, 5000.0])
def test_smoothness_priors_of_real_recordings_agree_with_lapack(relative, lam):
    rec = load(relative)
    x = resample_rr(rec.t_s, rec.rr_ms, 4.0)[1][:20000]
    n = x.size
    main = np.full(n, 6.0)
    main[[0, -1]], main[[1, -2]] = 1.0, 5.0
    off1 = np.full(n - 1, -4.0)
    off1[[0, -1]] = -2.0
    off2 = np.ones(n - 2)
    banded = np.zeros((3, n))
    banded[0, 2:], banded[1, 1:], banded[2] = lam**2 * off2, lam**2 * off1, 1 + lam**2 * main
    want = linalg.solveh_banded(banded, x)
    got = solve_symmetric_pentadiagonal(1 + lam**2 * main, lam**2 * off1, lam**2 * off2, x)
    # The system's condition number grows as lam^4: the trend agrees to its rounding.
    np.testing.assert_allclose(got, want, rtol=1e-8)
    detrended = smoothness_priors_detrend(x, lam)
    np.testing.assert_allclose(detrended, x - want, atol=1e-6 * np.std(x))


@pytest.mark.parametrize("seed", range(4))
def test_every_small_size_and_batches_solve_each_system_as_if_alone(seed):
    rng = np.random.default_rng(seed)
    alone, systems = [], []
    for n in range(1, 40):
        h = rng.uniform(0.2, 2.0, n + 1)
        system = (h[1:n] * rng.uniform(0.3, 1.0, max(n - 1, 0)), 2.0 * (h[:n] + h[1:]),
                  h[1:n] * rng.uniform(0.3, 1.0, max(n - 1, 0)), rng.normal(size=n))
        x = solve_tridiagonal(*system)
        dense = np.diag(system[1]) + np.diag(system[0], -1) + np.diag(system[2], 1)
        np.testing.assert_allclose(dense @ x, system[3], atol=1e-12)
        alone.append(x)
        systems.append(system)
    # Side by side as columns of one batch, padded with identity equations: the same bits.
    width = len(systems)
    lower, upper = np.zeros((width - 1, width)), np.zeros((width - 1, width))
    diag, rhs = np.ones((width, width)), np.zeros((width, width))
    for col, (lo, d, up, r) in enumerate(systems):
        n = d.size
        lower[:n - 1, col], diag[:n, col], upper[:n - 1, col], rhs[:n, col] = lo, d, up, r
    batch = solve_tridiagonal(lower, diag, upper, rhs)
    for col, x in enumerate(alone):
        assert np.array_equal(batch[:x.size, col], x)


@pytest.mark.parametrize("relative", FILES[:2])
def test_spline_blocks_get_the_same_bits_alone_and_together(relative):
    """The live analysis solves one coherence window, an import thousands at once: each
    window's second derivatives must not depend on its company."""
    rec = load(relative)
    lengths = np.array([70, 64, 75, 2, 3, 68])
    first_beats = np.array([0, 40, 100, 200, 210, 300])  # overlapping, as windows do
    knots = np.concatenate([np.arange(s, s + m) for s, m in zip(first_beats, lengths,
                                                                  strict=True)])
    x, y = rec.t_s[knots], rec.rr_ms[knots]
    together = natural_second_derivatives(x, y, lengths)
    offsets = np.cumsum(lengths) - lengths
    for start, m in zip(offsets, lengths, strict=True):
        one = natural_second_derivatives(x[start:start + m], y[start:start + m])
        assert np.array_equal(together[start:start + m], one)
        assert one[0] == one[-1] == 0.0  # natural ends


def test_repeated_knots_are_refused():
    with pytest.raises(np.linalg.LinAlgError):
        natural_second_derivatives(np.array([0.0, 1.0, 1.0, 2.0]),
                                   np.array([800.0, 810.0, 790.0, 800.0]))
