"""The library: a SQLite index of clients and sessions, rebuildable from the files.

The session folders and the client profiles (``clients/<id>.json``) are the truth; the
database (``library.sqlite`` beside them) only makes listing and progress fast. Deleting it
loses nothing: :meth:`Library.rebuild` reads everything back.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import LibraryError as LibraryError
from ..errors import RecordingError
from ..types import BeatTable
from .clients import client_id, client_key, legacy_client_id
from .folder import (
    check_indexable,
    folder_locked,
    is_session_folder,
    read_session,
    write_json_atomic,
    writer_alive,
)
from .paths import clients_dir, private_dir, sessions_dir

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

CLIENT_INSERT = "INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?)"
SESSION_COLUMNS = ("id", "folder", "client_id", "start_time", "duration_s", "end_status",
                   "protocol", "source", "n_beats", "mean_hr_bpm", "rmssd_ms", "coherence_ratio",
                   "time_high_pct", "pre_rating", "post_rating", "notes")
SESSION_INSERT = (f"INSERT OR REPLACE INTO sessions VALUES "
                  f"({', '.join('?' * len(SESSION_COLUMNS))})")


#: Characters a session key may hold (folder names and ids); anything else is refused.
SESSION_KEY = re.compile(r"[0-9A-Za-z_-]+")
#: The shortest id prefix accepted as a session key.
MIN_ID_PREFIX = 4
def _number(value: Any) -> float | None:
    """A finite number from ``session.json``, else None (text, booleans, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _rating(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _summary_of(record) -> dict[str, Any]:
    """The stored summary, or one computed from the beats of an interrupted session."""
    summary = record.meta.get("summary")
    if summary:
        return summary
    t, rr = record.beats.t_s, record.beats.rr_ms
    if t.size < 2:
        return {"n_beats": int(t.size)}
    from ..signal import AnalysisParams, summarize

    s = summarize(t, rr, AnalysisParams(entropies=False))
    return {k: s[k] for k in ("n_beats", "mean_hr_bpm", "rmssd_ms", "coherence_ratio",
                              "artifacts_pct", "quality_grade", "quality_reason")}


class Library:
    """Open with ``Library(data_dir)``; use as a context manager or call :meth:`close`.

    ``create=False`` (read-only commands) creates neither the data folder nor
    ``library.sqlite``: without a library file the index is built in memory from the files.
    """

    def __init__(self, root: Path, create: bool = True) -> None:
        root = Path(root)
        self.path = root / "library.sqlite"
        self.root = private_dir(root) if create else root
        new = not self.path.exists()
        self.in_memory = new and not create
        try:
            if new and create:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.db = sqlite3.connect(":memory:" if new and not create else self.path,
                                      timeout=30.0)
            self.db.row_factory = sqlite3.Row
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{self.path}: not a usable library ({exc}); delete it and run "
                               "'biofeedback sessions --rebuild'") from None
        self.problems: list[str] = []
        if new:
            _, self.problems = self.rebuild()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- clients --------------------------------------------------------------------------
    def find_client(self, name: str) -> dict[str, Any] | None:
        """The profile of the client called ``name`` (any case or spacing), or None. A
        profile saved under the id of earlier versions is found too, when its name matches."""
        cid = client_id(name)
        candidates = [cid] + [legacy for legacy in [legacy_client_id(name)]
                              if legacy and legacy != cid]
        for i, candidate in enumerate(candidates):
            path = clients_dir(self.root) / f"{candidate}.json"
            try:
                profile = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                raise LibraryError(f"{path}: unreadable client profile ({exc})") from None
            if not isinstance(profile, dict):
                raise LibraryError(f"{path}: not a client profile")
            if i == 0 or client_key(str(profile.get("name", ""))) == client_key(name):
                return profile
        return None

    def client(self, name: str, create: bool = True) -> dict[str, Any]:
        """The client profile for ``name``; created (file and row) when new."""
        profile = self.find_client(name)
        if profile is None and not create:
            raise LibraryError(f"no client {name!r}")
        if profile is None:
            profile = {"id": client_id(name),
                       "name": unicodedata.normalize("NFC", name).strip(), "notes": "",
                       "resonance_bpm": None,
                       "created": datetime.now().astimezone().isoformat(timespec="seconds")}
            private_dir(clients_dir(self.root))
            write_json_atomic(clients_dir(self.root) / f"{profile['id']}.json", profile)
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

    @staticmethod
    def _client_params(p: dict[str, Any]) -> tuple:
        return (p["id"], p["name"], p.get("created"), p.get("notes"),
                _number(p.get("resonance_bpm")))

    def _put_client(self, p: dict[str, Any]) -> None:
        self._write(CLIENT_INSERT, self._client_params(p))

    def clients(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM clients ORDER BY name")]

    # -- sessions -------------------------------------------------------------------------
    def _session_row(self, folder: Path, beats: BeatTable | None = None) -> dict[str, Any]:
        """A session folder as an index row (RecordingError when it cannot be read);
        ``beats``: the folder's beats when the caller has just written them."""
        record = read_session(folder, tables=() if beats is not None else ("beats",))
        if beats is not None:
            record.beats = beats
        check_indexable(Path(folder), record.meta)
        meta, summary = record.meta, _summary_of(record)
        beats_t = record.beats["t_s"]
        duration = _number(meta.get("duration_s"))
        row = {
            "id": record.session_id, "folder": str(Path(folder).resolve()),
            "client_id": meta.get("client_id") if isinstance(meta.get("client_id"), str)
            else None, "start_time": meta.get("start_time"),
            "duration_s": duration if duration is not None
            else (float(beats_t[-1]) if beats_t.size else 0.0),
            "end_status": record.end_status,
            "protocol": (meta.get("settings") or {}).get("protocol"),
            "source": str(meta.get("source") or ""), "n_beats": int(beats_t.size),
            "mean_hr_bpm": _number(summary.get("mean_hr_bpm")),
            "rmssd_ms": _number(summary.get("rmssd_ms")),
            "coherence_ratio": _number(summary.get("coherence_ratio")),
            "time_high_pct": _number(summary.get("time_high_pct")),
            "pre_rating": _rating(meta.get("pre_rating")),
            "post_rating": _rating(meta.get("post_rating")),
            "notes": str(meta.get("notes") or ""),
            "client_name": meta.get("client_name") if isinstance(meta.get("client_name"), str)
            else None,
        }
        row["protocol"] = row["protocol"] if isinstance(row["protocol"], str) else None
        return row

    def _missing_client(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The profile to create for a session whose client has none (deleted, or older)."""
        cid, name = row["client_id"], row["client_name"]
        if not cid or (clients_dir(self.root) / f"{cid}.json").exists():
            return None
        return {"id": cid, "name": name if name and name.strip() else cid,
                "notes": "", "resonance_bpm": None,
                "created": datetime.now().astimezone().isoformat(timespec="seconds")}

    def index_session(self, folder: Path, beats: BeatTable | None = None) -> dict[str, Any]:
        """Read one session folder into the index (again, if it was there); ``beats``: its
        beats when the caller has them (an import that just wrote them), else read back."""
        row = self._session_row(folder, beats)
        profile = self._missing_client(row)
        if profile is not None:
            if not self.in_memory:  # a read-only command's index writes no files
                private_dir(clients_dir(self.root))
                write_json_atomic(clients_dir(self.root) / f"{profile['id']}.json", profile)
            self._put_client(profile)
        self._write(SESSION_INSERT, [row[c] for c in SESSION_COLUMNS])
        return row

    def rebuild(self) -> tuple[int, list[str]]:
        """Forget the index and read every client profile and session folder again.

        Everything is read first; the index is then replaced in one transaction, so a reader
        sees the old index or the new one, and a kill leaves the old one. A folder that cannot
        be read is skipped. Returns the number of sessions indexed and one line per problem.
        """
        problems: list[str] = []
        clients: dict[str, dict[str, Any]] = {}
        for path in sorted(clients_dir(self.root).glob("*.json")):
            try:
                profile = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(profile, dict) or not isinstance(profile.get("id"), str) \
                        or not isinstance(profile.get("name"), str):
                    raise ValueError("not a client profile")
                clients[profile["id"]] = profile
            except (OSError, ValueError) as exc:
                problems.append(f"{path}: skipped ({exc})")
        rows, new_clients = [], []
        root = sessions_dir(self.root)
        try:
            folders = sorted(root.iterdir()) if root.is_dir() else []
        except OSError as exc:
            raise LibraryError(f"{root}: unreadable ({exc.strerror or exc})") from None
        for folder in folders:
            try:
                if not folder.is_dir() or not (folder / "session.json").is_file():
                    continue  # not a session folder; an unreadable one raises PermissionError
                row = self._session_row(folder)
                profile = self._missing_client(row)
            except (RecordingError, OSError) as exc:
                problems.append(f"{folder}: skipped ({exc})" if str(folder) not in str(exc)
                                else f"skipped {exc}")
                continue
            rows.append(row)
            if profile is not None and profile["id"] not in clients:
                clients[profile["id"]] = profile
                new_clients.append(profile)
        for profile in new_clients:
            if not self.in_memory:  # a read-only command's index writes no files
                private_dir(clients_dir(self.root))
                write_json_atomic(clients_dir(self.root) / f"{profile['id']}.json", profile)
        try:
            with self.db:
                self.db.execute("DELETE FROM sessions")
                self.db.execute("DELETE FROM clients")
                self.db.executemany(CLIENT_INSERT,
                                    [self._client_params(p) for p in clients.values()])
                self.db.executemany(SESSION_INSERT,
                                    [[r[c] for c in SESSION_COLUMNS] for r in rows])
        except sqlite3.Error as exc:
            raise LibraryError(f"{self.path}: cannot rebuild the library ({exc}); the old "
                               "index is kept") from None
        return len(rows), problems

    def annotate_session(self, folder: Path, **fields: Any) -> None:
        """Write ``pre_rating``, ``post_rating`` or ``notes`` into a session's
        ``session.json`` (atomically) and the index."""
        with folder_locked(folder):
            meta = dict(read_session(folder).meta)
            meta.update({k: v for k, v in fields.items() if v is not None})
            write_json_atomic(folder / "session.json", meta)
        self.index_session(folder)

    def sessions(self, client: str | None = None) -> list[dict[str, Any]]:
        """Sessions oldest first, with the client's name (``client_name``). A session still
        marked ``recording`` whose writer is gone is read again (it shows as interrupted)."""
        query = ("SELECT sessions.*, clients.name AS client_name FROM sessions "
                 "LEFT JOIN clients ON clients.id = sessions.client_id")
        if client is None:
            rows = self.db.execute(f"{query} ORDER BY start_time")
        else:
            profile = self.find_client(client)  # sessions keep their client without a profile
            rows = self.db.execute(f"{query} WHERE client_id = ? ORDER BY start_time",
                                   (profile["id"] if profile else client_id(client),))
        out = [dict(r) for r in rows]
        for r in out:
            if r["end_status"] == "recording" and not writer_alive(Path(r["folder"])):
                try:
                    r.update(self.index_session(Path(r["folder"])))
                except (RecordingError, LibraryError, OSError):
                    r["end_status"] = "interrupted"
        return out

    def find_session(self, key: str) -> Path:
        """A session folder by path, exact folder name, session id, a unique prefix of an id
        (at least :data:`MIN_ID_PREFIX` characters), or ``latest`` (the last one started).

        Keys never match as patterns: anything but letters, digits, ``_`` and ``-`` that is
        not the path of a session folder is refused."""
        if not key.strip():
            raise LibraryError("an empty session key: give a folder, an id from "
                               "'biofeedback sessions' or 'latest'")
        if not SESSION_KEY.fullmatch(key):
            if is_session_folder(key):
                return Path(key)
            raise LibraryError(f"{key!r} is neither a session folder nor a session key "
                               "(an id, a folder name or 'latest')")
        if key == "latest":
            row = self.db.execute("SELECT folder FROM sessions ORDER BY start_time DESC, "
                                  "folder DESC LIMIT 1").fetchone()
            if row is None:
                raise LibraryError("no sessions yet, so no 'latest' one")
            return Path(row["folder"])
        rows = [Path(r["folder"]) for r in self.db.execute(
            "SELECT id, folder FROM sessions WHERE id = ? OR folder = ? OR folder LIKE ? "
            "ESCAPE '!'", (key, key, "%" + _like_escape(os.sep + key)))
            if r["id"] == key or Path(r["folder"]).name == key]
        if not rows and len(key) >= MIN_ID_PREFIX:
            rows = [Path(r["folder"]) for r in self.db.execute(
                "SELECT folder FROM sessions WHERE substr(id, 1, ?) = ?", (len(key), key))]
        if not rows and is_session_folder(key):
            return Path(key)
        if len(rows) > 1:
            raise LibraryError(f"session key {key!r} matches {len(rows)} sessions; give more "
                               "of the id or the folder name")
        if not rows:
            raise LibraryError(f"no session {key!r} (give a folder, an id from "
                               "'biofeedback sessions' or 'latest')")
        return rows[0]


def _like_escape(text: str) -> str:
    """``text`` as a literal in a LIKE pattern with ``ESCAPE '!'``."""
    return re.sub(r"([!%_])", r"!\1", text)
