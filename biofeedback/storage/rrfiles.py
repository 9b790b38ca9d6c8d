"""Readers for the RR files people already have.

Accepted, detected from the content (not the file name):

* one value per line, ms or s (a median below 10 means seconds; ``units`` overrides);
  non-positive values, such as a trailing ``0``, are skipped;
* Kubios-style RR text: the same, or two columns ``time RR``, with ``#`` comment lines;
* headerless two-column CSV ``time, RR`` (e.g. Polar H10 logs of arrival time and IBI);
* CSV with a header: the RR column is chosen by name (``rr_ms``, ``rr``, ``rri``, ``ibi``, ...)
  or given with ``column``; empty cells are skipped (sparse strap logs); a ``beat_time_s`` /
  ``t_s`` column gives beat times, which keeps gaps, and ``beat_symbol`` gives labels
  (the PhysioNet-derived CSVs);
* Polar ``.hrm`` exports in R-R mode (``[HRData]``).

Anything else raises :class:`RecordingError` with a one-line reason.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Header names taken as the RR column, best first (compared lower-case).
RR_COLUMNS = ("rr_ms", "rr", "rri", "rr_interval", "rr-interval", "rr interval", "ibi_ms",
              "ibi", "nn", "rr (ms)", "ibi (ms)")
#: Header names taken as beat times in seconds.
TIME_COLUMNS = ("beat_time_s", "t_s", "time_s")
MAX_BYTES = 200 * 1024 * 1024


class RecordingError(Exception):
    """A file that cannot be read as a recording; ``str()`` is a one-line reason."""


@dataclass(frozen=True)
class RRRecording:
    """Beats read from a file: times (s since the recording began) and RR intervals (ms)."""

    path: str
    format: str
    t_s: np.ndarray
    rr_ms: np.ndarray
    beat_labels: np.ndarray | None = None  # annotation symbols, when the file has them


def _fail(path: Path, reason: str) -> RecordingError:
    return RecordingError(f"{path}: {reason}")


def _read_text(path: Path) -> str:
    try:
        if path.is_dir():
            raise _fail(path, "is a folder, not an RR file")
        if path.stat().st_size > MAX_BYTES:
            raise _fail(path, "is too large to be an RR file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in data[:4096]:
        raise _fail(path, "is a binary file, not an RR text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _to_ms(values: np.ndarray, units: str, path: Path) -> np.ndarray:
    if units == "auto":
        units = "s" if np.median(values) < 10.0 else "ms"
    if units not in ("ms", "s"):
        raise _fail(path, f"unknown units {units!r} (use ms or s)")
    return values * 1000.0 if units == "s" else values


def _finish(path: Path, fmt: str, rr_ms: np.ndarray, t_s: np.ndarray | None = None,
            labels: np.ndarray | None = None) -> RRRecording:
    keep = np.isfinite(rr_ms) & (rr_ms > 0)
    if t_s is not None:
        keep &= np.isfinite(t_s)
    rr_ms = rr_ms[keep]
    if rr_ms.size < 2:
        raise _fail(path, "holds fewer than two RR intervals")
    if np.median(rr_ms) < 200 or np.median(rr_ms) > 3000:
        raise _fail(path, f"median RR {np.median(rr_ms):.0f} ms is not a heartbeat interval "
                    "(wrong column or units?)")
    if t_s is None:
        t = np.cumsum(rr_ms) / 1000.0
    else:
        t = t_s[keep]
        if np.any(np.diff(t) <= 0):
            raise _fail(path, "beat times do not increase")
        t = t - (t[0] - rr_ms[0] / 1000.0)
    return RRRecording(str(path), fmt, t, rr_ms, None if labels is None else labels[keep])


def _read_hrm(path: Path, text: str, units: str) -> RRRecording:
    params = dict(re.findall(r"^(\w+)=(.*?)\s*$", text, flags=re.M))
    if params.get("Interval", "").strip() != "238":
        raise _fail(path, "Polar HRM file is not in R-R mode (Interval=238)")
    block = text.split("[HRData]", 1)[1]
    block = block.split("\n[", 1)[0]
    rows = [line.split()[0] for line in block.splitlines() if line.strip()]
    try:
        values = np.array(rows, dtype=float)
    except ValueError:
        raise _fail(path, "Polar HRM [HRData] holds non-numeric values") from None
    return _finish(path, "polar-hrm", _to_ms(values, "ms" if units == "auto" else units, path))


def _numeric(cells: list[str]) -> np.ndarray:
    out = np.full(len(cells), np.nan)
    for i, cell in enumerate(cells):
        cell = cell.strip()
        if cell:
            out[i] = float(cell)
    return out


def _read_table(path: Path, text: str, units: str, column: str | None) -> RRRecording:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise _fail(path, "holds no RR intervals")
    sample = "\n".join(lines[:20])
    delimiter = next((d for d in (",", ";", "\t") if d in sample), None)
    split = (lambda s: s.split(delimiter)) if delimiter else str.split
    header_line = lines[0]
    has_header = bool(re.search(r"[A-Za-z_]", header_line)) and not re.fullmatch(
        r"[\s\d.,;eE+-]+", header_line)
    if has_header:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter or " ",
                               skipinitialspace=True))
        header = [h.strip().lower() for h in rows[0]]
        body = rows[1:]
        wanted = (column.lower(),) if column else RR_COLUMNS
        rr_col = next((header.index(n) for n in wanted if n in header), None)
        if rr_col is None and not column and len(header) == 1:
            raise _fail(path, "is not a recognised RR format")
        if rr_col is None:
            what = f"no column {column!r}" if column else "no RR column (rr_ms, rr, rri, ibi...)"
            raise _fail(path, f"{what}; columns are {', '.join(header)[:80]}")
        try:
            table = [[r[i] if i < len(r) else "" for i in range(len(header))] for r in body]
            rr = _numeric([r[rr_col] for r in table])
            t_col = next((header.index(n) for n in TIME_COLUMNS if n in header), None)
            t = _numeric([r[t_col] for r in table]) if t_col is not None else None
        except ValueError as exc:
            raise _fail(path, f"non-numeric value in a numeric column ({exc})") from None
        labels = None
        if "beat_symbol" in header:
            labels = np.array([r[header.index("beat_symbol")].strip() for r in table])
        has_rr = np.isfinite(rr)
        if t is not None:
            t = t[has_rr]
        return _finish(path, "csv", _to_ms(rr[has_rr], units, path), t,
                       None if labels is None else labels[has_rr])

    try:
        rows = [[float(c) for c in split(ln) if c.strip()] for ln in lines]
    except ValueError:
        raise _fail(path, "is not a recognised RR format (non-numeric text)") from None
    widths = {len(r) for r in rows}
    if widths == {1}:
        return _finish(path, "rr-text", _to_ms(np.array([r[0] for r in rows]), units, path))
    if widths == {2}:
        a = np.array(rows)
        # The time column increases; the RR column does not.
        rr_idx = 0 if np.all(np.diff(a[:, 1]) > 0) and not np.all(np.diff(a[:, 0]) > 0) else 1
        return _finish(path, "rr-text", _to_ms(a[:, rr_idx], units, path))
    raise _fail(path, "is not a recognised RR format (rows of varying width)")


def read_rr(path: str | Path, units: str = "auto", column: str | None = None) -> RRRecording:
    """Read an RR file in any accepted format (see the module docstring)."""
    path = Path(path)
    text = _read_text(path)
    if "[HRData]" in text:
        return _read_hrm(path, text, units)
    return _read_table(path, text, units, column)
