"""The Clients view: the caseload as a table; a client opens on their progress or report.

One row per client (:mod:`biofeedback.training.caseload`): last session, sessions and minutes
in the last 7 and 28 days, resting RMSSD and coherence with their trend, stress before and
after, and the flags, which are also coloured so a flagged client stands out.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..training.caseload import ClientCaseload, flag_texts
from .dialogs import ProgressDialog
from .jobs import run_job

HEADERS = ("client", "last session", "7 days", "28 days", "resting RMSSD", "coherence",
           "stress before → after", "flags")
FLAG_COLOUR = "#E69F00"  # Okabe-Ito orange, as the window's banner


def _trend(value: float | None, slope: float | None, spec: str, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:{spec}}{unit}" + ("" if slope is None else f" ({slope:+{spec}}/session)")


def row_cells(r: ClientCaseload) -> tuple[str, ...]:
    """A caseload line as the table's text cells."""
    last = r.last_session[:16].replace("T", " ") if r.last_session else \
        ("undated" if r.n_sessions else "no sessions yet")
    stress = "—" if r.stress_before_28d is None and r.stress_after_28d is None else \
        " → ".join("—" if v is None else f"{v:.1f}"
                   for v in (r.stress_before_28d, r.stress_after_28d))
    dated = r.dated or not r.n_sessions  # undated sessions cannot be counted by days
    return (r.client, last, f"{r.sessions_7d} · {r.minutes_7d:.0f} min" if dated else "—",
            f"{r.sessions_28d} · {r.minutes_28d:.0f} min" if dated else "—",
            _trend(r.resting_rmssd_ms, r.resting_rmssd_trend_ms_per_session, ".1f", " ms"),
            _trend(r.coherence, r.coherence_trend_per_session, ".2f"), stress,
            "; ".join(flag_texts(r)))


def load_caseload(root: Path) -> tuple[list[ClientCaseload], list[str]]:
    """The caseload of the library in ``root`` (read only), now."""
    from ..app.caseload import library_caseload
    from ..storage.library import Library

    with Library(root, create=False) as library:
        return library_caseload(library, datetime.now().astimezone())


def load_progress(root: Path, client: str) -> dict | None:
    from ..app.library import library_progress
    from ..storage.library import Library

    with Library(root, create=False) as library:
        return library_progress(library, client)


def write_progress_report(root: Path, client: str, folder: Path) -> list[Path]:
    """The client's progress report (HTML and PDF, as ``report --client`` writes them) in
    ``folder``, never over an earlier one; returns the files."""
    from ..reports.documents import client_report
    from ..storage.library import LibraryError, client_id

    progress = load_progress(root, client)
    if progress is None:
        raise LibraryError(f"no sessions of {client} to report")
    return client_report(client, progress, False).write(folder,
                                                        f"progress_{client_id(client)}")


class ClientsView(QDialog):
    """Every client's recent practice; double-click (or Open) shows their progress."""

    def __init__(self, root: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.setWindowTitle("Clients")
        self.resize(1100, 500)
        self.rows: list[ClientCaseload] = []
        self.loaded = False
        self.progress: ProgressDialog | None = None
        self.status = QLabel("Reading the library…")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_client(row))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = buttons.addButton("Progress…", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(lambda: self.open_client(self.table.currentRow()))
        self.report_button = buttons.addButton("Report…",
                                               QDialogButtonBox.ButtonRole.ActionRole)
        self.report_button.clicked.connect(lambda: self.report_client(self.table.currentRow()))
        self.reports: list[Path] = []
        refresh = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.refresh)
        buttons.rejected.connect(self.reject)
        note = QLabel("Flags: no session for over 7 days; resting RMSSD lower in each of the "
                      "last 3 sessions (10 % or more in all). Trends per session over the last "
                      "8, from 3 sessions on.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.loaded = False
        run_job(lambda: load_caseload(self.root), self.show_caseload, self._failed, self)

    def show_caseload(self, loaded: tuple[list[ClientCaseload], list[str]]) -> None:
        self.rows, problems = loaded
        self.table.setRowCount(len(self.rows))
        flagged = QBrush(QColor(FLAG_COLOUR))
        for i, r in enumerate(self.rows):
            for j, text in enumerate(row_cells(r)):
                item = QTableWidgetItem(text)
                if r.flags:
                    item.setBackground(flagged)
                    item.setForeground(QBrush(QColor("black")))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        n_flagged = sum(bool(r.flags) for r in self.rows)
        self.status.setText(
            (f"{len(self.rows)} client{'' if len(self.rows) == 1 else 's'}, "
             f"{n_flagged} flagged" if self.rows else
             "No clients yet: they appear when you record or import their sessions.")
            + (f" ({len(problems)} unreadable session folders left out)" if problems else ""))
        if self.rows:
            self.table.selectRow(0)
        self.loaded = True

    def _failed(self, reason: str) -> None:
        self.status.setText(f"Could not read the library: {reason}")
        self.loaded = True

    def open_client(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        client = self.rows[row].client
        self.status.setText(f"Reading {client}'s sessions…")
        run_job(lambda: (client, load_progress(self.root, client)), self._show_progress,
                self._failed, self)

    def report_client(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        client = self.rows[row].client
        folder = QFileDialog.getExistingDirectory(self, f"Save {client}'s report in",
                                                  str(Path.home()))
        if not folder:
            return
        self.status.setText(f"Writing {client}'s report…")
        run_job(lambda: write_progress_report(self.root, client, Path(folder)),
                self._reported, self._failed, self)

    def _reported(self, paths: list[Path]) -> None:
        self.reports = paths
        self.status.setText("Wrote " + " and ".join(str(p) for p in paths))

    def _show_progress(self, loaded: tuple[str, dict | None]) -> None:
        client, progress = loaded
        self.status.setText(f"{client}: progress")
        self.progress = ProgressDialog(client, progress, self)
        self.progress.open()
