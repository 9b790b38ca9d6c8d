"""Session folders: the recording format and the source of truth (DESIGN.md).

One folder per session, ``YYYYMMDDTHHMMSS_<id>``, holding plain files:

* ``session.json`` — metadata; written at the start with ``end_status: recording`` and replaced
  atomically (temporary file, fsync, rename, fsync of the folder) at the end;
* ``beats.csv`` — ``t_s, rr_ms, hr_bpm, contact, artifact, arrival_s``, one row per beat;
* ``events.csv`` — ``t_s, kind, value``: connections, battery, pacer and protocol steps, markers;
* ``metrics.csv`` — what the user saw after each beat;
* ``ecg.csv`` (``t_s, ecg_uv``), ``acc.csv`` (``t_s, x_mg, y_mg, z_mg``) — a Polar H10's
  raw streams, when they were switched on.

Rows are appended and flushed (and fsynced) at least once a second, so a session killed at any
moment loses at most the last second. The reader tolerates a torn last line and reports what
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

from ..types import Beat, Samples
from .paths import fsync_dir, open_private, private_dir
from .rrfiles import RecordingError
from .tables import csv_cell, format_columns, read_columns

SCHEMA_VERSION = 1
BEAT_COLUMNS = ("t_s", "rr_ms", "hr_bpm", "contact", "artifact", "arrival_s")
EVENT_COLUMNS = ("t_s", "kind", "value")
SAMPLE_COLUMNS = {"ecg": ("t_s", "ecg_uv"), "acc": ("t_s", "x_mg", "y_mg", "z_mg")}
METRIC_COLUMNS = ("t_s", "hr_bpm", "rmssd_ms", "coherence", "level", "peak_hz",
                  "achievement", "pacer_bpm", "step")
FLUSH_EVERY_S = 1.0


class SessionWriteError(Exception):
    """The recording could not be written; ``str()`` is a one-line reason. What was written
    before stays readable."""


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


def _lock_folder(folder: Path, exclusive: bool, wait: bool) -> int | None:
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
        fd = _lock_folder(folder, exclusive=False, wait=False)
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
    while (fd := _lock_folder(folder, exclusive=True, wait=False)) is None:
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


def metrics_cells(row: dict[str, Any]) -> tuple[Any, ...]:
    """A ``metrics.csv`` row: the coherence level is empty (not -1) before its first value."""
    level = row.get("level")
    return tuple(None if c == "level" and level is not None and level < 0 else row.get(c)
                 for c in METRIC_COLUMNS)


class SessionWriter:
    """Appends a session to its folder. Every method raises :class:`SessionWriteError` on I/O
    failure (disk full, folder removed); call :meth:`close` in any case."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder = folder
        self.meta = {"schema_version": SCHEMA_VERSION, "end_status": "recording", **meta}
        self._last_flush = time.monotonic()
        self._closed = False
        self._lock: int | None = None
        with self._guard():
            self._lock = _lock_folder(folder, exclusive=True, wait=False)
            write_json_atomic(folder / "session.json", self.meta)
            self._files = {name: open_private(folder / f"{name}.csv")
                           for name in ("beats", "events", "metrics")}
            self._writers = {name: csv.writer(f) for name, f in self._files.items()}
            for name, columns in (("beats", BEAT_COLUMNS), ("events", EVENT_COLUMNS),
                                  ("metrics", METRIC_COLUMNS)):
                self._writers[name].writerow(columns)
            self.flush()

    @classmethod
    def create(cls, root: Path, meta: dict[str, Any], start: datetime) -> SessionWriter:
        try:
            folder, session_id = new_session_folder(root, start)
        except OSError as exc:
            raise SessionWriteError(f"cannot create a session folder in {root}: "
                                    f"{exc.strerror or exc}") from None
        return cls(folder, {"session_id": session_id, "start_time": start.isoformat(), **meta})

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise SessionWriteError(f"cannot write the recording in {self.folder}: "
                                    f"{exc.strerror or exc}") from None

    def _row(self, name: str, values: tuple[Any, ...]) -> None:
        with self._guard():
            self._writers[name].writerow([csv_cell(v) for v in values])
            if time.monotonic() - self._last_flush >= FLUSH_EVERY_S:
                self.flush()

    def rows(self, name: str, columns: list[np.ndarray]) -> None:
        """Append many rows at once (``beats``, ``events``, ``metrics``; one array per
        column, in the file's order), formatted a column at a time, then flushed."""
        with self._guard():
            self._files[name].write(format_columns(columns))
        self.flush()

    def beat(self, beat: Beat, artifact: bool) -> None:
        self._row("beats", (beat.t_s, beat.rr_ms, beat.hr_bpm, beat.contact, artifact,
                            beat.arrival_s))

    def event(self, t_s: float, kind: str, value: Any = "") -> None:
        self._row("events", (t_s, kind, value))

    def metrics(self, row: dict[str, Any]) -> None:
        self._row("metrics", metrics_cells(row))

    def samples(self, block: Samples) -> None:
        """Append raw samples to ``ecg.csv`` / ``acc.csv`` (created with the first block)."""
        name = block.kind
        with self._guard():
            if name not in self._files:
                self._files[name] = open_private(self.folder / f"{name}.csv")
                self._writers[name] = csv.writer(self._files[name])
                self._writers[name].writerow(SAMPLE_COLUMNS[name])
            values = block.values.reshape(len(block.t_s), -1).T.tolist()
            self._writers[name].writerows(zip(np.round(block.t_s, 4).tolist(), *values,
                                              strict=True))
            if time.monotonic() - self._last_flush >= FLUSH_EVERY_S:
                self.flush()

    def flush(self) -> None:
        with self._guard():
            for f in self._files.values():
                f.flush()
                os.fsync(f.fileno())
                # Writing to a removed folder succeeds silently on POSIX: look for it.
                if os.fstat(f.fileno()).st_nlink == 0:
                    raise SessionWriteError(f"the session folder {self.folder} was removed "
                                            "while recording")
        self._last_flush = time.monotonic()

    def close(self, end_status: str, **updates: Any) -> None:
        """Flush, close the files and record how the session ended (atomically)."""
        if self._closed:
            return
        self._closed = True
        errors = []
        for f in getattr(self, "_files", {}).values():
            try:
                f.close()
            except OSError as exc:
                errors.append(exc)
        self.meta.update(updates, end_status=end_status)
        try:
            with self._guard():
                write_json_atomic(self.folder / "session.json", self.meta)
                if errors:
                    raise errors[0]
        finally:
            if self._lock is not None:
                os.close(self._lock)
                self._lock = None


