"""The example sessions in ``recordings/`` replayed through the runner: what a user saw
(``metrics.csv``) and what was logged (the events) come back unchanged — byte for byte for a
session recorded by this code, to rounding for those recorded before the spline solver
changed (:func:`helpers.same_cells`)."""

import asyncio
import csv
import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import same_cells
from realdata import DATA

from biofeedback.app.replay import open_replay
from biofeedback.devices.source import SessionClock
from biofeedback.storage.folder import read_session
from biofeedback.storage.writer import MetricsFile
from biofeedback.training.runner import replay_runner

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
SESSIONS = sorted(p for p in RECORDINGS.glob("2*") if (p / "session.json").exists())


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


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
    assert same_cells(read_rows(tmp_path / "metrics.csv"), read_rows(folder / "metrics.csv"))
    assert [(round(t, 6), k, v) for t, k, v in recorder.events] == \
        [(round(t, 6), k, v) for t, k, v in recorded.events]


def test_there_are_example_sessions_to_replay():
    assert len(SESSIONS) >= 4


@pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings missing: {DATA}")
@pytest.mark.parametrize("relative", ["meditation/M2_rr.csv", "polar_hrm/rest_rri.txt"])
def test_a_fresh_import_replays_byte_for_byte(tmp_path, relative):
    """What ``import`` writes at once is what the runner shows beat by beat, to the last
    digit, while the code is the same."""
    home = tmp_path / "home"
    run = subprocess.run([sys.executable, "-m", "biofeedback", "import", str(DATA / relative),
                          "--client", "replay", "--data-dir", str(home)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    folder = next((home / "sessions").iterdir())
    recorder = MetricsAndEvents(tmp_path / "metrics.csv")
    runner = replay_runner(open_replay(str(folder)), recorder, SessionClock(1e9))
    asyncio.run(runner.run())
    assert filecmp.cmp(tmp_path / "metrics.csv", folder / "metrics.csv", shallow=False)
    shutil.rmtree(home)
