"""Label overrides (beat review): a person's labels replace the detector's, on real recordings."""

from __future__ import annotations

import numpy as np
import pytest
from realdata import CLEAN, load

from biofeedback.signal import AnalysisParams, summarize
from biofeedback.signal.artifacts import correct_labelled, detect_artifacts, resolution_ms
from biofeedback.signal.edits import (
    MATCH_TOLERANCE_S,
    LabelOverrides,
    apply_label_overrides,
    nearest_beat,
    review_beats,
)
from biofeedback.signal.summary import windowed_metrics

FLAGGED = ("polar_hrm/rest_rri.txt", "polar_hrm/noisy_rri.hrm",
           "long_term/mitdb100_rr_from_atr.csv")
FAST = AnalysisParams(entropies=False)


def overrides(t_s, labels, t_end_s=None) -> LabelOverrides:
    t = np.asarray(t_s, dtype=float)
    end = np.full(t.size, np.nan) if t_end_s is None else np.asarray(t_end_s, dtype=float)
    return LabelOverrides(t, np.asarray(labels, dtype=object), end)


def clean_beats(rec, k: int = 3, seed: int = 0) -> np.ndarray:
    """``k`` beats the detector calls normal, far from any flagged one and from the ends."""
    labels = detect_artifacts(rec.rr_ms, resolution_ms(rec.rr_ms))
    flagged = np.flatnonzero(labels != "")
    idx = np.arange(20, rec.rr_ms.size - 20)
    if flagged.size:
        far = np.min(np.abs(idx[:, None] - flagged[None, :]), axis=1) > 10
        idx = idx[far]
    rng = np.random.default_rng(seed)
    picks = np.sort(rng.choice(idx[::15], size=k, replace=False))
    return picks


@pytest.mark.parametrize("name", CLEAN + ("polar_hrm/rest_rri.txt",))
@pytest.mark.parametrize("seed", [0, 1])
def test_three_clean_beats_marked_then_restored(name, seed):
    rec = load(name)
    base = summarize(rec.t_s, rec.rr_ms, FAST)
    picks = clean_beats(rec, 3, seed)
    # written to 0.01 s, as a person reading times off a plot would
    t = np.round(rec.t_s[picks], 2)
    marked = summarize(rec.t_s, rec.rr_ms, FAST, overrides(t, ["ectopic", "long", "short"]))
    assert sum(marked["artifacts"].values()) == sum(base["artifacts"].values()) + 3
    assert marked["corrected_beats"] == base["corrected_beats"] + 3
    assert marked["edits_applied"] == 3 and base["edits_applied"] == 0
    assert marked["rmssd_ms"] != base["rmssd_ms"]
    restored = summarize(rec.t_s, rec.rr_ms, FAST, overrides(t, ["normal"] * 3))
    assert restored["edits_applied"] == 3
    for key, value in base.items():
        if key in ("edits_applied",):
            continue
        assert restored[key] == value or (value != value and restored[key] != restored[key]), key


