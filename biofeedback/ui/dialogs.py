"""The end-of-session summary (with the after-session stress rating) and the settings."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..signal.coherence import LEVEL_NAMES


def _num(value: Any, fmt: str, unit: str = "") -> str:
    return "—" if value is None else f"{value:{fmt}}{unit}"


class SummaryDialog(QDialog):
    """What the session achieved; asks the stress rating after it."""

    rated = Signal(int)

    def __init__(self, result, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Session summary")
        s = result.summary
        rows = [("Ended", result.end_status + (f" ({result.error})" if result.error else "")),
                ("Beats", str(s.get("n_beats", 0))),
                ("Mean heart rate", _num(s.get("mean_hr_bpm"), ".1f", " bpm")),
                ("RMSSD", _num(s.get("rmssd_ms"), ".1f", " ms")),
                ("Coherence", _num(s.get("coherence_ratio"), ".2f")),
                ("Achievement", str(s.get("achievement", 0))),
                ("Data quality", (s.get("quality_grade") or "–").replace("_", " ")
                 + (f" ({s['quality_reason']})" if s.get("quality_reason") else "")
                 + (f", {s['artifacts_pct']:.1f} % artifacts"
                    if s.get("artifacts_pct") is not None else ""))]
        rows += [(f"Time in {name}", _num(s.get(f"time_{name}_pct"), ".0f", " %"))
                 for name in LEVEL_NAMES]
        if s.get("breathing_bpm") is not None:
            rows.append(("Breathing", _num(s["breathing_bpm"], ".1f", " /min")))
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, text in rows:
            label = QLabel(text)
            self.values[name] = label
            form.addRow(name, label)
        self.post = QSpinBox()
        self.post.setRange(-1, 10)
        self.post.setSpecialValueText("not asked")
        self.post.setValue(-1)
        form.addRow("Stress now (0-10)", self.post)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _save(self) -> None:
        if self.post.value() >= 0:
            self.rated.emit(self.post.value())
        self.accept()


#: Preferences kept by Qt (QSettings), with their defaults.
DEFAULTS: dict[str, Any] = {"challenge": 1, "theme": "light", "sound": False,
                            "rmssd_window_s": 60, "coherence_window_s": 64, "data_dir": ""}


def load_preferences() -> dict[str, Any]:
    q = QSettings()
    return {k: type(v)(q.value(k, v)) if not isinstance(v, bool)
            else q.value(k, v) in (True, "true") for k, v in DEFAULTS.items()}


def save_preferences(prefs: dict[str, Any]) -> None:
    q = QSettings()
    for k, v in prefs.items():
        q.setValue(k, v)


class SettingsDialog(QDialog):
    """Challenge level, analysis windows, sounds, theme and data folder."""

    def __init__(self, prefs: dict[str, Any], sound_available: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.challenge = QComboBox()
        for level in (1, 2, 3, 4):
            self.challenge.addItem(f"level {level}" + (" (easiest)" if level == 1 else ""),
                                   level)
        self.challenge.setCurrentIndex(prefs["challenge"] - 1)
        self.rmssd = QSpinBox()
        self.rmssd.setRange(30, 300)
        self.rmssd.setSuffix(" s")
        self.rmssd.setValue(prefs["rmssd_window_s"])
        self.coherence = QSpinBox()
        self.coherence.setRange(32, 128)
        self.coherence.setSuffix(" s")
        self.coherence.setValue(prefs["coherence_window_s"])
        self.sound = QCheckBox("breathing cue and level chimes")
        self.sound.setChecked(prefs["sound"] and sound_available)
        self.sound.setEnabled(sound_available)
        if not sound_available:
            self.sound.setToolTip("needs Qt Multimedia: pip install 'biofeedback[sound]'")
        self.theme = QComboBox()
        self.theme.addItems(["light", "dark"])
        self.theme.setCurrentText(prefs["theme"])
        self.data_dir = QLineEdit(prefs["data_dir"])
        self.data_dir.setPlaceholderText("default (the user data folder)")
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.data_dir, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Challenge", self.challenge)
        form.addRow("RMSSD window", self.rmssd)
        form.addRow("Coherence window", self.coherence)
        form.addRow("Sounds", self.sound)
        form.addRow("Theme", self.theme)
        form.addRow("Data folder", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Analysis windows apply from the next session; the data "
                                "folder from the next start."))
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def preferences(self) -> dict[str, Any]:
        return {"challenge": self.challenge.currentData(), "theme": self.theme.currentText(),
                "sound": self.sound.isChecked(), "rmssd_window_s": self.rmssd.value(),
                "coherence_window_s": self.coherence.value(),
                "data_dir": self.data_dir.text().strip()}


def _sentence(line: str) -> str:
    line = line.strip()
    return line[:1].upper() + line[1:]


class AssessmentDialog(QDialog):
    """The resonance assessment's table and recommendation; saves it to the client."""

    save_requested = Signal(float)

    def __init__(self, assessed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        a = assessed.assessment
        self.setWindowTitle("Resonance-frequency assessment")
        layout = QVBoxLayout(self)
        first, *details = a.verdict_lines(command=False)
        self.verdict = QLabel(_sentence(first))
        font = self.verdict.font()
        font.setPixelSize(20)
        font.setBold(True)
        self.verdict.setFont(font)
        layout.addWidget(self.verdict)
        # Ties, why it is not reliable, and the rates to test next.
        self.details = QLabel("\n".join(_sentence(line) for line in details))
        self.details.setWordWrap(True)
        self.details.setVisible(bool(details))
        layout.addWidget(self.details)
        if a.kind == "stepped":
            columns = (("rate_bpm", "rate /min", ".2f"), ("amplitude_bpm", "HR swing bpm", ".1f"),
                       ("lf_ms2", "LF ms²", ".0f"), ("lf_peak_ms2", "LF peak ms²", ".0f"),
                       ("coherence", "coherence", ".2f"), ("phase_deg", "phase °", ".0f"),
                       ("lf_peaks", "LF peaks", "d"), ("score", "score", ".2f"))
            self.table = QTableWidget(len(a.rates), len(columns))
            self.table.setHorizontalHeaderLabels([c[1] for c in columns])
            for i, row in enumerate(a.rates):
                for j, (key, _, fmt) in enumerate(columns):
                    self.table.setItem(i, j, QTableWidgetItem(format(row[key], fmt)))
            self.table.resizeColumnsToContents()
            layout.addWidget(self.table)
        self.save = QPushButton(f"Save as {assessed.client}'s resonance rate" if assessed.client
                                else "Save (enter a client name first)")
        self.save.setEnabled(bool(assessed.client) and math.isfinite(a.recommended_bpm))
        self.save.clicked.connect(lambda: (self.save_requested.emit(a.recommended_bpm),
                                           self.accept()))
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.save)
        row.addWidget(close)
        layout.addLayout(row)


