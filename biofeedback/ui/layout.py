"""How the window is laid out: controls on the left at full height, the pacer and the
feedback on top, the trends and the spectrum below them, the replay bar at the bottom."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)


def arrange(window: QMainWindow) -> QWidget:
    """The window's central widget, holding the panels and plots ``window`` (the
    :class:`~biofeedback.ui.main_window.MainWindow`) has made."""
    banner_row = QHBoxLayout()
    banner_row.addWidget(window.banner, 1)
    banner_row.addWidget(window.use_sim)

    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    left_layout.addWidget(window.device)
    left_layout.addWidget(window.session)
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
    window.feedback.setFixedWidth(340)
    top = QHBoxLayout()
    top.addWidget(window.pacer, 3)
    top.addWidget(window.feedback)
    bottom = QSplitter(Qt.Orientation.Horizontal)
    bottom.addWidget(window.coherence_plot.widget)
    bottom.addWidget(window.rmssd_plot.widget)
    bottom.addWidget(window.spectrum.widget)
    plots = QSplitter(Qt.Orientation.Vertical)
    plots.addWidget(window.hr_plot.widget)
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
    layout.addWidget(window.replay_bar)
    return central
