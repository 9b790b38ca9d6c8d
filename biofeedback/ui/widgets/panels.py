"""Side panels: coherence feedback, the strap, and the session's controls."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ...app.launch import SessionPlan
from ...training.feedback import LEVEL_COLORS
from ...training.pacer import MAX_RATE_BPM, MIN_RATE_BPM
from ..model import LiveModel
from ..theme import LEVEL_WORDS, LIGHT, Theme, level_bar_style


def _clock(t_s: float) -> str:
    minutes, seconds = divmod(int(max(t_s, 0)), 60)
    return f"{minutes:02d}:{seconds:02d}"


def elide_front(label: QLabel, name: str, tail: str) -> str:
    """``name`` shortened in its middle so that ``name + tail`` fits ``label``: the state
    at the end is what a clinician reads."""
    room = label.contentsRect().width() - QFontMetrics(label.font()).horizontalAdvance(tail)
    metrics = QFontMetrics(label.font())
    return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(room, 20)) + tail


class FeedbackPanel(QGroupBox):
    """Coherence now (value and level in words and colour), time in each level, the
    achievement score, RMSSD and heart rate."""

    def __init__(self, model: LiveModel, big: bool = False, theme: Theme = LIGHT) -> None:
        super().__init__("Feedback")
        self.model = model
        scale = 3.0 if big else 1.0
        self.scale = scale
        self.level = QLabel("—")
        self.level.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.level.setObjectName("level")
        self.value = QLabel("coherence —")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.achievement = QLabel("achievement 0")
        self.achievement.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.numbers = QLabel("")
        self.numbers.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label, size in ((self.level, 34), (self.value, 18), (self.achievement, 16),
                            (self.numbers, 14)):
            font = label.font()
            font.setPixelSize(int(size * scale))
            font.setBold(label is self.level)
            label.setFont(font)
        layout = QVBoxLayout(self)
        if big:  # centred in the client's view
            layout.addStretch(1)
        for w in (self.level, self.value, self.achievement, self.numbers):
            layout.addWidget(w)
        self.shares = []
        for word in LEVEL_WORDS:
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setFormat(f"{word.lower()} %p %")
            bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(bar)
            self.shares.append(bar)
        layout.addStretch(1)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Level bars drawn in the theme's colours (a style sheet does not follow the
        application palette)."""
        for bar, colour in zip(self.shares, LEVEL_COLORS, strict=True):
            bar.setStyleSheet(level_bar_style(colour, theme))
            bar.setMinimumHeight(QFontMetrics(bar.font()).height() + 10)

    def refresh(self) -> None:
        f = self.model.feedback
        if f.level >= 0:
            self.level.setText(LEVEL_WORDS[f.level])
            self.level.setStyleSheet(f"color: white; background: {LEVEL_COLORS[f.level]}; "
                                     "border-radius: 8px; padding: 6px;")
            self.value.setText(f"coherence {f.coherence:.2f}")
        else:
            self.level.setText("—")
            self.level.setStyleSheet("")
            self.value.setText("coherence — (first value after 64 s)" if self.model.active
                               else "coherence — (no session running)")
        self.achievement.setText(f"achievement {f.achievement}")
        hr = "—" if f.hr_bpm is None else f"{f.hr_bpm:.0f}"
        rmssd = "—" if f.rmssd_ms is None else f"{f.rmssd_ms:.0f}"
        self.numbers.setText(f"HR {hr} bpm   ·   RMSSD {rmssd} ms")
        for bar, share in zip(self.shares, f.level_shares, strict=True):
            bar.setValue(round(share * 100))


