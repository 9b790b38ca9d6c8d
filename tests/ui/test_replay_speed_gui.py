"""``replay:PATH@SPEED`` in the window (issue 12, item 17): the spec's speed is the replay's,
instead of the window's default 10x, and survives a seek."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402

from biofeedback.ui.dialogs import DEFAULTS  # noqa: E402
from biofeedback.ui.main_window import MainWindow  # noqa: E402

RECORDED = Path(__file__).resolve().parents[2] / "recordings" / "20261122T093239_63597879"


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.mark.parametrize("speed", [3.0, 40.0])
def test_the_window_replays_at_the_spec_speed(qtbot, tmp_path, speed):
    window = MainWindow(tmp_path / "data", dict(DEFAULTS), source=f"replay:{RECORDED}@{speed:g}")
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.replay_bar.isVisible(), timeout=10000)
        assert window.bridge.clock.speed == speed
        assert window.replay_bar.speed.value() == speed
        window.replay_bar.position.setValue(300)
        window.replay_bar._seek()  # a seek restarts the replay from the bare path
        qtbot.waitUntil(lambda: window.model.t_s > 290, timeout=20000)
        assert window.bridge.clock.speed == speed
    finally:
        window.bridge.shutdown()
