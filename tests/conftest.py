"""Fixtures shared by every room's tests; helpers live in ``realdata.py`` (the recordings in
``../shared/data``) and ``helpers.py`` (sessions run in-process)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from realdata import DATA

# Every test that makes a Qt application runs without a display, whichever room it is in.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real recordings; skips the test with the reason when it is absent."""
    if not DATA.is_dir():
        pytest.skip(f"{DATA} is missing: the real recordings are not checked out")
    return DATA


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    """Main windows on ``tmp_path/data`` at a laptop's size, shut down after the test. A modal
    "Session running" question answers No, so a test failing mid-session cannot hang at
    teardown (a test that closes the window replaces it with its own answer)."""
    from PySide6.QtWidgets import QMessageBox

    from biofeedback.ui.dialogs import DEFAULTS
    from biofeedback.ui.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    # Qt objects of earlier tests left in reference cycles are collected here, on the GUI
    # thread. Left to the garbage collector's own moment, they can be collected on this
    # test's worker thread, and a timer then fires at a deleted object (a segfault in
    # QCoreApplication::notifyInternal2, seen under gdb).
    gc.collect()
    windows = []

    def make(source: str | None, speed: float = 1.0, prefs: dict | None = None):
        window = MainWindow(tmp_path / "data", prefs or dict(DEFAULTS), source=source,
                            speed=speed)
        # The worker thread stops before Qt closes and deletes the window, so no signal of
        # it (a tick every 40 ms) can reach a deleted object.
        qtbot.addWidget(window, before_close_func=lambda w: w.bridge.shutdown())
        window.resize(1366, 740)
        window.show()
        windows.append(window)
        return window

    yield make
    for w in windows:
        w.bridge.shutdown()
