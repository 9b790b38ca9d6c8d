"""Session folders: the recording format and the source of truth (DESIGN.md).

One folder per session, ``YYYYMMDDTHHMMSS_<id>``, holding plain files:

* ``session.json`` — metadata; written at the start with ``end_status: recording`` and replaced
  atomically (temporary file, fsync, rename, fsync of the folder) at the end;
* ``beats.csv`` — ``t_s, rr_ms, hr_bpm, contact, artifact, arrival_s``, one row per beat;
* ``events.csv`` — ``t_s, kind, value``: connections, battery, pacer and protocol steps, markers;
* ``metrics.csv`` — what the user saw after each beat;
* ``ecg.csv`` (``t_s, ecg_uv``), ``acc.csv`` (``t_s, x_mg, y_mg, z_mg``) — a Polar H10's
  raw streams, when they were switched on.

:mod:`.writer` appends the rows while recording; this module holds the format, the folder's
lock, and the reader. The reader tolerates a torn last line and reports what
it skipped; a folder still marked ``recording`` reads back as ``interrupted`` once its writer is
gone. The writer holds an advisory lock (``flock``) on the folder while recording: the kernel
drops it when the process dies, however it dies, so readers tell a live recording from a dead
one without trusting process ids.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordingError
from ..types import BeatTable, Samples
from .paths import fsync_dir, open_private, private_dir
from .tables import read_columns

SCHEMA_VERSION = 1
BEAT_COLUMNS = BeatTable.COLUMNS
EVENT_COLUMNS = ("t_s", "kind", "value")
SAMPLE_COLUMNS = {"ecg": ("t_s", "ecg_uv"), "acc": ("t_s", "x_mg", "y_mg", "z_mg")}
METRIC_COLUMNS = ("t_s", "hr_bpm", "rmssd_ms", "coherence", "level", "peak_hz",
                  "achievement", "pacer_bpm", "step")
FLUSH_EVERY_S = 1.0


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open_private(tmp, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def lock_folder(folder: Path, exclusive: bool, wait: bool) -> int | None:
    """An open descriptor of ``folder`` holding its advisory lock, or None when another
    process holds a conflicting one (or locks are unavailable: not POSIX)."""
    if sys.platform == "win32":
        return None
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(fd, flags)
    except OSError:
        os.close(fd)
        return None
    return fd


def writer_alive(folder: Path) -> bool:
    """Whether a process is recording into ``folder`` now (it holds the folder's lock)."""
    if sys.platform == "win32":
        return False
    try:
        fd = lock_folder(folder, exclusive=False, wait=False)
    except OSError:
        return False
    if fd is None:
        return True
    os.close(fd)
    return False


@contextmanager
def folder_locked(folder: Path, patience_s: float = 2.0) -> Iterator[None]:
    """Hold ``folder``'s lock while rewriting its ``session.json``, so that recovering a
    ``.session.json.tmp`` never races a write in progress. RecordingError when a session is
    still recording into it (after waiting ``patience_s`` for another short rewrite)."""
    deadline = time.monotonic() + patience_s
    while (fd := lock_folder(folder, exclusive=True, wait=False)) is None:
        if sys.platform == "win32":
            break
        if time.monotonic() > deadline:
            raise RecordingError(f"{folder}: still recording; change it when it has ended")
        time.sleep(0.05)
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def new_session_folder(root: Path, start: datetime) -> tuple[Path, str]:
    """A fresh ``YYYYMMDDTHHMMSS_<id>`` folder under ``root`` (created 0700)."""
    session_id = uuid.uuid4().hex[:8]
    folder = root / f"{start.strftime('%Y%m%dT%H%M%S')}_{session_id}"
    private_dir(root)
    folder.mkdir(mode=0o700)
    return folder, session_id


def session_meta(*, source: str, device: dict[str, Any], settings: dict[str, Any],
                 protocol: dict[str, Any], client: dict[str, Any] | None = None,
                 pre_rating: int | None = None, notes: str = "",
                 **extra: Any) -> dict[str, Any]:
    """What a new session's ``session.json`` holds (the one place it is put together):
    program version, source spec, device, settings, protocol, client, ratings and notes,
    plus ``extra`` keys. The writer adds the schema version, session id, start time and
    ``end_status``; the runner adds the summary at the end."""
    from .. import __version__

    meta: dict[str, Any] = {"app_version": __version__, "source": source, "device": device,
                            "settings": settings, "protocol": protocol,
                            "pre_rating": pre_rating, "post_rating": None, "notes": notes}
    if client is not None:
        meta.update(client_id=client["id"], client_name=client["name"])
    return {**meta, **extra}


@dataclass
class SessionRecord:
    """A session folder read back. Arrays are per beat (``beats``) or per metrics row."""

    folder: Path
    meta: dict[str, Any]
    beats: BeatTable
    events: list[tuple[float, str, str]]
    metrics: dict[str, np.ndarray]
    skipped: list[str] = field(default_factory=list)
    #: Rows skipped per table, ``{"beats.csv": {"torn": 1, "malformed": 2}}``.
    skipped_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    writing: bool = False  # a process is recording into the folder now

    @property
    def end_status(self) -> str:
        status = str(self.meta.get("end_status", "interrupted"))
        if status == "recording":
            return "recording" if self.writing else "interrupted"
        return status

    def skipped_note(self) -> str | None:
        """One line saying which rows the reader skipped, or None when it skipped none."""
        parts = [f"{n} {kind} row{'s' if n != 1 else ''} of {table}"
                 for table, kinds in self.skipped_rows.items() for kind, n in kinds.items()]
        if not parts:
            return None
        return f"{self.folder}: skipped {', '.join(parts)}"

    @property
    def session_id(self) -> str:
        return str(self.meta.get("session_id", self.folder.name.rsplit("_", 1)[-1]))


def is_session_folder(path: str | Path) -> bool:
    path = Path(path)
    try:
        return path.is_dir() and (path / "session.json").is_file()
    except OSError:  # a folder we may not read
        return False


class _Skips:
    """What the reader skipped: lines for people and counts per table and kind."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.rows: dict[str, dict[str, int]] = {}

    def row(self, table: str, kind: str, line: str) -> None:
        self.lines.append(f"{table}: {line}, skipped")
        counts = self.rows.setdefault(table, {})
        counts[kind] = counts.get(kind, 0) + 1


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise RecordingError(f"{path}: unreadable ({exc.strerror or exc})") from None


def _read_table(path: Path, columns: tuple[str, ...], skips: _Skips) -> list[list[str]]:
    """Rows of a CSV we wrote; a torn or malformed row is skipped and reported. An empty file
    (or a torn header) is a table without rows: the writer was killed before its first flush."""
    try:
        text = _read_text(path)
    except FileNotFoundError:
        skips.lines.append(f"{path.name}: missing")
        return []
    if "\n" not in text and ",".join(columns).startswith(text):
        return []
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != columns:
        raise RecordingError(f"{path}: not a session table (header {rows[0] if rows else []})")
    body = []
    torn_tail = not text.endswith("\n")
    for i, row in enumerate(rows[1:], start=2):
        last = i == len(rows)
        if len(row) != len(columns) or (last and torn_tail):
            kind = "torn" if last else "malformed"
            skips.row(path.name, kind, f"line {i} {kind}")
            continue
        body.append(row)
    return body


def _read_columns(path: Path, columns: tuple[str, ...], text_columns: tuple[str, ...],
                  skips: _Skips) -> dict[str, np.ndarray] | None:
    """A session table read at once (vectorised); None when it is missing, has another
    header or any irregular row, for :func:`_read_table` to handle row by row. A torn last
    line is left out and reported."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    header, sep, body = text.partition("\n")
    if header.rstrip("\r") != ",".join(columns) or not sep:
        return None
    torn = bool(body) and not body.endswith("\n")
    line = body.count("\n") + 2
    try:
        table = read_columns(body[:body.rfind("\n") + 1] if torn else body, columns,
                             text_columns)
    except ValueError:
        return None
    if torn:
        skips.row(path.name, "torn", f"line {line} torn")
    return table


def _parse(rows: list[list[str]], columns: tuple[str, ...], text: tuple[str, ...],
           name: str, skips: _Skips) -> dict[str, np.ndarray]:
    """Columns as arrays: floats (empty cell: NaN), or strings for the ``text`` columns."""
    parsed = []
    for row in rows:
        try:
            parsed.append([cell if col in text else (float(cell) if cell else math.nan)
                           for col, cell in zip(columns, row, strict=True)])
        except ValueError:
            skips.row(name, "malformed", "a row with a non-number")
    return {col: np.array([r[i] for r in parsed], dtype=str if col in text else float)
            for i, col in enumerate(columns)}


def _load_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordingError(f"{path}: unreadable ({exc})") from None


def check_meta(folder: Path, meta: Any) -> dict[str, Any]:
    """``session.json``'s content, or RecordingError saying in one line what is wrong."""
    if not isinstance(meta, dict):
        raise RecordingError(f"{folder}/session.json: not a JSON object "
                             f"(a {type(meta).__name__})")
    version = meta.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise RecordingError(f"{folder}/session.json: schema_version {version!r} is not a "
                             "whole number")
    if version > SCHEMA_VERSION:
        raise RecordingError(f"{folder}: session schema {version} is newer than this program "
                             "reads")
    return meta


def check_indexable(folder: Path, meta: dict[str, Any]) -> None:
    """RecordingError unless the library can index ``session.json``: an ISO ``start_time`` and
    objects where objects belong. (Reports and exports still read such a folder and say what
    they cannot show.)"""
    start = meta.get("start_time")
    try:
        if start is not None:
            datetime.fromisoformat(start)
    except (TypeError, ValueError):
        raise RecordingError(f"{folder}/session.json: start_time {start!r} is not an ISO date "
                             "and time") from None
    for key in ("summary", "settings", "protocol", "device"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise RecordingError(f"{folder}/session.json: {key} is not a JSON object")


def _recovered_meta(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """``session.json``, or the completed ``.session.json.tmp`` a kill left before its rename
    (valid, same session, newer): then it is renamed into place when no process holds the
    folder, else only read."""
    tmp = folder / ".session.json.tmp"
    try:
        newer = tmp.stat().st_mtime_ns >= (folder / "session.json").stat().st_mtime_ns
        candidate = json.loads(tmp.read_text(encoding="utf-8")) if newer else None
    except (OSError, ValueError):
        return meta
    if not isinstance(candidate, dict) or candidate.get("session_id") != meta.get("session_id"):
        return meta
    try:
        check_meta(folder, candidate)
    except RecordingError:
        return meta
    fd = lock_folder(folder, exclusive=True, wait=False) if os.access(folder, os.W_OK) else None
    if fd is not None:
        try:
            if tmp.exists():
                os.replace(tmp, folder / "session.json")
                fsync_dir(folder)
        except OSError:
            pass  # read-only medium: the recovered content is still used
        finally:
            os.close(fd)
    return candidate


#: The tables of a session folder, in the order they are read.
TABLES = ("beats", "events", "metrics")


def read_session(folder: str | Path, tables: tuple[str, ...] = TABLES) -> SessionRecord:
    """Read a session folder; raises :class:`RecordingError` when it is not one.

    ``tables``: which of ``beats``, ``events`` and ``metrics`` to read (the library's index
    needs only the beats); the others come back empty."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecordingError(f"{folder}: no such session folder")
    try:
        meta = check_meta(folder, _load_json(folder / "session.json"))
    except FileNotFoundError:
        raise RecordingError(f"{folder}: not a session folder (no session.json)") from None
    writing = meta.get("end_status") == "recording" and writer_alive(folder)
    if not writing:
        meta = _recovered_meta(folder, meta)
    skips = _Skips()
    read = {}
    for name, columns, text in (("beats", BEAT_COLUMNS, ()),
                                ("events", EVENT_COLUMNS, ("kind", "value")),
                                ("metrics", METRIC_COLUMNS, ("step",))):
        if name not in tables:
            read[name] = _parse([], columns, text, f"{name}.csv", skips)
            continue
        read[name] = _read_columns(folder / f"{name}.csv", columns, text, skips)
        if read[name] is None:  # damaged: row by row, saying what is skipped
            rows = _read_table(folder / f"{name}.csv", columns, skips)
            read[name] = _parse(rows, columns, text, f"{name}.csv", skips)
    beats = BeatTable.from_columns(read["beats"])
    ev, metrics = read["events"], read["metrics"]
    events = list(zip(ev["t_s"].tolist(), ev["kind"].tolist(), ev["value"].tolist(),
                      strict=True))
    return SessionRecord(folder, meta, beats, events, metrics, skips.lines, skips.rows,
                         writing)


def read_samples(folder: str | Path, kind: str) -> Samples | None:
    """A session's raw ``ecg`` or ``acc`` stream, or None when it was not recorded."""
    path = Path(folder) / f"{kind}.csv"
    if not path.exists():
        return None
    columns = SAMPLE_COLUMNS[kind]
    fast = _read_columns(path, columns, (), _Skips())
    if fast is not None:
        table = np.column_stack([fast[c] for c in columns]).reshape(-1, len(columns))
    else:
        rows = _read_table(path, columns, _Skips())
        table = np.array(rows, dtype=float).reshape(-1, len(columns))
    values = table[:, 1] if kind == "ecg" else table[:, 1:]
    return Samples(kind, table[:, 0], values)
