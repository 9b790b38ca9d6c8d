"""The second correction pass judges only the beats around what the first changed
(biofeedback.signal.artifacts.detect_near): the same corrections as judging the whole
series again, on real recordings with injected artifacts, and labels that depend on no beat
further away than ``REACH``."""

import numpy as np
import pytest
from realdata import DATA, load

from biofeedback.signal.artifacts import (
    REACH,
    correct_labelled,
    detect_artifacts,
    detect_near,
    resolution_ms,
)

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings missing: {DATA}")

FILES = ("polar_hrm/rest_rri.txt", "long_term/mitdb100_rr_from_atr.csv",
         "nsrdb_1h/series_5_rr_ms.txt", "meditation/M4_rr.csv")


def with_artifacts(rr_ms: np.ndarray, seed: int) -> np.ndarray:
    """Premature (0.6x), missed (2x) and late (1.4x) beats at 1 in 150 beats."""
    rng = np.random.default_rng(seed)
    rr = rr_ms.copy()
    at = rng.choice(rr.size - 2, max(3, rr.size // 150), replace=False) + 1
    kind = rng.integers(0, 3, at.size)
    for k, factor in enumerate((0.6, 2.0, 1.4)):
        rr[at[kind == k]] *= factor
    return rr


@pytest.mark.parametrize("relative", FILES)
@pytest.mark.parametrize("seed", range(3))
def test_two_passes_equal_judging_the_whole_series_twice(relative, seed):
    rr = with_artifacts(load(relative).rr_ms, seed)
    t = np.cumsum(rr) / 1000.0
    q = resolution_ms(rr)
    labels = detect_artifacts(rr, q)
    # The definition: a first pass, then the whole corrected series judged again.
    t1, rr1 = correct_labelled(t, rr, labels, max_passes=1, resolution=q)
    want = correct_labelled(t1, rr1, detect_artifacts(rr1, q), max_passes=1, resolution=q)
    got = correct_labelled(t, rr, labels, max_passes=2, resolution=q)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


@pytest.mark.parametrize("relative", FILES)
def test_judging_near_some_beats_equals_judging_all_there(relative):
    rr = with_artifacts(load(relative).rr_ms, 7)
    q = resolution_ms(rr)
    everywhere = detect_artifacts(rr, q)
    rng = np.random.default_rng(1)
    near = np.zeros(rr.size, bool)
    near[rng.choice(rr.size, 12, replace=False)] = True
    near[[0, -1]] = True  # the series' own ends
    got = detect_near(rr, q, near)
    distance = np.abs(np.arange(rr.size)[:, None] - np.flatnonzero(near)[None, :]).min(axis=1)
    judged = distance <= REACH
    assert np.array_equal(got[judged], everywhere[judged])
    assert (got[~judged] == "").all()


@pytest.mark.parametrize("relative", FILES[1:])
def test_a_label_depends_on_no_beat_beyond_reach(relative):
    rr0 = load(relative).rr_ms
    q = resolution_ms(rr0)
    base = detect_artifacts(rr0, q)
    rng = np.random.default_rng(3)
    for j in rng.choice(np.arange(REACH, rr0.size - REACH), 40, replace=False):
        for factor in (0.5, 1.5, 2.5):
            rr = rr0.copy()
            rr[j] *= factor
            changed = np.flatnonzero(detect_artifacts(rr, q) != base)
            assert changed.size == 0 or np.abs(changed - j).max() <= REACH
