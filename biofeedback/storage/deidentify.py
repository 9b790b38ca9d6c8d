"""De-identified copies of session folders and client profiles, for share bundles.

The rules are those of de-identified exports (:mod:`.export`): nothing names the client or
the strap, dates the session or carries its id. Concretely:

* ``session.json`` keeps only what describes the practice (:data:`KEPT_META`: versions,
  settings, protocol, summary, ratings, duration, end status); the device keeps only its kind
  (``ble``, ``sim``), the source only its scheme; notes, paths and errors are left out. The
  start is :data:`~.export.ANONYMOUS_START` (1 Jan 1985, the EDF+ convention) plus the whole
  days since the bundle's first session, so the rhythm of practice stays readable without a
  calendar date; sessions of one day are kept in order a second apart.
* ``events.csv`` keeps values only for :data:`~.export.ANONYMOUS_EVENT_KINDS`.
* ``beats.csv``, ``metrics.csv``, ``ecg.csv``, ``acc.csv`` hold times since the start only
  and are copied as they are; any other table (``edits.csv``) loses its cells that look like a
  date and its columns named like a person or a time of day (:data:`NAMED_COLUMNS`).
* Ids become pseudonyms: an HMAC-SHA-256 (RFC 2104) of the real id under a random key kept
  in the sender's data folder, so the same client and session get the same pseudonym in every
  bundle (a newer bundle merges with the older one) and no one without the key can recover the
  id from it, nor try names against it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from .bundle import BundleSession, json_bytes
from .export import ANONYMOUS_EVENT_KINDS, ANONYMOUS_START, start_datetime

KEPT_META = ("schema_version", "app_version", "duration_s", "end_status", "settings",
             "protocol", "summary", "pre_rating", "post_rating", "speed")
#: Tables copied unchanged: their only times are seconds since the session's start.
PLAIN_TABLES = frozenset({"beats.csv", "metrics.csv", "ecg.csv", "acc.csv"})
NAMED_COLUMNS = re.compile(r"(name|user|author|editor|who|by|date|time|when|at|stamp|"
                           r"note|comment)s?$", re.IGNORECASE)
DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}T\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def pseudonym(key: bytes, kind: str, real_id: str, n_hex: int = 8) -> str:
    """A stable pseudonym of ``real_id``: the first ``n_hex`` hex digits of its HMAC."""
    return hmac.new(key, f"{kind}\0{real_id}".encode(), hashlib.sha256).hexdigest()[:n_hex]


def anonymous_profile(profile: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A client profile without name, notes or dates: ``anon-XXXXXX`` and the resonance rate."""
    name = f"anon-{pseudonym(key, 'client', str(profile.get('id')), 6)}"
    return {"id": name, "name": name, "notes": "", "resonance_bpm": profile.get(
        "resonance_bpm")}


def anonymous_start(start: datetime | None, first: datetime | None, order: int) -> datetime:
    """1 Jan 1985 (UTC) + whole days since ``first`` + ``order`` seconds."""
    days = (start.date() - first.date()).days if start and first else 0
    base = ANONYMOUS_START.replace(tzinfo=timezone.utc)
    return base + timedelta(days=max(days, 0), seconds=order)


def _events(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"))))
    out = io.StringIO()
    writer = csv.writer(out)
    for i, row in enumerate(rows):
        if i and len(row) == 3 and row[1] not in ANONYMOUS_EVENT_KINDS:
            row = [row[0], row[1], ""]
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _other_table(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"))))
    if not rows:
        return b""
    keep = [j for j, name in enumerate(rows[0])
            if name == "t_s" or not NAMED_COLUMNS.search(name.strip())]
    out = io.StringIO()
    writer = csv.writer(out)
    for i, row in enumerate(rows):
        cells = [row[j] if j < len(row) else "" for j in keep]
        writer.writerow(cells if i == 0 else ["" if DATE_LIKE.search(c) else c for c in cells])
    return out.getvalue().encode("utf-8")


def _meta(meta: dict[str, Any], session_id: str, start: datetime,
          client: dict[str, Any]) -> dict[str, Any]:
    out = {k: meta[k] for k in KEPT_META if k in meta}
    device = meta.get("device")
    kind = device.get("kind") if isinstance(device, dict) else None
    source = str(meta.get("source") or "").split(":", 1)[0]
    out.update(session_id=session_id, start_time=start.isoformat(), client_id=client["id"],
               client_name=client["name"], device={"kind": kind} if isinstance(kind, str)
               else {}, source=source if source.isalnum() else "", deidentified=True)
    return out


def deidentify_sessions(sessions: list[BundleSession], key: bytes,
                        client: dict[str, Any]) -> list[BundleSession]:
    """De-identified copies of ``sessions`` (oldest first) for the pseudonymous ``client``."""
    metas = [json.loads(s.files["session.json"]) for s in sessions]
    starts = [start_datetime(m) for m in metas]
    known = [s for s in starts if s is not None]
    first = min(known) if known else None
    out = []
    day_counts: dict[int, int] = {}
    for s, meta, start in zip(sessions, metas, starts, strict=True):
        day = (start.date() - first.date()).days if start and first else 0
        order = day_counts[day] = day_counts.get(day, -1) + 1
        new_start = anonymous_start(start, first, order)
        new_id = pseudonym(key, "session", s.session_id)
        files = {}
        for name, data in s.files.items():
            if name == "session.json":
                files[name] = json_bytes(_meta(meta, new_id, new_start, client))
            elif name == "events.csv":
                files[name] = _events(data)
            elif name in PLAIN_TABLES:
                files[name] = data
            elif name.endswith(".csv"):
                files[name] = _other_table(data)
            # other JSON files may hold anything: left out
        out.append(BundleSession(f"{new_start.strftime('%Y%m%dT%H%M%S')}_{new_id}", files))
    return out