class DevicePanel(QGroupBox):
    """Which strap: simulated, Bluetooth (scan and pick) or a recording; and how it is."""

    scan_requested = Signal()
    replay_requested = Signal()

    def __init__(self, model: LiveModel) -> None:
        super().__init__("Strap")
        self.model = model
        self.kind = QComboBox()
        self.kind.addItem("Simulated strap", "sim")
        self.kind.addItem("Bluetooth strap", "ble")
        self.scan = QPushButton("Scan")
        self.scan.clicked.connect(self.scan_requested)
        self.straps = QListWidget()
        self.straps.setMaximumHeight(80)
        self.scan_note = QLabel("")  # what the last scan found, or why it could not
        self.scan_note.setWordWrap(True)
        self.scan_note.setVisible(False)
        self.open = QPushButton("Open recording…")
        self.open.clicked.connect(self.replay_requested)
        self.status = QLabel("not connected")
        self.status.setMinimumWidth(1)  # long names are elided, never widen the panel
        self.battery = QLabel("battery —")
        self.contact = QLabel("contact —")
        self.quality = QLabel("signal quality —")
        row = QHBoxLayout()
        row.addWidget(self.kind, 1)
        row.addWidget(self.scan)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.straps)
        layout.addWidget(self.scan_note)
        layout.addWidget(self.open)
        for w in (self.status, self.battery, self.contact, self.quality):
            layout.addWidget(w)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.is_scanning = False
        self._kind_changed()

    def _kind_changed(self) -> None:
        ble = self.kind.currentIndex() == 1
        self.scan.setEnabled(ble and not self.is_scanning)
        self.straps.setVisible(ble)
        if not ble:
            self.scan_note.setVisible(False)

    def scanning(self) -> None:
        self.is_scanning = True
        self.scan.setEnabled(False)
        self.scan.setText("Scanning…")
        self.scan_note.setText("listening for heart-rate straps (5 s)…")
        self.scan_note.setVisible(True)

    def scan_done(self, note: str) -> None:
        """The scan ended: ``note`` says what it found or why it failed ("" for nothing)."""
        self.is_scanning = False
        self.scan.setText("Scan")
        self._kind_changed()
        self.scan_note.setText(note)
        self.scan_note.setVisible(bool(note))

    def use_simulated(self) -> None:
        self.kind.setCurrentIndex(0)

    def preset(self, spec: str) -> None:
        """Select what a ``--source`` spec names (``sim:...`` keeps its options)."""
        if spec.startswith("sim"):
            self.kind.setItemData(0, spec)
            self.kind.setCurrentIndex(0)
        elif spec.startswith("ble"):
            self.kind.setCurrentIndex(1)
            address = spec.partition(":")[2]
            if address:
                self.straps.addItem(address)
                self.straps.item(0).setData(Qt.ItemDataRole.UserRole, address)
                self.straps.setCurrentRow(0)

    def show_straps(self, straps: list) -> None:
        self.straps.clear()
        for s in straps:
            self.straps.addItem(f"{s.name}  ({s.rssi} dBm)")
            self.straps.item(self.straps.count() - 1).setData(Qt.ItemDataRole.UserRole,
                                                              s.address)
        if straps:
            self.straps.setCurrentRow(0)

    def source_spec(self) -> str:
        if self.kind.currentIndex() == 0:
            return self.kind.currentData()
        item = self.straps.currentItem()
        return f"ble:{item.data(Qt.ItemDataRole.UserRole)}" if item else "ble"

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.refresh()  # the status is elided to the width

    def refresh(self) -> None:
        d = self.model.device
        state = {"reconnecting": "reconnecting…", "disconnected": "signal lost"}.get(d.state,
                                                                                     d.state)
        text = f"{d.name}: {state}"
        self.status.setToolTip(text)
        self.status.setText(elide_front(self.status, d.name, f": {state}"))
        self.battery.setText("battery —" if d.battery_pct is None else
                             f"battery {d.battery_pct} %")
        self.contact.setText({None: "skin contact: not reported", True: "skin contact: yes",
                              False: "skin contact: NO"}[d.contact])
        self.quality.setText("signal quality —" if d.quality is None else
                             f"signal quality {d.quality * 100:.0f} % clean beats")


#: The protocols offered: short name (fits the panel), protocol, full description.
PROTOCOLS = (
    ("Paced throughout", "free", "Paced breathing for the whole session"),
    ("Baseline → paced → rest", "standard",
     "Baseline 3 min (breathing freely) → paced breathing → recovery 3 min"),
    ("Resonance, stepped 13 min", "stepped",
     "Resonance-frequency assessment: 6.5 → 4.5 breaths/min in steps (13 min)"),
    ("Resonance, sliding 15 min", "sliding",
     "Resonance-frequency assessment: 6.75 → 4.25 breaths/min, sliding (15 min)"),
)


