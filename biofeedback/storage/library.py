"""The library: a SQLite index of clients and sessions, rebuildable from the files.

The session folders and the client profiles (``clients/<id>.json``) are the truth; the
database (``library.sqlite`` beside them) only makes listing and progress fast. Deleting it
loses nothing: :meth:`Library.rebuild` reads everything back.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .paths import clients_dir, private_dir, sessions_dir
from .rrfiles import RecordingError
from .session import is_session_folder, read_session, write_json_atomic

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created TEXT, notes TEXT, resonance_bpm REAL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, folder TEXT UNIQUE NOT NULL, client_id TEXT, start_time TEXT,
    duration_s REAL, end_status TEXT, protocol TEXT, source TEXT, n_beats INTEGER,
    mean_hr_bpm REAL, rmssd_ms REAL, coherence_ratio REAL, time_high_pct REAL,
    pre_rating INTEGER, post_rating INTEGER, notes TEXT);
CREATE INDEX IF NOT EXISTS sessions_by_client ON sessions (client_id, start_time);
"""

SESSION_COLUMNS = ("id", "folder", "client_id", "start_time", "duration_s", "end_status",
                   "protocol", "source", "n_beats", "mean_hr_bpm", "rmssd_ms", "coherence_ratio",
                   "time_high_pct", "pre_rating", "post_rating", "notes")


class LibraryError(Exception):
    """A one-line problem with the library or a client name."""


