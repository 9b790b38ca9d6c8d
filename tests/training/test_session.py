import asyncio
import filecmp

import numpy as np
import pytest
from helpers import record_sim
from realdata import data_file

from biofeedback.app.replay import open_replay
from biofeedback.devices.source import SessionClock
from biofeedback.signal import causal_flags, windowed_time_domain
from biofeedback.storage.folder import read_session
from biofeedback.storage.writer import MetricsFile
from biofeedback.training.runner import replay_runner
from biofeedback.training.snapshots import SessionUpdate
from biofeedback.types import DeviceEvent


def replay_metrics(folder, out):
    source = open_replay(str(folder))
    return asyncio.run(replay_runner(source, MetricsFile(out), SessionClock(1e6)).run())


def test_a_fast_simulated_session_reads_back_beat_for_beat(tmp_path):
    _, result, folder, updates = record_sim(tmp_path, "sim:seed=5,ectopic=1", 300.0)
    beats = [u.beat for u in updates if isinstance(u, SessionUpdate)]
    rec = read_session(folder)
    assert result.end_status == rec.end_status == "completed"
    assert rec.skipped == []
    assert rec.beats["t_s"].tolist() == [b.t_s for b in beats]
    assert rec.beats["rr_ms"].tolist() == [b.rr_ms for b in beats]
    assert rec.beats["artifact"].tolist() == [u.metrics.flagged for u in updates
                                              if isinstance(u, SessionUpdate)]
    assert rec.beats["artifact"].any()  # the ectopic beats were flagged live
    assert rec.meta["summary"]["n_beats"] == len(beats) > 250
    assert 295 < rec.beats["t_s"][-1] <= 300


def test_replaying_a_session_reproduces_its_metrics_exactly(tmp_path):
    commands = [(0.02, lambda r: r.marker("client yawned")), (0.05, lambda r: r.set_rate(5.0))]
    _, _, folder, _ = record_sim(tmp_path, "sim:seed=6,dropouts=30", 400.0, "free",
                                 speed=1000.0, commands=commands)
    rec = read_session(folder)
    kinds = [e[1] for e in rec.events]
    assert "marker" in kinds and kinds.count("pacer_rate") == 2
    assert set(rec.metrics["pacer_bpm"][~np.isnan(rec.metrics["pacer_bpm"])]) == {6.0, 5.0}
    out = tmp_path / "replayed.csv"
    replay_metrics(folder, out)
    assert filecmp.cmp(out, folder / "metrics.csv", shallow=False)


def test_standard_protocol_steps_and_pacer_only_when_paced(tmp_path):
    _, _, folder, updates = record_sim(tmp_path, "sim:seed=2", 600.0, "standard")
    rec = read_session(folder)
    steps = [(t, v) for t, k, v in rec.events if k == "step"]
    assert steps == [(0.0, "baseline"), (180.0, "paced"), (420.0, "recovery")]
    ups = [u for u in updates if isinstance(u, SessionUpdate)]
    assert all((u.pacer is None) == (u.step != "paced") for u in ups)
    # Following the pacer at 6/min raises coherence over the unpaced baseline.
    coh = rec.metrics["coherence"]
    step = rec.metrics["step"]
    assert np.nanmean(coh[step == "paced"]) > 2 * np.nanmean(coh[step == "baseline"])


def test_a_disconnect_marks_a_gap_and_the_session_carries_on(tmp_path):
    _, result, folder, updates = record_sim(tmp_path, "sim:seed=3,dropouts=40,dropout_s=10",
                                            600.0)
    rec = read_session(folder)
    kinds = [k for _, k, _ in rec.events]
    assert kinds.count("gap") == kinds.count("disconnected") >= 2
    assert result.end_status == "completed" and rec.beats["t_s"][-1] > 590
    # RMSSD never uses a difference across the gap: equal to the offline windowed value.
    t, rr = rec.beats["t_s"], rec.beats["rr_ms"]
    offline = windowed_time_domain(t, rr, t, 60.0, clean=~causal_flags(rr)).rmssd_ms
    np.testing.assert_allclose(rec.metrics["rmssd_ms"], offline, rtol=1e-9)


def test_a_real_recording_replayed_through_the_runner(tmp_path):
    source = open_replay(str(data_file("polar_h10/slow_breathing_10min_ibi.csv")))
    runner = replay_runner(source, clock=SessionClock(1e6))
    seen = []
    runner.subscribe(seen.append)
    result = asyncio.run(runner.run())
    beats = [u.beat.rr_ms for u in seen if isinstance(u, SessionUpdate)]
    assert result.end_status == "completed" and result.n_beats == 620
    assert beats == source.beats["rr_ms"].tolist()
    assert result.summary["coherence_ratio"] > 1.5  # slow breathing is coherent
    assert not [u for u in seen if isinstance(u, DeviceEvent) and u.kind == "gap"]


def test_stop_ends_the_session_as_stopped(tmp_path):
    _, result, folder, _ = record_sim(tmp_path, "sim:seed=1", 3600.0, speed=100.0,
                                      commands=[(0.3, lambda r: r.stop())])
    assert result.end_status == "stopped" == read_session(folder).end_status
    assert 10 < result.n_beats < 200


@pytest.mark.parametrize("text", ["beats.csv", "metrics.csv"])
def test_a_torn_last_line_is_skipped_and_reported(tmp_path, text):
    _, _, folder, _ = record_sim(tmp_path, "sim:seed=1", 60.0)
    path = folder / text
    n = read_session(folder).beats["t_s"].size
    path.write_text(path.read_text()[:-7])  # cut inside the last row
    rec = read_session(folder)
    assert any("torn" in s for s in rec.skipped)
    assert rec.beats["t_s"].size == (n - 1 if text == "beats.csv" else n)
