"""What the data folder remembers between sessions: ``settings.json`` (private, replaced
atomically).

Holds the strap used last (``last_strap``: address and name) and the key of de-identified
bundles. Not to be confused with a session's settings (``training/plan.SessionSettings``,
stored in its ``session.json``) or the window's preferences (Qt's ``QSettings``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .folder import write_json_atomic
from .paths import private_dir

FILE = "settings.json"


def load_remembered(root: Path) -> dict[str, Any]:
    """What is remembered, or ``{}`` when nothing is or the file is unreadable (a
    convenience: a damaged file must not stop a session)."""
    try:
        data = json.loads((root / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(root: Path, **updates: Any) -> None:
    """Merge ``updates`` into what is remembered."""
    private_dir(root)
    write_json_atomic(root / FILE, {**load_remembered(root), **updates})
