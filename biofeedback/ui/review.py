"""The beat review window: see every artifact decision of a session, accept or overrule it.

RR tachogram and heart rate over the whole session (raw and corrected), flagged beats marked
by type, the ECG around the selected beat when the session has one, and the session's metrics
recomputed as the edits change. A click selects a beat and offers the labels; a drag selects
a stretch (noise); shift-drag or the middle button pans, the wheel zooms. Each change is
written to ``edits.csv`` at once (``beats.csv`` stays as recorded); Ctrl+Z undoes. The
window holds values only (a :class:`~biofeedback.app.review.BeatReview`), no live worker
objects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app.review import BeatReview, load_review, save_edits
from ..signal.edits import EDIT_LABELS
from ..storage.edits import Edits
from ..storage.folder import read_samples
from .review_plots import DragBox, EcgPlot, SeriesPlot, legend_html
from .theme import LIGHT, Theme


def _metric(value: float, fmt: str, unit: str = "") -> str:
    return "–" if value != value else f"{value:{fmt}}{unit}"


def metrics_text(auto: dict, now: dict) -> str:
    """Automatic → with the edits, for the figures a reviewer watches."""
    rows = [("RMSSD", "rmssd_ms", ".1f", " ms"), ("SDNN", "sdnn_ms", ".1f", " ms"),
            ("mean HR", "mean_hr_bpm", ".1f", " bpm"), ("LF", "lf_ms2", ".0f", " ms²"),
            ("HF", "hf_ms2", ".0f", " ms²"), ("artifacts", "artifacts_pct", ".1f", " %")]
    lines = [f"<tr><td>{name}</td><td align='right'>{_metric(auto[key], fmt, unit)}</td>"
             f"<td>→</td><td align='right'><b>{_metric(now[key], fmt, unit)}</b></td></tr>"
             for name, key, fmt, unit in rows]
    grade = str(now["quality_grade"]).replace("_", " ")
    reason = f" ({now['quality_reason']})" if now["quality_reason"] else ""
    return ("<table cellspacing='6'><tr><td></td><td>detector</td><td></td><td>reviewed</td>"
            f"</tr>{''.join(lines)}</table><p>beats edited by hand: "
            f"<b>{now['edits_applied']}</b><br>quality: <b>{grade}</b>{reason}</p>")


class ReviewWindow(QMainWindow):
    """One session's beat review (see the module docstring)."""

    def __init__(self, review: BeatReview, theme: Theme = LIGHT,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Beat review — {review.folder.name}")
        self.review = review
        self.undo_stack: list[Edits] = []
        self.selected: int | None = None
        self.stretch: tuple[float, float] | None = None
        self.label_menu: QMenu | None = None
        self.auto_summary = review.with_edits(Edits.empty()).summary()
        self.summary = self.auto_summary
        ecg = read_samples(review.folder, "ecg")

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 20px; font-weight: bold")
        legend = QLabel(legend_html(theme))
        legend.setStyleSheet("font-size: 16px")
        box = DragBox()
        self.rr_plot = SeriesPlot("RR (ms)", theme, lambda rr: rr, box)
        self.hr_plot = SeriesPlot("heart rate (bpm)", theme, lambda rr: 60000.0 / rr)
        self.hr_plot.widget.setXLink(self.rr_plot.widget)
        self.ecg_plot = EcgPlot(theme, *((ecg.t_s, ecg.values) if ecg else (None, None)))
        box.clicked.connect(self._clicked)
        box.stretch.connect(self._stretched)

        self.metrics = QLabel()
        self.metrics.setStyleSheet("font-size: 16px")
        self.metrics.setTextFormat(Qt.TextFormat.RichText)
        self.beat_info = QLabel("Click a beat to label it; drag across a stretch to mark "
                                "noise; shift-drag pans, the wheel zooms.")
        self.beat_info.setWordWrap(True)
        self.beat_info.setStyleSheet("font-size: 15px")
        self.note = QLineEdit()
        self.note.setPlaceholderText("note for the edit (Enter: set on the selected beat)")
        self.note.returnPressed.connect(self._note_entered)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(("t (s)", "label", "note"))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellClicked.connect(self._row_clicked)
        self.table.setMinimumHeight(120)
        buttons = QHBoxLayout()
        for text, slot in (("Undo", self.undo), ("Accept all", self.accept_all),
                           ("Reset", self.reset)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        undo = QAction("Undo", self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.triggered.connect(self.undo)
        self.addAction(undo)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        for w in (self.metrics, self.beat_info, self.note):
            side_layout.addWidget(w)
        side_layout.addLayout(buttons)
        side_layout.addWidget(self.table, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.ecg_plot.widget)
        bottom.addWidget(side)
        bottom.setSizes([700, 420])
        plots = QSplitter(Qt.Orientation.Vertical)
        for w in (self.rr_plot.widget, self.hr_plot.widget, bottom):
            plots.addWidget(w)
        plots.setSizes([340, 210, 420])
        central = QWidget()
        central.setStyleSheet("font-size: 15px")  # read from a step back, as the plots
        layout = QVBoxLayout(central)
        layout.addWidget(self.title)
        layout.addWidget(legend)
        layout.addWidget(plots, 1)
        self.setCentralWidget(central)
        self.resize(1400, 900)
        self._refresh()
        flagged = np.flatnonzero(review.auto != "")
        self.select_beat(int(flagged[0]) if flagged.size else 0)

    # -- what the reviewer does ------------------------------------------------------
    def select_beat(self, index: int) -> None:
        self.selected = int(np.clip(index, 0, self.review.t_s.size - 1))
        t = float(self.review.t_s[self.selected])
        self.rr_plot.select(t)
        self.hr_plot.select(t)
        self.ecg_plot.show(t, self.review.t_s, self.final)
        auto = str(self.review.auto[self.selected]) or "normal"
        now = str(self.final[self.selected]) or "normal"
        edited = " (edited)" if self.edited[self.selected] else ""
        self.beat_info.setText(f"beat {self.selected + 1} at {t:.2f} s, RR "
                               f"{self.review.rr_ms[self.selected]:.0f} ms — detector: "
                               f"{auto}; now: <b>{now}</b>{edited}")

    def mark(self, label: str, index: int | None = None) -> None:
        """Label the selected beat (or ``index``) with ``label`` and the note typed."""
        if index is not None:
            self.select_beat(index)
        if self.selected is None:
            return
        t = float(self.review.t_s[self.selected])
        self._apply(self.review.edits.with_row(t, label, self.note.text().strip()))

    def mark_stretch(self, start_s: float, end_s: float, label: str = "noise") -> None:
        """Every beat in ``[start_s, end_s]`` as ``noise``, or (``normal``) back to the
        detector's labels: edits inside the stretch removed."""
        e = self.review.edits
        inside = (e.t_s >= start_s) & (e.t_s <= end_s)
        kept = Edits(e.t_s[~inside], e.label[~inside], e.note[~inside], e.t_end_s[~inside])
        if label == "noise":
            kept = kept.with_row(start_s, "noise", self.note.text().strip(), t_end_s=end_s)
        self._apply(kept)

    def clear(self, index: int | None = None) -> None:
        """Remove the edit of the selected beat (back to the detector's label)."""
        if index is not None:
            self.select_beat(index)
        if self.selected is not None:
            self._apply(self.review.edits.without(float(self.review.t_s[self.selected])))

    def undo(self) -> None:
        if self.undo_stack:
            self._save(self.undo_stack.pop())

    def accept_all(self) -> None:
        self._apply(self.review.accept_all())

    def reset(self) -> None:
        if len(self.review.edits):
            self._apply(Edits.empty())

    # -- plumbing -------------------------------------------------------------------
    @property
    def final(self) -> np.ndarray:
        return self._final

    @property
    def edited(self) -> np.ndarray:
        return self._edited

    def _apply(self, edits: Edits) -> None:
        self.undo_stack.append(self.review.edits)
        self._save(edits)

    def _save(self, edits: Edits) -> None:
        try:
            self.review = save_edits(self.review, edits)
        except OSError as exc:
            QMessageBox.warning(self, "Beat review", f"Could not save the edits: "
                                f"{exc.strerror or exc}")
            return
        self._refresh()
        if self.selected is not None:
            self.select_beat(self.selected)

    def _refresh(self) -> None:
        """Everything drawn from the review's values, and the metrics recomputed."""
        r = self.review
        self._final, self._edited = r.final, r.edited
        corrected = r.corrected()
        for plot in (self.rr_plot, self.hr_plot):
            plot.show(r, self._final, self._edited, corrected)
        self.summary = r.summary()
        self.metrics.setText(metrics_text(self.auto_summary, self.summary))
        flagged = int(np.count_nonzero(r.auto != ""))
        self.title.setText(f"{r.folder.name}: {r.t_s.size} beats, {flagged} flagged by the "
                           f"detector, {len(r.edits)} edit(s) — RMSSD "
                           f"{_metric(self.summary['rmssd_ms'], '.1f', ' ms')}")
        e = r.edits
        self.table.setRowCount(len(e))
        for i, (t, label, note, end) in enumerate(zip(e.t_s, e.label, e.note, e.t_end_s,
                                                      strict=True)):
            when = f"{t:.2f}" + (f"–{end:.2f}" if end == end else "")
            for j, text in enumerate((when, str(label), str(note))):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def _clicked(self, t_s: float, _value: float) -> None:
        idx = int(np.argmin(np.abs(self.review.t_s - t_s)))
        self.select_beat(idx)
        self.label_menu = self._menu()
        self.label_menu.popup(QCursor.pos())

    def _menu(self) -> QMenu:
        menu = QMenu(self)
        for label in EDIT_LABELS:
            menu.addAction(label, lambda lab=label: self.mark(lab))
        if self.selected is not None and self.edited[self.selected]:
            menu.addSeparator()
            menu.addAction("remove the edit (detector's label)", self.clear)
        return menu

    def _stretched(self, start_s: float, end_s: float) -> None:
        self.stretch = (start_s, end_s)
        menu = QMenu(self)
        menu.addAction(f"noise {start_s:.1f}–{end_s:.1f} s (left out)",
                       lambda: self.mark_stretch(start_s, end_s, "noise"))
        menu.addAction("remove the edits in this stretch",
                       lambda: self.mark_stretch(start_s, end_s, "normal"))
        self.label_menu = menu
        menu.popup(QCursor.pos())

    def _note_entered(self) -> None:
        if self.selected is not None and self.edited[self.selected]:
            t = float(self.review.t_s[self.selected])
            match = np.flatnonzero(self.review.edits.t_s == t)
            if match.size:
                self.mark(str(self.review.edits.label[match[-1]]))

    def _row_clicked(self, row: int, _column: int) -> None:
        t = float(self.review.edits.t_s[row])
        self.select_beat(int(np.argmin(np.abs(self.review.t_s - t))))


def open_review(folder: str | Path, parent: QWidget | None = None) -> ReviewWindow | None:
    """A review window of ``folder`` (its own top-level window), or None after saying in one
    line why the session cannot be reviewed."""
    from ..storage.rrfiles import RecordingError

    try:
        review = load_review(folder)
    except RecordingError as exc:  # EditsError too: one line, nothing lost
        QMessageBox.warning(parent, "Beat review", str(exc))
        return None
    window = ReviewWindow(review)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    if parent is not None:  # kept alive while open
        windows = getattr(parent, "_review_windows", [])
        windows.append(window)
        parent._review_windows = [w for w in windows if w is window or w.isVisible()]
    return window


def _other_folder(root: Path, parent: QWidget) -> None:
    from PySide6.QtWidgets import QFileDialog

    folder = QFileDialog.getExistingDirectory(parent, "A session folder", str(root))
    if folder:
        open_review(folder, parent)


def choose_and_review(root: Path, parent: QWidget) -> QWidget:
    """The main window's *Review beats…*: the library's sessions, newest first; the one
    chosen opens in a review window."""
    from ..storage.library import Library, LibraryError
    from .choosers import SessionChooser

    try:
        with Library(root, create=False) as lib:
            names = {c["id"]: c["name"] for c in lib.clients()}
            rows = [r | {"client_name": names.get(r["client_id"])}
                    for r in reversed(lib.sessions())]
    except (LibraryError, OSError) as exc:
        rows = []
        QMessageBox.warning(parent, "Beat review", f"Could not read the library: {exc}")
    chooser = SessionChooser(rows, parent)
    chooser.setWindowTitle("Review the beats of a session")
    chooser.other_file.connect(lambda: _other_folder(root, parent))
    chooser.chosen.connect(lambda folder: open_review(folder, parent))
    chooser.open()
    return chooser


def run_review_window(review: BeatReview) -> int:
    """``biofeedback review SESSION``: the window on its own."""
    from .theme import apply_theme

    app = QApplication.instance() or QApplication(["biofeedback"])
    apply_theme(app, LIGHT)
    window = ReviewWindow(review)
    window.show()
    status = app.exec()
    window.deleteLater()
    app.processEvents()
    return status
