"""A session folder's ``session.json`` alone, for listings that need no beats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .folder import check_meta
from .rrfiles import RecordingError


def read_meta(folder: str | Path) -> dict[str, Any]:
    """``session.json`` of ``folder`` (checked as :func:`read_session` checks it); a missing
    or unreadable one is a one-line RecordingError."""
    path = Path(folder) / "session.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordingError(f"{folder}: not a session folder (no session.json)") from None
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{path}: unreadable ({getattr(exc, 'strerror', None) or exc})"
                             ) from None
    return check_meta(Path(folder), meta)
