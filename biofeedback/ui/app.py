"""``biofeedback gui``: the live window."""

from __future__ import annotations

import argparse
import os
import sys

from ..storage.paths import data_dir

ORGANISATION = APPLICATION = "biofeedback"


def has_display() -> bool:
    """Whether Qt can open a window here (Linux needs X11 or Wayland unless a Qt platform
    such as ``offscreen`` is chosen)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .dialogs import load_preferences
    from .main_window import MainWindow
    from .theme import THEMES, apply_theme

    app = QApplication.instance() or QApplication([APPLICATION])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    prefs = load_preferences()
    root = data_dir(args.data_dir or prefs["data_dir"] or None)
    apply_theme(app, THEMES[prefs["theme"]])
    window = MainWindow(root, prefs, source=args.source, speed=args.speed)
    window.closed.connect(app.quit)  # dialogs left open must not keep the process alive
    window.show()
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    status = app.exec()
    # Tear the window down while Qt is still alive: left to interpreter shutdown, PySide6
    # and pyqtgraph objects can be finalised in an order that crashes.
    window.deleteLater()
    app.processEvents()
    del window
    return status
