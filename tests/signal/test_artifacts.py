import numpy as np
import pytest
from realdata import CLEAN, flagged, inject_artifacts, load

from biofeedback.signal import (
    causal_flags,
    correct_artifacts,
    detect_artifacts,
    time_domain,
)


@pytest.mark.parametrize("relative", CLEAN)
def test_clean_recordings_stay_clean(relative):
    rr = load(relative).rr_ms
    # Issue 11's target: at most 0.5 % of a clean recording's beats flagged (M4, the most
    # variable, holds one 17 % premature-looking beat, 1068 -> 884 -> 1072 ms).
    assert flagged(detect_artifacts(rr)).mean() <= 0.005
    fixed = correct_artifacts(rr)
    assert fixed.size == rr.size and np.mean(fixed != rr) <= 0.005
    assert causal_flags(rr).mean() <= 0.01


def test_injected_artifacts_are_found_and_corrected():
    """Sensitivity and specificity pooled over the clean recordings, five seeds each."""
    hits = misses = true_neg = false_pos = 0
    rmssd_error = []
    for relative in CLEAN:
        clean = load(relative).rr_ms
        for seed in range(5):
            rr, truth, kind = inject_artifacts(clean, np.random.default_rng(seed))
            labels = detect_artifacts(rr)
            found = flagged(labels)
            hits += np.sum(found & truth)
            misses += np.sum(~found & truth)
            true_neg += np.sum(~found & ~truth)
            false_pos += np.sum(found & ~truth)
            # A missed beat is told from an extra one.
            assert np.mean(labels[kind == "missed"] == "missed") >= 0.85
            assert np.mean(labels[kind == "extra"] == "extra") >= 0.85
            fixed = correct_artifacts(rr)
            rmssd_error.append(time_domain(fixed).rmssd_ms / time_domain(clean).rmssd_ms - 1)
    assert hits / (hits + misses) >= 0.95, "sensitivity"
    assert true_neg / (true_neg + false_pos) >= 0.99, "specificity"
    # Within 5 % of the clean value; on the most variable recording (M4, RMSSD 99 ms) a single
    # case reaches 6 %.
    assert np.mean(np.abs(rmssd_error)) <= 0.03
    assert np.mean(np.abs(rmssd_error) <= 0.05) >= 0.9
    assert np.max(np.abs(rmssd_error)) <= 0.07


def test_labelled_premature_beats_of_mitdb100():
    rec = load("long_term/mitdb100_rr_from_atr.csv")
    # The RR ending at an abnormal beat and the one after it are both disturbed.
    truth = (rec.beat_labels != "N") | (np.roll(rec.beat_labels, 1) != "N")
    truth[0] = False
    found = flagged(detect_artifacts(rec.rr_ms))
    assert np.mean(found[truth]) >= 0.95
    assert np.mean(~found[~truth]) >= 0.99


def test_noisy_real_recording_is_brought_back_to_a_plausible_rmssd():
    rr = load("polar_hrm/noisy_rri.hrm").rr_ms
    labels = detect_artifacts(rr)
    # Unlabelled. Its clear artifacts are the intervals about twice their neighbours (six
    # missed beats): all are found. The former bound (over 1 % flagged) counted beats such as
    # 588 ms amid 604-628 ms as ectopic; those are no longer flagged.
    neighbours = np.median(np.stack([np.roll(rr, k) for k in (-2, -1, 1, 2)]), axis=0)
    doubled = np.abs(rr / neighbours - 2.0) < 0.3
    assert doubled.sum() >= 5 and np.all(labels[doubled] == "missed")
    assert np.mean(labels != "") < 0.2
    fixed = correct_artifacts(rr)
    assert time_domain(fixed).rmssd_ms < 0.75 * time_domain(rr).rmssd_ms
    assert not (detect_artifacts(fixed) == "missed").any()


def test_causal_filter_flags_impossible_beats_and_judges_only_the_past():
    rr = load("polar_h10/slow_breathing_10min_ibi.csv").rr_ms.copy()
    rr[200], rr[300] = 250.0, 2600.0
    flags = causal_flags(rr)
    assert flags[200] and flags[300]
    # Causal: what comes later never changes an earlier verdict.
    for n in (50, 150, 400):
        assert np.array_equal(causal_flags(rr[:n]), flags[:n])


def test_tiny_inputs():
    assert detect_artifacts(np.array([800.0, 810.0])).tolist() == ["", ""]
    assert causal_flags(np.array([])).size == 0


def test_correction_never_makes_impossible_intervals_on_hard_real_stretches():
    from biofeedback.signal.artifacts import correct_beats

    rng = np.random.default_rng(0)
    for name in ("long_term/ltdb14149_rr_from_atr.csv", "long_term/ltdb14046_rr_from_atr.csv"):
        rr_all = load(name).rr_ms
        for start in rng.integers(0, rr_all.size - 400, size=40):
            rr = rr_all[start:start + 375]
            t, fixed = correct_beats(np.cumsum(rr) / 1000.0, rr)
            assert fixed.min() > 200 and np.all(np.diff(t) > 0)  # never negative or absurd
