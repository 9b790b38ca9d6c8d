"""The end-of-session summary (with the after-session stress rating) and the settings."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
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

from ..reports.wording import rmssd_trend
from ..storage.paths import data_dir
from ..training.feedback import LEVEL_NAMES


def format_number(value: Any, fmt: str, unit: str = "") -> str:
    return "—" if value is None else f"{value:{fmt}}{unit}"


def _heading(text: str, size_px: int = 20) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPixelSize(size_px)
    font.setBold(True)
    label.setFont(font)
    return label


class SummaryDialog(QDialog):
    """What the session achieved; asks the stress rating after it."""

    rated = Signal(int)

    def __init__(self, result, parent: QWidget | None = None, replay: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Replay summary" if replay else "Session summary")
        s = result.summary
        self.heading = _heading(("Replay " if replay else "Session ")
                                + ("ended" if replay else result.end_status))
        rows = [("Ended", result.end_status + (f" ({result.error})" if result.error else "")),
                ("Beats", str(s.get("n_beats", 0))),
                ("Mean heart rate", format_number(s.get("mean_hr_bpm"), ".1f", " bpm")),
                ("RMSSD", format_number(s.get("rmssd_ms"), ".1f", " ms")),
                ("Coherence", format_number(s.get("coherence_ratio"), ".2f")),
                ("Achievement", str(s.get("achievement", 0))),
                ("Data quality", (s.get("quality_grade") or "–").replace("_", " ")
                 + (f" ({s['quality_reason']})" if s.get("quality_reason") else "")
                 + (f", {s['artifacts_pct']:.1f} % artifacts"
                    if s.get("artifacts_pct") is not None else ""))]
        rows += [(f"Time in {name}", format_number(s.get(f"time_{name}_pct"), ".0f", " %"))
                 for name in LEVEL_NAMES]
        o = s.get("outcome") or {}  # the standard protocol's figures, as the CLI and PDF
        if o.get("baseline_rmssd_ms") is not None and o.get("training_rmssd_ms") is not None:
            rows.append(("RMSSD baseline → training",
                         f"{o['baseline_rmssd_ms']:.1f} ms → {o['training_rmssd_ms']:.1f} ms"))
            rows.append(("Heart-rate oscillation / pacer",
                         f"{format_number(o.get('hr_peak_bpm'), '.1f', '/min')} / "
                         f"{format_number(o.get('pacer_bpm'), '.1f', '/min')}"))
        if s.get("breathing_bpm") is not None:
            rows.append(("Breathing", format_number(s["breathing_bpm"], ".1f", " /min")))
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
        self.post.setMinimumWidth(self.post.sizeHint().width() + 24)  # "not asked" whole
        if not replay:
            form.addRow("Stress now (0-10)", self.post)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close if replay
                                   else QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
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


def data_dir_origin(root: Path, configured: str) -> str:
    """Where the data folder in use comes from, in the order ``biofeedback gui`` applies
    them (``--data-dir``, this setting, ``BIOFEEDBACK_HOME``, the platform's default)."""
    if configured and data_dir(configured) == root:
        return "set here"
    if os.environ.get("BIOFEEDBACK_HOME") and data_dir() == root and not configured:
        return "from BIOFEEDBACK_HOME"
    if data_dir() == root and not configured:
        return "the default user data folder"
    return "from --data-dir"


def save_preferences(prefs: dict[str, Any]) -> None:
    q = QSettings()
    for k, v in prefs.items():
        q.setValue(k, v)


class SettingsDialog(QDialog):
    """Challenge level, analysis windows, sounds, theme and data folder."""

    def __init__(self, prefs: dict[str, Any], sound_available: bool,
                 parent: QWidget | None = None, data_root: Path | None = None) -> None:
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
        self.sound_reason = QLabel("unavailable: needs Qt Multimedia "
                                   "(pip install 'biofeedback[sound]')")
        self.sound_reason.setWordWrap(True)
        self.sound_reason.setVisible(not sound_available)
        self.theme = QComboBox()
        self.theme.addItems(["light", "dark"])
        self.theme.setCurrentText(prefs["theme"])
        self.data_dir = QLineEdit(prefs["data_dir"])
        self.data_dir.setPlaceholderText("not set here")
        root = data_root if data_root is not None else data_dir(prefs["data_dir"] or None)
        self.data_in_use = QLabel(f"in use: {root} ({data_dir_origin(root, prefs['data_dir'])})")
        self.data_in_use.setWordWrap(True)
        self.data_in_use.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.data_dir, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Challenge", self.challenge)
        form.addRow("RMSSD window", self.rmssd)
        form.addRow("Coherence window", self.coherence)
        sounds = QVBoxLayout()
        sounds.addWidget(self.sound)
        sounds.addWidget(self.sound_reason)
        form.addRow("Sounds", sounds)
        form.addRow("Theme", self.theme)
        form.addRow("Data folder", row)
        form.addRow("", self.data_in_use)
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


def session_ticks(n: int, most: int = 12) -> list[tuple[int, str]]:
    """Whole session numbers 1..n, at most ``most`` of them labelled."""
    step = max(1, math.ceil(n / most))
    return [(i, str(i)) for i in range(1, n + 1, step)]


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
        self.headline = QLabel(
            f"{len(rows)} session{'' if len(rows) == 1 else 's'}, "
            f"{progress['total_minutes']:.0f} min practised"
            + ("" if slope is None else f"; resting RMSSD {rmssd_trend(slope)}"))
        layout.addWidget(self.headline)
        plots = QHBoxLayout()
        n = list(range(1, len(rows) + 1))
        self.plots: list[pg.PlotWidget] = []
        for key, title in (("resting_rmssd_ms", "Resting RMSSD (ms)"),
                           ("coherence", "Coherence while paced")):
            w = pg.PlotWidget(title=title)
            known = [(i, r[key]) for i, r in zip(n, rows, strict=True) if r[key] is not None]
            top = 1.0
            if known:
                x, y = zip(*known, strict=True)
                w.plot(list(x), list(y), symbol="o", pen=pg.mkPen("#0072B2", width=2))
                top = max(y)
            w.setLabel("bottom", "session")
            w.getAxis("bottom").setTicks([session_ticks(len(rows))])
            w.setXRange(0.5, len(rows) + 0.5, padding=0)
            # From zero: a flat series stays flat, small changes are not magnified.
            w.setYRange(0.0, top * 1.25, padding=0)
            w.getAxis("left").enableAutoSIPrefix(False)
            plots.addWidget(w)
            self.plots.append(w)
        layout.addLayout(plots)
        headers = ("date", "protocol", "minutes", "resting RMSSD", "coherence", "stress before",
                   "after")
        self.table = QTableWidget(len(rows), len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for i, r in enumerate(rows):
            cells = (r["start_time"][:10], r["protocol"], f"{r['minutes']:.1f}",
                     format_number(r["resting_rmssd_ms"], ".1f"),
                     format_number(r["coherence"], ".2f"),
                     format_number(r["pre_rating"], "d"), format_number(r["post_rating"], "d"))
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
