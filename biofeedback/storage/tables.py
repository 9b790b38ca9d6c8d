"""Writing result tables (CSV) without losing what was already written.

Whole tables are formatted a column at a time (:func:`format_columns`): NumPy turns each
float column into its shortest round-trip text in C, so a day of windows or beats is written
without a Python loop over rows.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OutputError as OutputError
from .paths import open_private

#: Line ends of every CSV we write (those of Python's csv module, so files stay as before).
LINE_END = "\r\n"


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


def _quote(cell: str) -> str:
    """A cell as the csv module writes it (quoted only when it must be)."""
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def format_column(values: Sequence[Any] | np.ndarray) -> list[str]:
    """One column as CSV text cells, as :func:`csv_cell` would write each value: floats at
    full precision (Python's shortest round-trip ``repr``), NaN and None empty, booleans 1/0.

    Each distinct value is formatted once (RR values are quantised, coherence holds for 5 s,
    text columns repeat), then the cells are picked by index: no Python loop over rows.
    """
    a = np.asarray(values)
    if a.dtype.kind == "b":
        return np.where(a, "1", "0").tolist()
    if a.dtype.kind in "iu":
        return list(map(str, a.tolist()))
    if a.dtype.kind not in "fU":
        return [_quote(csv_cell(v)) for v in a.tolist()]  # mixed objects: small tables only
    distinct, index = np.unique(a, return_inverse=True)
    if a.dtype.kind == "f":
        cells = list(map(repr, distinct.tolist()))
        if distinct.size and np.isnan(distinct[-1]):  # np.unique puts one NaN last
            cells[-1] = ""
    else:
        cells = list(map(_quote, distinct.tolist()))
    return list(map(cells.__getitem__, index.reshape(-1).tolist()))


def format_columns(columns: Sequence[Sequence[Any] | np.ndarray],
                   done: dict[int, list[str]] | None = None) -> str:
    """Rows of CSV text (each ending in LINE_END) from equally long columns. A column given
    twice (the same array, such as beat times that are also arrival times) is formatted once;
    ``done`` carries the formatted columns on to the next table."""
    done = {} if done is None else done
    cells = [done[id(c)] if id(c) in done else done.setdefault(id(c), format_column(c))
             for c in columns]
    if not cells or not cells[0]:
        return ""
    return LINE_END.join(map(",".join, zip(*cells, strict=True))) + LINE_END


def write_columns(path: str | Path, columns: Mapping[str, Sequence[Any] | np.ndarray],
                  names: list[str]) -> int:
    """Write a table given as columns (``names`` in order, each one array) to ``path``.

    Returns the number of rows written. Raises :class:`OutputError` on any OS error.
    """
    path = Path(path)
    n = len(columns[names[0]]) if names else 0
    text = ",".join(map(_quote, names)) + LINE_END + format_columns([columns[c] for c in names])
    try:
        with open_private(path, "w") as f:
            f.write(text)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return n


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]], columns: list[str]) -> int:
    """Write ``rows`` (dicts) to ``path`` with ``columns``; NaN becomes an empty cell.

    Returns the number of rows written. Raises :class:`OutputError` on any OS error.
    """
    path = Path(path)
    n = 0
    try:
        with open_private(path, "w") as f:
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
            self._file = open_private(self.path, "w")
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


def read_columns(body: str, columns: Sequence[str], text_columns: Sequence[str] = ()
                 ) -> dict[str, np.ndarray]:
    """The rows of a CSV we wrote (``body``: the text after the header) as one array per
    column: floats (empty cell: NaN), or text for ``text_columns``. NumPy's C reader, so no
    Python loop over rows.

    Raises ValueError when a row is not regular (wrong width, a non-number): the caller then
    reads row by row to say which rows it skipped.
    """
    numeric = [i for i, c in enumerate(columns) if c not in text_columns]
    textual = [i for i, c in enumerate(columns) if c in text_columns]
    filled = fill_empty_cells(body) if numeric else body
    out: dict[str, np.ndarray] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "input contained no data"
        if numeric:
            values = np.loadtxt(io.StringIO(filled), delimiter=",", quotechar='"', ndmin=2,
                                usecols=numeric, dtype=float, comments=None)
            out.update({columns[i]: values[:, j] for j, i in enumerate(numeric)})
        if textual:
            cells = np.loadtxt(io.StringIO(body), delimiter=",", quotechar='"', ndmin=2,
                               usecols=textual, dtype=str, comments=None)
            out.update({columns[i]: cells[:, j] for j, i in enumerate(textual)})
    if len({a.shape[0] for a in out.values()}) > 1:
        raise ValueError("the columns have different lengths")
    n_lines = body.count("\n") + (not body.endswith("\n") and bool(body))
    if body.strip() and {a.shape[0] for a in out.values()} != {n_lines}:
        raise ValueError("blank or irregular rows")
    return {c: out[c] for c in columns}


def fill_empty_cells(text: str, delimiter: str = ",") -> str:
    """``nan`` in every empty cell of a delimited table, so that the C reader takes it:
    string replacements, no loop over rows."""
    d = delimiter
    while d + d in text:
        text = text.replace(d + d, f"{d}nan{d}")
    text = text.replace(f"{d}\r\n", f"{d}nan\r\n").replace(f"{d}\n", f"{d}nan\n")
    text = text.replace(f"\n{d}", f"\nnan{d}")
    if text.startswith(d):
        text = "nan" + text
    return text + "nan" if text.endswith(d) else text
