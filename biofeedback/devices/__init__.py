"""Sources of beats: Bluetooth straps (bleak), the simulated strap and replays (issues 3, 4).

The front door, in the manner of bleak: :class:`Source` (the interface), :class:`SourceError`
(a one-line reason), :func:`open_source` (a source from its spec string) and :func:`scan`
(straps in range). Importing this package imports neither bleak nor any backend: each name is
loaded when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ble import scan
    from .factory import open_source
    from .source import Source, SourceError

__all__ = ["Source", "SourceError", "open_source", "scan"]

_HOMES = {"Source": ".source", "SourceError": ".source", "open_source": ".factory",
          "scan": ".ble"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name], __name__), name)
