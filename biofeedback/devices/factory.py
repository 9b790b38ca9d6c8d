"""Opening a source from its spec string (DESIGN.md, "Source spec").

``sim[:key=value,...]``, ``replay:PATH[@SPEED]``, ``ble[:ADDRESS|:name=NAME]``. Each backend
is imported only when its spec is opened, so that asking for the simulated strap never
imports bleak.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import SourceError
from .source import BreathingTarget, Source

#: Opens a replay from the text after ``replay:`` (``PATH`` or ``PATH@SPEED``). Reading a
#: recording is the application's job (:func:`biofeedback.app.replay.open_replay`).
ReplayOpener = Callable[[str], Source]


def parse_ble_spec(rest: str) -> tuple[str | None, str | None]:
    """``""`` → any strap; ``name=Polar H10`` → by name; anything else is an address."""
    if not rest:
        return None, None
    if rest.startswith("name="):
        return None, rest[5:]
    return rest, None


def open_source(spec: str, *, prefer: str | None = None, ecg: bool = False,
                acc: bool = False, breathing: BreathingTarget | None = None,
                open_replay: ReplayOpener | None = None) -> Source:
    """The source a spec names (call ``await source.start()`` before using it).

    ``prefer``: the address of the strap used last time, chosen when several are in range;
    ``ecg``/``acc``: also stream a Polar H10's ECG / accelerometer; ``breathing``: the pacer's
    target lung volume at a session time, which the simulated strap breathes along with;
    ``open_replay``: how to open a ``replay:`` spec (without it, such a spec is refused).
    """
    kind, _, rest = spec.partition(":")
    if kind == "sim":
        from .simulated import SimulatedStrap, sim_params

        return SimulatedStrap(sim_params(rest), breathing)
    if kind == "replay":
        if not rest:
            raise SourceError("replay needs a path: replay:PATH or replay:PATH@SPEED")
        if open_replay is None:
            raise SourceError("a replay is opened by the application, not by a device")
        return open_replay(rest)
    if kind == "ble":
        from .ble import BleOptions, BleSource

        address, name = parse_ble_spec(rest)
        return BleSource(address, name, prefer, BleOptions(ecg=ecg, acc=acc))
    raise SourceError(f"unknown source {spec!r} "
                      "(use sim, sim:hr=65,rf=5.5, replay:PATH, ble or ble:ADDRESS)")