class SessionPanel(QGroupBox):
    """Client, protocol, pacer, stress rating; start/stop; markers; elapsed time."""

    start_requested = Signal()
    stop_requested = Signal()
    marker_requested = Signal(str)
    rate_changed = Signal(float)

    def __init__(self, model: LiveModel) -> None:
        super().__init__("Session")
        self.model = model
        self.client = QLineEdit()
        self.client.setPlaceholderText("client name (optional)")
        self.protocol = QComboBox()
        for text, name, tip in PROTOCOLS:
            self.protocol.addItem(text, name)
            self.protocol.setItemData(self.protocol.count() - 1, tip,
                                      Qt.ItemDataRole.ToolTipRole)
        self.protocol.currentIndexChanged.connect(
            lambda i: self.protocol.setToolTip(self.protocol.itemData(
                i, Qt.ItemDataRole.ToolTipRole)))
        self.protocol.setToolTip(PROTOCOLS[0][2])
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 120)
        self.minutes.setValue(10)
        self.minutes.setSuffix(" min")
        self.rate = QDoubleSpinBox()
        self.rate.setRange(MIN_RATE_BPM, MAX_RATE_BPM)
        self.rate.setSingleStep(0.25)
        self.rate.setValue(6.0)
        self.rate.setSuffix(" /min")
        self.rate.valueChanged.connect(self._rate_changed)
        self.inhale = QDoubleSpinBox()
        self.inhale.setRange(0.2, 0.8)
        self.inhale.setSingleStep(0.05)
        self.inhale.setValue(0.4)
        self.pre = QSpinBox()
        self.pre.setRange(-1, 10)
        self.pre.setSpecialValueText("not asked")
        self.pre.setValue(-1)
        form = QFormLayout()
        form.addRow("Client", self.client)
        form.addRow("Protocol", self.protocol)
        form.addRow("Length", self.minutes)
        form.addRow("Pacer", self.rate)
        form.addRow("Inhale share", self.inhale)
        form.addRow("Stress now (0-10)", self.pre)
        self.start = QPushButton("Start")
        self.start.setObjectName("start")
        self.start.clicked.connect(self._start_stop)
        self.note = QLineEdit()
        self.note.setPlaceholderText("marker note")
        self.mark = QPushButton("Marker")
        self.mark.clicked.connect(self._mark)
        self.mark.setEnabled(False)
        self.elapsed = QLabel("00:00")
        font = self.elapsed.font()
        font.setPixelSize(28)
        font.setBold(True)
        self.elapsed.setFont(font)
        self.step = QLabel("")
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.mark)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.start)
        layout.addLayout(row)
        layout.addWidget(self.elapsed)
        layout.addWidget(self.step)
        self.running = False
        self.speed = 1.0  # a faster session clock (demonstrations, tests)

    def plan(self, source: str) -> SessionPlan:
        return SessionPlan(source=source, duration_s=self.minutes.value() * 60.0,
                           protocol=self.protocol.currentData(),
                           client=self.client.text().strip() or None,
                           rate_bpm=self.rate.value(), inhale_ratio=self.inhale.value(),
                           pre_rating=self.pre.value() if self.pre.value() >= 0 else None,
                           speed=self.speed)

    def set_running(self, running: bool) -> None:
        self.running = running
        self.start.setText("Stop" if running else "Start")
        self.mark.setEnabled(running)
        for w in (self.client, self.protocol, self.minutes, self.inhale, self.pre):
            w.setEnabled(not running)

    def _start_stop(self) -> None:
        (self.stop_requested if self.running else self.start_requested).emit()

    def _mark(self) -> None:
        self.marker_requested.emit(self.note.text().strip())
        self.note.clear()

    def _rate_changed(self, value: float) -> None:
        if self.running:
            self.rate_changed.emit(value)

    def refresh(self) -> None:
        if self.running:
            self.elapsed.setText(_clock(self.model.now_s()))
            self.step.setText(f"step: {self.model.step}" if self.model.step else "")
