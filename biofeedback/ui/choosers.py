"""Choosing from the library: a client (for their progress) or a recorded session to replay."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .dialogs import format_number


class ClientChooser(QDialog):
    """Pick one of the library's clients (for their progress)."""

    chosen = Signal(str)

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Progress — choose a client")
        self.list = QListWidget()
        self.list.addItems(names)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self._choose())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Whose progress?"))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def _choose(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen.emit(item.text())
            self.accept()


class SessionChooser(QDialog):
    """The library's sessions, newest first, by client, date and length; or another file."""

    chosen = Signal(str)  # a session folder
    other_file = Signal()

    COLUMNS = ("date", "client", "minutes", "protocol", "ended")

    def __init__(self, rows: list[dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a recording")
        self.resize(640, 420)
        self.rows = rows
        self.table = QTableWidget(len(rows), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for i, r in enumerate(rows):
            start = str(r.get("start_time") or "")
            cells = (start[:16].replace("T", " "), r.get("client_name") or "—",
                     format_number(r.get("duration_s") and r["duration_s"] / 60.0, ".1f"),
                     r.get("protocol") or "—", r.get("end_status") or "—")
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if rows:
            self.table.selectRow(0)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self._choose())
        other = QPushButton("Other file…")
        other.clicked.connect(lambda: (self.other_file.emit(), self.accept()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(other, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Sessions in the library (an RR file: Other file…)"
                                if rows else "No sessions in the library yet."))
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _choose(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if selected:
            self.chosen.emit(self.rows[selected[0].row()]["folder"])
            self.accept()