@pytest.mark.parametrize("name", FLAGGED)
def test_flagged_beat_marked_normal_is_kept_as_recorded(name):
    rec = load(name)
    labels = detect_artifacts(rec.rr_ms, resolution_ms(rec.rr_ms))
    ectopic = np.flatnonzero(labels == "ectopic")
    assert ectopic.size, "the recording has a flagged beat to overrule"
    i = int(ectopic[ectopic.size // 2])
    o = overrides([rec.t_s[i]], ["normal"])
    edited = review_beats(rec.t_s, rec.rr_ms, True, o)
    auto = review_beats(rec.t_s, rec.rr_ms, True)
    assert edited.labels[i] == "" and auto.labels[i] == "ectopic"
    # the beat's recorded interval is in the series the analysis uses, near its time
    # (earlier corrections may shift beat times a little), and not in the detector's
    def kept(r) -> bool:
        near = np.abs(r.t_s - rec.t_s[i]) < 2.0
        return bool(np.any(r.rr_ms[near] == rec.rr_ms[i]))

    assert kept(edited) and not kept(auto)
    s = summarize(rec.t_s, rec.rr_ms, FAST, o)
    base = summarize(rec.t_s, rec.rr_ms, FAST)
    assert s["artifacts"]["ectopic"] == base["artifacts"]["ectopic"] - 1


def test_without_edits_identical_to_detector():
    rec = load("polar_hrm/noisy_rri.hrm")
    q = resolution_ms(rec.rr_ms)
    t, rr = correct_labelled(rec.t_s, rec.rr_ms, detect_artifacts(rec.rr_ms, q), resolution=q)
    for o in (None, overrides([], [])):
        r = review_beats(rec.t_s, rec.rr_ms, True, o)
        assert np.array_equal(r.t_s, t) and np.array_equal(r.rr_ms, rr)
        assert r.edits_applied == 0


def test_matching_nearest_within_tolerance():
    beats = np.array([1.0, 1.15, 2.0, 3.0])
    idx = nearest_beat(beats, [1.12, 1.02, 2.0 + MATCH_TOLERANCE_S, 2.5, 3.2, -1.0])
    assert idx.tolist() == [1, 0, 2, -1, -1, -1]


def test_last_row_wins_and_single_beat_beats_noise():
    t = np.arange(1, 21, dtype=float)
    labels = np.full(t.size, "", dtype="<U7")
    o = overrides([5.0, 5.0, 8.0, 10.0, 15.0, 16.0],
                  ["ectopic", "long", "noise", "normal", "noise", "noise"],
                  [np.nan, np.nan, 12.0, np.nan, np.nan, np.nan])
    e = apply_label_overrides(labels, t, o)
    assert e.labels[4] == "long"  # the later row on beat 5
    assert e.labels[7:12].tolist() == ["noise", "noise", "", "noise", "noise"]  # beat 10 normal
    assert e.labels[14:16].tolist() == ["noise", "noise"]  # two rows: start, end
    assert e.applied == 1 + 5 + 2


@pytest.mark.parametrize("name", CLEAN[:2])
def test_noise_stretch_left_out_as_a_gap(name):
    rec = load(name)
    a, b = float(rec.t_s[100]), float(rec.t_s[130])
    o = overrides([a], ["noise"], [b])
    for correct in (True, False):
        r = review_beats(rec.t_s, rec.rr_ms, correct, o)
        assert r.t_s.size == rec.t_s.size - 31
        assert not np.any((r.t_s >= a) & (r.t_s <= b))
    s = summarize(rec.t_s, rec.rr_ms, FAST, o)
    assert s["artifacts"]["noise"] == 31 and s["edits_applied"] == 31


def test_windows_honour_edits():
    rec = load(CLEAN[0])
    picks = clean_beats(rec, 3)
    o = overrides(rec.t_s[picks], ["ectopic"] * 3)
    base = windowed_metrics(rec.t_s, rec.rr_ms, 60, 30, FAST)
    edited = windowed_metrics(rec.t_s, rec.rr_ms, 60, 30, FAST, o)
    assert np.nansum(edited["artifacts_pct"]) > np.nansum(base["artifacts_pct"])
    assert not np.array_equal(edited["rmssd_ms"], base["rmssd_ms"], equal_nan=True)


@pytest.mark.parametrize("correct", [True, False])
def test_noise_over_nearly_everything_is_withheld_not_a_crash(correct):
    rec = load("polar_hrm/rest_rri.txt")
    p = AnalysisParams(artifact_correction=correct, entropies=False)
    for start in (0.0, float(rec.t_s[1]) - 0.01):
        o = overrides([start], ["noise"], [rec.t_s[-1] + 1])
        s = summarize(rec.t_s, rec.rr_ms, p, o)
        assert s["quality_grade"] == "not_interpretable" and s["rmssd_ms"] != s["rmssd_ms"]
        w = windowed_metrics(rec.t_s, rec.rr_ms, 60, 30, p, o)
        assert np.isnan(w["rmssd_ms"]).all()
