"""Writing result tables (CSV) without losing what was already written."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
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
