"""The end-of-session summary (with the after-session stress rating) and the settings."""

from __future__ import annotations

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
                ("Achievement", str(s.get("achievement", 0)))]
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
        layout.addWidget(QLabel("Analysis windows apply from the next session."))
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
