"""Data quality in every result: artifact shares per type, a grade, withheld metrics,
and ``analyze``'s exit status 3 for a recording that is not interpretable."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from realdata import CLEAN, data_file, inject_artifacts, load

from biofeedback.cli import main
from biofeedback.signal import (
    AnalysisParams,
    detect_artifacts,
    summarize,
    windowed_metrics,
)
from biofeedback.signal.quality import grade
from biofeedback.signal.summary import SUMMARY_COLUMNS, TIME_KEYS
from biofeedback.signal.windows import beat_times


@pytest.mark.parametrize(("pct", "expected"), [(0.0, "clean"), (1.99, "clean"),
                                                (2.0, "corrected"), (4.9, "corrected"),
                                                (5.0, "time_domain"), (9.9, "time_domain"),
                                                (10.0, "not_interpretable"),
                                                (30.0, "not_interpretable")])
def test_grade_follows_the_artifact_share(pct, expected):
    assert grade(pct, 500, 600.0) == expected


def test_too_short_is_not_interpretable_whatever_the_share():
    assert grade(0.0, 29, 600.0) == "not_interpretable"
    assert grade(0.0, 500, 59.0) == "not_interpretable"


@pytest.mark.parametrize("relative", CLEAN)
def test_clean_recordings_keep_every_metric(relative):
    rec = load(relative)
    s = summarize(rec.t_s, rec.rr_ms)
    assert s["quality_grade"] == "clean" and s["quality_reason"] == ""
    assert set(SUMMARY_COLUMNS) <= set(s)
    for key in ("rmssd_ms", "lf_ms2", "hf_ms2", "vlf_ms2", "ar_lf_ms2", "sd1_ms", "sampen",
                "dfa_alpha1", "stress_index", "tri_index"):
        assert math.isfinite(s[key]), key


def test_bigeminy_is_not_interpretable_and_withholds_its_numbers(capsys):
    path = str(data_file("polar_h10/pvc_bigeminy_10min_ecg_rr.csv"))
    assert main(["analyze", path, "--json"]) == 3
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["quality_grade"] == "not_interpretable"
    assert any(w in out["quality_reason"] for w in ("bigeminy", "% artifacts"))
    assert out["rmssd_ms"] is None and out["lf_ms2"] is None and out["sampen"] is None
    assert "not interpretable" in captured.err
    assert main(["analyze", path]) == 3
    text = capsys.readouterr().out
    assert "NOT INTERPRETABLE" in text and "RMSSD" not in text


def test_six_beats_are_too_short(capsys, tmp_path):
    path = tmp_path / "six.txt"
    path.write_text("800\n400\n1200\n800\n400\n1200\n")
    assert main(["analyze", str(path), "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["quality_reason"].startswith("too short")
    assert all(out[k] is None for k in TIME_KEYS)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_quarter_of_the_beats_disturbed_withholds_everything(seed):
    rec = load("polar_hrm/rest_rri.txt")
    rr, truth, _ = inject_artifacts(rec.rr_ms, np.random.default_rng(seed), every=9)
    s = summarize(beat_times(rr), rr)
    assert s["artifacts_pct"] > 10
    assert s["quality_grade"] == "not_interpretable"
    assert math.isnan(s["rmssd_ms"]) and math.isnan(s["lf_ms2"])
    shares = sum(s[f"artifacts_{k}_pct"] for k in ("ectopic", "missed", "extra", "long",
                                                    "short"))
    assert shares == pytest.approx(s["artifacts_pct"])
    assert s["corrected_beats"] == round(s["artifacts_pct"] * s["n_beats"] / 100)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_few_disturbed_beats_are_corrected_and_everything_is_kept(seed):
    rec = load("polar_hrm/rest_rri.txt")
    rr, _, _ = inject_artifacts(rec.rr_ms, np.random.default_rng(seed), every=60)
    s = summarize(beat_times(rr), rr)
    assert s["quality_grade"] in ("clean", "corrected")
    assert s["corrected_beats"] > 0
    assert math.isfinite(s["lf_ms2"]) and math.isfinite(s["sampen"])


def test_time_domain_only_withholds_spectra_and_nonlinear():
    rec = load("polar_hrm/rest_rri.txt")
    for seed in range(20):
        rr, _, _ = inject_artifacts(rec.rr_ms, np.random.default_rng(seed), every=22)
        s = summarize(beat_times(rr), rr)
        if s["quality_grade"] == "time_domain":
            break
    else:
        pytest.fail("no seed gave a 5-10 % artifact share")
    assert math.isfinite(s["rmssd_ms"]) and math.isfinite(s["sdnn_ms"])
    for key in ("vlf_ms2", "lf_ms2", "hf_ms2", "ar_hf_ms2", "sd1_ms", "apen", "dfa_alpha1",
                "pns_index", "stress_index", "tri_index", "coherence_ratio"):
        assert math.isnan(s[key]), key


@pytest.mark.parametrize(("seconds", "has_lf", "has_vlf"), [(90, False, False),
                                                             (200, True, False),
                                                             (400, True, True)])
def test_bands_need_their_minimum_duration(seconds, has_lf, has_vlf):
    rec = load("meditation/M4_rr.csv")
    keep = rec.t_s <= rec.t_s[0] + seconds
    s = summarize(rec.t_s[keep], rec.rr_ms[keep], AnalysisParams(artifact_correction=False))
    assert math.isfinite(s["lf_ms2"]) == has_lf
    assert math.isfinite(s["hf_ms2"]) == has_lf
    assert math.isfinite(s["vlf_ms2"]) == has_vlf
    assert math.isfinite(s["total_power_ms2"]) == has_vlf
    assert math.isfinite(s["rmssd_ms"])


def test_windows_carry_their_own_grade():
    rec = load("polar_hrm/noisy_rri.hrm")  # many ectopic beats and artifacts, unevenly spread
    flagged = detect_artifacts(rec.rr_ms) != ""
    cols = windowed_metrics(rec.t_s, rec.rr_ms, 60.0, 10.0)
    for i, end in enumerate(cols["t_end_s"]):  # the straightforward way, window by window
        inside = (rec.t_s > end - 60.0) & (rec.t_s <= end)
        pct = 100.0 * flagged[inside].mean()
        assert cols["artifacts_pct"][i] == pytest.approx(pct)
        assert cols["quality_grade"][i] == grade(pct, inside.sum(), 60.0)
    grades = cols["quality_grade"]
    assert len(set(grades)) >= 2  # the recording has good and bad stretches
    bad = grades == "not_interpretable"
    assert np.isnan(cols["rmssd_ms"][bad]).all()
    assert np.isfinite(cols["rmssd_ms"][grades == "clean"]).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_protocol_step_full_of_flagged_beats_withholds_its_rmssd(seed):
    from biofeedback.training.outcomes import step_summaries, training_outcome
    from biofeedback.training.pacer import Pacer
    from biofeedback.training.protocols import make_protocol

    rec = load("meditation/C1_med_rr.csv")
    t, rr = rec.t_s - rec.t_s[0] + rec.rr_ms[0] / 1000, rec.rr_ms
    protocol = make_protocol("standard", float(t[-1]))
    clean = np.ones(rr.size, bool)
    baseline = t < protocol.steps[1].start_s
    rng = np.random.default_rng(seed)
    clean[baseline] = rng.random(baseline.sum()) > 0.3  # the live filter refused 30 %
    steps = step_summaries(t, rr, clean, np.zeros((0, 4)), protocol, Pacer.fixed(6.0))
    assert steps["baseline"]["quality_grade"] == "not_interpretable"
    assert steps["baseline"]["artifacts_pct"] == pytest.approx(30, abs=5)
    assert steps["baseline"]["rmssd_ms"] is None
    assert training_outcome(steps)["baseline_rmssd_ms"] is None
    assert steps["paced"]["quality_grade"] == "clean"
    assert steps["paced"]["rmssd_ms"] > 0


def test_a_bigeminy_stretch_makes_its_windows_not_interpretable():
    rec = load("meditation/M4_rr.csv")
    rr = rec.rr_ms.copy()
    stretch = slice(250, 400)  # every other beat premature, each followed by its pause
    n = rr[stretch].size
    rr[stretch] = rr[stretch] * np.where(np.arange(n) % 2 == 0, 0.65, 1.35)
    t = beat_times(rr)
    cols = windowed_metrics(t, rr, 60.0, 10.0, AnalysisParams(artifact_correction=False))
    inside = (cols["t_end_s"] - 60.0 >= t[250]) & (cols["t_end_s"] <= t[399])
    outside = cols["t_end_s"] < t[240]
    assert inside.any() and (cols["quality_grade"][inside] == "not_interpretable").all()
    assert np.isnan(cols["rmssd_ms"][inside]).all()
    assert (cols["quality_grade"][outside] == "clean").all()


def test_record_prints_no_numbers_for_a_session_that_is_not_interpretable():
    import io

    from biofeedback.commands.record import _print_summary
    from biofeedback.training.snapshots import SessionResult

    rec = load("polar_h10/pvc_bigeminy_10min_ecg_rr.csv")
    s = summarize(rec.t_s, rec.rr_ms)
    out = io.StringIO()
    _print_summary(SessionResult("completed", s["n_beats"], s, None), out)
    text = out.getvalue()
    assert "not interpretable" in text and ("bigeminy" in text or "% artifacts" in text)
    assert "nan" not in text and "RMSSD" not in text
    clean = load(CLEAN[0])
    s = summarize(clean.t_s, clean.rr_ms)
    out = io.StringIO()
    _print_summary(SessionResult("completed", s["n_beats"], s, None), out)
    assert "RMSSD" in out.getvalue() and "data quality clean" in out.getvalue()
