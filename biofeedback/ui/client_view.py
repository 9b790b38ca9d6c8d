"""The client's view: only the pacer and the feedback, large enough to read across a room."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QWidget

from .model import LiveModel
from .theme import Theme
from .widgets.pacer import PacerWidget
from .widgets.panels import FeedbackPanel


class ClientView(QWidget):
    """A second top-level window (full screen on the client's display). Esc closes it."""

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        super().__init__()
        self.setWindowTitle("Biofeedback — client view")
        self.pacer = PacerWidget(model, theme)
        self.feedback = FeedbackPanel(model, big=True, theme=theme)
        self.feedback.setTitle("")
        for bar in self.feedback.shares:
            bar.setVisible(False)
        layout = QHBoxLayout(self)
        layout.addWidget(self.pacer, 3)
        layout.addWidget(self.feedback, 2)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        model.changed.connect(self.feedback.refresh)

    def set_theme(self, theme: Theme) -> None:
        self.pacer.set_theme(theme)
        self.feedback.set_theme(theme)
