"""A clinician's caseload: each client's recent practice, trends and flags, from values.

Pure functions over session summaries (:class:`CaseSession`); the library query that feeds
them is :mod:`biofeedback.app.caseload`. The thresholds, and why:

* **practice stopped**: no session for more than :data:`PRACTICE_STOPPED_DAYS` (7) days, for a
  client who has practised. Home practice is prescribed daily or nearly so (Lehrer et al. 2013:
  20 min twice a day), so a week without one is worth a call; a shorter gap is ordinary life.
* **resting RMSSD falling**: the resting RMSSD (the baseline step of the chronic-stress
  protocol) fell from each session to the next over the last :data:`FALLING_SESSIONS` (3)
  sessions that have one, by :data:`FALLING_MIN_PCT` (10 %) or more in all. One resting value
  varies by 10-20 % from day to day (Plews et al. 2012, 2013: trends, not single values, carry
  the meaning), so one fall says nothing; three falls in a row happen by chance in 1 of 4! = 24
  series of independent values, and the 10 % floor leaves out falls within that daily noise.
* **trends**: least-squares slopes per session over the last :data:`TREND_SESSIONS` (8)
  sessions having the value, given only from :data:`MIN_TREND_SESSIONS` (3) values on: a
  slope through two points is no trend.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

PRACTICE_STOPPED_DAYS = 7
FALLING_SESSIONS = 3
FALLING_MIN_PCT = 10.0
TREND_SESSIONS = 8
MIN_TREND_SESSIONS = 3
RECENT_DAYS = (7, 28)
PRACTICE_STOPPED, RMSSD_FALLING = "practice_stopped", "resting_rmssd_falling"


@dataclass(frozen=True)
class CaseSession:
    """What the caseload needs of one session. ``start`` None: undated (de-identified)."""

    start: datetime | None
    minutes: float
    resting_rmssd_ms: float | None = None
    coherence: float | None = None
    pre_rating: int | None = None
    post_rating: int | None = None


@dataclass(frozen=True)
class ClientCaseload:
    """One client's line of the caseload."""

    client: str
    client_id: str
    n_sessions: int
    last_session: str | None
    days_since_last: float | None
    sessions_7d: int
    minutes_7d: float
    sessions_28d: int
    minutes_28d: float
    resting_rmssd_ms: float | None  # the latest value
    resting_rmssd_trend_ms_per_session: float | None
    coherence: float | None  # the latest value
    coherence_trend_per_session: float | None
    stress_before_28d: float | None  # mean rating (0-10), last 28 days (undated: all)
    stress_after_28d: float | None
    stress_change_28d: float | None  # mean of after - before, sessions with both
    dated: bool  # False: sessions carry no real dates (a de-identified bundle)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def trend_per_session(values: list[float | None]) -> float | None:
    """Least-squares slope per session of the last :data:`TREND_SESSIONS` known values
    (None with fewer than :data:`MIN_TREND_SESSIONS`)."""
    known = np.array([v for v in values if v is not None], dtype=float)[-TREND_SESSIONS:]
    if known.size < MIN_TREND_SESSIONS:
        return None
    return float(np.polyfit(np.arange(known.size, dtype=float), known, 1)[0])


def rmssd_falling(values: list[float | None]) -> bool:
    """Whether the last :data:`FALLING_SESSIONS` changes of the known values are all falls
    adding up to at least :data:`FALLING_MIN_PCT` % of where they started."""
    known = np.array([v for v in values if v is not None], dtype=float)
    if known.size < FALLING_SESSIONS + 1:
        return False
    last = known[-(FALLING_SESSIONS + 1):]
    return bool(np.all(np.diff(last) < 0) and
                (last[0] - last[-1]) >= FALLING_MIN_PCT / 100.0 * last[0])


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def client_caseload(client: str, client_id: str, sessions: list[CaseSession],
                    now: datetime) -> ClientCaseload:
    """A client's caseload line at ``now`` (aware), from their sessions in any order."""
    dated = all(s.start is not None for s in sessions)
    rows = sorted(sessions, key=lambda s: (s.start is None, s.start or now))
    last = rows[-1].start if rows and dated else None
    recent = {}
    for days in RECENT_DAYS:
        since = now - timedelta(days=days)
        recent[days] = [s for s in rows if dated and s.start is not None and s.start >= since]
    month = recent[28]
    resting = [s.resting_rmssd_ms for s in rows]
    coherence = [s.coherence for s in rows]
    days_since = (now - last).total_seconds() / 86400.0 if last else None
    flags = []
    if days_since is not None and days_since > PRACTICE_STOPPED_DAYS:
        flags.append(PRACTICE_STOPPED)
    if rmssd_falling(resting):
        flags.append(RMSSD_FALLING)
    if not dated:  # no dates to window by: the ratings of every session
        month = rows
    rated = [s for s in month if s.pre_rating is not None and s.post_rating is not None]
    known_resting = [v for v in resting if v is not None]
    known_coherence = [v for v in coherence if v is not None]
    return ClientCaseload(
        client=client, client_id=client_id, n_sessions=len(rows),
        last_session=last.isoformat(timespec="seconds") if last else None,
        days_since_last=days_since,
        sessions_7d=len(recent[7]), minutes_7d=float(sum(s.minutes for s in recent[7])),
        sessions_28d=len(recent[28]), minutes_28d=float(sum(s.minutes for s in recent[28])),
        resting_rmssd_ms=known_resting[-1] if known_resting else None,
        resting_rmssd_trend_ms_per_session=trend_per_session(resting),
        coherence=known_coherence[-1] if known_coherence else None,
        coherence_trend_per_session=trend_per_session(coherence),
        stress_before_28d=_mean([s.pre_rating for s in month if s.pre_rating is not None]),
        stress_after_28d=_mean([s.post_rating for s in month if s.post_rating is not None]),
        stress_change_28d=_mean([s.post_rating - s.pre_rating for s in rated]),
        dated=dated, flags=flags)


def flag_texts(row: ClientCaseload) -> list[str]:
    """The flags as words a clinician reads."""
    out = []
    if PRACTICE_STOPPED in row.flags:
        out.append(f"practice stopped ({row.days_since_last:.0f} days without a session)")
    if RMSSD_FALLING in row.flags:
        out.append(f"resting RMSSD falling ({FALLING_SESSIONS} sessions in a row)")
    return out


def caseload(clients: list[tuple[str, str, list[CaseSession]]],
             now: datetime) -> list[ClientCaseload]:
    """Every client's line, flagged clients first, then by name."""
    rows = [client_caseload(name, cid, sessions, now) for name, cid, sessions in clients]
    return sorted(rows, key=lambda r: (not r.flags, r.client.casefold()))
