"""The clinician's window: device, session controls, pacer, feedback, trends and spectrum.

It observes a :class:`~biofeedback.ui.model.LiveModel` fed by a
:class:`~biofeedback.ui.bridge.SessionBridge`, and sends commands (start, stop, marker,
pacer rate, replay controls) to the bridge. It computes nothing itself.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolBar,
)

from ..app.launch import SessionPlan
from ..signal import CoherenceParams, LiveParams
from ..training.feedback import CHALLENGE_THRESHOLDS
from ..types import DeviceEvent
from .bridge import Finished, SessionBridge, Started
from .client_view import ClientView
from .dialogs import (
    SettingsDialog,
    SummaryDialog,
    save_preferences,
)
from .layout import arrange
from .library_dialogs import LibraryDialogs
from .model import LiveModel
from .placement import GEOMETRY_KEY, fit_to_screen
from .replay_bar import ReplayBar
from .sharing import install_sharing
from .sound import AVAILABLE as SOUND_AVAILABLE
from .sound import Sounds
from .theme import THEMES, apply_theme
from .widgets.pacer import PacerWidget
from .widgets.panels import DevicePanel, FeedbackPanel, SessionPanel
from .widgets.plots import CoherencePlot, HeartRatePlot, RmssdPlot, SpectrumPlot

REFRESH_MS = 33  # at most ~30 redraws of plots and panels a second
#: The command-line hint in the strap's messages, and what a window user reads instead.
CLI_HINT = re.compile(r";?\s*use --source sim\b[^;]*")
WINDOW_HINT = " — press “Use the simulated strap” to practise without one"


def for_window(message: str) -> str:
    """A strap message worded for the window (the button, not a command-line option)."""
    return CLI_HINT.sub(WINDOW_HINT, message) if CLI_HINT.search(message) else message


#: How long closing the window waits for a running session to stop and be saved.
CLOSE_WAIT_S = 60.0


class MainWindow(LibraryDialogs):
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
        self.setCentralWidget(arrange(self))
        self._show_banner("")
        self._build_toolbar()
        self.sharing = install_sharing(self, root)  # clients, share, dropped bundles
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
                                     ("Review beats…", "Ctrl+R", self._review_beats),
                                     ("Settings…", "Ctrl+,", self._settings),
                                     ("Dark/light", "Ctrl+T", self._toggle_theme)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            bar.addAction(action)

    def fit_to_screen(self) -> None:
        fit_to_screen(self)

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

    def _review_beats(self) -> None:
        """A session of the library to review beat by beat (ui/review.py)."""
        from .review import choose_and_review

        self.review_chooser = choose_and_review(self.root, self)

    def _scan(self) -> None:
        self.statusBar().showMessage("Scanning for heart-rate straps…")
        self.device.scanning()
        self.bridge.scan(5.0)

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
        # The session's end (summary, saving, indexing) can take seconds on a busy machine:
        # its `finished` signal is handled as soon as it comes, so the summary asks the rating.
        deadline = time.monotonic() + CLOSE_WAIT_S
        while self.bridge.running and time.monotonic() < deadline:
            self.bridge.wait(0.05)
            QApplication.processEvents()
        QApplication.processEvents()
        self.bridge.shutdown()
        for window in (self.client_view, self.summary, self.assessment, self.progress,
                       self.chooser):
            if window is not None:
                window.close()
        event.accept()
        self.closed.emit()
