"""Feedback policy (training/feedback.py): coherence levels at each challenge, achievement,
and the same scoring in the live runner, the bulk import and the offline batch."""

import numpy as np
import pytest
from realdata import load

from biofeedback.signal import tick_ends, windowed_coherence
from biofeedback.training.feedback import (
    CHALLENGE_THRESHOLDS,
    LEVEL_COLORS,
    LEVEL_NAMES,
    achievement,
    achievement_points,
    coherence_level,
    score_levels,
)


def test_levels_get_harder_and_achievement_accumulates():
    ratio = np.array([0.4, 0.55, 0.9, 1.2, 1.5, np.nan])
    levels = [coherence_level(ratio, c) for c in (1, 2, 3, 4)]
    assert levels[0].tolist() == [0, 1, 1, 2, 2, -1]
    assert levels[3].tolist() == [0, 0, 1, 1, 1, -1]
    assert all((a >= b)[:-1].all() for a, b in zip(levels, levels[1:], strict=False))
    assert achievement(levels[0]).tolist() == [0, 1, 2, 4, 6, 6]


def test_a_level_begins_at_its_threshold_and_own_limits_work_like_a_challenge():
    for challenge, (lo, hi) in CHALLENGE_THRESHOLDS.items():
        edges = np.array([np.nextafter(lo, 0), lo, np.nextafter(hi, 0), hi])
        assert coherence_level(edges, challenge).tolist() == [0, 1, 1, 2]
        assert score_levels(edges, (lo, hi)).tolist() == [0, 1, 1, 2]
    assert score_levels(np.array([0.3, 0.3, 3.0]), (0.2, 2.0)).tolist() == [1, 1, 2]
    assert int(score_levels(float("nan"), (0.2, 2.0))) == -1


def test_achievement_counts_no_points_without_a_level():
    levels = np.array([-1, -1, 2, 0, 1, -1, 2])
    assert achievement_points(levels).tolist() == [0, 0, 2, 0, 1, 0, 2]
    assert achievement(levels).tolist() == [0, 0, 2, 2, 3, 3, 5]
    assert int(achievement_points(-1)) == 0


@pytest.mark.parametrize(("relative", "mostly"), [
    ("polar_h10/slow_breathing_10min_ibi.csv", 2),  # slow breathing: mostly high
    ("meditation/M4_rr.csv", None),
    ("polar_hrm/rest_rri.txt", 0),  # spontaneous rest: mostly low
])
def test_levels_on_real_recordings(relative, mostly):
    rec = load(relative)
    ratio = windowed_coherence(rec.t_s, rec.rr_ms, rec.t_s[tick_ends(rec.t_s, 64, 5)]).ratio
    levels = coherence_level(ratio)
    assert set(np.unique(levels)) <= {-1, 0, 1, 2}
    # Harder challenges never give a higher level.
    for c in (2, 3, 4):
        assert (coherence_level(ratio, c) <= levels).all()
    if mostly is not None:
        assert np.mean(levels == mostly) > 0.6
    score = achievement(levels)
    assert (np.diff(score) >= 0).all() and score[-1] <= 2 * levels.size


def test_names_and_colours_one_per_level():
    assert len(LEVEL_NAMES) == len(LEVEL_COLORS) == 3
    assert len(set(LEVEL_COLORS)) == 3
