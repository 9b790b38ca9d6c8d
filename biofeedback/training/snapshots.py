"""What a running session reports: immutable values its observers receive.

The CLI's live line, the LSL outlet and the window see a session only through these; none of
them holds the objects that run it, so a value handed to another thread can never change
under its reader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..signal import Coherence, LiveMetrics
from ..types import Beat
from .pacer import PacerSchedule, PacerState
from .plan import SessionSettings
from .protocols import Protocol


@dataclass(frozen=True)
class SessionUpdate:
    """What observers receive after each beat."""

    beat: Beat
    metrics: LiveMetrics
    level: int  # coherence level: -1 none yet, 0 low, 1 medium, 2 high
    achievement: int
    step: str
    pacer: PacerState | None  # at the beat; None while the protocol step has no pacer
    coherence: Coherence | None = None  # the window just computed, on coherence_updated
    clock_s: float = math.nan  # the session clock when the update was sent


@dataclass(frozen=True)
class SessionTick:
    """The session between beats: its clock, step and pacer now (the pacer animates by it)."""

    clock_s: float
    step: str
    pacer: PacerState | None  # None while the step has no pacer


@dataclass(frozen=True)
class Started:
    """A session is running: its plan, the device, where it records, and how its clock runs."""

    settings: SessionSettings
    protocol: Protocol
    pacer: PacerSchedule  # the schedule at the start; a rate change sends a new one
    device: dict[str, Any]
    folder: Path | None  # None for a replay
    replay: bool
    speed: float = 1.0  # of the session clock (a replay's playback speed)
    paused: bool = False


@dataclass
class SessionResult:
    end_status: str  # "completed" or "stopped"
    n_beats: int
    summary: dict[str, Any]
    error: str | None = None
