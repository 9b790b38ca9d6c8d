"""Feedback policy: coherence levels, the challenge thresholds that set them, achievement.

The coherence ratio itself is a measurement (:mod:`biofeedback.signal.coherence`); what counts
as low, medium or high, and how points accumulate, is the training's choice, so it lives here
and the live runner, the bulk import, the window and the reports all read it from here.
"""

from __future__ import annotations

import numpy as np

#: Coherence-ratio thresholds (low→medium, medium→high) for challenge levels 1-4.
#: Level 1 was set on the real recordings in ``shared/data`` (spontaneous rest: median ratio
#: 0.2-0.3, 90th percentile <= 0.72; slow breathing and meditation: median 1.5-2.2); higher
#: levels step up 15 %, 15 % and 30 %, the relative steps HeartMath publishes for emWave.
CHALLENGE_THRESHOLDS: dict[int, tuple[float, float]] = {
    1: (0.50, 1.00),
    2: (0.575, 1.15),
    3: (0.66, 1.32),
    4: (0.86, 1.72),
}
LEVEL_NAMES = ("low", "medium", "high")
#: One colour per level, Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"):
#: vermillion, orange, bluish green; the window and the reports both draw with these.
LEVEL_COLORS = ("#D55E00", "#E69F00", "#009E73")


def score_levels(ratio: np.ndarray | float, limits: tuple[float, float]) -> np.ndarray:
    """0 (low), 1 (medium) or 2 (high) for each coherence ratio, given the ratios where medium
    and high begin; -1 where the ratio is NaN (no value yet)."""
    r = np.asarray(ratio, dtype=float)
    return np.where(np.isnan(r), -1, np.digitize(r, limits))


def coherence_level(ratio: np.ndarray | float, challenge: int = 1) -> np.ndarray:
    """:func:`score_levels` at one of the :data:`CHALLENGE_THRESHOLDS`."""
    return score_levels(ratio, CHALLENGE_THRESHOLDS[challenge])


def achievement_points(levels: np.ndarray | int) -> np.ndarray:
    """Points a 5-s value earns: 0, 1 or 2 (low, medium, high); none without a level (-1)."""
    return np.maximum(np.asarray(levels), 0)


def achievement(levels: np.ndarray) -> np.ndarray:
    """Running achievement score after each 5-s value, after HeartMath's emWave scoring."""
    return np.cumsum(achievement_points(levels))
