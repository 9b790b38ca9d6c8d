import warnings

import neurokit2 as nk
import numpy as np
import pytest
from realdata import load

from biofeedback.signal import (
    beat_times,
    tick_ends,
    time_domain,
    windowed_time_domain,
)


@pytest.mark.parametrize(
    "relative",
    ["polar_hrm/rest_rri.txt", "nsrdb_1h/series_1_rr_ms.txt", "meditation/M2_rr.csv",
     "polar_h10/slow_breathing_10min_ibi.csv"],
)
def test_time_domain_equals_neurokit2(relative):
    rec = load(relative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nk.hrv_time({"RRI": rec.rr_ms, "RRI_Time": rec.t_s}).iloc[0]
    ours = time_domain(rec.rr_ms)
    n = rec.rr_ms.size
    assert ours.mean_rr_ms == pytest.approx(ref["HRV_MeanNN"], rel=1e-12)
    assert ours.sdnn_ms == pytest.approx(ref["HRV_SDNN"], rel=1e-12)
    assert ours.rmssd_ms == pytest.approx(ref["HRV_RMSSD"], rel=1e-12)
    # neurokit2 divides the NN50 count by N intervals; the Task Force by N-1 differences.
    assert ours.pnn50_pct == pytest.approx(ref["HRV_pNN50"] * n / (n - 1), rel=1e-12)


def test_differences_across_a_gap_or_a_flagged_beat_are_left_out():
    rr = load("polar_hrm/rest_rri.txt").rr_ms
    t = beat_times(rr)
    t_gap = t.copy()
    t_gap[400:] += 30.0  # 30 s of lost data before beat 400
    d = np.diff(rr)
    expected = np.sqrt(np.mean(np.delete(d, 399) ** 2))
    assert time_domain(rr, t_s=t_gap).rmssd_ms == pytest.approx(expected, rel=1e-12)

    clean = np.ones(rr.size, bool)
    clean[100] = False  # both differences touching beat 100 go
    expected = np.sqrt(np.mean(np.delete(d, [99, 100]) ** 2))
    td = time_domain(rr, clean=clean)
    assert td.rmssd_ms == pytest.approx(expected, rel=1e-12)
    assert td.n_beats == rr.size - 1
    assert td.mean_rr_ms == pytest.approx(np.delete(rr, 100).mean())


def test_windowed_equals_a_loop_over_windows_on_a_day_of_beats():
    rec = load("long_term/ltdb14046_rr_from_atr.csv")
    t, rr = rec.t_s, rec.rr_ms
    clean = rec.beat_labels == "N"
    ends = t[tick_ends(t, 60.0, 5.0)]
    batch = windowed_time_domain(t, rr, ends, 60.0, clean=clean)
    assert ends.size > 16000
    for i in np.random.default_rng(0).choice(ends.size, 300, replace=False):
        window = (t > ends[i] - 60.0) & (t <= ends[i])
        ref = time_domain(rr[window], clean=clean[window], t_s=t[window])
        assert batch.n_beats[i] == ref.n_beats
        for name in ("mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct", "mean_hr_bpm"):
            assert getattr(batch, name)[i] == pytest.approx(getattr(ref, name), rel=1e-9,
                                                            nan_ok=True), name


def test_too_few_beats_give_nan_not_an_error():
    td = time_domain(np.array([800.0]))
    assert td.n_beats == 1 and np.isnan(td.sdnn_ms) and np.isnan(td.rmssd_ms)
    w = windowed_time_domain(np.array([1.0, 2.0]), np.array([1000.0, 1000.0]),
                             np.array([0.5, 2.0]), 60.0)
    assert np.isnan(w.rmssd_ms[0]) and w.rmssd_ms[1] == 0.0
