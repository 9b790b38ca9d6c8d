"""``scipy.signal``, imported the first time one of its names is used.

It alone costs several times ``import numpy`` (it pulls in scipy.stats, scipy.optimize,
scipy.special), and only the resonance and breathing measures need it (an analysis or an
import loads no SciPy: :mod:`.banded`); the quick commands and the window's first frame need
none, so those modules name this stand-in instead of importing SciPy at their top (issue 13:
nothing heavy at import time). A live session calls
:func:`load_all` before its clock starts, so that the first analysis does not stall it.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module ``name``: the first attribute read imports it (importlib's
    module lock makes that thread-safe) and keeps the attribute for the next reads."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)
        return value

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


signal = LazyModule("scipy.signal")


def load_all() -> None:
    """Import all of them now (before a session clock starts)."""
    importlib.import_module(signal._name)
