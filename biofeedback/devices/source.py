"""The Source interface every producer of beats implements, and the session clock.

A source is an async stream of :class:`~biofeedback.types.Beat` and
:class:`~biofeedback.types.DeviceEvent` values; it knows nothing of analysis, recording or
display. This module knows none of its implementations: :mod:`.factory` opens one from a
spec string (DESIGN.md, "Source spec").
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..errors import SourceError as SourceError
from ..types import Beat, DeviceEvent, Samples

#: Target lung volume (0..1) the person is asked to breathe at a session time, or None when
#: no pacer is shown.
BreathingTarget = Callable[[float], float | None]


class SessionClock:
    """Session time in seconds, running ``speed`` times faster than the wall clock."""

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.speed

    async def sleep_until(self, t_s: float) -> None:
        delay = (t_s - self.now()) / self.speed
        await asyncio.sleep(max(delay, 0.0))


class PlaybackClock(SessionClock):
    """A session clock a person controls while replaying: pause, resume, speed, seek.

    Seeking forward lets the source deliver everything up to the new time at once; going
    back needs a fresh source and runner (the analysis only runs forward).
    """

    def __init__(self, speed: float = 1.0, start_s: float = 0.0) -> None:
        super().__init__(speed)
        self._base_s = start_s
        self._t0 = time.monotonic()
        self.paused = False

    def now(self) -> float:
        if self.paused:
            return self._base_s
        return self._base_s + (time.monotonic() - self._t0) * self.speed

    def _rebase(self) -> None:
        self._base_s, self._t0 = self.now(), time.monotonic()

    def pause(self) -> None:
        self._rebase()
        self.paused = True

    def resume(self) -> None:
        self._t0 = time.monotonic()
        self.paused = False

    def set_speed(self, speed: float) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self._rebase()
        self.speed = speed

    def seek(self, t_s: float) -> None:
        """Jump forward to ``t_s`` (earlier times are ignored)."""
        if t_s > self.now():
            self._base_s, self._t0 = t_s, time.monotonic()

    async def sleep_until(self, t_s: float) -> None:
        # In short slices, so a pause, speed change or seek takes effect at once.
        while self.now() < t_s:
            wait = 0.05 if self.paused else min((t_s - self.now()) / self.speed, 0.05)
            await asyncio.sleep(max(wait, 0.0))


class Source(abc.ABC):
    """A producer of beats. ``describe()`` goes into ``session.json`` as the device."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open the device (find and connect a strap) before the session starts; raise
        SourceError when it cannot be used. :meth:`describe` is complete afterwards."""

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """Name, address, firmware, battery... whatever the source knows about itself."""

    @abc.abstractmethod
    def stream(self, clock: SessionClock) -> AsyncIterator[Beat | DeviceEvent | Samples]:
        """Beats, events and raw samples in time order, each delivered when the clock
        reaches it."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device; the stream ends."""


def parse_options(text: str, allowed: dict[str, type]) -> dict[str, Any]:
    """``"hr=65,rf=5.5"`` into typed values; unknown keys or bad values raise SourceError."""
    out: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key not in allowed:
            raise SourceError(f"unknown option {item!r} (options: {', '.join(allowed)})")
        try:
            out[key] = allowed[key](value)
        except ValueError:
            raise SourceError(f"option {key} needs a {allowed[key].__name__}, "
                              f"not {value!r}") from None
    return out
