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

Only regular files up to :data:`MAX_BYTES` are read (a pipe or a device such as
``/dev/zero`` is refused at once). An RR value outside :data:`RR_RANGE_MS` is not a heartbeat
interval: the beat is left out and counted in :attr:`RRFile.n_dropped` (see the README,
"Bad input"). Anything else unreadable raises :class:`RecordingError` with a one-line reason.

Parsing is vectorised: NumPy's C ``loadtxt`` for regular files, pandas' C parser (imported
only then) for irregular ones (torn last line, short rows, very long fields, quoted cells).
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RecordingError as RecordingError
from .tables import fill_empty_cells

#: Header names taken as the RR column, best first (compared lower-case).
RR_COLUMNS = ("rr_ms", "rr", "rri", "rr_interval", "rr-interval", "rr interval", "ibi_ms",
              "ibi", "nn", "rr (ms)", "ibi (ms)")
#: Header names taken as beat times in seconds.
TIME_COLUMNS = ("beat_time_s", "t_s", "time_s")
LABEL_COLUMN = "beat_symbol"
#: Files larger than this are refused (a week of beats as CSV is about 20 MB).
MAX_BYTES = 128 * 1024 * 1024
#: RR intervals (ms) a heart can produce: 20-300 bpm. Outside it a value is a recording
#: fault (an unannotated gap, a corrupt number), never a beat.
RR_RANGE_MS = (200.0, 3000.0)
#: In a file of RR values only, a dropped value up to this long still lets time pass (a gap);
#: a longer one (``1e300``) is taken as corrupt and adds no time.
MAX_GAP_MS = 3_600_000.0
#: Beat times spanning more than this are not one recording.
MAX_SPAN_S = 31 * 86400.0
#: Content lines looked at to decide the layout (delimiter, header).
SAMPLE_LINES = 20


@dataclass(frozen=True)
class RRFile:
    """Beats read from a file: times (s since the recording began) and RR intervals (ms)."""

    path: str
    format: str
    t_s: np.ndarray
    rr_ms: np.ndarray
    beat_labels: np.ndarray | None = None  # annotation symbols, when the file has them
    n_dropped: int = 0  # values outside RR_RANGE_MS left out

    @property
    def note(self) -> str | None:
        """One line saying what was left out, or None."""
        if not self.n_dropped:
            return None
        lo, hi = RR_RANGE_MS
        return (f"{self.path}: {self.n_dropped} RR value{'s' * (self.n_dropped != 1)} "
                f"outside {lo:.0f}-{hi:.0f} ms left out (not heartbeat intervals)")


def _fail(path: Path, reason: str) -> RecordingError:
    return RecordingError(f"{path}: {reason}")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; only a regular file, and at most MAX_BYTES of it."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, "is a folder, not an RR file") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _fail(path, "is a folder, not an RR file")
        if not stat.S_ISREG(mode):
            raise _fail(path, "is not a regular file (a pipe or device); save the data to a "
                        "file first")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise _fail(path, f"is larger than {MAX_BYTES // 2**20} MB: too large to be an RR file")
    return data


