"""The breathing pacer: a circle that fills as the lungs should, at the display's frame rate."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QRadialGradient
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..model import LiveModel
from ..theme import Theme

WORDS = {"inhale": "breathe in", "exhale": "breathe out", "hold": "hold", "rest": "rest"}
IDLE_WORD = "ready"  # shown, still, while no session runs


class PacerWidget(QWidget):
    """Draws the pacer state the model reports, every frame (a 60 Hz timer; Qt paints at
    most once per display refresh)."""

    def __init__(self, model: LiveModel, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.theme = theme
        self.frames = 0  # painted frames, for the frame-rate benchmark
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.update)
        self._timer.start(16)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        self.frames += 1
        state = self.model.pacer_state()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        side = min(w, h * 0.78)
        centre = QPointF(w / 2, h * 0.43)
        r_max = side * 0.46
        p.setPen(QPen(QColor(self.theme.grid), max(2.0, side / 120)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(centre, r_max, r_max)

        if state is not None:
            volume = state.volume
        elif self.model.active:  # a step without pacing: breathe as you like
            volume = 0.5 + 0.05 * math.sin(time.monotonic())
        else:  # no session: nothing moves
            volume = 0.0
        r = r_max * (0.28 + 0.72 * volume)
        glow = QRadialGradient(centre, r)
        glow.setColorAt(0.0, QColor(self.theme.pacer_glow))
        glow.setColorAt(1.0, QColor(self.theme.accent))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(glow)
        p.drawEllipse(centre, r, r)

        p.setPen(QColor(self.theme.text))
        big = QFont(self.font())
        big.setPixelSize(max(14, int(side * 0.11)))
        big.setBold(True)
        p.setFont(big)
        if state is not None:
            word = WORDS.get(state.stage, state.stage)
        elif self.model.active:
            word = "breathe naturally"
        else:
            word = IDLE_WORD
            p.setPen(QColor(self.theme.muted))
        text_box = QRectF(0, h * 0.43 + r_max + side * 0.02, w, side * 0.14)
        p.drawText(text_box, Qt.AlignmentFlag.AlignCenter, word)
        if state is not None:
            small = QFont(self.font())
            small.setPixelSize(max(11, int(side * 0.06)))
            p.setFont(small)
            p.setPen(QColor(self.theme.muted))
            p.drawText(QRectF(0, text_box.bottom(), w, side * 0.09), Qt.AlignmentFlag.AlignCenter,
                       f"{state.stage_left_s:0.0f} s   ·   {state.rate_bpm:.1f} breaths/min")
        p.end()
