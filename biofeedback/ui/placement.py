"""Where the window opens: its last place when that still fits the screen, else centred."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QApplication, QWidget

GEOMETRY_KEY = "window/geometry"  # QSettings: the window's last size and place
DEFAULT_SIZE = QSize(1440, 900)
#: Room left for the window manager's frame and title bar, which Qt cannot know before
#: the window is shown.
FRAME_ALLOWANCE = QSize(16, 40)


def fitted_geometry(available: QRect, saved: QRect | None, minimum: QSize) -> QRect:
    """Where the window goes: the saved place when it still lies within ``available``,
    else the default size shrunk to ``available`` (less the frame) and centred on it."""
    if saved is not None and saved.isValid() and available.contains(saved):
        return saved
    room = available.size() - FRAME_ALLOWANCE
    size = DEFAULT_SIZE.boundedTo(room).expandedTo(minimum)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    rect.moveTop(max(rect.top(), available.top() + FRAME_ALLOWANCE.height() // 2))
    return rect


def fit_to_screen(window: QWidget) -> None:
    """Open ``window`` where it was last left (QSettings), if that still fits the screen;
    otherwise as large as the default allows within the available area."""
    screen = window.screen() or QApplication.primaryScreen()
    saved = QRect()
    data = QSettings().value(GEOMETRY_KEY)
    if data is not None and window.restoreGeometry(data):
        saved = window.geometry()
        screen = QApplication.screenAt(saved.center()) or screen
    minimum = window.minimumSizeHint()
    window.setGeometry(fitted_geometry(screen.availableGeometry(),
                                       saved if data is not None else None, minimum))
