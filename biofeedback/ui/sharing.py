"""The window's sharing: "Send practice to my clinician…", "Clients…" and dropped bundles.

:func:`install_sharing` adds both actions to a window's toolbar and lets it accept a bundle
dropped on it: the bundle is verified first (a passphrase is asked for an encrypted one),
then the user confirms the import ("3 sessions of Anna Smith, 1 already here"), and only then
is anything written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMainWindow, QMessageBox, QToolBar

from .clients import ClientsView
from .jobs import run_job
from .share_dialog import ShareDialog


def _client_names(root: Path) -> list[str]:
    from ..storage.library import Library, LibraryError

    try:
        with Library(root, create=False) as library:
            return [c["name"] for c in library.clients()]
    except (LibraryError, OSError):
        return []


class Sharing(QObject):
    """The sharing entries of one main window (its ``root`` is the data folder)."""

    def __init__(self, window: QMainWindow, root: Path) -> None:
        super().__init__(window)
        self.window, self.root = window, root
        self.clients: ClientsView | None = None
        self.share_dialog: ShareDialog | None = None
        self.last_import = None  # the last Imported, for the status line (and tests)

    def status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15000)

    # -- actions ----------------------------------------------------------------------
    def open_share(self) -> None:
        panel = getattr(self.window, "session", None)
        current = panel.client.text().strip() if panel is not None else ""
        self.share_dialog = ShareDialog(self.root, _client_names(self.root), current,
                                        self.window)
        self.share_dialog.open()

    def open_clients(self) -> None:
        if self.clients is not None and self.clients.isVisible():
            self.clients.refresh()
            self.clients.raise_()
            return
        self.clients = ClientsView(self.root, self.window)
        self.clients.show()

    # -- dropped bundles --------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self._bundle_of(event) is not None:
                event.acceptProposedAction()
                return True
        elif event.type() == QEvent.Type.Drop:
            path = self._bundle_of(event)
            if path is not None:
                event.acceptProposedAction()
                self.import_file(path)
                return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _bundle_of(event) -> Path | None:
        """The one local file being dragged, when it looks like a bundle."""
        from ..storage.bundle import sniff

        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if sniff(path) is not None else None

    def import_file(self, path: Path) -> None:
        """Verify ``path``, ask to confirm, then import it (each step off the GUI thread)."""
        from ..storage.bundle import read_bundle, sniff

        passphrase = None
        if sniff(path) == "encrypted":
            passphrase, ok = QInputDialog.getText(
                self.window, "Encrypted bundle", f"Passphrase of {path.name}:",
                QLineEdit.EchoMode.Password)
            if not ok:
                return
        self.status(f"Checking {path.name}…")
        run_job(lambda: read_bundle(path, passphrase), lambda b: self._confirm(path, b),
                self._refused, self)

    def _refused(self, reason: str) -> None:
        self.status(f"Not imported: {reason}")
        QMessageBox.warning(self.window, "Bundle refused", f"Nothing was imported.\n\n{reason}")

    def _confirm(self, path: Path, bundle) -> None:
        n = len(bundle.sessions)
        text = (f"Import {n} session{'' if n == 1 else 's'} of {bundle.profile['name']} from "
                f"{path.name} into this library? Sessions already here are skipped.")
        answer = QMessageBox.question(self.window, "Import practice", text)
        if answer != QMessageBox.StandardButton.Yes:
            self.status("Import cancelled: nothing was written.")
            return
        from ..app.sharing import import_bundle

        run_job(lambda: import_bundle(self.root, bundle), self._imported, self._refused, self)

    def _imported(self, result) -> None:
        self.last_import = result
        skipped = f"; {len(result.skipped)} already here" if result.skipped else ""
        self.status(f"Imported {len(result.added)} new session"
                    f"{'' if len(result.added) == 1 else 's'} of {result.client}{skipped}.")
        if self.clients is not None and self.clients.isVisible():
            self.clients.refresh()


def install_sharing(window: QMainWindow, root: Path) -> Sharing:
    """Add the sharing actions to ``window``'s toolbar and accept dropped bundles."""
    sharing = Sharing(window, root)
    bar = window.findChild(QToolBar)
    for text, shortcut, slot in (("Clients…", "Ctrl+L", sharing.open_clients),
                                 ("Send practice to my clinician…", "Ctrl+E",
                                  sharing.open_share)):
        action = QAction(text, window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if bar is not None:
            bar.addAction(action)
        else:
            window.addAction(action)
    window.setAcceptDrops(True)
    window.installEventFilter(sharing)
    return sharing
