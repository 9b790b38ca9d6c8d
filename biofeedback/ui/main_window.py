"""The clinician's window: device, session controls, pacer, feedback, trends and spectrum.

It observes a :class:`~biofeedback.ui.model.LiveModel` fed by a
:class:`~biofeedback.ui.bridge.SessionBridge`, and sends commands (start, stop, marker,
pacer rate, replay controls) to the bridge. It computes nothing itself.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..signal import CoherenceParams, LiveParams
from ..training.feedback import CHALLENGE_THRESHOLDS
from ..training.launch import SessionPlan
from ..types import DeviceEvent
from .bridge import Assessed, Finished, SessionBridge, Started
from .client_view import ClientView
from .dialogs import (
    AssessmentDialog,
    ClientChooser,
    ProgressDialog,
    SessionChooser,
    SettingsDialog,
    SummaryDialog,
    save_preferences,
)
from .model import LiveModel
from .sound import AVAILABLE as SOUND_AVAILABLE
from .sound import Sounds
from .theme import THEMES, apply_theme
from .widgets.pacer import PacerWidget
from .widgets.panels import DevicePanel, FeedbackPanel, SessionPanel
from .widgets.plots import CoherencePlot, HeartRatePlot, RmssdPlot, SpectrumPlot

REFRESH_MS = 33  # at most ~30 redraws of plots and panels a second
GEOMETRY_KEY = "window/geometry"  # QSettings: the window's last size and place
DEFAULT_SIZE = QSize(1440, 900)
#: Room left for the window manager's frame and title bar, which Qt cannot know before
#: the window is shown.
FRAME_ALLOWANCE = QSize(16, 40)
#: The command-line hint in the strap's messages, and what a window user reads instead.
CLI_HINT = re.compile(r";?\s*use --source sim\b[^;]*")
WINDOW_HINT = " — press “Use the simulated strap” to practise without one"


def for_window(message: str) -> str:
    """A strap message worded for the window (the button, not a command-line option)."""
    return CLI_HINT.sub(WINDOW_HINT, message) if CLI_HINT.search(message) else message


def fitted_geometry(available: QRect, saved: QRect | None, minimum: QSize) -> QRect:
    """Where the window goes: the saved place when it still lies within ``available``,
    else the default size shrunk to ``available`` (less the frame) and centred on it."""
    if saved is not None and saved.isValid() and available.contains(saved):
        return saved
    room = available.size() - FRAME_ALLOWANCE
    size = DEFAULT_SIZE.boundedTo(room).expandedTo(minimum)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    rect.moveTop(max(rect.top(), available.top() + FRAME_ALLOWANCE.height() // 2))
    return rect


class ReplayBar(QWidget):
    """Play/pause, speed (1-50x) and position of a replay."""

    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.play = QPushButton("Pause")
        self.play.setCheckable(True)
        self.play.toggled.connect(self._toggled)
        self.speed = QDoubleSpinBox()
        self.speed.setToolTip("replay speed")
        self.speed.setRange(1.0, 50.0)
        self.speed.setSuffix(" ×")
        self.speed.valueChanged.connect(bridge.set_speed)
        self.position = QSlider(Qt.Orientation.Horizontal)
        self.position.sliderReleased.connect(self._seek)
        self.label = QLabel("00:00")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Replay"))
        layout.addWidget(self.play)
        layout.addWidget(self.speed)
        layout.addWidget(self.position, 1)
        layout.addWidget(self.label)

    def begin(self, duration_s: float, speed: float, paused: bool) -> None:
        self.position.setRange(0, max(int(duration_s), 1))
        for widget, set_value in ((self.speed, lambda: self.speed.setValue(speed)),
                                  (self.play, lambda: self.play.setChecked(paused))):
            widget.blockSignals(True)
            set_value()
            widget.blockSignals(False)
        self.play.setText("Play" if paused else "Pause")

    def _toggled(self, paused: bool) -> None:
        self.play.setText("Play" if paused else "Pause")
        if not paused and not self.bridge.running:  # ended: play again from the start
            self.bridge.seek(0.0)
            return
        self.bridge.pause(paused)

    def ended(self, duration_s: float) -> None:
        """The replay reached its end: the bar stays, ready to play again or seek back."""
        self.play.blockSignals(True)
        self.play.setChecked(True)
        self.play.blockSignals(False)
        self.play.setText("Play")
        self.show_time(duration_s)

    def _seek(self) -> None:
        self.bridge.seek(float(self.position.value()))

    def show_time(self, t_s: float) -> None:
        if not self.position.isSliderDown():
            self.position.setValue(int(t_s))
        minutes, seconds = divmod(int(t_s), 60)
        self.label.setText(f"{minutes:02d}:{seconds:02d}")


class MainWindow(QMainWindow):
    closed = Signal()  # the window has closed for good: the application ends

    def __init__(self, root: Path, prefs: dict, source: str | None = None,
                 speed: float = 1.0) -> None:
        super().__init__()
        self.setWindowTitle("Biofeedback")
        self.root = root
        self.prefs = prefs
        self.theme = THEMES[prefs["theme"]]
        self.model = LiveModel()
        self.bridge = SessionBridge(root)
        self.sounds = Sounds()
        self.sounds.enabled = prefs["sound"]
        self.client_view: ClientView | None = None
        self.summary: SummaryDialog | None = None
        self._last_refresh = 0.0
        self._refresh_pending = False
        self._last_stage = ""
        self._last_level = -1
        self._closing = False  # the window is closing: no dialog opens any more
        self._rate_on_close = False  # ...but the session it stopped gets its summary
        self._live = False  # the running session is a live one (not a replay)
        self.shown_at: float | None = None  # perf_counter when first shown (benchmarks)

        self.device = DevicePanel(self.model)
        self.session = SessionPanel(self.model)
        self.session.speed = speed
        self.pacer = PacerWidget(self.model, self.theme)
        self.feedback = FeedbackPanel(self.model, theme=self.theme)
        self.hr_plot = HeartRatePlot(self.model, self.theme)
        self.coherence_plot = CoherencePlot(self.model, self.theme, prefs["challenge"])
        self.rmssd_plot = RmssdPlot(self.model, self.theme)
        self.spectrum = SpectrumPlot(self.model, self.theme)
        self.replay_bar = ReplayBar(self.bridge)
        self.replay_bar.setVisible(False)
        self.banner = QLabel("")
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet("background: #E69F00; color: black; padding: 8px; "
                                  "font-weight: bold; font-size: 15px;")
        self.use_sim = QPushButton("Use the simulated strap")
        self.use_sim.clicked.connect(self._use_simulated)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.use_sim)
        self._show_banner("")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.device)
        left_layout.addWidget(self.session)
        left_layout.addStretch(1)
        # Scrolls rather than forcing its height on the window (a 1366×768 laptop).
        left_scroll = QScrollArea()
        left_scroll.setWidget(left)
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left_scroll.setFixedWidth(340)
        # The controls take the full height on the left, so Start stays in view on a
        # 1366×768 laptop; the pacer and the feedback on top, the plots below them.
        self.feedback.setFixedWidth(340)
        top = QHBoxLayout()
        top.addWidget(self.pacer, 3)
        top.addWidget(self.feedback)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.coherence_plot.widget)
        bottom.addWidget(self.rmssd_plot.widget)
        bottom.addWidget(self.spectrum.widget)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.hr_plot.widget)
        plots.addWidget(bottom)
        display = QVBoxLayout()
        display.addLayout(top, 5)
        display.addWidget(plots, 6)
        columns = QHBoxLayout()
        columns.addWidget(left_scroll)
        columns.addLayout(display, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(banner_row)
        layout.addLayout(columns, 1)
        layout.addWidget(self.replay_bar)
        self.setCentralWidget(central)
        self._build_toolbar()
        self.statusBar().showMessage("Ready: choose a strap and press Start.")

        self.device.scan_requested.connect(self._scan)
        self.device.replay_requested.connect(self._open_recording)
        self.session.start_requested.connect(self._start)
        self.session.stop_requested.connect(self.bridge.stop)
        self.session.marker_requested.connect(self.bridge.marker)
        self.session.rate_changed.connect(self.bridge.set_rate)
        self.bridge.update.connect(self.model.on_update)
        self.bridge.ticked.connect(self.model.on_tick)
        self.bridge.pacer_changed.connect(self.model.on_pacer)
        self.bridge.device_event.connect(self._on_event)
        self.bridge.started.connect(self._on_started)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.failed.connect(self._on_failed)
        self.bridge.scanned.connect(self._on_scanned)
        self.bridge.assessed.connect(self._on_assessed)
        self.bridge.progressed.connect(self._on_progress)
        self.bridge.clients_listed.connect(self._choose_client)
        self.bridge.sessions_listed.connect(self._choose_session)
        self.assessment: AssessmentDialog | None = None
        self.progress: ProgressDialog | None = None
        self.chooser: ClientChooser | SessionChooser | None = None
        self.model.changed.connect(self._schedule_refresh)
        self.model.banner_changed.connect(self._show_banner)
        self._cue_timer = QTimer(self)
        self._cue_timer.timeout.connect(self._cue)
        self._cue_timer.start(50)
        self._startup_scan = source is None
        if source is None:  # is there Bluetooth, and a strap? Say once if not.
            QTimer.singleShot(0, self._scan)
        elif source.startswith("replay:"):
            QTimer.singleShot(0, lambda: self.start_replay(source[len("replay:"):]))
        else:
            self.device.preset(source)
        self.fit_to_screen()

    # -- building ---------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setMovable(False)
        self.addToolBar(bar)
        for text, shortcut, slot in (("Client view", "F11", self.toggle_client_view),
                                     ("Open recording…", "Ctrl+O", self._open_recording),
                                     ("Progress…", "Ctrl+P", self._progress),
                                     ("Settings…", "Ctrl+,", self._settings),
                                     ("Dark/light", "Ctrl+T", self._toggle_theme)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            bar.addAction(action)

    def fit_to_screen(self) -> None:
        """Open where the window was last left (QSettings), if that still fits the screen;
        otherwise as large as the default allows within the available area."""
        screen = self.screen() or QApplication.primaryScreen()
        saved = QRect()
        data = QSettings().value(GEOMETRY_KEY)
        if data is not None and self.restoreGeometry(data):
            saved = self.geometry()
            screen = QApplication.screenAt(saved.center()) or screen
        minimum = self.minimumSizeHint()
        self.setGeometry(fitted_geometry(screen.availableGeometry(),
                                         saved if data is not None else None, minimum))

    # -- commands -----------------------------------------------------------------------
    def _plan(self) -> SessionPlan:
        live = LiveParams(rmssd_window_s=float(self.prefs["rmssd_window_s"]),
                          coherence=CoherenceParams(
                              window_s=float(self.prefs["coherence_window_s"])))
        return replace(self.session.plan(self.device.source_spec()),
                       challenge=self.prefs["challenge"], live=live)

    def _start(self) -> None:
        if self.bridge.running:
            return
        self.statusBar().showMessage("Connecting…")
        self.session.start.setEnabled(False)
        self.bridge.start_session(self._plan())

    def start_replay(self, path: str, speed: float = 10.0) -> None:
        if self.bridge.running:
            QMessageBox.information(self, "Replay", "Stop the running session first.")
            return
        self.bridge.start_replay(path, speed)

    def _open_recording(self) -> None:
        """The library's sessions (client, date, length) to replay; any RR file too."""
        self.bridge.list_sessions()

    def _choose_session(self, rows: list) -> None:
        self.chooser = SessionChooser(rows, self)
        self.chooser.chosen.connect(self.start_replay)
        self.chooser.other_file.connect(self._open_file)
        self.chooser.open()

    def _open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a recording", str(self.root / "sessions"),
            "Session (session.json);;RR files (*.csv *.txt *.hrm);;All files (*)")
        if path:
            self.start_replay(str(Path(path).parent) if path.endswith("session.json") else path)

    def _scan(self) -> None:
        self.statusBar().showMessage("Scanning for heart-rate straps…")
        self.device.scanning()
        self.bridge.scan(5.0)

    def _progress(self) -> None:
        client = self.session.client.text().strip()
        if client:
            self.bridge.load_progress(client)
        else:  # which client? the library knows them
            self.bridge.list_clients()

    def _choose_client(self, names: list) -> None:
        if not names:
            self.statusBar().showMessage("No clients yet: enter a client name when you "
                                         "start a session.")
            return
        self.chooser = ClientChooser(names, self)
        self.chooser.chosen.connect(self.bridge.load_progress)
        self.chooser.open()

    def _on_progress(self, loaded: tuple) -> None:
        if self._closing:
            return
        client, progress = loaded
        self.progress = ProgressDialog(client, progress, self)
        self.progress.open()

    def _on_assessed(self, a: Assessed) -> None:
        if self._closing:
            return
        self.assessment = AssessmentDialog(a, self)
        rate = a.assessment.recommended_bpm

        def save(value: float) -> None:
            self.bridge.save_resonance(a.client, value)
            self.session.rate.setValue(value)
            self.statusBar().showMessage(f"{a.client}'s resonance rate: {value:g}/min")

        self.assessment.save_requested.connect(save)
        self.assessment.open()
        if math.isfinite(rate):
            self.statusBar().showMessage(f"Resonance assessment: {rate:g} breaths/min")

    def _use_simulated(self) -> None:
        self.device.use_simulated()
        self._show_banner("")
        self.statusBar().showMessage("Simulated strap selected: press Start.")

    def toggle_client_view(self) -> None:
        if self.client_view is not None and self.client_view.isVisible():
            self.client_view.close()
            return
        self.client_view = ClientView(self.model, self.theme)
        mine = self.screen()
        others = [s for s in QApplication.screens() if s is not mine]
        screen = others[0] if others else mine  # the client's, if there is a second one
        self.client_view.setScreen(screen)
        # Sized first: without a window manager (kiosks, Xvfb) full screen alone does not.
        self.client_view.setGeometry(screen.geometry())
        self.client_view.showFullScreen()

    def _settings(self) -> None:
        dialog = SettingsDialog(self.prefs, SOUND_AVAILABLE, self, data_root=self.root)
        if dialog.exec():
            self.prefs = dialog.preferences()
            save_preferences(self.prefs)
            self.sounds.enabled = self.prefs["sound"]
            self.coherence_plot.set_thresholds(CHALLENGE_THRESHOLDS[self.prefs["challenge"]])
            self._set_theme(self.prefs["theme"])

    def _toggle_theme(self) -> None:
        self.prefs["theme"] = "dark" if self.theme.name == "light" else "light"
        save_preferences(self.prefs)
        self._set_theme(self.prefs["theme"])

    def _set_theme(self, name: str) -> None:
        self.theme = THEMES[name]
        apply_theme(QApplication.instance(), self.theme)
        for view in (self.pacer, self.feedback, self.hr_plot, self.spectrum,
                     self.coherence_plot, self.rmssd_plot):
            view.set_theme(self.theme)
        if self.client_view is not None:
            self.client_view.set_theme(self.theme)

    # -- what the bridge reports ----------------------------------------------------------
    def _on_started(self, s: Started) -> None:
        self.model.attach(s)
        self._live = not s.replay
        self.coherence_plot.set_thresholds(s.settings.level_thresholds())
        self.session.set_running(True)
        self.session.start.setEnabled(True)
        self.replay_bar.setVisible(s.replay)
        self.session.setVisible(not s.replay)
        if s.replay:
            self.replay_bar.begin(s.device.get("duration_s", 0.0), s.speed, s.paused)
            self.statusBar().showMessage(f"Replaying {s.device.get('address')}")
        else:
            self.statusBar().showMessage(f"Recording into {s.folder}")

    def _on_event(self, e: DeviceEvent) -> None:
        self.model.on_event(e)
        if e.kind == "marker":
            self.statusBar().showMessage(f"Marker at {e.t_s:.0f} s {e.value}".rstrip())

    def _on_finished(self, f: Finished) -> None:
        self.model.detach()
        self._live = False
        self.session.set_running(False)
        self.session.start.setEnabled(True)
        self.session.setVisible(True)
        self._refresh()
        if f.folder is None:
            self.replay_bar.ended(self.model.now_s())
            self.statusBar().showMessage("Replay ended.")
            if not self._closing:
                self.summary = SummaryDialog(f.result, self, replay=True)
                self.summary.open()
            return
        self.statusBar().showMessage(f"Saved {f.folder}")
        self.summary = SummaryDialog(f.result, self)
        self.summary.rated.connect(
            lambda value: self.bridge.rate_session(f.folder, post_rating=value))
        if not self._closing:
            self.summary.open()
        elif self._rate_on_close:  # asked before the window goes, while it can be answered
            self._rate_on_close = False
            self.summary.exec()

    def _on_failed(self, message: str) -> None:
        message = for_window(message)
        self.session.start.setEnabled(True)
        self.device.scan_done(message if self.device.is_scanning else "")
        self.statusBar().showMessage(message)
        if self._startup_scan:  # no Bluetooth here: say it once, stay on the simulation
            self.device.use_simulated()
        self._startup_scan = False
        self._show_banner(message, offer_sim=True)

    def _on_scanned(self, straps: list) -> None:
        self.device.scan_done(f"{len(straps)} strap(s) found" if straps else
                              "no strap heard: wear it and scan again")
        self.device.show_straps(straps)
        startup, self._startup_scan = self._startup_scan, False
        if straps:
            self.device.kind.setCurrentIndex(1)
            self.statusBar().showMessage(f"{len(straps)} strap(s) found")
        elif not startup:
            self._show_banner("No heart-rate strap heard: wear it (straps advertise only with "
                              "skin contact) and close any app connected to it.", offer_sim=True)

    def _show_banner(self, text: str, offer_sim: bool = False) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.use_sim.setVisible(bool(text) and offer_sim)

    # -- drawing ------------------------------------------------------------------------
    def _schedule_refresh(self) -> None:
        if self._refresh_pending:
            return
        self._refresh_pending = True
        wait = REFRESH_MS - (time.perf_counter() - self._last_refresh) * 1000
        QTimer.singleShot(max(0, int(wait)), self._refresh)

    def _refresh(self) -> None:
        self._refresh_pending = False
        self._last_refresh = time.perf_counter()
        for view in (self.hr_plot, self.coherence_plot, self.rmssd_plot, self.spectrum,
                     self.feedback, self.device, self.session):
            view.refresh()
        if self.replay_bar.isVisible():
            self.replay_bar.show_time(self.model.now_s())
        level = self.model.feedback.level
        if level != self._last_level and level >= 0 and self._last_level >= 0:
            self.sounds.play("chime")
        self._last_level = level

    def _cue(self) -> None:
        state = self.model.pacer_state()
        stage = state.stage if state else ""
        if stage != self._last_stage and stage in ("inhale", "exhale"):
            self.sounds.play(stage)
        self._last_stage = stage

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.shown_at is None:
            self.shown_at = time.perf_counter()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Ask before ending a live session; then stop it, show its summary (modal, so
        the rating can still be given), stop the worker thread and end the application."""
        if self._closing:
            event.accept()
            return
        if self.bridge.running and self._live and not self.bridge.stopping:
            answer = QMessageBox.question(
                self, "Session running",
                "A session is running. Stop it and save what was recorded?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self._rate_on_close = True
        self._closing = True
        QSettings().setValue(GEOMETRY_KEY, self.saveGeometry())
        self.bridge.stop()
        self.bridge.wait()
        QApplication.processEvents()  # the session's end: its summary asks the rating
        self.bridge.shutdown()
        for window in (self.client_view, self.summary, self.assessment, self.progress,
                       self.chooser):
            if window is not None:
                window.close()
        event.accept()
        self.closed.emit()
