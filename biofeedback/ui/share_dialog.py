""""Send practice to my clinician…": a dialog that writes a share bundle.

It writes one file the user chooses (0600, never over another) and says where it is; nothing
leaves the machine by itself: the user hands the file over (a USB stick, their own e-mail).
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..storage.bundle import SUFFIX
from .jobs import run_job

DEFAULT_DAYS = 28


class ShareDialog(QDialog):
    """Choose the client, the sessions since a date, de-identification and a passphrase."""

    def __init__(self, root: Path, clients: list[str], client: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.setWindowTitle("Send practice to my clinician")
        self.client = QComboBox()
        self.client.addItems(clients)
        if client in clients:
            self.client.setCurrentText(client)
        self.use_since = QCheckBox("only sessions since")
        self.since = QDateEdit(QDate.currentDate().addDays(-DEFAULT_DAYS))
        self.since.setCalendarPopup(True)
        self.since.setEnabled(False)
        self.use_since.toggled.connect(self.since.setEnabled)
        since_row = QHBoxLayout()
        since_row.addWidget(self.use_since)
        since_row.addWidget(self.since, 1)
        self.deidentify = QCheckBox("Leave out my name, the dates and the strap (de-identify)")
        self.encrypt = QCheckBox("Protect with a passphrase (tell it to your clinician "
                                 "separately)")
        self.passphrase, self.again = QLineEdit(), QLineEdit()
        for field in (self.passphrase, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setEnabled(False)
            self.encrypt.toggled.connect(field.setEnabled)
        self.out = QLineEdit(str(Path.home() / f"practice{SUFFIX}"))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Client", self.client)
        form.addRow("Sessions", since_row)
        form.addRow("", self.deidentify)
        form.addRow("", self.encrypt)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Again", self.again)
        form.addRow("Save as", out_row)
        self.message = QLabel("The file stays on this computer until you hand it over.")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.create = self.buttons.addButton("Create bundle",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.create.clicked.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.written: Path | None = None

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the bundle", self.out.text(),
                                              f"Share bundles (*{SUFFIX})")
        if path:
            self.out.setText(path)

    def request(self):
        """The :class:`~biofeedback.app.sharing.ShareRequest` the form describes, or a
        one-line reason why it cannot be made."""
        from ..app.sharing import ShareRequest

        if not self.client.currentText():
            return "There are no clients with sessions yet."
        passphrase = None
        if self.encrypt.isChecked():
            passphrase = self.passphrase.text()
            if not passphrase:
                return "Type a passphrase, or untick “Protect with a passphrase”."
            if passphrase != self.again.text():
                return "The two passphrases differ."
        since = None
        if self.use_since.isChecked():
            since = datetime.combine(self.since.date().toPython(), time()).astimezone()
        return ShareRequest(self.client.currentText(), since, (), self.deidentify.isChecked(),
                            passphrase)

    def write(self) -> None:
        from ..app.sharing import share

        request = self.request()
        if isinstance(request, str):
            self.message.setText(request)
            return
        out = Path(self.out.text().strip()).expanduser()
        self.create.setEnabled(False)
        self.message.setText("Writing the bundle…")
        run_job(lambda: share(self.root, request, out), self._written, self._failed, self)

    def _written(self, shared) -> None:
        self.written = shared.path
        self.create.setEnabled(True)
        how = " and ".join(w for w, on in (("de-identified", shared.deidentified),
                                           ("encrypted", shared.encrypted)) if on)
        self.message.setText(
            f"Wrote {shared.path} ({shared.n_sessions} session"
            f"{'' if shared.n_sessions == 1 else 's'}{', ' + how if how else ''}). Give this "
            "file to your clinician; nothing is sent by this program.")

    def _failed(self, reason: str) -> None:
        self.create.setEnabled(True)
        self.message.setText(f"Not written: {reason}")
