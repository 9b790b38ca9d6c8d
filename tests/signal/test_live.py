import numpy as np
import pytest
from realdata import load

from biofeedback.signal import (
    LiveAnalyzer,
    causal_flags,
    tick_ends,
    windowed_coherence,
    windowed_time_domain,
)


@pytest.mark.parametrize("relative", ["polar_h10/slow_breathing_10min_ibi.csv",
                                      "polar_hrm/noisy_rri.hrm"])
def test_live_values_equal_offline_values(relative):
    rec = load(relative)
    t, rr = rec.t_s, rec.rr_ms
    live = LiveAnalyzer()
    out = [live.add_beat(ti, ri) for ti, ri in zip(t, rr, strict=True)]

    flags = causal_flags(rr)
    assert [m.flagged for m in out] == flags.tolist()
    rmssd = windowed_time_domain(t, rr, t, 60.0, clean=~flags).rmssd_ms
    np.testing.assert_allclose([m.rmssd_ms for m in out], rmssd, rtol=1e-9)

    ends = tick_ends(t, 64.0, 5.0)
    assert np.flatnonzero([m.coherence_updated for m in out]).tolist() == ends.tolist()
    offline = windowed_coherence(t, rr, t[ends], clean=~flags)
    np.testing.assert_allclose([out[i].coherence_ratio for i in ends], offline.ratio,
                               rtol=1e-9)
    np.testing.assert_allclose([out[i].coherence_peak_hz for i in ends], offline.peak_hz)


def test_lost_contact_flags_the_beat_and_a_gap_breaks_the_differences():
    live = LiveAnalyzer()
    t = 0.0
    for _ in range(100):
        t += 1.0
        m = live.add_beat(t, 1000.0 + 20 * np.sin(t))
    assert not m.flagged
    assert live.add_beat(t + 1.0, 1000.0, contact=False).flagged
    before = live.add_beat(t + 2.0, 1000.0).rmssd_ms
    after_gap = live.add_beat(t + 40.0, 1500.0)  # 37 s lost: no difference across it
    assert after_gap.rmssd_ms == pytest.approx(before, rel=0.2)
