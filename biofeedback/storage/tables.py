"""Writing result tables (CSV) without losing what was already written."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any


class OutputError(Exception):
    """An output file could not be written; ``str()`` is a one-line reason."""


def csv_cell(value: Any) -> str:
    """One CSV cell: floats at full precision (they read back bit for bit), NaN and None
    empty, booleans 1/0. NumPy scalars are made Python ones first (their repr is not a number)."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]], columns: list[str]) -> int:
    """Write ``rows`` (dicts) to ``path`` with ``columns``; NaN becomes an empty cell.

    Returns the number of rows written. Raises :class:`OutputError` on any OS error.
    """
    path = Path(path)
    n = 0
    try:
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: csv_cell(v) for k, v in row.items()})
                n += 1
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return n


class GrowingTable:
    """A CSV that grows one row at a time (flushed, so an interrupted batch keeps its rows)
    and can be resumed: :meth:`open` returns the rows already there."""

    def __init__(self, path: str | Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = columns
        self._file = None
        self._writer: csv.DictWriter | None = None

    def open(self, resume: bool, keep: Callable[[dict[str, str]], bool] = lambda r: True
             ) -> list[dict[str, str]]:
        """Start the file; resuming, first copy over the rows already there that ``keep``
        accepts, and return them. OutputError on failure."""
        kept: list[dict[str, str]] = []
        try:
            if resume and self.path.exists():
                with self.path.open(newline="", encoding="utf-8") as f:
                    reader = csv.DictReader(f)
                    if reader.fieldnames != self.columns:
                        raise OutputError(f"{self.path}: its columns differ from this "
                                          "analysis's; cannot resume into it")
                    kept = [r for r in reader if None not in r.values() and keep(r)]
            self._file = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._file, fieldnames=self.columns,
                                          extrasaction="ignore")
            self._writer.writeheader()
            self._writer.writerows(kept)
            self._file.flush()
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        return kept

    def add(self, row: Mapping[str, Any]) -> None:
        assert self._writer is not None and self._file is not None
        try:
            self._writer.writerow({k: csv_cell(v) for k, v in row.items()})
            self._file.flush()
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def close(self, sort_by: str | None = None) -> None:
        """Close; with ``sort_by``, rewrite the rows in that column's order."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        if sort_by is not None:
            with self.path.open(newline="", encoding="utf-8") as f:
                rows = sorted(csv.DictReader(f), key=lambda r: r[sort_by])
            write_csv(self.path, rows, self.columns)
