"""The example sessions in ``recordings/`` replayed through the runner: what a user saw
(``metrics.csv``, byte for byte) and what was logged (the events) come back unchanged."""

import asyncio
import filecmp
from pathlib import Path

import pytest

from biofeedback.app.replay import open_replay
from biofeedback.devices.source import SessionClock
from biofeedback.storage.folder import read_session
from biofeedback.storage.writer import MetricsFile
from biofeedback.training.runner import replay_runner

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
SESSIONS = sorted(p for p in RECORDINGS.glob("2*") if (p / "session.json").exists())


class MetricsAndEvents(MetricsFile):
    """``metrics.csv`` as the replay shows it, and the events the runner logs."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.events: list[tuple[float, str, str]] = []

    def event(self, t_s: float, kind: str, value="") -> None:
        self.events.append((t_s, kind, str(value)))


@pytest.mark.parametrize("folder", SESSIONS, ids=[p.name for p in SESSIONS])
def test_a_recorded_session_replays_to_the_same_metrics_and_events(tmp_path, folder):
    recorder = MetricsAndEvents(tmp_path / "metrics.csv")
    runner = replay_runner(open_replay(str(folder)), recorder, SessionClock(1e9))
    result = asyncio.run(runner.run())
    recorded = read_session(folder)
    assert result.n_beats == recorded.beats["t_s"].size > 500
    assert filecmp.cmp(tmp_path / "metrics.csv", folder / "metrics.csv", shallow=False)
    assert [(round(t, 6), k, v) for t, k, v in recorder.events] == \
        [(round(t, 6), k, v) for t, k, v in recorded.events]


def test_there_are_example_sessions_to_replay():
    assert len(SESSIONS) >= 4
