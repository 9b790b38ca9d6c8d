"""The beat review window, driven offscreen: select, mark, stretch, undo, live metrics, ECG."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from realdata import data_file

from biofeedback.app.review import load_review
from biofeedback.cli import main
from biofeedback.signal.artifacts import detect_artifacts, resolution_ms
from biofeedback.storage.edits import EDITS_FILE, read_edits
from biofeedback.ui.review import ReviewWindow
from biofeedback.ui.review_plots import scene_point


def imported(tmp_path, relative: str):
    data = tmp_path / "data"
    assert main(["import", str(data_file(relative)), "--client", "Window Test",
                 "--date", "2026-03-01", "--data-dir", str(data)]) == 0
    (folder,) = (data / "sessions").iterdir()
    return folder


@pytest.fixture
def window(qtbot, tmp_path, request):
    folder = imported(tmp_path, request.param)
    w = ReviewWindow(load_review(folder))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.mark.parametrize("window", ["polar_hrm/rest_rri.txt"], indirect=True)
def test_marking_clean_beats_live_recompute_undo_and_files(qtbot, window):
    folder = window.review.folder
    raw = (folder / "beats.csv").read_bytes()
    base = dict(window.summary)
    labels = detect_artifacts(window.review.rr_ms, resolution_ms(window.review.rr_ms))
    clean = np.flatnonzero(labels == "")[[100, 300, 500]]
    window.note.setText("looks premature")
    for i in clean:
        window.mark("ectopic", int(i))
    assert window.summary["edits_applied"] == 3
    assert sum(window.summary["artifacts"].values()) == sum(base["artifacts"].values()) + 3
    assert window.summary["rmssd_ms"] != base["rmssd_ms"]
    assert "<b>3</b>" in window.metrics.text()
    edits = read_edits(folder)
    assert len(edits) == 3 and set(edits.note) == {"looks premature"}
    assert window.table.rowCount() == 3
    # the marks are drawn: three more ectopic symbols, three rings
    xs, _ = window.rr_plot.marks["ectopic"].getData()
    assert np.isin(window.review.t_s[clean], xs).all()
    assert window.rr_plot.edited.getData()[0].size == 3
    # marked normal again: the detector's result exactly
    for i in clean:
        window.mark("normal", int(i))
    np.testing.assert_equal({k: v for k, v in window.summary.items() if k != "edits_applied"},
                            {k: v for k, v in base.items() if k != "edits_applied"})
    # undo three times: back to the ectopic marks, from the file too
    for _ in range(3):
        window.undo()
    assert read_edits(folder).label.tolist() == ["ectopic"] * 3
    window.reset()
    assert not (folder / EDITS_FILE).exists()
    np.testing.assert_equal(window.summary, base)
    assert (folder / "beats.csv").read_bytes() == raw


@pytest.mark.parametrize("window", ["polar_hrm/rest_rri.txt"], indirect=True)
def test_a_click_selects_the_beat_and_offers_the_labels(qtbot, window):
    i = 250
    t, rr = float(window.review.t_s[i]), float(window.review.rr_ms[i])
    plot = window.rr_plot.widget
    plot.setXRange(t - 10, t + 10, padding=0)
    qtbot.wait(50)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=scene_point(plot, t, rr))
    qtbot.waitUntil(lambda: window.selected == i, timeout=3000)
    menu = window.label_menu
    assert menu is not None
    actions = {a.text(): a for a in menu.actions()}
    assert {"normal", "ectopic", "missed", "extra", "long", "short", "noise"} <= set(actions)
    actions["long"].trigger()
    assert read_edits(window.review.folder).label.tolist() == ["long"]
    assert window.final[i] == "long" and "now: <b>long</b>" in window.beat_info.text()


@pytest.mark.parametrize("window", ["polar_hrm/rest_rri.txt"], indirect=True)
def test_a_drag_marks_a_noise_stretch(qtbot, window):
    t = window.review.t_s
    plot = window.rr_plot.widget
    plot.setXRange(100, 160, padding=0)
    qtbot.wait(50)
    y = float(np.median(window.review.rr_ms))
    a, b = scene_point(plot, 120.0, y), scene_point(plot, 140.0, y)
    qtbot.mousePress(plot.viewport(), Qt.MouseButton.LeftButton, pos=a)
    for k in range(1, 11):
        qtbot.mouseMove(plot.viewport(), a + (b - a) * (k / 10))
    qtbot.mouseRelease(plot.viewport(), Qt.MouseButton.LeftButton, pos=b)
    qtbot.waitUntil(lambda: window.stretch is not None, timeout=3000)
    start, end = window.stretch
    assert 119 < start < 121 and 139 < end < 141
    assert plot.getViewBox().viewRange()[0][0] == pytest.approx(100)  # no pan
    noise = next(a for a in window.label_menu.actions() if a.text().startswith("noise"))
    noise.trigger()
    inside = (t >= start - 0.1) & (t <= end + 0.1)
    assert window.summary["artifacts"]["noise"] == int(inside.sum())
    assert (window.final[inside] == "noise").all()
    e = read_edits(window.review.folder)
    assert e.label.tolist() == ["noise"] and e.t_end_s[0] == pytest.approx(end)


@pytest.mark.parametrize("window", ["polar_h10/pvc_bigeminy_10min_ecg_rr.csv"], indirect=True)
def test_ecg_beside_the_selected_beat(qtbot, window):
    assert window.ecg_plot.has_ecg
    flagged = np.flatnonzero(window.review.auto == "ectopic")
    assert flagged.size > 100  # bigeminy
    i = int(flagged[flagged.size // 2])
    window.select_beat(i)
    t, mv = window.ecg_plot.trace.getData()
    beat = window.review.t_s[i]
    assert t.min() < beat < t.max() and t.max() - t.min() > 4.0
    # the import put the beats on the ECG's R peaks: the largest deflection within 60 ms
    qrs = np.abs(mv - np.median(mv))
    near = np.abs(t - beat) < 0.06
    assert qrs[near].max() > 0.8 * np.sort(qrs)[-3:].min()
    xs, _ = window.ecg_plot.flagged["ectopic"].getData()
    assert np.any(np.isclose(xs, beat))


def test_the_main_window_opens_the_review(qtbot, make_window, tmp_path):
    folder = imported(tmp_path, "polar_hrm/rest_rri.txt")  # into tmp_path/data, the window's
    window = make_window("sim")
    action = next(a for a in window.findChildren(QAction) if a.text() == "Review beats…")
    action.trigger()
    chooser = window.review_chooser
    qtbot.waitUntil(chooser.isVisible, timeout=3000)
    assert chooser.table.rowCount() == 1
    chooser._choose()
    qtbot.waitUntil(lambda: bool(getattr(window, "_review_windows", [])), timeout=3000)
    (review,) = window._review_windows
    assert review.review.folder == folder and review.isVisible()
    review.close()
