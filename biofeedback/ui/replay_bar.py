"""The replay bar: play/pause, speed and position of a replay, steered through the bridge."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from .bridge import SessionBridge


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
