"""Changes written so that better reads as better (no matplotlib here: the CLI uses it too).

A stress rating (0-10) that falls is an improvement, so a fall from 7 to 3 is written
"stress −4.0 (better)", never "+4.0" nor a bare "-4.0" the reader must decode; a trend that
rounds to zero is "steady", never "-0.00".
"""

from __future__ import annotations

MINUS = "\u2212"


def _signed(value: float, digits: int, ascii_only: bool) -> str:
    text = f"{abs(value):.{digits}f}"
    return ("+" if value > 0 else "-" if ascii_only else MINUS) + text


def stress_change(change: float | None, ascii_only: bool = False) -> str:
    """Post minus pre stress rating, in words: lower stress is better."""
    if change is None:
        return "—" if not ascii_only else "-"
    if round(change, 1) == 0:
        return "stress unchanged"
    verdict = "better" if change < 0 else "worse"
    return f"stress {_signed(change, 1, ascii_only)} ({verdict})"


def rmssd_trend(slope_ms: float | None, ascii_only: bool = False) -> str:
    """The resting RMSSD's change per session, in words: higher resting RMSSD is better."""
    if slope_ms is None:
        return "—" if not ascii_only else "-"
    if round(slope_ms, 2) == 0:
        return "steady (under 0.01 ms per session)"
    direction = "rising" if slope_ms > 0 else "falling"
    return f"{_signed(slope_ms, 2, ascii_only)} ms per session ({direction})"
