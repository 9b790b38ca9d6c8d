"""Resonance-frequency assessment: the measures, and the simulated person's true rate found."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from biofeedback.app.launch import SessionPlan, open_session
from biofeedback.app.library import assess_folder
from biofeedback.signal.resonance import (
    breath_amplitudes,
    hr_breath_phase_deg,
    rank_rates,
    sliding_resonance,
)
from biofeedback.storage.folder import read_session


def record(root: Path, spec: str, protocol: str) -> Path:
    async def go():
        opened = await open_session(SessionPlan(source=spec, protocol=protocol, speed=5000),
                                    root)
        await opened.runner.run()
        return opened.writer.folder
    return asyncio.run(go())


def test_amplitude_and_phase_of_a_known_oscillation():
    fs, rate = 4.0, 6.0
    t = np.arange(0, 120, 1 / fs)
    phase = t * rate / 60
    volume = 0.5 - 0.5 * np.cos(2 * np.pi * phase)  # empty at each breath's start
    hr = 65 + 5 * np.sin(2 * np.pi * (phase - 0.25))  # peaks with full lungs: in phase
    amplitudes = breath_amplitudes(hr, np.floor(phase).astype(int))
    assert len(amplitudes) == 10 and np.allclose(amplitudes, 10, atol=0.05)
    assert hr_breath_phase_deg(hr, phase, volume) == pytest.approx(0, abs=1)
    late = 65 + 5 * np.sin(2 * np.pi * (phase - 0.5))  # a quarter breath later
    assert hr_breath_phase_deg(late, phase, volume) == pytest.approx(90, abs=1)


def test_sliding_resonance_is_the_peak_of_the_smoothed_amplitudes():
    rate = np.linspace(6.75, 4.25, 80)
    amplitude = 20 * np.exp(-((rate - 5.3) / 0.6) ** 2) + np.random.default_rng(0).normal(
        0, 1.5, rate.size)
    best, smooth = sliding_resonance(rate, amplitude)
    assert best == pytest.approx(5.3, abs=0.15)
    assert smooth.std() < amplitude.std()


def test_rank_prefers_larger_swings_in_phase_with_one_peak():
    from biofeedback.signal.resonance import RateMeasures

    good = RateMeasures(5.5, 20, 18.0, 9000, 8800, 12.0, 0.09, 5.0, 1)
    poor = RateMeasures(6.5, 20, 9.0, 3000, 2500, 4.0, 0.11, 70.0, 2)
    scores = rank_rates([poor, good])
    assert scores[1] > scores[0]


@pytest.mark.parametrize("protocol", ["stepped", "sliding"])
@pytest.mark.parametrize("rf", [4.5, 5.0, 5.5, 6.0, 6.5])
def test_the_simulated_persons_resonance_is_found(tmp_path, protocol, rf):
    for seed in (1, 2, 3):
        result = assess_folder(record(tmp_path, f"sim:rf={rf},seed={seed}", protocol))
        assert abs(result.recommended_bpm - rf) <= 0.5, (seed, result)
        assert result.artifacts_pct < 1


@pytest.mark.parametrize("protocol", ["stepped", "sliding"])
def test_with_artifacts_it_is_right_or_says_it_is_unreliable(tmp_path, protocol):
    outcomes = []
    for rf, seed in ((4.5, 3), (5.5, 4), (6.5, 5)):
        spec = f"sim:rf={rf},seed={seed},ectopic=2,missed=1,noise=12"
        result = assess_folder(record(tmp_path, spec, protocol))
        right = abs(result.recommended_bpm - rf) <= 0.5
        assert right or not result.reliable, (rf, result)
        if not result.reliable:
            assert result.reasons
        outcomes.append(right)
    assert sum(outcomes) >= 2  # artifacts are corrected before the analysis


def biofeedback(*args: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biofeedback", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=120)


def test_live_assessment_saves_the_rate_and_offline_agrees(tmp_path):
    data = tmp_path / "data"
    live = biofeedback("rf", "--source", "sim:rf=5.5,seed=7", "--speed", "3000",
                       "--client", "Anna Smith", "--json", data=data)
    assert live.returncode == 0, live.stderr
    live_result = json.loads(live.stdout)
    assert abs(live_result["recommended_bpm"] - 5.5) <= 0.5
    assert live_result["saved_to_client"] == "Anna Smith"
    assert [r["rate_bpm"] for r in live_result["rates"]] == [6.5, 6.0, 5.5, 5.0, 4.5]

    offline = biofeedback("rf", live_result["session"], "--json", data=data)
    assert offline.returncode == 0, offline.stderr
    offline_result = json.loads(offline.stdout)
    for key in ("recommended_bpm", "reliable", "rates"):
        assert offline_result[key] == live_result[key]

    # The client's next session paces at the saved rate.
    session = biofeedback("record", "--source", "sim", "--duration", "30", "--speed", "500",
                          "--client", "Anna Smith", data=data)
    assert session.returncode == 0, session.stderr
    folders = sorted((data / "sessions").iterdir())
    meta = read_session(folders[-1]).meta
    assert meta["settings"]["rate_bpm"] == live_result["recommended_bpm"]


def test_a_session_that_is_not_an_assessment_is_a_one_line_error(tmp_path):
    data = tmp_path / "data"
    assert biofeedback("record", "--source", "sim", "--duration", "30", "--speed", "500",
                       data=data).returncode == 0
    (folder,) = (data / "sessions").iterdir()
    run = biofeedback("rf", str(folder), data=data)
    assert run.returncode == 2
    assert "not a resonance assessment" in run.stderr and run.stderr.count("\n") == 1
    both = biofeedback("rf", str(folder), "--source", "sim", data=data)
    assert both.returncode == 2 and "not both" in both.stderr


def test_with_the_accelerometer_each_rate_says_whether_it_was_followed(tmp_path):
    folder = record(tmp_path, "sim:rf=5.5,seed=1", "stepped")
    record0 = read_session(folder)
    from biofeedback.training.plan import recorded_plan

    _, _, pacer = recorded_plan(record0.meta, record0.events)
    t = np.arange(0, record0.beats["t_s"][-1], 1 / 25)
    paced = np.array([pacer.volume(x) for x in t])
    own = 0.5 - 0.5 * np.cos(2 * np.pi * 14 / 60 * t)  # 14/min, ignoring the pacer
    breath = np.where(t < 450, paced, own)  # followed the first three rates only
    acc = np.column_stack([40 * breath, -980 + 10 * breath, 150 + 0 * t])
    acc += np.random.default_rng(0).normal(0, 3, acc.shape)
    rows = ["t_s,x_mg,y_mg,z_mg"] + [f"{a:.4f},{x:.0f},{y:.0f},{z:.0f}" for a, (x, y, z)
                                      in zip(t, acc, strict=True)]
    (folder / "acc.csv").write_text("\n".join(rows) + "\n")
    result = assess_folder(folder)
    follow = [r["follow"] for r in result.rates]
    rates = [r["breathing_bpm"] for r in result.rates]
    assert min(follow[:3]) > 0.8 and max(follow[3:]) < 0.5
    assert rates[0] == pytest.approx(6.5, abs=0.3) and rates[4] == pytest.approx(14, abs=0.5)
