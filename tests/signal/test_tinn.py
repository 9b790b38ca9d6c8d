"""TINN as Kubios HRV computes it: the triangle through the histogram's peak whose sides are
least-squares lines of each side's bins (docs/kubios_parity.md; the agreement with Kubios 3.1.0
on NSRDB hours 1-5 is in test_kubios_parity.py)."""

from __future__ import annotations

import numpy as np
import pytest

from biofeedback.signal.geometric import BIN_MS, centred_histogram, tinn


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_triangular_distribution_gives_its_base(seed):
    rng = np.random.default_rng(seed)
    rr = np.round(rng.triangular(600.0, 780.0, 1000.0, 20000))
    assert tinn(rr) == pytest.approx(400.0, rel=0.03)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_holter_quantisation_does_not_move_it(seed):
    """RR from 128 Hz annotations rounded to whole ms (one level every 7.8 ms) and the same
    intervals at 1 ms: bins centred on multiples of 1/128 s hold one level each, so the
    histogram keeps its shape and TINN stays within 3 %."""
    rng = np.random.default_rng(seed)
    rr = 800.0 + 60.0 * rng.standard_normal(4000)
    holter = np.round(np.round(rr / BIN_MS) * BIN_MS)
    assert tinn(holter) == pytest.approx(tinn(np.round(rr)), rel=0.03)
    counts, _ = centred_histogram(holter)
    inner = counts[(counts.argmax() - 10):(counts.argmax() + 10)]
    assert (inner > 0).all()  # no empty bins near the peak: one level per bin


def test_corners_may_lie_beyond_the_shortest_and_longest_interval():
    rng = np.random.default_rng(7)
    rr = np.round(800.0 + 50.0 * rng.standard_normal(5000))
    assert tinn(rr) > np.ptp(rr) * 0.5
    assert tinn(rr) > 4.0 * rr.std()  # wider than the ±2 SD bulk a confined triangle keeps


def test_short_and_flat_series():
    assert np.isnan(tinn(np.array([800.0, 810.0])))
    assert tinn(np.full(20, 800.0)) == pytest.approx(BIN_MS)
