"""``biofeedback gui``: the live window."""

from __future__ import annotations

import argparse
import gc
import threading
from importlib import resources

from ..signal.lazy_scipy import load_all
from ..storage.paths import data_dir

ORGANISATION = APPLICATION = "biofeedback"


def run_gui(args: argparse.Namespace) -> int:
    from pyqtgraph.util.garbage_collector import GarbageCollector
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .dialogs import load_preferences
    from .main_window import MainWindow
    from .theme import THEMES, apply_theme

    app = QApplication.instance() or QApplication([APPLICATION])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    # The menu entry of `install-desktop` is biofeedback.desktop: the Wayland app id and the
    # X11 window class match it, so the shell shows its icon for the window.
    app.setDesktopFileName(APPLICATION)
    app.setWindowIcon(QIcon(str(resources.files("biofeedback") / "assets" / "biofeedback.svg")))
    prefs = load_preferences()
    root = data_dir(args.data_dir or prefs["data_dir"] or None)
    apply_theme(app, THEMES[prefs["theme"]])
    window = MainWindow(root, prefs, source=args.source, speed=args.speed)
    window.closed.connect(app.quit)  # dialogs left open must not keep the process alive
    window.show()
    # Python's collector runs on the GUI thread only, on a timer: run wherever an allocation
    # trips it (the session's worker thread too), it can delete Qt objects off their thread
    # while a timer of theirs is pending, and Qt crashes (seen in the window tests).
    collector = GarbageCollector(interval=1.0)
    # The analysis's SciPy loads behind the first frame, so that Start does not wait for it.
    QTimer.singleShot(0, lambda: threading.Thread(target=load_all, daemon=True).start())
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    status = app.exec()
    collector.timer.stop()
    gc.enable()
    # Tear the window down while Qt is still alive: left to interpreter shutdown, PySide6
    # and pyqtgraph objects can be finalised in an order that crashes.
    window.deleteLater()
    app.processEvents()
    del window
    return status
