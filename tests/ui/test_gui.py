"""The live window, offscreen (pytest-qt): a simulated session from Start to the summary,
a replay, the client view, Bluetooth missing, and closing mid-session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from biofeedback.storage.folder import read_session  # noqa: E402
from biofeedback.ui.dialogs import SummaryDialog  # noqa: E402
from biofeedback.ui.theme import LEVEL_WORDS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "recordings" / "20261122T093239_63597879"


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


def sessions(root: Path) -> list[Path]:
    return sorted((root / "sessions").iterdir()) if (root / "sessions").exists() else []


def test_a_simulated_session_from_start_to_summary(qtbot, make_window, tmp_path):
    window = make_window("sim:seed=3,dropouts=150,dropout_s=8", speed=60)
    banners: list[str] = []
    window.model.banner_changed.connect(banners.append)
    window.session.minutes.setValue(30)  # longer than the test: it is stopped by hand
    window.session.pre.setValue(7)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.running, timeout=10000)
    assert window.session.start.text() == "Stop"

    qtbot.waitUntil(lambda: window.model.feedback.level >= 0, timeout=20000)
    # The panels redraw on the window's refresh timer, not on each update.
    qtbot.waitUntil(lambda: window.feedback.level.text() in LEVEL_WORDS, timeout=2000)
    assert window.feedback.value.text().startswith("coherence ")
    window.session.note.setText("client yawned")
    qtbot.mouseClick(window.session.mark, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("signal lost" in b for b in banners), timeout=20000)
    qtbot.waitUntil(lambda: banners[-1] == "" and not window.banner.isVisible(), timeout=20000)

    t_hr, hr = window.hr_plot.hr.getData()
    assert len(hr) > 20 and 40 < hr.mean() < 100
    assert t_hr[-1] - t_hr[0] <= 121  # the last two minutes
    assert len(window.hr_plot.pacer.getData()[0]) == 240  # the pacer drawn over them
    assert window.spectrum.curve.getData()[0].max() <= 0.4
    assert window.spectrum.pacer_line.value() == pytest.approx(0.1)  # 6/min
    assert window.pacer.frames > 10
    assert "battery" in window.device.battery.text()
    assert "% clean beats" in window.device.quality.text()

    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)  # Stop
    qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible(),
                    timeout=20000)
    summary = window.summary
    assert summary.values["Ended"].text() == "stopped"
    assert int(summary.values["Beats"].text()) > 50
    assert summary.values["Achievement"].text() == window.feedback.achievement.text().split()[-1]
    assert summary.values["Data quality"].text().startswith(("clean", "corrected", "time", "not"))
    summary.post.setValue(3)
    summary._save()
    (folder,) = sessions(tmp_path / "data")
    qtbot.waitUntil(lambda: read_session(folder).meta.get("post_rating") == 3, timeout=10000)
    record = read_session(folder)
    assert record.meta["pre_rating"] == 7
    assert ("marker", "client yawned") in [(k, v) for _, k, v in record.events]
    assert "disconnected" in [k for _, k, _ in record.events]
    assert window.session.start.text() == "Start"


def test_replay_plays_pauses_and_seeks_in_the_same_window(qtbot, make_window):
    window = make_window(f"replay:{RECORDED}")
    qtbot.waitUntil(lambda: window.replay_bar.isVisible(), timeout=10000)
    assert not window.session.isVisible()
    window.replay_bar.speed.setValue(50)
    qtbot.waitUntil(lambda: len(window.model.hr) > 30, timeout=20000)

    qtbot.mouseClick(window.replay_bar.play, Qt.MouseButton.LeftButton)  # pause
    assert window.replay_bar.play.text() == "Play"
    qtbot.wait(100)
    paused_at = window.model.now_s()
    qtbot.wait(300)
    assert window.model.now_s() == paused_at

    window.replay_bar.position.setValue(600)
    window.replay_bar._seek()
    qtbot.waitUntil(lambda: window.model.t_s > 590, timeout=20000)
    window.replay_bar.position.setValue(100)
    window.replay_bar._seek()  # back: starts over and catches up
    qtbot.waitUntil(lambda: 95 < window.model.t_s < 160, timeout=20000)
    assert window.model.feedback.level >= 0  # the analysis caught up to 100 s
    assert window.replay_bar.play.text() == "Play"  # still paused after seeking
    qtbot.mouseClick(window.replay_bar.play, Qt.MouseButton.LeftButton)  # play again
    window.replay_bar.position.setValue(window.replay_bar.position.maximum() - 60)
    window.replay_bar._seek()
    qtbot.waitUntil(lambda: "Replay ended" in window.statusBar().currentMessage(),
                    timeout=60000)
    assert window.replay_bar.isVisible()  # stays, to play again or seek back


def test_client_view_shows_the_pacer_and_the_feedback_large(qtbot, make_window):
    window = make_window("sim:seed=4", speed=60)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.feedback.level >= 0, timeout=20000)
    window.toggle_client_view()
    view = window.client_view
    qtbot.waitUntil(lambda: view.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: view.feedback.level.text() == window.feedback.level.text(),
                    timeout=5000)
    assert view.feedback.level.font().pixelSize() > 2 * window.feedback.level.font().pixelSize()
    frames = view.pacer.frames
    qtbot.wait(300)
    assert view.pacer.frames > frames
    window.toggle_client_view()
    assert not view.isVisible()
    window.bridge.stop()
    assert window.bridge.stopping or not window.bridge.running  # closing will not ask


def test_without_bluetooth_it_says_so_once_and_offers_the_simulated_strap(
        qtbot, make_window, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no_bus")
    window = make_window(None)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15000)
    assert "Bluetooth is not available" in window.banner.text()
    assert window.use_sim.isVisible()
    assert window.device.source_spec() == "sim"
    qtbot.mouseClick(window.use_sim, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisible()


def test_closing_mid_session_asks_and_saves(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window("sim:seed=5", speed=30)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.model.hr) > 20, timeout=20000)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    window.close()
    assert asked and window.isVisible()  # "No": the session goes on
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    shown = []  # the summary is asked (modal) before the window goes
    monkeypatch.setattr(SummaryDialog, "exec", lambda self: shown.append(self) or 0)
    window.close()
    assert shown and shown[0].heading.text() == "Session stopped"
    (folder,) = sessions(tmp_path / "data")
    record = read_session(folder)
    assert record.end_status == "stopped"
    assert len(record.beats["rr_ms"]) > 20


def test_biofeedback_alone_without_a_display_prints_help():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    run = subprocess.run([sys.executable, "-m", "biofeedback"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and "usage:" in run.stdout
    gui = subprocess.run([sys.executable, "-m", "biofeedback", "gui"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert gui.returncode == 2 and "no display" in gui.stderr


def test_the_window_opens_from_the_command_line(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BIOFEEDBACK_HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "biofeedback", "gui", "--source", "sim",
                          "--quit-after", "1"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "Fatal" not in run.stderr


def test_resonance_assessment_and_progress_in_the_window(qtbot, make_window, tmp_path):
    from biofeedback.storage.library import Library

    window = make_window("sim:seed=2,rf=5.0", speed=3000)
    window.session.client.setText("Ben Jones")
    window.session.protocol.setCurrentIndex(window.session.protocol.findData("stepped"))
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.assessment is not None and window.assessment.isVisible(),
                    timeout=30000)
    dialog = window.assessment
    assert dialog.table.rowCount() == 5
    assert "Recommended: 5" in dialog.verdict.text() or "Recommended: 4.5" in \
        dialog.verdict.text() or "Recommended: 5.5" in dialog.verdict.text()
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: Library(tmp_path / "data").client("Ben Jones").get("resonance_bpm")
                    is not None, timeout=10000)
    assert abs(window.session.rate.value() - 5.0) <= 0.5  # the next session paces at it

    window.summary.close()
    window._progress()
    qtbot.waitUntil(lambda: window.progress is not None and window.progress.isVisible(),
                    timeout=10000)
    assert window.progress.table.rowCount() == 1
    assert window.progress.table.item(0, 1).text() == "stepped"
