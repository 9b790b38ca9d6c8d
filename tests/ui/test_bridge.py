"""SessionBridge (ui/bridge.py) with the simulated strap and a replayed recording: it sends
Started, updates, device events, ticks and pacer schedules as Qt signals that arrive on the
GUI thread, and stop, marker and set_rate reach the session on the worker thread."""

import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject  # noqa: E402

from biofeedback.app.launch import SessionPlan  # noqa: E402
from biofeedback.storage.folder import read_session  # noqa: E402
from biofeedback.training.pacer import PacerSchedule  # noqa: E402
from biofeedback.training.snapshots import SessionTick, SessionUpdate, Started  # noqa: E402
from biofeedback.types import DeviceEvent  # noqa: E402
from biofeedback.ui.bridge import Finished, SessionBridge  # noqa: E402

RECORDING = Path(__file__).resolve().parents[2] / "recordings" / "slow_breathing_polar_h10.csv"
SIGNALS = ("started", "update", "device_event", "ticked", "pacer_changed", "finished",
           "failed")


class Seen(QObject):
    """What the bridge sent, each with whether it arrived on the GUI thread (a QObject
    receiver, as the window's model is: Qt queues the worker's signals to its thread)."""

    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.items: dict[str, list] = {name: [] for name in SIGNALS}
        self.off_gui_thread = 0
        for name in SIGNALS:
            getattr(bridge, name).connect(getattr(self, f"on_{name}"))

    def _keep(self, name: str, item) -> None:
        self.off_gui_thread += threading.current_thread() is not threading.main_thread()
        self.items[name].append(item)

    def on_started(self, item) -> None:
        self._keep("started", item)

    def on_update(self, item) -> None:
        self._keep("update", item)

    def on_device_event(self, item) -> None:
        self._keep("device_event", item)

    def on_ticked(self, item) -> None:
        self._keep("ticked", item)

    def on_pacer_changed(self, item) -> None:
        self._keep("pacer_changed", item)

    def on_finished(self, item) -> None:
        self._keep("finished", item)

    def on_failed(self, item) -> None:
        self._keep("failed", item)


@pytest.fixture
def bridge(qapp, tmp_path):
    b = SessionBridge(tmp_path / "data")
    yield b
    b.shutdown()


def test_a_session_sends_snapshots_and_takes_marker_rate_and_stop(qtbot, bridge):
    seen = Seen(bridge)
    bridge.start_session(SessionPlan(source="sim:seed=3", duration_s=600.0, speed=20.0))
    qtbot.waitUntil(lambda: len(seen.items["update"]) > 10, timeout=30000)
    (start,) = seen.items["started"]
    assert isinstance(start, Started) and not start.replay and start.folder.is_dir()
    assert start.settings.duration_s == 600.0 and start.protocol.name == "free"
    assert isinstance(start.pacer, PacerSchedule) and start.pacer.rate_at(1.0) == 6.0
    assert start.speed == 20.0 and start.device["address"] == "sim"
    assert all(isinstance(u, SessionUpdate) and u.clock_s >= u.beat.t_s - 1.0
               for u in seen.items["update"])

    # Ticks between beats: the clock moves forward, the pacer's state at that clock.
    ticks = seen.items["ticked"]
    assert len(ticks) > len(seen.items["update"]) / 4
    assert all(isinstance(t, SessionTick) for t in ticks)
    clocks = [t.clock_s for t in ticks]
    assert clocks == sorted(clocks) and clocks[-1] > clocks[0]
    last = ticks[-1]
    assert last.step == "practice" and last.pacer == start.pacer.state(last.clock_s)
    n = len(ticks)
    qtbot.wait(500)
    assert 3 <= len(ticks) - n <= 30  # ~25 a second

    bridge.marker("client yawned")
    qtbot.waitUntil(lambda: any(e.kind == "marker" for e in seen.items["device_event"]),
                    timeout=5000)
    assert all(isinstance(e, DeviceEvent) for e in seen.items["device_event"])

    bridge.set_rate(5.0)
    qtbot.waitUntil(lambda: bool(seen.items["pacer_changed"]), timeout=5000)
    (schedule,) = seen.items["pacer_changed"]
    changed_at = schedule.segments[-1].t_s
    assert schedule.rate_at(changed_at + 1.0) == 5.0
    assert start.pacer.rate_at(changed_at + 1.0) == 6.0  # the start's snapshot stays as sent
    qtbot.waitUntil(lambda: seen.items["ticked"][-1].pacer.rate_bpm == 5.0, timeout=5000)

    bridge.stop()
    assert bridge.stopping
    qtbot.waitUntil(lambda: bool(seen.items["finished"]), timeout=20000)
    (finished,) = seen.items["finished"]
    assert isinstance(finished, Finished) and finished.result.end_status == "stopped"
    ended = len(seen.items["ticked"])
    qtbot.wait(300)
    assert len(seen.items["ticked"]) == ended  # no tick after the end
    assert seen.off_gui_thread == 0 and seen.items["failed"] == []
    events = [(k, v) for _, k, v in read_session(finished.folder).events]
    assert ("marker", "client yawned") in events and ("pacer_rate", "5") in events


def test_a_replay_sends_its_speed_and_commands_after_it_ended_are_ignored(qtbot, bridge):
    if not RECORDING.exists():
        pytest.skip(f"{RECORDING} is missing")
    seen = Seen(bridge)
    bridge.start_replay(str(RECORDING), speed=50.0)
    qtbot.waitUntil(lambda: len(seen.items["update"]) > 20, timeout=30000)
    (start,) = seen.items["started"]
    assert start.replay and start.folder is None and start.speed == 50.0 and not start.paused
    assert start.protocol.name == "unpaced"
    assert all(t.pacer is None for t in seen.items["ticked"])  # an RR file has no pacer
    bridge.stop()
    qtbot.waitUntil(lambda: bool(seen.items["finished"]), timeout=20000)
    assert seen.items["finished"][0].folder is None
    bridge.set_rate(5.0)  # no session runs: nothing happens, nothing fails
    bridge.marker("late")
    qtbot.wait(200)
    assert seen.items["pacer_changed"] == [] and seen.items["failed"] == []
    assert not any(e.value == "late" for e in seen.items["device_event"])
    assert seen.off_gui_thread == 0