def _read_text(path: Path) -> str:
    data = _read_bytes(path)
    if b"\x00" in data[:4096]:
        raise _fail(path, "is a binary file, not an RR text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _units(values: np.ndarray, units: str, path: Path) -> str:
    if units not in ("auto", "ms", "s"):
        raise _fail(path, f"unknown units {units!r} (use ms or s)")
    if units == "auto":
        return "s" if np.median(values) < 10.0 else "ms"
    return units


def _finish(path: Path, fmt: str, values: np.ndarray, units: str,
            t_s: np.ndarray | None = None, labels: np.ndarray | None = None) -> RRFile:
    """Beats from raw RR values (NaN: empty cell): units, plausibility, beat times."""
    present = ~np.isnan(values) & (values > 0)  # not: empty cells, a trailing 0
    if t_s is not None:
        present &= np.isfinite(t_s)
    if np.count_nonzero(present) < 2:
        raise _fail(path, "holds fewer than two RR intervals")
    unit = _units(values[present], units, path)
    rr = values * 1000.0 if unit == "s" else values
    with np.errstate(invalid="ignore"):  # inf among the values
        median = np.median(rr[present])
    if not RR_RANGE_MS[0] <= median <= RR_RANGE_MS[1]:
        raise _fail(path, f"median RR {median:.0f} ms is not a heartbeat interval "
                    "(wrong column or units?)")
    keep = present & (rr >= RR_RANGE_MS[0]) & (rr <= RR_RANGE_MS[1])
    if np.count_nonzero(keep) < 2:
        raise _fail(path, "holds fewer than two RR intervals")
    if t_s is None:
        # A dropped interval still took its time (lost beats, a pause) unless it is absurd.
        elapsed = np.where(present & (rr <= MAX_GAP_MS), rr, 0.0)
        t = np.cumsum(elapsed)[keep] / 1000.0
    else:
        t = t_s[keep]
        if np.any(np.diff(t) <= 0):
            raise _fail(path, "beat times do not increase")
        t = t - (t[0] - rr[keep][0] / 1000.0)
    if t[-1] > MAX_SPAN_S:
        raise _fail(path, f"its beats span {t[-1] / 86400:.0f} days: not one recording")
    return RRFile(str(path), fmt, t, rr[keep], None if labels is None else labels[keep],
                       int(np.count_nonzero(present & ~keep)))


# -- vectorised cell parsing --------------------------------------------------------------

def _loadtxt(text: str, skip: int, delimiter: str | None, usecols: list[int],
             dtype: type) -> np.ndarray:
    """Columns ``usecols`` of a regular table by NumPy's C reader (ValueError if irregular)."""
    # Quotes and comments cost the C reader time even where there are none: asked for only
    # when the text has them.
    quoted = delimiter is not None and '"' in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "input contained no data"
        out = np.loadtxt(io.StringIO(text), dtype=dtype, delimiter=delimiter, skiprows=skip,
                         usecols=usecols, ndmin=2, comments="#" if "#" in text else None,
                         quotechar='"' if quoted else None, encoding=None)
    return out.reshape(-1, len(usecols))


def _pandas_cells(path: Path, text: str, skip: int, delimiter: str | None, width: int,
                  usecols: list[int]) -> np.ndarray:
    """Columns ``usecols`` as text (missing cells empty) by pandas' C parser, which takes
    short rows, torn lines and fields of any length."""
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter or r"\s+", header=None,
                            skiprows=skip, names=list(range(width)), usecols=usecols,
                            dtype=str, keep_default_na=False, comment="#",
                            skip_blank_lines=True, skipinitialspace=True, index_col=False,
                            engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0][:100] if str(exc).strip() else "unreadable"
        raise _fail(path, f"is not a recognised RR format ({reason})") from None
    return frame[usecols].fillna("").to_numpy(dtype=str)


def _to_float(path: Path, cells: np.ndarray) -> np.ndarray:
    """Text cells to floats, empty ones NaN; a non-number is an error."""
    stripped = np.char.strip(cells)
    empty = stripped == ""
    try:
        return np.where(empty, "nan", stripped).astype(float)
    except ValueError:
        bad = next(iter(stripped[~empty][_non_numeric(stripped[~empty])]), "?")
        raise _fail(path, f"non-numeric value {bad[:20]!r} in a numeric column") from None


def _non_numeric(cells: np.ndarray) -> np.ndarray:
    import pandas as pd

    return pd.to_numeric(pd.Series(cells), errors="coerce").isna().to_numpy() & (
        np.char.lower(cells) != "nan")


def _numeric_columns(path: Path, text: str, skip: int, delimiter: str | None, width: int,
                     usecols: list[int]) -> np.ndarray:
    try:
        if delimiter is not None:
            text = fill_empty_cells(text, delimiter)
        return _loadtxt(text, skip, delimiter, usecols, float)
    except ValueError:
        cells = _pandas_cells(path, text, skip, delimiter, width, usecols)
        return _to_float(path, cells)


def _text_column(path: Path, text: str, skip: int, delimiter: str | None, width: int,
                 col: int) -> np.ndarray:
    try:
        return np.char.strip(_loadtxt(text, skip, delimiter, [col], str)[:, 0])
    except ValueError:
        return np.char.strip(_pandas_cells(path, text, skip, delimiter, width, [col])[:, 0])


# -- formats ------------------------------------------------------------------------------

