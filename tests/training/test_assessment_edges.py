"""Resonance assessment at the edges of the tested range, and ties (issue 11, item 5).

Real paced-breathing trials often peak at 4.0-4.5 breaths/min, the slowest rate of the
default protocol: such a best rate is named as the edge of the range, is not reliable and
says which rates to test next. A person whose resonance lies inside the range is still
found reliably.
"""

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
from biofeedback.signal.resonance import RateMeasures, rank_rates
from biofeedback.training.assessment import stepped_verdict
from biofeedback.training.protocols import STEPPED_RATES

SEEDS = (1, 2, 3)


def record(root: Path, spec: str, protocol: str = "stepped",
           rates_bpm: tuple[float, ...] = STEPPED_RATES) -> Path:
    async def go():
        plan = SessionPlan(source=spec, protocol=protocol, speed=5000, rates_bpm=rates_bpm)
        opened = await open_session(plan, root)
        await opened.runner.run()
        return opened.writer.folder
    return asyncio.run(go())


def assess_sim(root: Path, rf: float, seed: int, protocol: str = "stepped",
               rates_bpm: tuple[float, ...] = STEPPED_RATES):
    return assess_folder(record(root, f"sim:rf={rf},seed={seed}", protocol, rates_bpm))


@pytest.mark.parametrize(("rf", "edge", "edge_bpm", "next_rates"), [
    (3.5, "slowest", 4.5, [4.5, 4.0, 3.5]),
    (4.0, "slowest", 4.5, [4.5, 4.0, 3.5]),
    (7.0, "fastest", 6.5, [7.5, 7.0, 6.5]),
    (7.5, "fastest", 6.5, [7.5, 7.0, 6.5]),
])
def test_a_resonance_outside_the_range_is_named_at_its_edge(tmp_path, rf, edge, edge_bpm,
                                                           next_rates):
    for seed in SEEDS:
        result = assess_sim(tmp_path, rf, seed)
        assert abs(result.recommended_bpm - edge_bpm) <= 0.5, (seed, result)
        assert not result.reliable and result.edge == edge, (seed, result)
        assert result.next_rates_bpm == next_rates
        assert any("edge of the tested range" in r for r in result.reasons)
        if result.recommended_bpm == edge_bpm:
            assert "the best rate is at the edge" in result.reasons[0]


def test_a_resonance_inside_the_range_is_reliable(tmp_path):
    outcomes = []
    for rf in (5.0, 5.5, 6.0):
        for seed in (*SEEDS, 4):
            result = assess_sim(tmp_path, rf, seed)
            assert abs(result.recommended_bpm - rf) <= 0.5, (rf, seed, result)
            if result.reliable:
                assert result.edge is None and result.next_rates_bpm == []
            else:  # a doubtful result always says what to test next
                assert result.reasons and result.next_rates_bpm
            outcomes.append(result.reliable)
    assert sum(outcomes) >= len(outcomes) - 1, outcomes


def test_testing_the_named_rates_next_finds_the_resonance(tmp_path):
    for seed in (1, 2):
        first = assess_sim(tmp_path, 4.0, seed)
        assert first.edge == "slowest"
        second = assess_sim(tmp_path, 4.0, seed + 10, rates_bpm=tuple(first.next_rates_bpm))
        assert second.recommended_bpm == 4.0 and second.reliable, second


def test_a_narrower_range_moves_the_edge_with_it(tmp_path):
    result = assess_sim(tmp_path, 4.5, 1, rates_bpm=(6.5, 6.0, 5.5, 5.0))
    assert result.edge == "slowest" and result.recommended_bpm == 5.0
    assert result.next_rates_bpm == [5.0, 4.5, 4.0] and not result.reliable


@pytest.mark.parametrize("rf", [3.5, 4.0])
def test_the_sliding_protocol_names_its_slow_edge(tmp_path, rf):
    for seed in SEEDS:
        result = assess_sim(tmp_path, rf, seed, "sliding")
        assert not result.reliable and result.edge == "slowest", (seed, result)
        assert result.next_rates_bpm[0] == 4.5 and result.next_rates_bpm[-1] == 3.5


def test_the_sliding_protocol_is_reliable_inside_its_range(tmp_path):
    for rf in (5.5, 6.0):
        for seed in SEEDS:
            result = assess_sim(tmp_path, rf, seed, "sliding")
            assert result.reliable and result.edge is None, (rf, seed, result)
            assert abs(result.recommended_bpm - rf) <= 0.5


