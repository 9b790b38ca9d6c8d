"""The caseload from the library: each client's sessions as :mod:`training.caseload` values.

Only ``session.json`` of each session is read (no beats), so the whole caseload of a
clinician's library lists in a moment. The per-session figures are those of the progress view
(:func:`biofeedback.training.outcomes.session_progress`), so both always agree.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..storage.library import Library
from ..storage.meta import read_meta
from ..storage.rrfiles import RecordingError
from ..training.caseload import CaseSession, ClientCaseload, caseload
from ..training.outcomes import session_progress


def _start(meta: dict[str, Any], row: dict[str, Any]) -> datetime | None:
    if meta.get("deidentified"):
        return None  # its dates are made up: 1 Jan 1985 + days
    try:
        start = datetime.fromisoformat(row["start_time"])
    except (TypeError, ValueError):
        return None
    return start if start.tzinfo else start.astimezone()


def case_session(meta: dict[str, Any], row: dict[str, Any]) -> CaseSession:
    """A session's caseload values from its ``session.json`` and its index row."""
    p = session_progress(meta)
    rating = [v if isinstance(v, int) and not isinstance(v, bool) else None
              for v in (p.pre_rating, p.post_rating)]
    return CaseSession(start=_start(meta, row), minutes=float(row["duration_s"] or 0.0) / 60.0,
                       resting_rmssd_ms=p.resting_rmssd_ms, coherence=p.coherence,
                       pre_rating=rating[0], post_rating=rating[1])


def library_caseload(library: Library, now: datetime) -> tuple[list[ClientCaseload],
                                                                list[str]]:
    """Every client of the library with their caseload line, and one line per session
    folder that could not be read (left out)."""
    by_client: dict[str, list[CaseSession]] = {}
    problems = []
    for row in library.sessions():
        try:
            meta = read_meta(Path(row["folder"]))
        except RecordingError as exc:
            problems.append(str(exc))
            continue
        by_client.setdefault(row["client_id"] or "", []).append(case_session(meta, row))
    clients = [(c["name"], c["id"], by_client.pop(c["id"], [])) for c in library.clients()]
    clients += [(cid or "(no client)", cid, sessions) for cid, sessions in by_client.items()]
    return caseload(clients, now), problems
