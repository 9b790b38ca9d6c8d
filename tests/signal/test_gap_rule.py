"""The gap rule is one function (signal/windows.gap_before): the live analyzer's per-beat gap,
the windowed metrics' excluded differences and the bulk import's gap events all follow it."""

import numpy as np
import pytest
from realdata import load

from biofeedback.signal import LiveAnalyzer, valid_differences
from biofeedback.signal import live as live_module
from biofeedback.signal.windows import GAP_TOLERANCE_MS, gap_before, lost_before_s
from biofeedback.training.importing import session_tables
from biofeedback.training.plan import SessionSettings
from biofeedback.training.protocols import unpaced_protocol


def beats_with_gaps(rng: np.random.Generator, n: int = 400):
    """RR around 900 ms with lost stretches just below, at and above the tolerance, long
    ones, and beats timed earlier than their RR (overlaps, which lose nothing)."""
    rr = rng.normal(900.0, 40.0, n)
    extra_s = np.zeros(n)
    at = rng.choice(np.arange(5, n), 24, replace=False)
    extra_s[at] = rng.choice([0.1, 0.299, 0.301, 0.5, 3.0, 40.0, -0.2, -0.45], at.size)
    t = np.cumsum(rr) / 1000.0 + np.cumsum(extra_s)
    return t, rr


def live_gaps(t: np.ndarray, rr: np.ndarray) -> np.ndarray:
    analyzer = LiveAnalyzer()
    return np.array([analyzer.add_beat(ti, ri).gap_s for ti, ri in zip(t, rr, strict=True)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_live_analyzer_the_windowed_metrics_and_the_import_mark_the_same_gaps(seed):
    t, rr = beats_with_gaps(np.random.default_rng(seed))
    gap = gap_before(t, rr)
    lost = lost_before_s(t, rr)
    assert gap.any() and (lost < -0.1).any()  # real gaps, and overlaps that are none
    assert not gap[lost * 1000.0 <= GAP_TOLERANCE_MS].any()  # one-sided: lost data only

    gap_s = live_gaps(t, rr)
    np.testing.assert_array_equal(gap_s > 0, gap)
    np.testing.assert_allclose(gap_s[gap], lost[gap], rtol=1e-12)
    # A successive difference across a gap enters no RMSSD or pNN50.
    np.testing.assert_array_equal(valid_differences(t, rr), ~gap[1:])
    # The bulk import records a gap event where the live runner would.
    tables = session_tables(t, rr, SessionSettings(duration_s=None, protocol="unpaced"),
                            unpaced_protocol())
    times, kinds, values = tables.events
    assert (kinds == "gap").sum() == gap.sum()
    np.testing.assert_allclose(times[kinds == "gap"], t[gap] - rr[gap] / 1000.0)
    assert list(values[kinds == "gap"]) == [f"{v:.3f}" for v in lost[gap]]


def test_the_analyzer_calls_the_windows_rule_itself():
    assert live_module.gap_before is gap_before


def test_a_real_recording_with_a_lost_stretch():
    rec = load("meditation/C1_pre_rr.csv")  # one stretch of lost data
    gap = gap_before(rec.t_s, rec.rr_ms)
    assert gap.sum() == 1
    np.testing.assert_array_equal(live_gaps(rec.t_s, rec.rr_ms) > 0, gap)
