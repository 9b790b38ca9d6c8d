"""resolution_ms judges each distinct interval once (issue 13: a day of beats times ten
clocks was the costliest step of a windowed analysis): the same answer as judging every
interval, on the real recordings and on series rounded to several clocks."""

from __future__ import annotations

import numpy as np
import pytest
from realdata import load

from biofeedback.signal.resolution import CLOCKS_HZ, LATTICE_SHARE, ROUNDING_MS, resolution_ms


def per_interval(rr_ms: np.ndarray) -> float:
    """The definition: the coarsest clock step on whose lattice LATTICE_SHARE of the
    intervals lie, every interval looked at."""
    rr = rr_ms[np.isfinite(rr_ms)]
    steps = 1000.0 / np.asarray(CLOCKS_HZ)
    ratio = rr[:, None] / steps
    fits = np.abs(ratio - np.round(ratio)) * steps <= ROUNDING_MS + 1e-6
    return float(steps[fits.mean(axis=0) >= LATTICE_SHARE].max())


@pytest.mark.parametrize("relative", ["long_term/ltdb14149_rr_from_atr.csv",
                                      "nsrdb_1h/series_3_rr_ms.txt", "meditation/Y1_med_rr.csv",
                                      "polar_h10/slow_breathing_10min_ibi.csv"])
def test_equals_the_per_interval_definition_on_real_recordings(relative):
    rr = load(relative).rr_ms
    for part in (rr, rr[: rr.size // 7], np.round(rr), rr + 0.3):
        assert resolution_ms(part) == per_interval(part)


@pytest.mark.parametrize("seed", range(5))
def test_equals_the_definition_near_the_share_threshold(seed):
    """Series where just under or over 90 % lie on a coarse clock: the counts decide."""
    rng = np.random.default_rng(seed)
    coarse = np.round(rng.normal(800.0, 60.0, 1000) / 7.8125) * 7.8125
    share = rng.uniform(0.88, 0.92)
    off = rng.random(coarse.size) > share
    rr = np.where(off, coarse + rng.uniform(1.5, 3.0, coarse.size), coarse)
    rr[rng.integers(0, rr.size, 3)] = np.nan
    assert resolution_ms(rr) == per_interval(rr)