class ProgressDialog(QDialog):
    """A client's sessions: resting RMSSD, coherence, minutes, stress before/after."""

    def __init__(self, client: str, progress: dict | None, parent: QWidget | None = None):
        super().__init__(parent)
        import pyqtgraph as pg

        self.setWindowTitle(f"Progress — {client}")
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        if not progress:
            layout.addWidget(QLabel(f"No sessions of {client} yet."))
            return
        rows = progress["sessions"]
        slope = progress["resting_rmssd_slope_ms_per_session"]
        layout.addWidget(QLabel(
            f"{len(rows)} sessions, {progress['total_minutes']:.0f} min practised"
            + ("" if slope is None else f"; resting RMSSD {slope:+.2f} ms per session")))
        plots = QHBoxLayout()
        n = list(range(1, len(rows) + 1))
        for key, title in (("resting_rmssd_ms", "Resting RMSSD (ms)"),
                           ("coherence", "Coherence while paced")):
            w = pg.PlotWidget(title=title)
            known = [(i, r[key]) for i, r in zip(n, rows, strict=True) if r[key] is not None]
            if known:
                x, y = zip(*known, strict=True)
                w.plot(list(x), list(y), symbol="o", pen=pg.mkPen("#0072B2", width=2))
            w.setLabel("bottom", "session")
            plots.addWidget(w)
        layout.addLayout(plots)
        headers = ("date", "protocol", "minutes", "resting RMSSD", "coherence", "stress before",
                   "after")
        self.table = QTableWidget(len(rows), len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for i, r in enumerate(rows):
            cells = (r["start_time"][:10], r["protocol"], f"{r['minutes']:.1f}",
                     _num(r["resting_rmssd_ms"], ".1f"), _num(r["coherence"], ".2f"),
                     _num(r["pre_rating"], "d"), _num(r["post_rating"], "d"))
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