def client_id(name: str) -> str:
    """A file-safe id for a client name: ``"Anna Smith"`` → ``"anna-smith"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not slug or len(slug) > 64:
        raise LibraryError(f"client name {name!r} needs 1-64 letters or digits")
    return slug


def _summary_of(record) -> dict[str, Any]:
    """The stored summary, or one computed from the beats of an interrupted session."""
    summary = record.meta.get("summary")
    if summary:
        return summary
    t, rr = record.beats["t_s"], record.beats["rr_ms"]
    if t.size < 2:
        return {"n_beats": int(t.size)}
    from ..signal import summarize

    s = summarize(t, rr)
    return {k: s[k] for k in ("n_beats", "mean_hr_bpm", "rmssd_ms", "coherence_ratio",
                              "artifacts_pct", "quality_grade", "quality_reason")}


class Library:
    """Open with ``Library(data_dir)``; use as a context manager or call :meth:`close`."""

    def __init__(self, root: Path) -> None:
        self.root = private_dir(Path(root))
        self.path = self.root / "library.sqlite"
        new = not self.path.exists()
        try:
            if new:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.db = sqlite3.connect(self.path)
            self.db.row_factory = sqlite3.Row
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{self.path}: not a usable library ({exc}); delete it and run "
                               "'biofeedback sessions --rebuild'") from None
        if new:
            self.rebuild()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- clients --------------------------------------------------------------------------
    def client(self, name: str, create: bool = True) -> dict[str, Any]:
        """The client profile for ``name``; created (file and row) when new."""
        cid = client_id(name)
        path = clients_dir(self.root) / f"{cid}.json"
        if path.exists():
            profile = json.loads(path.read_text(encoding="utf-8"))
        elif create:
            profile = {"id": cid, "name": name.strip(), "notes": "", "resonance_bpm": None,
                       "created": datetime.now().astimezone().isoformat(timespec="seconds")}
            private_dir(path.parent)
            write_json_atomic(path, profile)
        else:
            raise LibraryError(f"no client {name!r}")
        self._put_client(profile)
        return profile

    def update_client(self, name: str, **changes: Any) -> dict[str, Any]:
        profile = self.client(name) | changes
        write_json_atomic(clients_dir(self.root) / f"{profile['id']}.json", profile)
        self._put_client(profile)
        return profile

    def _write(self, sql: str, params: tuple | list = ()) -> None:
        """One write to the index; a full disk or a locked file is a one-line error."""
        try:
            with self.db:
                self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise LibraryError(f"{self.path}: cannot update the library ({exc}); the session "
                               "folders are unaffected, 'sessions --rebuild' indexes them "
                               "later") from None

    def _put_client(self, p: dict[str, Any]) -> None:
        self._write("INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?)",
                    (p["id"], p["name"], p.get("created"), p.get("notes"),
                     p.get("resonance_bpm")))

    def clients(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM clients ORDER BY name")]

    # -- sessions -------------------------------------------------------------------------
    def index_session(self, folder: Path) -> dict[str, Any]:
        """Read one session folder into the index (again, if it was there)."""
        record = read_session(folder)
        meta, summary = record.meta, _summary_of(record)
        beats_t = record.beats["t_s"]
        row = {
            "id": record.session_id, "folder": str(Path(folder).resolve()),
            "client_id": meta.get("client_id"), "start_time": meta.get("start_time"),
            "duration_s": meta.get("duration_s", float(beats_t[-1]) if beats_t.size else 0.0),
            "end_status": record.end_status,
            "protocol": (meta.get("settings") or {}).get("protocol"),
            "source": meta.get("source"), "n_beats": int(beats_t.size),
            "mean_hr_bpm": summary.get("mean_hr_bpm"), "rmssd_ms": summary.get("rmssd_ms"),
            "coherence_ratio": summary.get("coherence_ratio"),
            "time_high_pct": summary.get("time_high_pct"),
            "pre_rating": meta.get("pre_rating"), "post_rating": meta.get("post_rating"),
            "notes": meta.get("notes"),
        }
        row = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        if row["client_id"] and not (clients_dir(self.root) / f"{row['client_id']}.json").exists():
            self.client(meta.get("client_name") or row["client_id"])
        self._write(
            f"INSERT OR REPLACE INTO sessions VALUES ({', '.join('?' * len(SESSION_COLUMNS))})",
            [row[c] for c in SESSION_COLUMNS])
        return row

    def rebuild(self) -> tuple[int, list[str]]:
        """Forget the index and read every client profile and session folder again.

        Returns the number of sessions indexed and the one-line problems met on the way.
        """
        problems: list[str] = []
        self._write("DELETE FROM sessions")
        self._write("DELETE FROM clients")
        for path in sorted(clients_dir(self.root).glob("*.json")):
            try:
                self._put_client(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError) as exc:
                problems.append(f"{path}: skipped ({exc})")
        n = 0
        root = sessions_dir(self.root)
        for folder in sorted(root.iterdir()) if root.is_dir() else []:
            if not is_session_folder(folder):
                continue
            try:
                self.index_session(folder)
                n += 1
            except RecordingError as exc:
                problems.append(str(exc))
        return n, problems

    def annotate_session(self, folder: Path, **fields: Any) -> None:
        """Write ``pre_rating``, ``post_rating`` or ``notes`` into a session's
        ``session.json`` (atomically) and the index."""
        meta = dict(read_session(folder).meta)
        meta.update({k: v for k, v in fields.items() if v is not None})
        write_json_atomic(folder / "session.json", meta)
        self.index_session(folder)

    def sessions(self, client: str | None = None) -> list[dict[str, Any]]:
        if client is None:
            rows = self.db.execute("SELECT * FROM sessions ORDER BY start_time")
        else:
            rows = self.db.execute("SELECT * FROM sessions WHERE client_id = ? ORDER BY "
                                   "start_time", (client_id(client),))
        return [dict(r) for r in rows]

    def find_session(self, key: str) -> Path:
        """A session folder by path, folder name or session id."""
        path = Path(key)
        if is_session_folder(path):
            return path
        row = self.db.execute("SELECT folder FROM sessions WHERE id = ? OR folder LIKE ?",
                              (key, f"%{key}")).fetchone()
        if row is None:
            raise LibraryError(f"no session {key!r} (give a folder, or an id from "
                               "'biofeedback sessions')")
        return Path(row["folder"])
