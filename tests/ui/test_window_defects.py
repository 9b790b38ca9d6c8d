"""The window's defects from issue 12 (items 19-27) and issue 13's "fits the screen", each
checked in a real offscreen window (pytest-qt) or a real ``biofeedback gui`` process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPalette  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QStyle,
    QStyleOptionComboBox,
)

from biofeedback.storage.folder import read_session  # noqa: E402
from biofeedback.training.snapshots import SessionResult  # noqa: E402
from biofeedback.ui.dialogs import DEFAULTS, ProgressDialog, SettingsDialog, SummaryDialog  # noqa: E402
from biofeedback.ui.theme import DARK, LIGHT, apply_theme  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "recordings" / "20261122T093239_63597879"


@pytest.fixture(autouse=True)
def private_settings(tmp_path, qapp):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    apply_theme(qapp, LIGHT)
    yield
    apply_theme(qapp, LIGHT)


def pixels(widget) -> np.ndarray:
    """The widget as drawn, an (h, w, 3) array of RGB."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=h * stride).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).astype(int)


def ink(area: np.ndarray, background: str, min_distance: int = 120) -> int:
    """How many pixels of ``area`` stand out from ``background`` (readable ink)."""
    bg = np.array(QColor(background).getRgb()[:3])
    return int(np.count_nonzero(np.abs(area - bg).sum(axis=-1) > min_distance))


def run_window_script(body: str, tmp_path: Path, screens: list[dict], timeout_s: float = 60,
                      extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``body`` in a fresh process whose offscreen Qt has the given screens."""
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"screens": screens}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "BIOFEEDBACK_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path),
           **(extra_env or {})}
    script = textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=timeout_s)


LAPTOP = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96}
PROJECTOR = {"name": "projector", "x": 1366, "y": 0, "width": 1920, "height": 1080,
             "logicalDpi": 96}


# -- 19: closing during a session ends the process ------------------------------------
def test_closing_during_a_session_rates_saves_and_ends_the_process(tmp_path):
    """``biofeedback gui`` closed mid-session: Yes, the summary (rated 4, saved), then the
    process must exit, the session stopped and rated."""
    body = """
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox
        from biofeedback.ui import dialogs, main_window

        QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)

        def rate_and_save(self):  # the clinician answers the summary
            self.post.setValue(4)
            self._save()
            return 1

        dialogs.SummaryDialog.exec = rate_and_save
        dialogs.SummaryDialog.open = lambda self: self.show()
        made = main_window.MainWindow.__init__

        def init(self, *args, **kwargs):
            made(self, *args, **kwargs)
            QTimer.singleShot(300, self.session.start.click)

            def close_once_a_minute_is_recorded():  # however busy the machine is
                if self.model.t_s >= 60:
                    self.close()
                else:
                    QTimer.singleShot(100, close_once_a_minute_is_recorded)

            QTimer.singleShot(400, close_once_a_minute_is_recorded)

        main_window.MainWindow.__init__ = init
        from biofeedback.cli import main
        sys.exit(main(["gui", "--source", "sim:seed=8", "--speed", "20"]))
    """
    started = time.monotonic()
    try:
        run = run_window_script(body, tmp_path, [LAPTOP], timeout_s=40)
    except subprocess.TimeoutExpired:
        pytest.fail("the process kept running after its window closed")
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 30
    assert "Traceback" not in run.stderr
    (folder,) = sorted((tmp_path / "data" / "sessions").iterdir())
    record = read_session(folder)
    assert record.end_status == "stopped"
    assert record.meta.get("post_rating") == 4
    assert len(record.beats["rr_ms"]) > 30


# -- 20: theme switching restyles everything ------------------------------------------
@pytest.mark.parametrize("first,second", [(LIGHT, DARK), (DARK, LIGHT)])
def test_switching_theme_while_running_keeps_every_plot_readable(qtbot, make_window, first,
                                                                  second):
    prefs = dict(DEFAULTS) | {"theme": first.name}
    apply_theme(QApplication.instance(), first)
    window = make_window("sim:seed=6", speed=60, prefs=prefs)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.feedback.level >= 0, timeout=20000)
    window._toggle_theme()
    assert window.theme is second
    qtbot.wait(200)
    for plot in (window.hr_plot, window.coherence_plot, window.rmssd_plot, window.spectrum):
        img = pixels(plot.widget)
        h, w, _ = img.shape
        title, left_axis = img[: h // 8, w // 4: 3 * w // 4], img[h // 8: -h // 5, : w // 12]
        bottom_axis = img[-h // 6:, w // 8:]
        for area, what in ((title, "title"), (left_axis, "left axis"),
                           (bottom_axis, "bottom axis")):
            assert ink(area, second.panel) > 30, f"{type(plot).__name__}: {what} unreadable"
        background = img[1:4, 1:4]  # the corner, outside the axes
        assert np.abs(background - np.array(QColor(second.panel).getRgb()[:3])).max() < 60
    part_empty = [bar for bar in window.feedback.shares if bar.value() < 80]
    assert part_empty
    for bar in part_empty:
        img = pixels(bar)
        inside = img[img.shape[0] // 2, -8]  # the empty part of the bar, right of the text
        assert np.abs(inside - np.array(QColor(second.panel).getRgb()[:3])).max() < 40
    window.bridge.stop()


# -- 21 and issue 13: fits the screen, remembers its place -----------------------------
WINDOW_ON_SCREEN = """
    import json, sys
    from PySide6.QtWidgets import QApplication
    from biofeedback.ui.app import APPLICATION, ORGANISATION
    from biofeedback.ui.dialogs import DEFAULTS
    from biofeedback.ui.main_window import MainWindow
    from pathlib import Path

    app = QApplication([APPLICATION])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    window = MainWindow(Path(sys.argv[0] if False else "{root}"), dict(DEFAULTS), source="sim")
    window.show()
    app.processEvents()
    g, avail = window.frameGeometry(), window.screen().availableGeometry()
    {action}
    window.toggle_client_view()
    app.processEvents()
    c = window.client_view.geometry()
    m = window.minimumSizeHint()
    print(json.dumps({{"window": [g.x(), g.y(), g.width(), g.height()],
                      "minimum": [m.width(), m.height()],
                      "available": [avail.x(), avail.y(), avail.width(), avail.height()],
                      "client": [c.x(), c.y(), c.width(), c.height()]}}))
    window.client_view.close()
    window.close()
