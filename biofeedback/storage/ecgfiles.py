"""The ECG column of a strap's export (e.g. a Polar H10 log ``time,ecg,hr,rr``), for
``biofeedback import`` to carry into the session's ``ecg.csv``.

A CSV with a header naming an ``ecg`` column and a ``time`` column: ``time`` in ns, ms or s
(told apart by size: above 1e15 ns since 1970, above 1e11 ms, else s), ``ecg`` in mV when its
values stay under 20 in magnitude, else µV. The samples are put on the session clock by
:func:`biofeedback.signal.ecg.ecg_lag_s`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..types import Samples

TIME_NAMES = ("time", "timestamp", "time_ns", "t")
ECG_NAMES = ("ecg", "ecg_mv", "ecg_uv")


def _header(path: Path) -> list[str] | None:
    try:
        with open(path, encoding="utf-8") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError):
        return None
    return [c.strip().lower() for c in first.split(",")]


def read_ecg(path: str | Path, beat_t_s: np.ndarray) -> Samples | None:
    """The file's ECG on the beats' clock (µV), or None when it has none or it is unreadable
    (the beats are imported all the same)."""
    from ..signal.ecg import ecg_lag_s

    path = Path(path)
    header = _header(path)
    if not header:
        return None
    t_col = next((header.index(n) for n in TIME_NAMES if n in header), None)
    e_col = next((header.index(n) for n in ECG_NAMES if n in header), None)
    if t_col is None or e_col is None:
        return None
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(t_col, e_col), ndmin=2)
    except ValueError:
        return None
    ok = np.all(np.isfinite(table), axis=1)
    raw_t, ecg = table[ok, 0], table[ok, 1]
    if raw_t.size < 2 or np.any(np.diff(raw_t) <= 0):
        return None
    scale = 1e-9 if raw_t[0] > 1e15 else 1e-3 if raw_t[0] > 1e11 else 1.0
    t = (raw_t - raw_t[0]) * scale
    uv = ecg * 1000.0 if header[e_col] != "ecg_uv" and np.max(np.abs(ecg)) < 20 else ecg
    lag = ecg_lag_s(t, uv, beat_t_s)
    return Samples("ecg", t - lag, uv)