@dataclass
class SessionRecord:
    """A session folder read back. Arrays are per beat (``beats``) or per metrics row."""

    folder: Path
    meta: dict[str, Any]
    beats: dict[str, np.ndarray]
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
    fd = _lock_folder(folder, exclusive=True, wait=False) if os.access(folder, os.W_OK) else None
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


def read_session(folder: str | Path) -> SessionRecord:
    """Read a session folder; raises :class:`RecordingError` when it is not one."""
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
    tables = {}
    for name, columns, text in (("beats", BEAT_COLUMNS, ()),
                                ("events", EVENT_COLUMNS, ("kind", "value")),
                                ("metrics", METRIC_COLUMNS, ("step",))):
        tables[name] = _read_columns(folder / f"{name}.csv", columns, text, skips)
        if tables[name] is None:  # damaged: row by row, saying what is skipped
            rows = _read_table(folder / f"{name}.csv", columns, skips)
            tables[name] = _parse(rows, columns, text, f"{name}.csv", skips)
    beats, ev, metrics = tables["beats"], tables["events"], tables["metrics"]
    beats["artifact"] = beats["artifact"] == 1.0
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


class MetricsFile:
    """A recorder that writes only ``metrics.csv``-formatted rows to one file (``replay
    --metrics``): what a live user would have seen, in the same format as a session's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = open_private(path, "w")
        except OSError as exc:
            raise SessionWriteError(f"{path}: cannot write ({exc.strerror or exc})") from None
        self._writer = csv.writer(self._file)
        self._writer.writerow(METRIC_COLUMNS)

    def beat(self, beat: Beat, artifact: bool) -> None:
        pass

    def event(self, t_s: float, kind: str, value: Any = "") -> None:
        pass

    def samples(self, block: Samples) -> None:
        pass

    def metrics(self, row: dict[str, Any]) -> None:
        try:
            self._writer.writerow([csv_cell(v) for v in metrics_cells(row)])
        except OSError as exc:
            raise SessionWriteError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def close(self, end_status: str, **updates: Any) -> None:
        self._file.close()