def _read_hrm(path: Path, text: str, units: str) -> RRFile:
    params = dict(re.findall(r"^(\w+)=(.*?)\s*$", text, flags=re.M))
    if params.get("Interval", "").strip() != "238":
        raise _fail(path, "Polar HRM file is not in R-R mode (Interval=238)")
    block = text.split("[HRData]", 1)[1].split("\n[", 1)[0]
    if not block.strip():
        raise _fail(path, "Polar HRM [HRData] holds no RR intervals")
    width = len(block.strip().splitlines()[0].split())
    try:
        values = _numeric_columns(path, block, 0, None, width, [0])[:, 0]
    except RecordingError:
        raise _fail(path, "Polar HRM [HRData] holds non-numeric values") from None
    return _finish(path, "polar-hrm", values, "ms" if units == "auto" else units)


def _layout(text: str) -> tuple[int, list[str]]:
    """Index of the first content line (not blank, not a ``#`` comment) and up to
    SAMPLE_LINES content lines from there."""
    first = -1
    sample: list[str] = []
    for i, line in enumerate(io.StringIO(text)):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if first < 0:
            first = i
        sample.append(line.rstrip("\r\n"))
        if len(sample) >= SAMPLE_LINES:
            break
    return first, sample


def _split(line: str, delimiter: str | None) -> list[str]:
    return [c.strip().strip('"').strip() for c in line.split(delimiter)]


def _read_table(path: Path, text: str, units: str, column: str | None,
                want_labels: bool) -> RRFile:
    first, sample = _layout(text)
    if first < 0:
        raise _fail(path, "holds no RR intervals")
    joined = "\n".join(sample)
    delimiter = next((d for d in (",", ";", "\t") if d in joined), None)
    header_line = sample[0]
    has_header = bool(re.search(r"[A-Za-z_]", header_line)) and not re.fullmatch(
        r"[\s\d.,;eE+-]+", header_line)
    if has_header:
        return _read_with_header(path, text, first, header_line, delimiter, units, column,
                                 want_labels)

    width = len(_split(header_line, delimiter))
    if width not in (1, 2):
        raise _fail(path, f"is not a recognised RR format ({width} columns; expected RR, "
                    "or time and RR)")
    cols = _numeric_columns(path, text, first, delimiter, width, list(range(width)))
    if width == 1:
        return _finish(path, "rr-text", cols[:, 0], units)
    # The time column increases; the RR column does not.
    ok = np.isfinite(cols).all(axis=1)
    a = cols[ok]
    rr_idx = 0 if np.all(np.diff(a[:, 1]) > 0) and not np.all(np.diff(a[:, 0]) > 0) else 1
    return _finish(path, "rr-text", cols[:, rr_idx], units)


def _read_with_header(path: Path, text: str, first: int, header_line: str,
                      delimiter: str | None, units: str, column: str | None,
                      want_labels: bool) -> RRFile:
    header = [h.lower() for h in _split(header_line, delimiter)]
    wanted = (column.lower(),) if column else RR_COLUMNS
    rr_col = next((header.index(n) for n in wanted if n in header), None)
    if rr_col is None and not column and len(header) == 1:
        raise _fail(path, "is not a recognised RR format")
    if rr_col is None:
        what = f"no column {column!r}" if column else "no RR column (rr_ms, rr, rri, ibi...)"
        raise _fail(path, f"{what}; columns are {', '.join(header)[:80]}")
    t_col = next((header.index(n) for n in TIME_COLUMNS if n in header), None)
    usecols = [rr_col] if t_col is None else [rr_col, t_col]
    width = len(header)
    cols = _numeric_columns(path, text, first + 1, delimiter, width, usecols)
    labels = None
    if want_labels and LABEL_COLUMN in header:
        labels = _text_column(path, text, first + 1, delimiter, width,
                              header.index(LABEL_COLUMN))
    if labels is not None and labels.size != cols.shape[0]:
        labels = None  # the two readers saw different rows: no labels rather than wrong ones
    rr = cols[:, 0]
    has_rr = np.isfinite(rr)  # sparse strap logs: rows without a beat
    t = None if t_col is None else cols[has_rr, 1]
    return _finish(path, "csv", rr[has_rr], units, t,
                   None if labels is None else labels[has_rr])


def read_rr(path: str | Path, units: str = "auto", column: str | None = None,
            labels: bool = True) -> RRFile:
    """Read an RR file in any accepted format (see the module docstring); ``labels=False``
    skips the beat labels (``beat_symbol``) when they are not needed."""
    path = Path(path)
    text = _read_text(path)
    if "[HRData]" in text:
        return _read_hrm(path, text, units)
    return _read_table(path, text, units, column, labels)