"""


def _rect_inside(inner: list[int], outer: list[int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


def test_the_window_fits_a_1366x768_laptop_and_remembers_its_place(tmp_path):
    first = run_window_script(WINDOW_ON_SCREEN.format(
        root=tmp_path / "data", action="window.setGeometry(40, 30, 1100, 650)"),
        tmp_path, [LAPTOP])
    assert first.returncode == 0, first.stderr
    opened = json.loads(first.stdout.splitlines()[-1])
    assert opened["available"] == [0, 0, 1366, 768]
    assert _rect_inside(opened["window"], opened["available"]), opened
    # room left for a desktop's panel and a title bar (about 70 px on common desktops)
    assert opened["minimum"][0] <= 1366 and opened["minimum"][1] <= 768 - 100, opened
    assert opened["client"] == [0, 0, 1366, 768]  # one screen: the client view fills it

    again = run_window_script(WINDOW_ON_SCREEN.format(root=tmp_path / "data", action=""),
                              tmp_path, [LAPTOP])
    assert again.returncode == 0, again.stderr
    reopened = json.loads(again.stdout.splitlines()[-1])["window"]
    assert reopened[2:] == pytest.approx([1100, 650], abs=8)  # frame geometry: plus the frame
    assert reopened[2:] != opened["window"][2:]


def test_the_client_view_fills_the_second_screen(tmp_path):
    run = run_window_script(WINDOW_ON_SCREEN.format(root=tmp_path / "data", action=""),
                            tmp_path, [LAPTOP, PROJECTOR])
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.splitlines()[-1])
    assert shown["client"] == [1366, 0, 1920, 1080]
    assert _rect_inside(shown["window"], [0, 0, 1366, 768])


# -- 22: Stop leaves the pacer still and the feedback idle -------------------------------
def test_after_stop_the_pacer_stands_still_and_the_feedback_is_idle(qtbot, make_window):
    window = make_window("sim:seed=7", speed=60)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.feedback.level >= 0, timeout=20000)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)  # Stop
    qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible(),
                    timeout=20000)
    assert window.model.pacer_state() is None
    assert window.feedback.level.text() == "—"
    assert "no session" in window.feedback.value.text()
    before = pixels(window.pacer)
    qtbot.wait(400)
    assert np.array_equal(before, pixels(window.pacer)), "the pacer still moves"
    assert window.pacer.frames > 0
    # the session's trends stay on screen for the clinician to read
    assert len(window.hr_plot.hr.getData()[0]) > 20
    assert window.model.t_s > 30
    assert window.hr_plot.widget.viewRange()[0][1] >= window.model.t_s - 1


# -- 23: replay: labels not clipped, speed box kept, a summary ---------------------------
def test_replay_labels_fit_the_bar_stays_and_a_summary_follows(qtbot, make_window):
    window = make_window(f"replay:{RECORDED}")
    qtbot.waitUntil(lambda: window.replay_bar.isVisible(), timeout=10000)
    window.replay_bar.speed.setValue(50)
    qtbot.waitUntil(lambda: len(window.model.hr) > 10, timeout=20000)
    status = window.device.status
    assert status.text().endswith(": connected"), status.text()
    assert status.fontMetrics().horizontalAdvance(status.text()) <= status.contentsRect().width()
    assert RECORDED.name in status.toolTip()
    window.replay_bar.position.setValue(window.replay_bar.position.maximum() - 20)
    window.replay_bar._seek()
    qtbot.waitUntil(lambda: window.summary is not None and window.summary.isVisible(),
                    timeout=30000)
    assert window.summary.heading.text() == "Replay ended"
    assert int(window.summary.values["Beats"].text()) > 500
    assert window.replay_bar.isVisible() and window.replay_bar.speed.isVisible()
    window.summary.close()
    window.replay_bar.position.setValue(300)
    window.replay_bar._seek()  # after the end: plays again from there
    qtbot.waitUntil(lambda: window.bridge.running and window.model.t_s >= 290, timeout=20000)
    window.bridge.stop()


def test_every_protocol_name_fits_its_box(qtbot, make_window):
    window = make_window("sim")
    box = window.session.protocol
    for i in range(box.count()):
        box.setCurrentIndex(i)
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, box)
        assert box.fontMetrics().horizontalAdvance(box.currentText()) <= field.width(), \
            box.currentText()
        assert len(box.itemData(i, Qt.ItemDataRole.ToolTipRole)) > len(box.currentText())


# -- 24: level-bar text, the heart-rate legend, empty plots ------------------------------
def test_the_heart_rate_legend_covers_no_data(qtbot, make_window):
    window = make_window("sim:seed=9", speed=60)
    qtbot.mouseClick(window.session.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.model.hr) > 60, timeout=20000)
    item = window.hr_plot.widget.getPlotItem()
    data_area = item.getViewBox().sceneBoundingRect()
    for child in item.scene().items():
        if isinstance(child, pg.LegendItem) and child.isVisible():
            assert not child.sceneBoundingRect().intersects(data_area)
    title = item.titleLabel.text
    assert "Heart rate" in title and "pacer" in title  # the legend's words, above the data
    window.bridge.stop()


def test_empty_plots_show_sensible_ranges_and_say_they_wait(qtbot, make_window):
    window = make_window("sim")
    qtbot.wait(100)
    (_, _), (lo, hi) = window.hr_plot.widget.viewRange()
    assert lo >= 30 and hi <= 200 and hi - lo >= 20
    assert window.rmssd_plot.widget.viewRange()[1][1] >= 50
    assert window.rmssd_plot.widget.viewRange()[0][1] >= 120
    assert window.spectrum.widget.viewRange()[1][1] >= 100
    for plot in (window.hr_plot, window.coherence_plot, window.rmssd_plot, window.spectrum):
        assert plot.note.isVisible() and plot.note.textItem.toPlainText()


# -- 25: the progress dialog -------------------------------------------------------------
def _progress(rmssd: list[float | None]) -> dict:
    rows = [{"start_time": f"2026-11-{10 + i:02d}T09:00:00+00:00", "protocol": "standard",
             "minutes": 15.0, "resting_rmssd_ms": r, "coherence": 1.5, "pre_rating": 6,
             "post_rating": 3} for i, r in enumerate(rmssd)]
    return {"sessions": rows, "resting_rmssd_slope_ms_per_session": -1e-13,
            "total_minutes": 15.0 * len(rows)}


@pytest.mark.parametrize("n", [1, 3])
def test_progress_headline_reads_as_words(qtbot, n):
    """'1 session' and a trend that rounds to zero is 'steady', never '-0.00' (items 29, 33)."""
    dialog = ProgressDialog("Anna Smith", _progress([22.4] * n))
    qtbot.addWidget(dialog)
    text = dialog.headline.text()
    assert text.startswith(f"{n} session{'' if n == 1 else 's'},")
    assert "steady" in text and "0.00" not in text


@pytest.mark.parametrize("n", [2, 3, 7, 40])
def test_progress_ticks_are_whole_sessions_and_a_flat_series_looks_flat(qtbot, n):
    dialog = ProgressDialog("Anna Smith", _progress([22.4] * n))
    qtbot.addWidget(dialog)
    dialog.show()
    rmssd_plot = dialog.plots[0]
    ticks = [v for level in rmssd_plot.getAxis("bottom")._tickLevels for v, _ in level]
    assert ticks and all(float(v).is_integer() and 1 <= v <= n for v in ticks)
    lo, hi = rmssd_plot.viewRange()[1]
    assert lo <= 0 and hi >= 22.4 * 1.1  # not a 22.0-22.9 axis that magnifies nothing


def test_progress_without_a_client_name_offers_the_clients(qtbot, make_window, tmp_path):
    from biofeedback.storage.library import Library

    with Library(tmp_path / "data") as library:
        library.client("Anna Smith")
        library.client("Ben Jones")
    window = make_window("sim")
    window._progress()
    qtbot.waitUntil(lambda: window.chooser is not None and window.chooser.isVisible(),
                    timeout=10000)
    names = [window.chooser.list.item(i).text() for i in range(window.chooser.list.count())]
    assert names == ["Anna Smith", "Ben Jones"]
    window.chooser.list.setCurrentRow(1)
    window.chooser._choose()
    qtbot.waitUntil(lambda: window.progress is not None and window.progress.isVisible(),
                    timeout=10000)
    assert "Ben Jones" in window.progress.windowTitle()


# -- 26: scan feedback, the banner's words, Sounds, data folder, the Open dialog ----------
def test_scan_without_bluetooth_says_so_in_window_words(qtbot, make_window, tmp_path,
                                                        monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no_bus")
    window = make_window("sim")
    window.device.kind.setCurrentIndex(1)
    qtbot.mouseClick(window.device.scan, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.device.scan.isEnabled(), timeout=15000)
    note = window.device.scan_note
    assert note.isVisible() and "Bluetooth is not available" in note.text()
    assert window.device.scan.text() == "Scan"
    for text in (note.text(), window.banner.text(), window.statusBar().currentMessage()):
        assert "--source" not in text
    assert window.banner.isVisible() and "simulated strap" in window.banner.text()
    assert window.use_sim.isVisible()


def test_the_startup_banner_speaks_to_a_window_user(qtbot, make_window, tmp_path,
                                                    monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no_bus")
    window = make_window(None)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15000)
    assert "--source" not in window.banner.text()
    assert "Use the simulated strap" in window.banner.text()


def test_unavailable_sounds_are_greyed_and_say_why(qtbot):
    dialog = SettingsDialog(dict(DEFAULTS), False)
    qtbot.addWidget(dialog)
    dialog.show()
    palette = dialog.sound.palette()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    active = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
    assert not dialog.sound.isEnabled() and disabled != active
    assert dialog.sound_reason.isVisible() and "Qt Multimedia" in dialog.sound_reason.text()


@pytest.mark.parametrize("origin", ["env", "setting", "default"])
def test_settings_show_the_data_folder_in_use_and_where_it_comes_from(qtbot, tmp_path,
                                                                      monkeypatch, origin):
    from biofeedback.storage.paths import data_dir

    prefs = dict(DEFAULTS)
    monkeypatch.delenv("BIOFEEDBACK_HOME", raising=False)
    if origin == "env":
        monkeypatch.setenv("BIOFEEDBACK_HOME", str(tmp_path / "home"))
    elif origin == "setting":
        prefs["data_dir"] = str(tmp_path / "chosen")
    root = data_dir(prefs["data_dir"] or None)
    dialog = SettingsDialog(prefs, True, data_root=root)
    qtbot.addWidget(dialog)
    shown = dialog.data_in_use.text()
    assert str(root) in shown
    assert {"env": "BIOFEEDBACK_HOME", "setting": "set here", "default": "default"}[origin] \
        in shown
    if origin != "default":
        assert "default" not in shown + dialog.data_dir.placeholderText()


def test_the_open_dialog_lists_sessions_by_client_date_and_length(qtbot, make_window,
                                                                  tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "BIOFEEDBACK_HOME": str(data)}
    for client, seconds in (("Anna Smith", "40"), ("Ben Jones", "20")):
        run = subprocess.run([sys.executable, "-m", "biofeedback", "record", "--source",
                              "sim:seed=1", "--duration", seconds, "--speed", "50",
                              "--client", client], env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
    window = make_window("sim")
    window._open_recording()
    qtbot.waitUntil(lambda: window.chooser is not None and window.chooser.isVisible(),
                    timeout=10000)
    table = window.chooser.table
    cells = [[table.item(r, c).text() for c in range(table.columnCount())]
             for r in range(table.rowCount())]
    assert [row[1] for row in cells] == ["Ben Jones", "Anna Smith"]  # newest first
    for row in cells:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[0])
    assert [float(row[2]) for row in cells] == pytest.approx([20 / 60, 40 / 60], abs=0.05)
    table.selectRow(1)
    window.chooser._choose()
    qtbot.waitUntil(lambda: window.replay_bar.isVisible(), timeout=10000)
    window.bridge.stop()


# -- 27: the summary has a heading and the protocol's outcome ----------------------------
def test_summary_has_a_heading_and_the_standard_protocols_rmssd_change(qtbot, tmp_path):
    import asyncio
    import io

    from biofeedback.app.replay import open_replay
    from biofeedback.commands.record import _print_summary
    from biofeedback.devices.source import PlaybackClock
    from biofeedback.training.runner import replay_runner

    runner = replay_runner(open_replay(str(RECORDED)), None, PlaybackClock(1000.0))
    result: SessionResult = asyncio.run(runner.run())
    outcome = result.summary.get("outcome") or {}
    assert outcome.get("baseline_rmssd_ms") is not None, "the recording is a standard one"
    cli = io.StringIO()
    _print_summary(result, cli)
    base, training = re.search(r"RMSSD baseline ([\d.]+) ms -> training ([\d.]+) ms",
                               cli.getvalue()).groups()
    dialog = SummaryDialog(result)
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == f"Session {result.end_status}"
    assert dialog.values["RMSSD baseline → training"].text() == f"{base} ms → {training} ms"