def measures(rows: list[tuple[float, float, float, float, float]]) -> list[RateMeasures]:
    """(rate, HR swing, LF, LF peak, phase) per rate; one LF peak each."""
    return [RateMeasures(rate, 20, amp, lf, peak, 5.0, rate / 60, phase, 1)
            for rate, amp, lf, peak, phase in rows]


def test_adjacent_rates_scoring_alike_are_a_tie_but_reliable():
    m = measures([(6.5, 10, 3000, 2000, 60), (6.0, 13, 5000, 4000, 10),
                  (5.5, 17.5, 7900, 7000, 2), (5.0, 17.9, 8000, 7100, -15),
                  (4.5, 14, 6000, 5000, -30)])
    scores = rank_rates(m)
    assert scores[3] - scores[2] == 0.25
    v = stepped_verdict(m, scores)
    assert v.ties == [5.5, 5.0] and v.edge is None
    assert v.reasons == [] and v.next_rates_bpm == []


def test_rates_far_apart_scoring_alike_are_a_tie_to_test_again():
    m = measures([(6.5, 10, 3000, 2000, 60), (6.0, 17.0, 8000, 7000, 15),
                  (5.5, 14, 6000, 5000, 25), (5.0, 17.2, 7900, 6900, -14),
                  (4.5, 12, 4000, 3000, -30)])
    v = stepped_verdict(m, rank_rates(m))
    assert v.ties == [6.0, 5.0] and v.edge is None
    assert any("a tie" in r for r in v.reasons)
    assert v.next_rates_bpm == [6.0, 5.5, 5.0]


def test_the_largest_swings_at_an_edge_rate_leave_it_open():
    # Best overall 6.0 (LF power, LF peak, phase), but the swings are largest at 6.5, the
    # fastest rate tested (a simulated resonance at 7.5/min, seed 3, did this).
    m = measures([(6.5, 14.8, 3772, 3000, -20), (6.0, 14.0, 4813, 4000, -17),
                  (5.5, 10.5, 2889, 2000, -41), (5.0, 8.3, 1249, 1000, -47),
                  (4.5, 8.1, 946, 800, -57)])
    v = stepped_verdict(m, rank_rates(m))
    assert m[v.best].rate_bpm == 6.0 and v.edge == "fastest"
    assert v.next_rates_bpm == [7.5, 7.0, 6.5]
    assert "largest heart-rate swings were at 6.5/min" in v.reasons[0]


def test_equal_scores_go_to_the_larger_swing():
    m = measures([(6.0, 18, 7000, 6000, 20), (5.5, 18.5, 6000, 5000, 10)])
    scores = rank_rates(m)
    assert scores[0] == scores[1]
    assert stepped_verdict(m, scores).best == 1
    assert stepped_verdict(m[::-1], scores[::-1]).best == 0


def biofeedback(*args: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biofeedback", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=120)


def test_the_cli_names_the_edge_and_the_rates_to_test_next(tmp_path):
    folder = record(tmp_path, "sim:rf=4.0,seed=5")
    as_json = biofeedback("rf", str(folder), "--json", data=tmp_path / "data")
    assert as_json.returncode == 0, as_json.stderr
    out = json.loads(as_json.stdout)
    assert out["edge"] == "slowest" and out["reliable"] is False
    assert out["next_rates_bpm"] == [4.5, 4.0, 3.5] and isinstance(out["ties"], list)
    text = biofeedback("rf", str(folder), data=tmp_path / "data")
    assert text.returncode == 0 and text.stderr == ""
    assert "4.5 breaths/min (the slowest rate tested: at the edge of the tested range)" in (
        text.stdout)
    assert "test next: 4.5, 4, 3.5 breaths/min" in text.stdout
    assert "--rates 4.5,4,3.5" in text.stdout


def test_the_window_names_the_edge_and_the_rates_to_test_next(qtbot, tmp_path):
    from biofeedback.ui.bridge import Assessed
    from biofeedback.ui.dialogs import AssessmentDialog

    folder = record(tmp_path, "sim:rf=7.0,seed=2")
    dialog = AssessmentDialog(Assessed(folder, None, assess_folder(folder)))
    qtbot.addWidget(dialog)
    assert "edge of the tested range" in dialog.verdict.text()
    assert "Test next: 7.5, 7, 6.5 breaths/min" in dialog.details.text()
    assert "biofeedback rf" not in dialog.details.text()
    assert np.isfinite(float(dialog.table.item(0, 0).text()))
