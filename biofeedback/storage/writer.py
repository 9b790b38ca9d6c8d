"""Writing a session folder while it records (the format is :mod:`.folder`'s).

:class:`SessionWriter` appends rows and flushes (and fsyncs) them at least once a second, so a
session killed at any moment loses at most the last second; it holds the folder's advisory
lock while recording. :class:`MetricsFile` writes only ``metrics.csv`` rows (``replay
--metrics``).
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SessionWriteError
from ..types import Beat, Samples
from .folder import (
    BEAT_COLUMNS,
    EVENT_COLUMNS,
    FLUSH_EVERY_S,
    METRIC_COLUMNS,
    SAMPLE_COLUMNS,
    SCHEMA_VERSION,
    lock_folder,
    new_session_folder,
    write_json_atomic,
)
from .paths import open_private
from .tables import csv_cell, format_columns


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
            self._lock = lock_folder(folder, exclusive=True, wait=False)
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

    def tables(self, tables: dict[str, list[np.ndarray]]) -> None:
        """Append many rows at once to each named table (``beats``, ``events``,
        ``metrics``; one array per column, in the file's order), formatted a column at a
        time (an array given to several tables once), then flushed."""
        formatted: dict[int, list[str]] = {}
        with self._guard():
            for name, columns in tables.items():
                self._files[name].write(format_columns(columns, formatted))
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
