"""The user's settings in the data folder: ``settings.json`` (private, replaced atomically).

Holds what should outlive a session: the strap used last (``last_strap``: address and
name), and the display's choices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .folder import write_json_atomic
from .paths import private_dir

FILE = "settings.json"


def load_settings(root: Path) -> dict[str, Any]:
    """The settings, or ``{}`` when there are none or the file is unreadable (settings
    are a convenience: a damaged file must not stop a session)."""
    try:
        data = json.loads((root / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_settings(root: Path, **updates: Any) -> None:
    """Merge ``updates`` into the settings file."""
    private_dir(root)
    write_json_atomic(root / FILE, {**load_settings(root), **updates})
