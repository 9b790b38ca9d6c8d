"""``edits.csv``: a person's beat labels in a session folder (beat review).

Columns ``t_s,label,note`` and, for ``noise`` stretches, ``t_end_s`` (README, "Beat review").
``beats.csv`` is never rewritten: the edits live beside it, and :mod:`biofeedback.signal.edits`
applies them when a session is analysed. The file is replaced atomically (a private temporary
file, fsync, rename), created 0600 from its first byte; an empty set of edits removes it.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..signal.edits import EDIT_LABELS, LabelOverrides
from .paths import fsync_dir, open_private
from .rrfiles import RecordingError

EDITS_FILE = "edits.csv"
COLUMNS = ("t_s", "label", "note", "t_end_s")
#: Larger edits files are refused (a label for every beat of a day is about 5 MB).
MAX_BYTES = 16 * 1024 * 1024


class EditsError(RecordingError):
    """An ``edits.csv`` that cannot be read; ``str()`` is one line naming file and row."""


@dataclass(frozen=True)
class Edits:
    """The rows of ``edits.csv`` in file order (a later row on the same beat wins)."""

    t_s: np.ndarray
    label: np.ndarray
    note: np.ndarray
    t_end_s: np.ndarray

    @classmethod
    def empty(cls) -> Edits:
        return cls(np.zeros(0), np.zeros(0, dtype=object), np.zeros(0, dtype=object),
                   np.zeros(0))

    def __len__(self) -> int:
        return int(self.t_s.size)

    def overrides(self) -> LabelOverrides:
        return LabelOverrides(self.t_s, self.label.astype(object), self.t_end_s)

    def without(self, t_s: float) -> Edits:
        """These edits less the rows at ``t_s`` (the exact time the row was written with)."""
        keep = self.t_s != t_s
        return Edits(self.t_s[keep], self.label[keep], self.note[keep], self.t_end_s[keep])

    def with_row(self, t_s: float, label: str, note: str = "",
                 t_end_s: float = float("nan")) -> Edits:
        """These edits with one row for the beat (or stretch) at ``t_s``, replacing its old."""
        if label not in EDIT_LABELS:
            raise ValueError(f"unknown label {label!r}")
        rest = self.without(t_s)
        return Edits(np.append(rest.t_s, float(t_s)),
                     np.append(rest.label, np.array([label], dtype=object)),
                     np.append(rest.note, np.array([note], dtype=object)),
                     np.append(rest.t_end_s, float(t_end_s)))


def edits_path(folder: str | Path) -> Path:
    return Path(folder) / EDITS_FILE


def _parse_times(column: list[str], name: str, path: Path, optional: bool) -> np.ndarray:
    """Seconds from text cells (vectorised); a bad cell raises naming its line."""
    cells = np.array([c.strip() for c in column], dtype=object)
    blank = cells == ""
    values = np.full(cells.size, np.nan)
    try:
        values[~blank] = np.asarray(cells[~blank], dtype=float)
    except ValueError:
        bad = next(i for i, c in enumerate(cells) if c and not _is_number(c))
        raise EditsError(f"{path} line {bad + 2}: {name} {cells[bad]!r} is not a number of "
                         "seconds") from None
    wrong = np.flatnonzero((blank & (not optional)) | (~blank & ~np.isfinite(values))
                           | (values < 0))
    if wrong.size:
        raise EditsError(f"{path} line {wrong[0] + 2}: {name} must be a time in seconds >= 0")
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_edits(folder: str | Path) -> Edits:
    """The edits of a session folder (none when it has no ``edits.csv``); raises
    :class:`EditsError` with one line for a file that is not a valid edits table."""
    path = edits_path(folder)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise EditsError(f"{path}: larger than {MAX_BYTES >> 20} MB, not an edits file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Edits.empty()
    except UnicodeDecodeError:
        raise EditsError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise EditsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise EditsError(f"{path}: not a CSV table ({exc})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return Edits.empty()
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in ("t_s", "label") if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problem = (f"missing column {', '.join(missing)}" if missing
                   else f"unknown column {', '.join(unknown)}")
        raise EditsError(f"{path}: {problem} (expected t_s,label,note and optionally t_end_s)")
    body = rows[1:]
    width = len(header)
    short = [i for i, r in enumerate(body) if len(r) > width]
    if short:
        raise EditsError(f"{path} line {short[0] + 2}: {len(body[short[0]])} cells, the "
                         f"header has {width}")
    body = [r + [""] * (width - len(r)) for r in body]
    columns = {name: [r[header.index(name)] for r in body] if name in header
               else [""] * len(body) for name in COLUMNS}
    t_s = _parse_times(columns["t_s"], "t_s", path, optional=False)
    t_end_s = _parse_times(columns["t_end_s"], "t_end_s", path, optional=True)
    label = np.array([c.strip().lower() for c in columns["label"]], dtype=object)
    unknown_label = np.flatnonzero(~np.isin(label, EDIT_LABELS))
    if unknown_label.size:
        i = unknown_label[0]
        raise EditsError(f"{path} line {i + 2}: label {label[i]!r} is not one of "
                         f"{', '.join(EDIT_LABELS)}")
    misplaced = np.flatnonzero(np.isfinite(t_end_s) & (label != "noise"))
    if misplaced.size:
        raise EditsError(f"{path} line {misplaced[0] + 2}: t_end_s is only for noise stretches")
    backwards = np.flatnonzero(t_end_s < t_s)
    if backwards.size:
        raise EditsError(f"{path} line {backwards[0] + 2}: t_end_s is before t_s")
    note = np.array(columns["note"], dtype=object)
    return Edits(t_s, label, note, t_end_s)


def _cell(value: float) -> str:
    return "" if not np.isfinite(value) else repr(float(value))


def write_edits(folder: str | Path, edits: Edits) -> None:
    """Replace the folder's ``edits.csv`` atomically with ``edits`` (none: remove it)."""
    folder = Path(folder)
    path = edits_path(folder)
    if not len(edits):
        try:
            path.unlink()
        except FileNotFoundError:
            return
        fsync_dir(folder)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(zip([_cell(t) for t in edits.t_s], edits.label, edits.note,
                         [_cell(t) for t in edits.t_end_s], strict=True))
    tmp = folder / f".{EDITS_FILE}.tmp"
    with open_private(tmp, "w") as f:
        f.write(buffer.getvalue())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(folder)


def read_overrides(folder: str | Path) -> LabelOverrides | None:
    """The folder's edits as label overrides for the analysis, or None when it has none."""
    edits = read_edits(folder)
    return edits.overrides() if len(edits) else None
