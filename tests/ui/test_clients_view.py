"""The window's sharing under pytest-qt (offscreen): the Clients view, the share dialog and
a bundle dropped on the window."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta

import pytest
from practice import CLIENT, record_practice, tree_digest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from biofeedback.app.sharing import ShareRequest, share
from biofeedback.storage.bundle import read_bundle
from biofeedback.storage.folder import read_session, write_json_atomic
from biofeedback.storage.library import Library
from biofeedback.ui.dialogs import ProgressDialog


@pytest.fixture
def library(tmp_path):
    """The window's data folder: Anna practising now, Ben who stopped 10 days ago."""
    root = tmp_path / "data"
    record_practice(root)
    (ben,) = record_practice(root, seeds=(4,), client="Ben Jones", duration_s=120.0,
                             protocol="free")
    meta = read_session(ben).meta
    old = datetime.fromisoformat(meta["start_time"]) - timedelta(days=10)
    write_json_atomic(ben / "session.json", meta | {"start_time": old.isoformat()})
    with Library(root) as lib:
        lib.index_session(ben)
    return root


def _action(window, text):
    return next(a for a in window.findChildren(QAction) if a.text() == text)


def test_the_clients_view_lists_the_caseload_and_opens_progress(qtbot, make_window, library):
    window = make_window("sim")
    _action(window, "Clients…").trigger()
    view = window.sharing.clients
    qtbot.waitUntil(lambda: view.loaded, timeout=10000)
    assert view.table.rowCount() == 2
    cells = {view.table.item(i, 0).text(): [view.table.item(i, j).text()
                                             for j in range(view.table.columnCount())]
             for i in range(2)}
    assert view.table.item(0, 0).text() == "Ben Jones"  # flagged first
    assert "practice stopped (10 days" in cells["Ben Jones"][7]
    assert view.table.item(0, 0).background().color().name().upper() == "#E69F00"
    assert cells[CLIENT][2].startswith("2 · 16 min") and cells[CLIENT][7] == ""
    assert cells[CLIENT][6] == "6.0 → 3.0" and "ms" in cells[CLIENT][4]
    assert "1 flagged" in view.status.text()
    view.table.selectRow(1)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.progress, ProgressDialog), timeout=10000)
    assert view.progress.windowTitle() == f"Progress — {CLIENT}"
    assert view.progress.headline.text().startswith("2 sessions")
    assert view.progress.table.rowCount() == 2


def test_the_share_dialog_writes_an_encrypted_private_bundle(qtbot, make_window, library,
                                                             tmp_path):
    window = make_window("sim")
    window.session.client.setText(CLIENT)
    _action(window, "Send practice to my clinician…").trigger()
    dialog = window.sharing.share_dialog
    assert dialog.client.currentText() == CLIENT
    dialog.encrypt.setChecked(True)
    dialog.passphrase.setText("a long passphrase")
    dialog.again.setText("a long passphrase!")
    dialog.out.setText(str(tmp_path / "out" / "anna.bfbundle"))
    (tmp_path / "out").mkdir()
    qtbot.mouseClick(dialog.create, Qt.MouseButton.LeftButton)
    assert "differ" in dialog.message.text() and not list((tmp_path / "out").iterdir())
    dialog.again.setText("a long passphrase")
    qtbot.mouseClick(dialog.create, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=20000)
    assert stat.S_IMODE(dialog.written.stat().st_mode) == 0o600
    assert "2 sessions, encrypted" in dialog.message.text()
    bundle = read_bundle(dialog.written, "a long passphrase")
    assert len(bundle.sessions) == 2 and bundle.profile["name"] == CLIENT


def _drop(window, path):
    """Drag ``path`` over the window and drop it, through the window's event filter (Qt
    delivers drag events only while a real drag runs, which offscreen cannot start)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point, action = QPoint(50, 50), Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, action, mime, buttons, keys)
    if not window.sharing.eventFilter(window, enter):
        return False
    assert enter.isAccepted() and window.acceptDrops()
    drop = QDropEvent(QPointF(point), action, mime, buttons, keys)
    return window.sharing.eventFilter(window, drop) and drop.isAccepted()


def test_a_dropped_bundle_is_imported_after_confirmation(qtbot, make_window, library,
                                                         tmp_path, monkeypatch):
    home = tmp_path / "home"
    record_practice(home, seeds=(9,), client="Cleo Park", duration_s=120.0, protocol="free")
    bundle = share(home, ShareRequest("Cleo Park"), tmp_path / "cleo.bfbundle").path
    window = make_window("sim")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or
                        QMessageBox.StandardButton.No)
    before = tree_digest(library)
    assert _drop(window, bundle)
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert "Import 1 session of Cleo Park" in asked[0]
    assert tree_digest(library) == before  # declined: nothing written
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert _drop(window, bundle)
    qtbot.waitUntil(lambda: window.sharing.last_import is not None, timeout=10000)
    assert len(window.sharing.last_import.added) == 1
    with Library(library, create=False) as lib:
        assert len(lib.sessions("Cleo Park")) == 1


def test_a_damaged_dropped_bundle_is_refused_and_writes_nothing(qtbot, make_window, library,
                                                                tmp_path, monkeypatch):
    bundle = share(library, ShareRequest(CLIENT), tmp_path / "anna.bfbundle").path
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bundle.write_bytes(bytes(data))
    window = make_window("sim")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    before = tree_digest(library)
    assert _drop(window, bundle)
    qtbot.waitUntil(lambda: bool(warnings), timeout=10000)
    assert warnings[0].startswith("Nothing was imported")
    assert tree_digest(library) == before
    text = tmp_path / "notes.txt"
    text.write_text("not a bundle")
    assert not _drop(window, text)


def test_a_clients_report_is_written_from_the_view(qtbot, make_window, library, tmp_path,
                                                   monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "reports"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    window = make_window("sim")
    window.sharing.open_clients()
    view = window.sharing.clients
    qtbot.waitUntil(lambda: view.loaded, timeout=10000)
    row = next(i for i, r in enumerate(view.rows) if r.client == CLIENT)
    view.table.selectRow(row)
    qtbot.mouseClick(view.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.reports), timeout=60000)
    html, pdf = view.reports
    assert (html.name, pdf.name) == ("progress_anna-smith.html", "progress_anna-smith.pdf")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600 and pdf.read_bytes()[:4] == b"%PDF"
    assert CLIENT in html.read_text(encoding="utf-8")
