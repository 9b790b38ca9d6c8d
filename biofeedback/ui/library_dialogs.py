"""The window's library dialogs: choosing a recording to replay, a client's progress, and a
finished resonance assessment. A part of :class:`~biofeedback.ui.main_window.MainWindow`
(its ``bridge``, ``session`` panel and status bar), kept apart because it only asks the
library through the bridge and shows what comes back."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow

from .bridge import Assessed, SessionBridge
from .choosers import ClientChooser, SessionChooser
from .dialogs import AssessmentDialog, ProgressDialog
from .widgets.panels import SessionPanel


class LibraryDialogs(QMainWindow):
    """The library's dialogs of the main window (mixed into it; not shown on its own)."""

    assessment: AssessmentDialog | None = None
    progress: ProgressDialog | None = None
    chooser: ClientChooser | SessionChooser | None = None
    # What the window provides.
    bridge: SessionBridge
    root: Path
    session: SessionPanel
    _closing: bool

    def start_replay(self, path: str, speed: float = 10.0) -> None:
        raise NotImplementedError  # the window's

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
